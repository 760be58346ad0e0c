"""The bed made ready for a session and laid under its PCM, a chunk at a time.

:func:`prepare` makes the bed's :class:`~voiceguide.bed.sources.Loop` (generated, or
read from its file) and measures it once; :mod:`voiceguide.levels` sets its level from
that measurement; :func:`laid_under` adds it, ducked and faded by its
:class:`~voiceguide.bed.curve.Curve`, to the voice's chunks as they stream to the
encoder, so a bed costs no memory that grows with the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from voiceguide import loudness
from voiceguide.bed import BedChoice
from voiceguide.bed.curve import Curve
from voiceguide.bed.sources import Loop, from_file, generated, read
from voiceguide.speech.base import SAMPLE_WIDTH

POINTS_PER_STEP = 10
"""Where the bed's gain is read in each 100 ms step of the loudness meter (it changes
over 0.3 s at the fastest, so ten points give its mean square closely)."""
STEPS_AT_ONCE = 6000
"""Meter steps whose points are read at once (10 minutes): what bounds the memory."""


@dataclass(frozen=True)
class Bed:
    """A bed ready to lay: its choice, its loop and how loud the loop is."""

    choice: BedChoice
    loop: Loop
    rate: int
    lufs: float
    """Integrated loudness of one pass of the loop, as it is (dual mono)."""
    power: float
    """Its mean K-weighted energy a sample: what a step of it adds to the meter."""

    @property
    def silent(self) -> bool:
        return self.loop.silent or self.lufs <= loudness.SILENT_LUFS

    def warning(self) -> tuple[str, ...]:
        if not self.silent:
            return ()
        return (f"the bed '{self.choice.name}' is silent: the session has no bed to hear",)


def prepare(choice: BedChoice, rate: int) -> Bed:
    """The bed ``choice`` made (or, for a file, read and decoded) at ``rate``, and
    measured."""
    if choice.path is not None:
        loop = from_file(read(choice.path), rate)
    else:
        loop = generated(choice.name, rate)
    energy = loudness.weighted_energy(loop.body, rate)
    step = loudness.step_of(rate)
    steps = energy.between(np.arange(0, len(loop.body) + 1, step))
    lufs = loudness.integrated(steps, step)
    power = float(energy.at(np.array([len(loop.body)]))[0]) / max(1, len(loop.body))
    return Bed(choice, loop, rate, lufs, power)


def step_energies(bed: Bed, curve: Curve, steps: int, step: int) -> np.ndarray:
    """The bed's K-weighted energy in each of the session's first ``steps`` meter steps,
    laid with ``curve``: its mean energy a sample times the mean square of its gain
    there (the bed's own ups and downs within a loop are left out: its loudness is set
    from the loop as a whole)."""
    offsets = (np.arange(POINTS_PER_STEP) + 0.5) * step / POINTS_PER_STEP
    squares = np.empty(steps)
    for first in range(0, steps, STEPS_AT_ONCE):  # a 3-hour session's points at once took 80 MB
        last = min(first + STEPS_AT_ONCE, steps)
        where = (np.arange(first, last)[:, None] * step + offsets[None, :]).ravel()
        gains = curve.at(where).reshape(last - first, POINTS_PER_STEP)
        squares[first:last] = np.square(gains).mean(axis=1)
    return bed.power * step * squares


def laid_under(chunks: Iterable[bytes], start: int, bed: Bed, curve: Curve) -> Iterator[bytes]:
    """``chunks`` (16-bit mono PCM from sample ``start`` on) with the bed added under
    them, sample for sample."""
    now = start
    for chunk in chunks:
        count = len(chunk) // SAMPLE_WIDTH
        if count:
            yield _mixed(bed.loop.at(now, count), curve.over(now, count), chunk)
            now += count


def alone(bed: Bed, curve: Curve) -> Callable[[int, int], Iterator[bytes]]:
    """The bed as it sounds where it sounds alone, at its level (see
    :meth:`~voiceguide.bed.curve.Curve.flat`), anywhere: samples ``start`` to ``end``
    in chunks, the same there as :func:`laid_under` makes them."""
    second = curve.rate

    def render(start: int, end: int) -> Iterator[bytes]:
        for at in range(start, end, second):
            count = min(second, end - at)
            yield _mixed(bed.loop.at(at, count), curve.level, bytes(count * SAMPLE_WIDTH))

    return render


def _mixed(under: np.ndarray, gain: np.ndarray | float, voice: bytes) -> bytes:
    """The bed's samples ``under`` (float32, changed here) at ``gain``, with the 16-bit
    ``voice`` over them, as 16-bit PCM."""
    under *= gain * np.float32(32768)
    under += np.frombuffer(voice, dtype="<i2")
    return np.clip(np.rint(under), -32768, 32767).astype("<i2").tobytes()


@dataclass(frozen=True)
class Alone:
    """Where the session is the bed alone, and the bed alone anywhere (what
    :class:`voiceguide.mp3loop.Loop` asks for)."""

    period: int
    since: int
    spans: tuple[tuple[int, int], ...]
    sound: Callable[[int, int], Iterator[bytes]]
    guard: Callable[[Iterator[bytes]], Iterator[bytes]]

    def render(self, start: int, end: int) -> Iterator[bytes]:
        return self.guard(self.sound(start, end))


def repeating(bed: Bed, curve: Curve, guard: Callable[[Iterator[bytes]], Iterator[bytes]]) -> Alone:
    """Where the session is the bed alone (:meth:`~voiceguide.bed.curve.Curve.flat`),
    the bed's loop (whole MP3 frames long) sounding there, for the MP3 to encode once
    (:mod:`voiceguide.mp3loop`); its samples rendered through ``guard``."""
    return Alone(len(bed.loop.body), len(bed.loop.head), tuple(curve.flat()),
                 alone(bed, curve), guard)  # fmt: skip
