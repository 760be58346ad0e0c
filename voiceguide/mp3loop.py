"""A sound that comes round again, encoded once: the frames of a bed where it sounds
alone.

Under a bed nothing is silent, but between the ducks around the words the session is
the bed's loop at its level, over and over. A loop whose length is a whole number of
frames makes the same frames each time round, so LAME encodes one time round (after a
few frames to settle, :data:`~voiceguide.mp3splice.WARM_FRAMES`) and every run of the
stream where the bed is alone takes its frames from there (:class:`Repeats`); it is
joined to the encoded pieces around it as they are to each other
(:mod:`voiceguide.mp3splice`). Where a run goes round the loop's end, the loop's first
frame is repacked to borrow nothing, so the run is a stream of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Protocol

from voiceguide.errors import ExportError
from voiceguide.mp3frames import frames_for, long_blocks, samples_per_frame
from voiceguide.mp3plan import Part
from voiceguide.mp3reuse import Reuse
from voiceguide.mp3splice import SEARCH_FRAMES, WARM_FRAMES, Frames, repacked

Render = Callable[[int, int], Iterable[bytes]]


class Loop(Protocol):
    """Where a session's sound repeats, and that sound anywhere (a bed gives one:
    :func:`voiceguide.bed.mix.repeating`)."""

    @property
    def period(self) -> int:
        """Samples before it comes round again: a whole number of frames."""

    @property
    def since(self) -> int:
        """The first sample from which it repeats (a file's first pass is not the loop)."""

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Where the session is this sound alone, samples."""

    def render(self, start: int, end: int) -> Iterable[bytes]:
        """The sound, samples ``start`` to ``end``, as the session would have it there."""


class Repeats:
    """The frames of one time round the loop, encoded once (through ``reuse``, so an
    earlier build's are taken from the cache), and any run of them."""

    def __init__(self, loop: Loop, reuse: Reuse, rate: int, cancel: threading.Event):
        spf = samples_per_frame(rate)
        if loop.period % spf:
            raise ExportError("a bed's loop is not a whole number of MP3 frames")
        self.period = loop.period // spf
        self.start = -(-loop.since // spf)  # the first frame encoded
        count = WARM_FRAMES + self.period + SEARCH_FRAMES + 2
        start, end = self.start * spf, (self.start + count) * spf
        part = Part(start, end, self.start, frames_for(end - start, rate))
        self.frames = reuse.frames(part, loop.render, cancel)
        self.wrap = self._wrap()
        """The frame (of :attr:`frames`) one time round starts on: the frame before it
        and the last one of the time round both end in long blocks, and it repacks."""
        first_round = repacked(self.frames, self.wrap)
        assert first_round is not None  # _wrap chose a frame that repacks
        self.first_round = first_round

    def _wrap(self) -> int:
        for k in range(WARM_FRAMES, WARM_FRAMES + SEARCH_FRAMES):
            end = self.frames.frame(k + self.period - 1)
            if (
                long_blocks(self.frames.frame(k - 1), self.frames.rate)[1]
                and long_blocks(end, self.frames.rate)[1]
                and long_blocks(self.frames.frame(k), self.frames.rate)[0]
                and repacked(self.frames, k) is not None
            ):
                return k
        raise ExportError("found no frame at which a bed's loop goes round cleanly")

    def run(self, part: Part) -> Frames:
        """The frames of ``part``, a run of the stream's frames where the loop sounds
        alone: each the frame of the same place in the loop's time round."""
        out, starts = bytearray(), [0]
        for g in range(part.first, part.first + part.frames):
            k = self.wrap + (g - self.start - self.wrap) % self.period
            out += self.first_round if k == self.wrap else self.frames.frame(k)
            starts.append(len(out))
        return Frames(bytes(out), tuple(starts), self.frames.rate)
