"""Where a session's MP3 is encoded, and where silent frames are laid down instead.

The stream is one row of frames: frame ``f`` decodes to the session's samples
``f × spf − DELAY`` to ``(f + 1) × spf − DELAY`` (``spf`` samples a frame, LAME's
:data:`~voiceguide.mp3frames.DELAY` before the first sample). A fresh LAME given the
samples from ``S = F × spf`` on puts ``DELAY`` samples of silence before them, so its
frames land on the row from frame ``F``, and it pads its end with silence to whole
frames: the part's frames decode to exactly its samples, with silence on both sides.

So each sounding stretch of the session (what lies between the ``quiet`` spans, which
are digital silence) becomes a part that starts on a frame, :data:`LEAD_FRAMES` or
more before its first sound, and ends :data:`TAIL_FRAMES` after its last; the frames
between parts are silent frames. Stretches too close for silent frames to fit between them, or for a
new LAME to be worth starting, are encoded as one part.

Asked to (a session under a bed has no silence at all), a stretch longer than
:data:`PIECE_FRAMES` is encoded in pieces, so that every core takes some and none holds much: each
piece after the first starts :data:`~voiceguide.mp3splice.WARM_FRAMES` before its place
and the one before it runs on past it, and the stream goes from one to the next at a
frame where they agree (:mod:`voiceguide.mp3splice`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voiceguide.mp3frames import DELAY, frames_for, samples_per_frame
from voiceguide.mp3splice import SEARCH_FRAMES, WARM_FRAMES

LEAD_FRAMES = 64
"""Frames of silence a part starts with before its first sound. LAME looks ahead of and
overlaps its frames, and the decoder's filters lag, by far less; but LAME's state
(its bit reservoir, its psychoacoustic memory) takes this long in silence to become
what it is after any silence that long, so each sound is encoded exactly as one LAME
running through the whole session would: in VBR the decoded audio is the same, sample
for sample. Measured on the built-in sessions: with 4 frames it differed by LAME's
noise, 75 dB below the speech; with 40, at a few onsets (the Spanish session needed
56)."""
TAIL_FRAMES = 4
"""Frames of silence a part keeps after its last sound, beyond LAME's own padding: what
LAME and the decoder need to let the sound ring out to zero."""
JOIN_FRAMES = 32
"""Silent frames between two stretches below which they are encoded as one part: a LAME
started costs about what encoding this much silence does (0.8 s at 22.05 kHz)."""
PIECE_FRAMES = 1536
"""Frames of a piece of a long stretch (40 s at 22.05 kHz): small enough for every core
to take several, large enough that the frames encoded twice where pieces overlap (some
50) cost little."""
MIN_REPEAT_FRAMES = 128
"""The fewest frames a repeating run is taken from the loop rather than encoded: two
joins and the frames encoded twice around them cost about this much."""
REPEAT_MARGIN_FRAMES = 3
"""Frames on each side of a repeated frame that must repeat too: LAME's look-ahead and
the transform's overlap reach less far."""
RUN_ON_FRAMES = SEARCH_FRAMES + 8
"""Frames a piece runs on past the next piece's place: the frames where the join may
fall, and a few more, so that none of them is shaped by the piece's end."""


@dataclass(frozen=True)
class Part:
    """Samples ``start`` to ``end`` of the session, encoded by one LAME into ``frames``
    frames that take the stream's frames from ``first`` on."""

    start: int
    end: int
    first: int
    frames: int
    joined: bool = False
    """Whether its first frames overlap the part before it (a piece of a long stretch):
    the stream goes from that part to this one at a frame they agree on."""
    held_from: int | None = None
    """The stream's frame from which this part's frames wait for the next part, which
    joins it there or after (None: the next part does not join it)."""
    repeat: bool = False
    """Whether its frames are not encoded but taken from a sound that comes round again
    (a bed alone), encoded once (:mod:`voiceguide.mp3loop`)."""


@dataclass(frozen=True)
class Stream:
    """The parts to encode, in order, and the frames of the whole stream: every frame
    before, between and after the parts is a silent one."""

    parts: tuple[Part, ...]
    frames: int


