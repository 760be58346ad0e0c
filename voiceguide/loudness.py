"""Loudness as a listener hears it, and peaks as a DAC makes them — measured in-process.

- :class:`Program` measures EBU R128 integrated loudness (ITU-R BS.1770: K-weighting,
  400 ms blocks every 100 ms, gated at -70 LUFS and 10 LU under the mean), played dual
  mono (a mono file on two speakers, as players do). It works from where each sound
  sits in the session, so the silence between sounds, most of a session, costs nothing:
  a silent block is gated out whatever its length.
- :func:`limit` keeps true peaks (the signal between samples, here 8× oversampled)
  under a ceiling. It works offline on a whole clip, so its look-ahead costs no latency,
  and it interpolates only around samples that could come near the ceiling.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

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

LIMITER_WINDOW_MS = 5.0
"""How far ahead (and behind) the limiter looks: each gain change takes this long."""
OVERSAMPLING = 8
INTERPOLATION_TAPS = 24
"""Taps per phase of the true-peak interpolator. BS.1770's meter uses 4× with 12 taps,
which can read half a dB low on sound near the top of the band; 8× with 24 taps comes
within a tenth of a dB of ideal interpolation."""


def to_float(pcm: bytes) -> np.ndarray:
    """16-bit PCM as float32 samples from -1 to 1 (exact: 16 bits fit float32's 24)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768)


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


def k_weighted_all(sounds: Sequence[np.ndarray], rate: int) -> list[np.ndarray]:
    """:func:`k_weighted` of each of ``sounds``, on every core (numpy's FFT lets other
    threads run)."""
    workers = min(len(sounds), os.cpu_count() or 1, 4)
    if workers < 2:
        return [k_weighted(s, rate) for s in sounds]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda s: k_weighted(s, rate), sounds))


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


