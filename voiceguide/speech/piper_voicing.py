"""Piper's phrases said on every core at once, with the memory they hold bounded.

onnxruntime runs one phrase over every core by default (its intra-op threads), but a
voice's operators are small, and the threads spend much of the time waiting on each
other. A phrase on each core instead, each run on one intra-op thread of its own (one
model, shared by the threads), is faster and takes less processor. What bounds how many
go at once is memory: a sentence being said holds its activations, about 1.3 MB a
character of it for the packaged voice, so two long ones at once would add 200 MB.
So a phrase is weighed by its longest sentence (Piper says a phrase a sentence at a
time), and phrases start, the heaviest first, only while the weights under way stay
within :data:`BUDGET` times the heaviest phrase's: a long phrase is said beside short
ones, never beside another long one. onnxruntime's memory patterns (blocks planned
ahead from earlier runs' shapes) are off: with shapes that change from phrase to
phrase, they only held more.

Measured on 2 cores with the built-in routine's 40 phrases (174 s of speech), the model
loaded: one phrase at a time on both cores, 7.8 s and 356 MB at the peak; a phrase a
core within the budget, 7.0 s and 337 to 376 MB; a phrase a core without a budget,
7.1 s and 431 MB.
"""

from __future__ import annotations

import json
import os
import queue
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.speech.base import Clip, OnClip

if TYPE_CHECKING:
    from piper import PiperVoice

MAX_WORKERS = 4
BUDGET = 1.5
"""Weight of the phrases said at once, in units of the heaviest phrase's."""
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def default_workers() -> int:
    """A phrase a core the process may use, at most :data:`MAX_WORKERS`."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, MAX_WORKERS))


def load_voice(model: Path, workers: int) -> PiperVoice:
    """The Piper voice in ``model`` (its ``.onnx.json`` beside it), set up to be said by
    ``workers`` threads at once: as :meth:`piper.PiperVoice.load` loads it, with each
    run on one thread when there are several, and no memory patterns."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    load_own_espeak()
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    options = onnxruntime.SessionOptions()
    options.enable_mem_pattern = False
    if workers > 1:
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


def load_own_espeak() -> None:
    """Load Piper's espeak-ng (``piper.espeakbridge``, which has a copy of the library
    built in) bound to that copy, before its first phrase. Its calls into espeak-ng's
    API go through the dynamic linker, which looks in the libraries loaded for the
    whole process first: after a libespeak-ng was loaded so (``RTLD_GLOBAL``, as
    :func:`voiceguide.speech.pyttsx3_worker.prepare_espeak` loads pyttsx3's), those
    calls reached that library while the rest of the module used its own copy, and the
    process died at the first phrase (SIGSEGV). ``RTLD_DEEPBIND`` makes the module look
    in itself first. Once loaded it stays bound, whatever is loaded later; where there
    is no ``RTLD_DEEPBIND`` (outside glibc) it loads as usual."""
    if "piper.espeakbridge" in sys.modules or not hasattr(os, "RTLD_DEEPBIND"):
        return
    flags = sys.getdlopenflags()
    sys.setdlopenflags(flags | os.RTLD_DEEPBIND)
    try:
        import piper.espeakbridge  # noqa: F401 - loaded now, with the flag
    finally:
        sys.setdlopenflags(flags)


def weight(text: str) -> int:
    """What saying ``text`` holds in memory, in characters of its longest sentence."""
    return max(len(sentence) for sentence in _SENTENCE_END.split(text.strip()))


class Schedule:
    """Which phrase starts next: the heaviest waiting one that keeps the weight under
    way within the budget (any one, when none is under way). Safe from several
    threads: :meth:`take` waits until a phrase fits."""

    def __init__(self, texts: Sequence[str], budget: float = BUDGET):
        self.waiting = sorted(texts, key=weight, reverse=True)
        self.budget = budget * (weight(self.waiting[0]) if self.waiting else 0)
        self.under_way = 0
        self.stopped = False
        self._changed = threading.Condition()

    def next_fit(self) -> str | None:
        """The phrase that may start now, taken off the list; None if none may."""
        for index, text in enumerate(self.waiting):
            if not self.under_way or self.under_way + weight(text) <= self.budget:
                self.under_way += weight(text)
                return self.waiting.pop(index)
        return None

    def take(self) -> str | None:
        """The next phrase to say, once it fits; None when all are taken or it stopped."""
        with self._changed:
            while not self.stopped and self.waiting:
                text = self.next_fit()
                if text is not None:
                    return text
                self._changed.wait()
            return None

    def done(self, text: str) -> None:
        with self._changed:
            self.under_way -= weight(text)
            self._changed.notify_all()

    def stop(self) -> None:
        """No phrase starts after this (those under way finish)."""
        with self._changed:
            self.stopped = True
            self._changed.notify_all()


def voice_all(
    texts: Sequence[str], say: Callable[[str], Clip], workers: int, on_clip: OnClip | None
) -> dict[str, Clip]:
    """Each of ``texts`` said by ``say``, ``workers`` at a time as the :class:`Schedule`
    lets them, each handed to ``on_clip`` in this thread as it is done. The first
    failure (or an ``on_clip`` that raises, or Ctrl-C) stops every phrase not yet begun
    and is raised here."""
    if workers <= 1 or len(texts) <= 1:
        return {text: _handed(text, say(text), on_clip) for text in texts}
    schedule = Schedule(texts)
    said: queue.Queue[tuple[str, Clip | BaseException]] = queue.Queue()

    def work() -> None:
        while (text := schedule.take()) is not None:
            try:
                said.put((text, say(text)))
            except BaseException as exc:  # handed to the caller's thread
                said.put((text, exc))
                schedule.stop()
            finally:
                schedule.done(text)

    for n in range(min(workers, len(texts))):
        threading.Thread(target=work, name=f"piper {n}", daemon=True).start()
    clips: dict[str, Clip] = {}
    try:
        while len(clips) < len(texts):
            text, got = said.get()
            if isinstance(got, BaseException):
                raise got
            clips[text] = _handed(text, got, on_clip)
    finally:
        schedule.stop()
    return clips


def _handed(text: str, clip: Clip, on_clip: OnClip | None) -> Clip:
    if on_clip is not None:
        on_clip(text, clip)
    return clip
