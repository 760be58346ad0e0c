"""Piper's phrases on every core: which phrase starts when (pure, with a stand-in for the
voice: the real one is in test_piper.py), and what a failure does."""

from __future__ import annotations

import threading

import pytest

from voiceguide.errors import BadInput, SynthesisError
from voiceguide.speech.base import Clip
from voiceguide.speech.piper_voicing import BUDGET, Schedule, voice_all, weight

TEXTS = [
    "Rest.",
    "Three.",
    "Lie on your back with both legs flat on the floor, arms by your sides.",
    "Loop a towel around your right foot. Straighten the leg up toward the ceiling.",
    "Halfway.",
    "Sit up tall on the edge of a chair, one leg straight in front of you, heel down.",
    "Switch sides.",
]


def test_a_phrase_weighs_as_its_longest_sentence():
    assert weight("Rest.") == 5
    assert weight("Sit up. Breathe out slowly; let go.") == len("Breathe out slowly;")


def test_the_heaviest_go_first_and_never_two_beyond_the_budget():
    schedule = Schedule(TEXTS)
    heaviest = max(map(weight, TEXTS))
    assert schedule.budget == BUDGET * heaviest
    first = schedule.next_fit()
    assert weight(first) == heaviest
    second = schedule.next_fit()  # beside it: only what fits the rest of the budget
    assert weight(first) + weight(second) <= BUDGET * heaviest
    assert weight(second) == max(weight(t) for t in TEXTS if weight(t) <= (BUDGET - 1) * heaviest)
    while (more := schedule.next_fit()) is not None:  # the small ones while budget remains
        assert schedule.under_way <= BUDGET * heaviest
        second = more
    schedule.done(first)
    assert schedule.next_fit() is not None  # room again


class Voice:
    """Says a phrase as a clip of its length, and notes how much is said at once. With a
    ``gate``, every phrase but the heaviest waits for it: what was begun before a stop is
    then known exactly."""

    def __init__(self, fail: bool = False, gated: bool = False):
        self.lock = threading.Condition()
        self.under_way: list[str] = []
        self.most = 0.0
        self.begun: list[str] = []
        self.said: list[str] = []
        self.fail = fail
        self.gate = threading.Event()
        if not gated:
            self.gate.set()

    def __call__(self, text: str) -> Clip:
        with self.lock:
            self.begun.append(text)
            self.under_way.append(text)
            self.most = max(self.most, sum(map(weight, self.under_way)))
        try:
            if text != HEAVIEST:
                assert self.gate.wait(30), "never let through"  # a hang guard
            elif self.fail:
                raise SynthesisError(f"the voice failed on {text!r}")
            return Clip(bytes(2 * len(text)), 22050)
        finally:
            with self.lock:
                self.under_way.remove(text)
                self.said.append(text)
                self.lock.notify_all()

    def finish(self) -> None:
        """Let every phrase under way end, and wait until the workers have gone."""
        self.gate.set()
        for thread in threading.enumerate():
            if thread.name.startswith("piper "):
                thread.join(30)
                assert not thread.is_alive(), "a worker never stopped"


HEAVIEST = max(TEXTS, key=weight)


def test_every_phrase_is_said_once_and_handed_over_in_this_thread():
    voice, handed = Voice(), []
    caller = threading.current_thread()

    def on_clip(text, clip):
        assert threading.current_thread() is caller
        handed.append(text)

    clips = voice_all(TEXTS, voice, 4, on_clip)
    assert sorted(clips) == sorted(TEXTS) and sorted(handed) == sorted(TEXTS)
    assert all(clips[t].samples == len(t) for t in TEXTS)
    assert sorted(voice.said) == sorted(TEXTS)
    assert voice.most <= BUDGET * weight(HEAVIEST)


def test_one_worker_says_them_in_order():
    voice = Voice()
    assert list(voice_all(TEXTS, voice, 1, None)) == TEXTS and voice.said == TEXTS


def test_a_failure_stops_what_has_not_begun_and_is_raised():
    voice = Voice(fail=True, gated=True)
    with pytest.raises(SynthesisError, match="Sit up tall"):
        voice_all(TEXTS, voice, 2, None)
    voice.finish()
    assert voice.begun[0] == HEAVIEST and len(voice.begun) <= 3  # and one a worker, at most


def test_a_refusal_from_on_clip_stops_the_voicing():
    voice = Voice(gated=True)

    def too_much(text, clip):
        raise BadInput("the spoken phrases alone last too long")

    with pytest.raises(BadInput):
        voice_all(TEXTS, voice, 2, too_much)
    voice.finish()
    assert voice.begun[0] == HEAVIEST and len(voice.begun) <= 3
