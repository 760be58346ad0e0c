"""The bed's gain over the session: its level, ducked ahead of every sound, faded in
and out. Pure arithmetic on sample positions: the same curve for the audio, the
loudness measurement and the picture in the notes.

The voice's every word and tone is known to the sample before anything is rendered,
so the bed starts to drop :data:`ATTACK_SECONDS` *before* each sound (and is fully
down a little before it begins) and comes back over :data:`RELEASE_SECONDS` after it ends. Sounds
closer together than :data:`MERGE_SECONDS` share one duck, so the bed never pumps
between the words of one instruction. Each ramp is a raised cosine in decibels: no
corner to hear.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ATTACK_SECONDS = 0.3
"""How long before a sound the bed starts to drop."""
DOWN_BEFORE_SECONDS = 0.08
"""How long before the sound the bed is fully down: the first consonant, often soft,
falls on a bed already quiet."""
RELEASE_SECONDS = 0.6
MERGE_SECONDS = 2.0
"""Sounds this close share one duck (at least the attack and release together, so
that ramps never overlap)."""
FADE_IN_SECONDS = 4.0
FADE_OUT_SECONDS = 5.0
READ_EVERY = 32
"""Samples between the points where :meth:`Curve.over` reads the curve; it draws
straight lines between them. Its fastest ramp takes some 4,800 samples, so the lines
stay within a ten-thousandth of it (0.001 dB)."""


@dataclass(frozen=True)
class Curve:
    """The bed's linear gain at any sample of a session of :attr:`length` samples."""

    level: float
    """The bed's gain where nothing sounds (linear)."""
    duck_db: float
    ducks: tuple[tuple[int, int], ...]
    """(start, end) samples of each run of sounds the bed ducks under, merged."""
    rate: int
    length: int

    def at(self, positions: np.ndarray) -> np.ndarray:
        """The gain at each of ``positions`` (samples, ascending)."""
        depth = self.depth(positions)
        gain = self.level * 10 ** (-self.duck_db * depth / 20)
        return gain * self.fade(positions)

    def over(self, start: int, count: int) -> np.ndarray | float:
        """The gain over samples ``start`` to ``start + count``: one number where it
        holds still there (most of a session), else read every :data:`READ_EVERY`
        samples and joined by straight lines (float32)."""
        points = np.arange(start, start + count + READ_EVERY, READ_EVERY)
        if self._holds_still(int(points[0]), int(points[-1])):
            return self.level
        values = self.at(points)
        if values.min() == values.max():
            return float(values[0])
        where = np.arange(count, dtype=np.float32)
        return np.interp(where, (points - start).astype(np.float32), values).astype(np.float32)

    def flat(self) -> list[tuple[int, int]]:
        """The spans (start, end samples) where the gain is :attr:`level` exactly: the
        bed sounds alone, neither ducked nor fading."""
        attack, release = ATTACK_SECONDS * self.rate, RELEASE_SECONDS * self.rate
        low, high = FADE_IN_SECONDS * self.rate, self.length - FADE_OUT_SECONDS * self.rate
        edges = [low, *(x for s, e in self.ducks for x in (s - attack, e + release)), high]
        spans = []
        for begin, end in zip(edges[::2], edges[1::2]):
            begin, end = max(begin, low), min(end, high)
            if end > begin:
                spans.append((int(np.ceil(begin)), int(end)))
        return spans

    def depth(self, positions: np.ndarray) -> np.ndarray:
        """How far down each position is ducked, 0 (not) to 1 (fully)."""
        attack, release = ATTACK_SECONDS * self.rate, RELEASE_SECONDS * self.rate
        lead = DOWN_BEFORE_SECONDS * self.rate
        out = np.zeros(len(positions))
        if not self.ducks:
            return out
        starts, ends = self._spans
        index = np.searchsorted(starts - attack, positions, side="right") - 1
        near = index >= 0
        where = positions[near].astype(np.float64)
        s, e = starts[index[near]], ends[index[near]]
        rising = _raised((where - (s - attack)) / (attack - lead))
        falling = _raised(1 - (where - e) / release)
        out[near] = np.where(where < s, rising, np.where(where <= e, 1.0, falling))
        return out

    def _holds_still(self, first: int, last: int) -> bool:
        """Whether samples ``first`` to ``last`` all lie in one of the :meth:`flat`
        spans, where the gain is :attr:`level` exactly (most of a session)."""
        begins, ends = self._flat
        k = bisect.bisect_right(begins, first) - 1
        return k >= 0 and last <= ends[k]

    @functools.cached_property
    def _flat(self) -> tuple[list[int], list[int]]:
        spans = self.flat()
        return [b for b, _ in spans], [e for _, e in spans]

    @functools.cached_property
    def _spans(self) -> tuple[np.ndarray, np.ndarray]:
        """The ducks' starts and ends as arrays, made once: the mix reads the curve a
        second at a time, and making them each time took most of its reading (a
        3-hour session's 814 ducks, 2.3 s of processor)."""
        spans = np.array(self.ducks, dtype=np.float64).reshape(-1, 2)
        return spans[:, 0], spans[:, 1]

    def fade(self, positions: np.ndarray) -> np.ndarray:
        """The fade in over the first seconds and out over the last, 0 to 1."""
        up = _raised(positions / (FADE_IN_SECONDS * self.rate))
        down = _raised((self.length - positions) / (FADE_OUT_SECONDS * self.rate))
        return up * down


def _raised(x: np.ndarray) -> np.ndarray:
    """A raised cosine from 0 (x ≤ 0) to 1 (x ≥ 1)."""
    return (1 - np.cos(np.pi * np.clip(x, 0.0, 1.0))) / 2


def ducks(sounds: Sequence[tuple[int, int]], rate: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) spans of ``sounds`` (in order) merged where they are closer than
    :data:`MERGE_SECONDS`."""
    merged: list[tuple[int, int]] = []
    gap = MERGE_SECONDS * rate
    for start, end in sounds:
        if merged and start - merged[-1][1] < gap:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
