"""Peaks as a DAC makes them, and a limiter that keeps them under a ceiling.

:func:`limit` keeps true peaks (the signal between samples, here 8× oversampled) under a
ceiling. It works offline on a whole clip, so its look-ahead costs no latency, and it
interpolates only around samples that could come near the ceiling; its gain is kept
only where it is not 1 (:class:`Gain`). A long sound is mapped and levelled a chunk at
a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiceguide.loudness import CHUNK_SECONDS, as_floats

LIMITER_WINDOW_MS = 5.0
"""How far ahead (and behind) the limiter looks: each gain change takes this long."""
OVERSAMPLING = 8
INTERPOLATION_TAPS = 24
"""Taps per phase of the true-peak interpolator. BS.1770's meter uses 4× with 12 taps,
which can read half a dB low on sound near the top of the band; 8× with 24 taps comes
within a tenth of a dB of ideal interpolation."""
BATCH = 1 << 15
"""Samples whose true peaks are sought at once (each needs 24 neighbours: 3 MB)."""


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

    @property
    def nbytes(self) -> int:
        return self.at.nbytes + self.peaks.nbytes


def peak_map(samples: np.ndarray, floor: float) -> PeakMap:
    """The true peaks of ``samples`` (floats, or 16-bit integers as :func:`to_float`
    reads them) wherever they could exceed ``floor`` (linear). Interpolated only where
    two bounds, the first coarse and cheap, say they might: no value between samples
    exceeds :data:`REACH` times the loudest neighbour, nor the neighbours' magnitudes
    weighted by :data:`WEIGHTS`. Mapped :data:`CHUNK_SECONDS` of a 22.05 kHz sound at a
    time (each chunk with the neighbours it needs), so a long sound takes no more memory
    than a short one."""
    margin, reach = INTERPOLATION_TAPS, INTERPOLATION_TAPS // 2
    chunk = int(CHUNK_SECONDS * 22050)
    found: list[np.ndarray] = []
    peaks: list[np.ndarray] = []
    for begin in range(0, len(samples), chunk):
        end = min(begin + chunk, len(samples))
        # the chunk and its neighbours, beyond the sound's ends silence (as np.pad gives)
        low, high = max(0, begin - margin), min(len(samples), end + margin)
        window = np.pad(
            as_floats(samples[low:high]), (margin - (begin - low), margin - (high - end))
        )
        near = _running_max(np.pad(np.abs(window), reach), 2 * reach + 1)[: len(window)]
        candidates = np.flatnonzero(near[margin : margin + end - begin] * REACH > floor) + margin
        # a few at a time: each is looked at with its 24 neighbours
        for at in np.split(candidates, range(BATCH, len(candidates), BATCH)):
            bound = np.abs(_neighbours(window, at)) @ WEIGHTS
            at = at[np.maximum(bound, np.abs(window[at])) > floor]
            heights = true_peaks(window, at)
            over = heights > floor  # only these can matter at any gain the map serves
            peaks.append(heights[over])
            found.append((at[over] - margin + begin).astype(np.int32))  # 4 bytes a peak
    empty = np.zeros(0, dtype=np.float32)
    return PeakMap(
        len(samples),
        np.concatenate(found) if found else empty.astype(np.int32),
        np.concatenate(peaks) if peaks else empty,
    )


@dataclass(frozen=True)
class Gain:
    """A limiter's gain over a sound of ``length`` samples: 1 but in ``spans``, each
    its first sample and its values (float32). A limiter acts only around loud peaks,
    so a long sound's gain takes little room."""

    length: int
    spans: tuple[tuple[int, np.ndarray], ...]

    def dense(self) -> np.ndarray:
        """The gain at every sample."""
        gain = np.ones(self.length, dtype=np.float32)
        for first, values in self.spans:
            gain[first : first + len(values)] = values
        return gain

    def times(self, scale: float, begin: int, end: int) -> np.ndarray | float:
        """``scale`` times the gain for samples ``begin`` to ``end`` (float32), or
        ``scale`` itself where the gain is 1 throughout."""
        factor: np.ndarray | None = None
        for first, values in self.spans:
            low, high = max(first, begin), min(first + len(values), end)
            if low < high:
                if factor is None:
                    factor = np.full(end - begin, scale, dtype=np.float32)
                factor[low - begin : high - begin] = scale * values[low - first : high - first]
        return scale if factor is None else factor


def limiter_gain(peaks: PeakMap, scale: float, rate: int, ceiling_db: float) -> Gain | None:
    """The gain that keeps the sound at ``scale`` under ``ceiling_db`` (true peak),
    eased in and out over :data:`LIMITER_WINDOW_MS` around each peak and 1 elsewhere;
    ``None`` where nothing needs lowering."""
    ceiling = 10 ** (ceiling_db / 20)
    loud = peaks.peaks * scale
    over = loud > ceiling
    if not over.any():
        return None
    at, needs = peaks.at[over].astype(np.int64), ceiling / loud[over]
    half = max(1, int(rate * LIMITER_WINDOW_MS / 1000))
    width, reach = 2 * half + 1, 2 * half
    # The gain at t depends on the need from t - reach to t + reach: peaks further
    # apart than twice that are eased on their own, and the gain is 1 between them.
    spans = []
    for group in np.split(np.arange(len(at)), np.flatnonzero(np.diff(at) > 2 * reach) + 1):
        first = max(0, int(at[group[0]]) - reach)
        last = min(peaks.length, int(at[group[-1]]) + reach + 1)
        need = np.ones(last - first, dtype=np.float32)
        need[at[group] - first] = needs[group]
        # The windowed minimum around every sample (and half a window beyond each
        # end), then its moving average: that never exceeds ``need`` at any sample,
        # since every window averaged over at sample t contains t itself.
        floor = -_running_max(-np.pad(need, 2 * half, constant_values=1.0), width)
        spans.append((first, np.minimum(_running_mean(floor, width), 1.0).astype(np.float32)))
    return Gain(peaks.length, tuple(spans))


def limit(samples: np.ndarray, rate: int, ceiling_db: float) -> np.ndarray:
    """``samples`` with every true peak at or under ``ceiling_db`` (the same array if
    nothing needed lowering)."""
    ceiling = 10 ** (ceiling_db / 20)
    gain = limiter_gain(peak_map(samples, ceiling), 1.0, rate, ceiling_db)
    return samples if gain is None else samples * gain.dense()


def levelled(pcm: bytes, scale: float, gain: Gain | None) -> bytes:
    """16-bit ``pcm`` made ``scale`` times louder and limited by ``gain``, as 16-bit
    PCM: :data:`CHUNK_SECONDS` of a 22.05 kHz sound at a time."""
    ints = np.frombuffer(pcm, dtype="<i2")
    out = np.empty(len(ints), dtype="<i2")
    chunk = int(CHUNK_SECONDS * 22050)
    for begin in range(0, len(ints), chunk):
        end = min(begin + chunk, len(ints))
        factor = scale if gain is None else gain.times(scale, begin, end)
        samples = as_floats(ints[begin:end]) * factor
        out[begin:end] = np.clip(np.round(samples * 32768), -32768, 32767)
    return out.tobytes()


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
