"""Where a session's MP3 is encoded and where silent frames are laid down (pure
arithmetic: the frames themselves are tested in test_mp3.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from voiceguide import mp3plan
from voiceguide.mp3frames import DELAY, frames_for, samples_per_frame

RATE = 22050
SPF = samples_per_frame(RATE)


@st.composite
def sessions(draw):
    """A session length and sorted, disjoint quiet spans inside it."""
    samples = draw(st.integers(1, 3 * 3600 * RATE))
    cuts = sorted(draw(st.lists(st.integers(0, samples), max_size=40)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
    return samples, spans


def in_quiet(begin: int, end: int, quiet) -> bool:
    """Whether samples ``begin`` to ``end`` (those before the session's first count as
    silence: LAME's delay) lie in quiet spans that touch each other."""
    joined: list[list[int]] = []
    for b, e in sorted(quiet):
        if joined and b <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], e)
        else:
            joined.append([b, e])
    return any(b <= max(begin, 0) and end <= e for b, e in joined)


@settings(max_examples=300, deadline=None)
@given(sessions())
def test_every_sound_is_encoded_and_every_silent_frame_is_silence(session_):
    samples, quiet = session_
    stream = mp3plan.plan(samples, quiet, RATE)
    assert stream.frames == frames_for(samples, RATE)
    quiet_beyond = [*quiet, (samples, 1 << 62)]  # the padding after the last sample
    encoded = set()
    for part, following in zip(stream.parts, stream.parts[1:]):
        assert part.first + part.frames <= following.first  # in order, never overlapping
    for part in stream.parts:
        assert part.start == part.first * SPF and part.frames == frames_for(
            part.end - part.start, RATE
        )
        assert 0 <= part.start < part.end <= samples
        encoded.update(range(part.first, part.first + part.frames))
        # a part starts and ends in silence, with its margins, unless at the session's ends
        if part.start > 0:
            assert in_quiet(part.start - DELAY, part.start + mp3plan.LEAD_FRAMES * SPF, quiet)
        if part.end < samples:
            ends = part.first * SPF - DELAY + part.frames * SPF  # where its padding ends
            assert in_quiet(part.end - mp3plan.TAIL_FRAMES * SPF, ends, quiet_beyond)
    assert max(encoded, default=0) < stream.frames
    # what every other frame stands for is silence
    for frame in set(range(stream.frames)) - encoded:
        first = frame * SPF - DELAY
        assert first + SPF <= 0 or in_quiet(first, first + SPF, quiet_beyond)


@settings(max_examples=100, deadline=None)
@given(sessions())
def test_every_sounding_sample_is_inside_a_part(session_):
    samples, quiet = session_
    stream = mp3plan.plan(samples, quiet, RATE)
    for begin, end in mp3plan.sounding(samples, quiet):
        assert any(p.start <= begin and end <= p.end for p in stream.parts)


def test_no_quiet_span_means_the_whole_session_as_one_part():
    stream = mp3plan.plan(600 * RATE, [], RATE)
    assert [(p.start, p.end, p.first) for p in stream.parts] == [(0, 600 * RATE, 0)]


def test_sounds_too_close_for_silent_frames_between_are_one_part():
    second = RATE
    near = [(0, 10 * second), (11 * second, 12 * second), (13 * second, 60 * second)]
    stream = mp3plan.plan(60 * second, near, RATE)  # sounds at 10-11 s and 12-13 s
    assert [(p.start // second, p.end // second) for p in stream.parts] == [(8, 13)]
    apart = [(0, 10 * second), (11 * second, 14 * second), (15 * second, 60 * second)]
    assert len(mp3plan.plan(60 * second, apart, RATE).parts) == 2  # 10-11 s and 14-15 s


def test_an_all_quiet_session_has_no_part():
    assert mp3plan.plan(60 * RATE, [(0, 60 * RATE)], RATE).parts == ()