def sounding(samples: int, quiet: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of a session of ``samples`` samples outside the ``quiet`` ones."""
    spans, now = [], 0
    for begin, end in sorted(quiet):
        begin, end = max(begin, 0), min(end, samples)
        if begin > now:
            spans.append((now, begin))
        now = max(now, end)
    if now < samples:
        spans.append((now, samples))
    return spans


def plan(
    samples: int,
    quiet: Sequence[tuple[int, int]],
    rate: int,
    pieces: bool = False,
    repeats: Sequence[tuple[int, int]] = (),
) -> Stream:
    """The parts of a session of ``samples`` samples at ``rate`` whose ``quiet`` spans
    (``(start, end)`` samples) are digital silence; long ones in pieces if ``pieces``
    (never at a constant bit rate: a join needs a wider frame), the frames ``repeats``
    lists (:func:`repeating`) taken from a loop rather than encoded."""
    spf = samples_per_frame(rate)
    lead, tail = LEAD_FRAMES * spf, TAIL_FRAMES * spf
    parts: list[Part] = []
    for begin, end in sounding(samples, quiet):
        start = max(0, (begin - lead) // spf * spf)
        stop = min(samples, end + tail)
        if parts and start < parts[-1].start + (parts[-1].frames + JOIN_FRAMES) * spf:
            start = parts.pop().start  # too close: one part
        parts.append(Part(start, stop, start // spf, frames_for(stop - start, rate)))
    if pieces:
        parts = [piece for part in parts for piece in in_pieces(part, rate, repeats)]
    return Stream(tuple(parts), frames_for(samples, rate))


def in_pieces(part: Part, rate: int, repeats: Sequence[tuple[int, int]] = ()) -> list[Part]:
    """``part`` as pieces that overlap to be joined: each run of ``repeats`` (frames
    ``[a, b)`` whose sound comes round again: :func:`repeating`) a piece of its own,
    taken from the frames of its first time round; and what lies between in pieces of
    about :data:`PIECE_FRAMES` frames (``part`` itself, if that is all it is). Every
    frame where the stream may join a run's piece, on either side, lies in the run: past
    it, the loop's frames are not the session's (its sound ducks, a word begins)."""
    spf = samples_per_frame(rate)
    end = part.first + part.frames
    segments: list[tuple[int, bool]] = []  # each piece's place, and whether it repeats
    now = part.first
    for a, b in repeats:
        # the piece after a run is joined up to SEARCH_FRAMES after its place, and the
        # loop's frames are the session's only inside the run: it goes over that early
        a, b = max(a, now), min(b, end - RUN_ON_FRAMES) - SEARCH_FRAMES
        if b - a < MIN_REPEAT_FRAMES:
            continue
        segments += [(place, False) for place in _places(now, a, not segments)]
        segments.append((a, True))
        now = b
    segments += [(place, False) for place in _places(now, end, not segments)]
    if len(segments) == 1:
        return [part]
    pieces = []
    for k, (place, repeat) in enumerate(segments):
        first = place if k == 0 else place - WARM_FRAMES
        nxt = segments[k + 1][0] if k + 1 < len(segments) else None
        stop = part.end if nxt is None else min(part.end, (nxt + RUN_ON_FRAMES) * spf)
        start = first * spf
        held = None if nxt is None else nxt - 1  # the join needs the frame before it too
        pieces.append(Part(start, stop, first, frames_for(stop - start, rate), k > 0, held,
                           repeat))  # fmt: skip
    return pieces


def _places(begin: int, end: int, first: bool) -> list[int]:
    """Where pieces of the frames ``begin`` to ``end`` start: every :data:`PIECE_FRAMES`,
    none in the last half piece (``begin`` itself only if it starts ``first``, or the
    stretch is longer than a few frames)."""
    if end <= begin or (end - begin < WARM_FRAMES + RUN_ON_FRAMES and not first):
        return []
    return list(range(begin, max(begin + 1, end - PIECE_FRAMES // 2), PIECE_FRAMES))


def repeating(spans: Sequence[tuple[int, int]], since: int, rate: int) -> list[tuple[int, int]]:
    """The runs of frames ``[a, b)`` whose samples, and :data:`REPEAT_MARGIN_FRAMES`
    more on each side (what LAME and the decoder look at around a frame), all lie in
    ``spans`` (samples where the session's sound repeats) and from sample ``since`` on."""
    spf = samples_per_frame(rate)
    margin = REPEAT_MARGIN_FRAMES * spf
    runs = []
    for begin, end in spans:
        a = -(-(max(begin, since) + DELAY + margin) // spf)
        b = (end + DELAY - margin) // spf
        if b > a:
            runs.append((a, b))
    return runs
