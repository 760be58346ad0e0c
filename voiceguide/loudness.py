"""Loudness as a listener hears it, measured in-process.

- :class:`Program` measures EBU R128 integrated loudness (ITU-R BS.1770: K-weighting,
  400 ms blocks every 100 ms, gated at -70 LUFS and 10 LU under the mean), played dual
  mono (a mono file on two speakers, as players do). It works from where each sound
  sits in the session, so the silence between sounds, most of a session, costs nothing:
  a silent block is gated out whatever its length.
- :class:`Energy` keeps a sound's K-weighted energy per cell of a few milliseconds,
  whatever its length, a long sound weighted a chunk at a time.

True peaks and the limiter are in :mod:`voiceguide.peaks`.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from voiceguide import peaks

SILENT_LUFS = -70.0
"""The absolute gate; also what a program with nothing above it measures."""
RELATIVE_GATE_LU = -10.0
BLOCK_STEPS = 4
"""A gating block is four 100 ms steps: 400 ms, overlapping by 75%."""
DUAL_MONO = 2.0
"""Channel weight of a mono signal played on two speakers (left and right, 1.0 each)."""
FILTER_TAIL_SECONDS = 0.25
"""How long after a sound the K-weighting filter still rings (its slowest pole decays
in a few milliseconds); measured along with the sound."""

CELLS_PER_STEP = 10
"""At least this many cells in a 100 ms step: an :class:`Energy` is kept to about
10 ms or finer. Between cell edges it is interpolated, which can only move energy from
one step to the next, never make or lose any: coarser cells would do, finer ones cost
memory (eight bytes a cell, for every second of speech in the session)."""

CHUNK_SECONDS = 10.0
"""Longest stretch of a sound K-weighted at once (:func:`weighted_energy`)."""

T = TypeVar("T")
R = TypeVar("R")


def to_float(pcm: bytes) -> np.ndarray:
    """16-bit PCM as float32 samples from -1 to 1 (exact: 16 bits fit float32's 24)."""
    return as_floats(np.frombuffer(pcm, dtype="<i2"))


def to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2").tobytes()


def lufs(mean_square: float) -> float:
    """Loudness of a K-weighted mean square, dual mono."""
    if mean_square <= 0:
        return -math.inf
    return -0.691 + 10 * math.log10(DUAL_MONO * mean_square)


# -- K-weighting ------------------------------------------------------------------------

# The two filters of BS.1770, as analog prototypes so they can be made at any rate:
# a high shelf (+4 dB above ~1.7 kHz, the head's effect) and a high-pass (~38 Hz).
SHELF_HZ, SHELF_DB, SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
HIGHPASS_HZ, HIGHPASS_Q = 38.13547087602444, 0.5003270373238773


def _biquads(rate: int) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """(b, a) of the shelf and the high-pass at ``rate`` (bilinear transform)."""
    k = math.tan(math.pi * SHELF_HZ / rate)
    high = 10 ** (SHELF_DB / 20)
    band = high**0.4996667741545416
    norm = 1 + k / SHELF_Q + k * k
    shelf = (
        (
            (high + band * k / SHELF_Q + k * k) / norm,
            2 * (k * k - high) / norm,
            (high - band * k / SHELF_Q + k * k) / norm,
        ),
        (1.0, 2 * (k * k - 1) / norm, (1 - k / SHELF_Q + k * k) / norm),
    )
    k = math.tan(math.pi * HIGHPASS_HZ / rate)
    norm = 1 + k / HIGHPASS_Q + k * k
    highpass = (1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / norm, (1 - k / HIGHPASS_Q + k * k) / norm)
    return [shelf, highpass]


RESPONSE_POINTS = 1 << 14
"""Frequencies at which the filter's response is computed; between them it is
interpolated (it changes slowly: its narrowest feature is tens of hertz wide)."""


@functools.lru_cache(maxsize=8)
def _response_grid(rate: int) -> np.ndarray:
    """The K-weighting filter's complex response at :data:`RESPONSE_POINTS` + 1
    frequencies from 0 to half of ``rate``."""
    z = np.exp(-1j * np.pi * np.linspace(0.0, 1.0, RESPONSE_POINTS + 1))  # z^-1
    response = np.ones(len(z), dtype=complex)
    for b, a in _biquads(rate):
        response *= (b[0] + z * (b[1] + z * b[2])) / (a[0] + z * (a[1] + z * a[2]))
    return response


def _response(rate: int, size: int) -> np.ndarray:
    """The response at the bins of a ``size``-point rfft."""
    grid = _response_grid(rate)
    at = np.arange(size // 2 + 1) * (2 * RESPONSE_POINTS / size)
    points = np.arange(len(grid))
    return np.interp(at, points, grid.real) + 1j * np.interp(at, points, grid.imag)


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` through the K-weighting filter, with its ringing after the end
    (:data:`FILTER_TAIL_SECONDS` longer). Filtered by FFT: the padding is long enough
    that nothing wraps around."""
    length = len(samples) + int(FILTER_TAIL_SECONDS * rate)
    size = _fast_size(length)
    spectrum = np.fft.rfft(samples, size)
    spectrum *= _response(rate, size)
    return np.fft.irfft(spectrum, size)[:length]


def on_cores(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``work`` done on each of ``items``, in order, on up to four threads (numpy's FFT
    and arithmetic let other threads run). Only as many items are worked on at once as
    there are threads, so what each one needs while it works is held that many times."""
    workers = min(len(items), os.cpu_count() or 1, 4)
    if workers < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, items))


def _fast_size(n: int) -> int:
    """The smallest 2^a·3^b·5^c at least ``n``: a size the FFT is quick at."""
    best = 1 << max(0, n - 1).bit_length()
    threes = 1
    while threes < best:
        odd = threes
        while odd < best:
            size = odd
            while size < n:
                size *= 2
            best = min(best, size)
            odd *= 5
        threes *= 3
    return best


# -- the program ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Energy:
    """A sound's K-weighted energy, kept as its running sum at every cell edge
    (:func:`cell_of`: under 10 ms) of the signal it was measured from, for eight bytes
    a cell rather than eight a sample. The sound is the part of that signal from
    ``start`` for ``length`` samples, so a clip trimmed after it was measured keeps its
    measurement. Energy between two points is exact at cell edges and interpolated in
    between: a sound placed anywhere is measured to well under a hundredth of a LU."""

    running: np.ndarray
    """Energy of the signal up to each cell edge: ``running[i]`` up to sample
    ``min(i * cell, size)``."""
    cell: int
    size: int
    """The signal's length, samples (its last cell may be short)."""
    start: int = 0
    length: int = -1
    """Samples of the sound; -1 for all of the signal from ``start``."""

    def __post_init__(self) -> None:
        if self.length < 0:
            object.__setattr__(self, "length", self.size - self.start)

    def at(self, offsets: np.ndarray) -> np.ndarray:
        """The sound's energy up to each of ``offsets`` (samples from its start,
        clipped to it), less its energy up to its start."""
        where = np.clip(offsets, 0, self.length) + self.start
        if len(self.running) < 2:
            return np.zeros(len(where))
        index = np.minimum(where // self.cell, len(self.running) - 2)
        low = index * self.cell
        high = np.minimum(low + self.cell, self.size)
        part = (where - low) / np.maximum(high - low, 1)
        below = self.running[index]
        return below + part * (self.running[index + 1] - below)

    def between(self, offsets: np.ndarray) -> np.ndarray:
        """The sound's energy between consecutive ``offsets`` (samples from its start)."""
        return np.diff(self.at(offsets))

    def scaled(self, factor: float) -> Energy:
        """The energy of the sound made ``factor`` times louder (in energy)."""
        return replace(self, running=self.running * factor)

    def with_gain(self, gain: peaks.Gain) -> Energy:
        """The energy of the sound with ``gain`` applied to its samples from its start
        (1 beyond its end). The gain (a limiter's) changes slowly next to a cell, so
        each cell's energy is scaled by the mean of its square there."""
        cells = np.diff(self.running)
        for first, values in gain.spans:
            begin = self.start + first  # in the signal
            low, high = begin // self.cell, -(-(begin + len(values)) // self.cell)
            edge = min(high * self.cell, self.size)
            squared = np.ones(edge - low * self.cell)
            squared[begin - low * self.cell :][: len(values)] = np.square(values, dtype=np.float64)
            edges = np.arange(0, len(squared), self.cell)
            counts = np.diff(np.append(edges, len(squared)))
            cells[low:high] *= np.add.reduceat(squared, edges) / counts
        return replace(self, running=np.concatenate(([0.0], np.cumsum(cells))))


def cell_of(rate: int) -> int:
    """Samples in a cell of :class:`Energy`: about 2 ms, and a whole fraction of the
    meter's step, so that a sound starting on a step is measured exactly."""
    step = step_of(rate)
    return max(d for d in range(1, max(1, step // CELLS_PER_STEP) + 1) if step % d == 0)


def energy(weighted: np.ndarray, rate: int) -> Energy:
    """The :class:`Energy` of a K-weighted signal (:func:`k_weighted`)."""
    cell = cell_of(rate)
    if not len(weighted):
        return Energy(np.zeros(1), cell, 0)
    cells = np.add.reduceat(
        np.square(weighted, dtype=np.float64), np.arange(0, len(weighted), cell)
    )
    return Energy(np.concatenate(([0.0], np.cumsum(cells))), cell, len(weighted))


def weighted_energy(samples: np.ndarray, rate: int) -> Energy:
    """The :class:`Energy` of ``samples`` (floats, or 16-bit integers as
    :func:`to_float` reads them) K-weighted, its filter tail included: :func:`energy`
    of :func:`k_weighted`, but converted and weighted :data:`CHUNK_SECONDS` at a time,
    each chunk's ringing carried into the next, so that a four-minute phrase needs no
    more memory than a short one (weighting it whole took some 40 bytes a sample)."""
    cell, tail = cell_of(rate), int(FILTER_TAIL_SECONDS * rate)
    chunk = max(1, int(CHUNK_SECONDS * rate) // cell) * cell
    if len(samples) <= chunk:
        return energy(k_weighted(as_floats(samples), rate), rate)
    sums, carry = [], np.zeros(0)
    for begin in range(0, len(samples), chunk):
        part = k_weighted(as_floats(samples[begin : begin + chunk]), rate)
        part[: len(carry)] += carry
        done = len(part) if begin + chunk >= len(samples) else chunk
        sums.append(np.add.reduceat(np.square(part[:done]), np.arange(0, done, cell)))
        carry = part[done:]
    running = np.concatenate(([0.0], np.cumsum(np.concatenate(sums))))
    return Energy(running, cell, len(samples) + tail)


def as_floats(samples: np.ndarray) -> np.ndarray:
    """``samples`` as floats from -1 to 1, if they are 16-bit integers."""
    return samples.astype(np.float32) / np.float32(32768) if samples.dtype == np.int16 else samples


class Program:
    """A session's loudness, from where its sounds sit.

    ``placements`` are ``(sound, start sample)``; each sound is given by its
    :class:`Energy`, which lands in the meter's 100 ms steps wherever it is placed.
    Blocks are four steps. Sounds that share a block add their energies (their cross
    terms are left out: sounds never overlap, only a filter's ringing can reach into
    the next one).
    """

    def __init__(self, placements: Iterable[tuple[object, int]], length: int, rate: int):
        self.rate = rate
        self.step = step_of(rate)
        self.starts: dict[object, list[int]] = {}
        """Where each sound starts, samples."""
        for sound, start in placements:
            self.starts.setdefault(sound, []).append(start)
        self.steps = length // self.step
        """Whole steps in the program: a meter reads no further than the audio goes."""

    def energy(self, weighted: np.ndarray) -> Energy:
        """A sound's K-weighted signal (:func:`k_weighted`) as its :class:`Energy`."""
        return energy(weighted, self.rate)

    def energies(self, sounds: Sounds) -> np.ndarray:
        """The K-weighted energy in every 100 ms step of the program made of ``sounds``
        (a mapping, or pairs made one at a time, so that only one is held at once;
        placements of other sounds are left out)."""
        steps = np.zeros(self.steps)
        for sound, total in sounds.items() if isinstance(sounds, Mapping) else sounds:
            for start in self.starts.get(sound, ()) if total.length else ():
                first = start // self.step
                last = min((start + total.length - 1) // self.step, self.steps - 1)
                if last >= first:
                    steps[first : last + 1] += total.between(
                        np.arange(first, last + 2) * self.step - start
                    )
        return steps

    def measure(self, sounds: Sounds) -> float:
        """Gated integrated loudness, LUFS, of the program made of ``sounds``."""
        return integrated(self.energies(sounds), self.step)


Sounds = Mapping[Any, Energy] | Iterable[tuple[Any, Energy]]


def step_of(rate: int) -> int:
    """Samples in the meter's 100 ms step at ``rate``."""
    return max(1, round(rate / 10))


def integrated(step_energies: np.ndarray, step: int) -> float:
    """Gated integrated loudness, LUFS, of K-weighted energies summed per ``step``
    samples (100 ms)."""
    if len(step_energies) < BLOCK_STEPS:
        step_energies = np.pad(step_energies, (0, BLOCK_STEPS - len(step_energies)))
    window = np.concatenate(([0.0], np.cumsum(step_energies)))
    blocks = (window[BLOCK_STEPS:] - window[:-BLOCK_STEPS]) / (BLOCK_STEPS * step)
    floor = 10 ** ((SILENT_LUFS + 0.691) / 10) / DUAL_MONO
    heard = blocks[blocks > floor]
    if heard.size == 0:
        return SILENT_LUFS
    relative = heard.mean() * 10 ** (RELATIVE_GATE_LU / 10)
    return lufs(float(heard[heard > relative].mean()))


def of_clips(clips: Iterable[np.ndarray], rate: int, gap_seconds: float = 1.0) -> float:
    """Integrated loudness of ``clips`` played one after another, at least
    ``gap_seconds`` apart (each starting on a 100 ms step)."""
    energies = on_cores(lambda c: weighted_energy(c, rate), list(clips))
    return of_energies(energies, rate, gap_seconds)


def of_energies(energies: Sequence[Energy], rate: int, gap_seconds: float = 1.0) -> float:
    """:func:`of_clips`, from the clips' :class:`Energy` (K-weighted, filter tail included)."""
    step = step_of(rate)
    placements, start = [], 0
    tail = int(FILTER_TAIL_SECONDS * rate)
    for index, sound in enumerate(energies):
        placements.append((index, start))
        start += -(-(sound.length - tail + int(gap_seconds * rate)) // step) * step
    program = Program(placements, start, rate)
    return program.measure(dict(enumerate(energies)))