class Program:
    """A session's loudness, from where its sounds sit.

    ``placements`` are ``(sound, start sample)``. Energy is kept per *cell*: the largest
    length that divides the 100 ms step and every start, so a sound's K-weighted energy,
    summed per cell once (:meth:`energy`), lands whole in the steps wherever it is
    placed. Blocks are four steps. Sounds that share a block add their energies (their
    cross terms are left out: sounds never overlap, only a filter's ringing can reach
    into the next one).
    """

    def __init__(self, placements: Iterable[tuple[object, int]], length: int, rate: int):
        self.rate = rate
        self.step = step_of(rate)
        self.placements = list(placements)
        self.cell = math.gcd(self.step, *(start for _, start in self.placements))
        self.steps = length // self.step
        """Whole steps in the program: a meter reads no further than the audio goes."""

    def energy(self, weighted: np.ndarray) -> np.ndarray:
        """A sound's K-weighted signal (:func:`k_weighted`) as the running sum of its
        energy at every cell edge, from 0. It scales with the square of the gain."""
        return self.energy_of_squares(np.square(weighted))

    def energy_of_squares(self, squares: np.ndarray) -> np.ndarray:
        """:meth:`energy`, from the K-weighted signal already squared."""
        cells = (
            np.add.reduceat(squares, np.arange(0, len(squares), self.cell), dtype=np.float64)
            if len(squares)
            else squares
        )
        return np.concatenate(([0.0], np.cumsum(cells, dtype=np.float64)))

    def energies(self, sounds: Mapping[object, np.ndarray]) -> np.ndarray:
        """The K-weighted energy in every 100 ms step of the program made of ``sounds``
        (each given by its :meth:`energy`; placements of other sounds are left out)."""
        steps = np.zeros(self.steps)
        per_step = self.step // self.cell
        for sound, start in self.placements:
            total = sounds.get(sound)
            if total is None:
                continue
            first_cell, cells = start // self.cell, len(total) - 1
            first = first_cell // per_step
            last = min((first_cell + cells - 1) // per_step, self.steps - 1)
            if last < first:
                continue
            edges = np.clip(np.arange(first, last + 2) * per_step - first_cell, 0, cells)
            steps[first : last + 1] += np.diff(total[edges])
        return steps

    def measure(self, sounds: Mapping[object, np.ndarray]) -> float:
        """Gated integrated loudness, LUFS, of the program made of ``sounds``."""
        return integrated(self.energies(sounds), self.step)


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
    return of_weighted(k_weighted_all(list(clips), rate), rate, gap_seconds)


def of_weighted(weighted: Sequence[np.ndarray], rate: int, gap_seconds: float = 1.0) -> float:
    """:func:`of_clips`, from the clips already K-weighted (:func:`k_weighted`)."""
    step = step_of(rate)
    placements, start = [], 0
    tail = int(FILTER_TAIL_SECONDS * rate)
    for index, clip in enumerate(weighted):
        placements.append((index, start))
        start += -(-(len(clip) - tail + int(gap_seconds * rate)) // step) * step
    program = Program(placements, start, rate)
    return program.measure({i: program.energy(w) for i, w in enumerate(weighted)})


# -- true peaks and the limiter ------------------------------------------------------------


def _interpolator() -> np.ndarray:
    """Windowed-sinc taps, one row per phase: row p gives the value (p+1)/8 of the way
    from sample n to n+1, from samples n-11 … n+12."""
    offsets = np.arange(-(INTERPOLATION_TAPS // 2 - 1), INTERPOLATION_TAPS // 2 + 1)
    rows = []
    for phase in range(1, OVERSAMPLING):
        t = phase / OVERSAMPLING - offsets
        taps = np.sinc(t) * np.cos(np.pi * t / (INTERPOLATION_TAPS + 1)) ** 2
        rows.append(taps / taps.sum())
    return np.array(rows)


TAPS = _interpolator().astype(np.float32)
REACH = float(np.abs(TAPS).sum(axis=1).max())
"""No interpolated value is larger than this times its largest neighbour."""
WEIGHTS = np.abs(TAPS).max(axis=0)
"""No interpolated value is larger than its neighbours' magnitudes weighted by these."""


def _neighbours(samples: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The samples each interpolated value is made from, shape (len(at), taps)."""
    padded = np.pad(
        samples.astype(np.float32), (INTERPOLATION_TAPS // 2 - 1, INTERPOLATION_TAPS // 2)
    )
    return np.lib.stride_tricks.sliding_window_view(padded, INTERPOLATION_TAPS)[at]


def true_peaks(samples: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The largest magnitude, oversampled, from sample ``at`` up to the next one."""
    between = np.abs(_neighbours(samples, at) @ TAPS.T).max(axis=1)
    return np.maximum(np.abs(samples[at]), between)


@dataclass(frozen=True)
class PeakMap:
    """A sound's true peaks where they could reach some level (elsewhere they stay
    under it). They scale with the sound, so one map serves every gain up to that
    level's."""

    length: int
    at: np.ndarray
    peaks: np.ndarray


def peak_map(samples: np.ndarray, floor: float) -> PeakMap:
    """The true peaks of ``samples`` wherever they could exceed ``floor`` (linear).
    Interpolated only where two bounds, the first coarse and cheap, say they might:
    no value between samples exceeds :data:`REACH` times the loudest neighbour, nor
    the neighbours' magnitudes weighted by :data:`WEIGHTS`."""
    reach = INTERPOLATION_TAPS // 2
    near = _running_max(np.pad(np.abs(samples), reach), 2 * reach + 1)[: len(samples)]
    at = np.flatnonzero(near * REACH > floor)
    bound = np.abs(_neighbours(samples, at)) @ WEIGHTS
    at = at[np.maximum(bound, np.abs(samples[at])) > floor]
    return PeakMap(len(samples), at, true_peaks(samples, at))


def limiter_gain(peaks: PeakMap, scale: float, rate: int, ceiling_db: float) -> np.ndarray | None:
    """The gain that keeps the sound at ``scale`` under ``ceiling_db`` (true peak),
    eased in and out over :data:`LIMITER_WINDOW_MS` around each peak and 1 elsewhere;
    ``None`` where nothing needs lowering."""
    ceiling = 10 ** (ceiling_db / 20)
    loud = peaks.peaks * scale
    over = loud > ceiling
    if not over.any():
        return None
    need = np.ones(peaks.length, dtype=np.float32)
    need[peaks.at[over]] = ceiling / loud[over]
    half = max(1, int(rate * LIMITER_WINDOW_MS / 1000))
    width = 2 * half + 1
    # The windowed minimum around every sample (and half a window beyond each end),
    # then its moving average: that never exceeds ``need`` at any sample, since every
    # window averaged over at sample t contains t itself.
    floor = -_running_max(-np.pad(need, 2 * half, constant_values=1.0), width)
    return np.minimum(_running_mean(floor, width), 1.0).astype(np.float32)


def limit(samples: np.ndarray, rate: int, ceiling_db: float) -> np.ndarray:
    """``samples`` with every true peak at or under ``ceiling_db`` (the same array if
    nothing needed lowering)."""
    ceiling = 10 ** (ceiling_db / 20)
    gain = limiter_gain(peak_map(samples, ceiling), 1.0, rate, ceiling_db)
    return samples if gain is None else samples * gain


def _running_max(values: np.ndarray, width: int) -> np.ndarray:
    """Maximum of every ``width`` consecutive values, by doubling the span covered:
    about log2(width) passes over the array."""
    out, span = values, 1
    while span * 2 <= width:
        out = np.maximum(out[:-span], out[span:])
        span *= 2
    rest = width - span  # out[i] covers span values from i; the rest overlap it
    return np.maximum(out[: len(out) - rest], out[rest:]) if rest else out


def _running_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Mean of every ``width`` consecutive values."""
    sums = np.cumsum(np.concatenate(([0.0], values)))
    return (sums[width:] - sums[:-width]) / width
