"""Loudness as a listener hears it, and peaks as a DAC makes them.

- :func:`integrated` measures EBU R128 integrated loudness with ffmpeg's ``ebur128``
  filter, ``dualmono=true``: a mono file played on two speakers, as players do.
- :func:`peak_envelope` estimates true peaks (4× oversampled, as ITU-R BS.1770 does).
- :func:`limit` lowers peaks above a ceiling. It works offline on a whole clip, so its
  look-ahead costs no latency: nothing moves in time.
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from voiceguide import ffmpeg
from voiceguide.errors import ExportError

SILENT_LUFS = -70.0
"""What :func:`integrated` returns for audio with nothing above the absolute gate."""
OVERSAMPLING = 4
LIMITER_WINDOW_MS = 5.0
"""How far ahead (and behind) the limiter looks: each gain change takes this long."""


def integrated(chunks: Iterable[bytes], rate: int) -> float:
    """Integrated loudness, LUFS (dual mono), of 16-bit mono PCM ``chunks``."""
    cmd = ffmpeg.base_command() + ["-loglevel", "info", "-f", "s16le", "-ar", str(rate),
                                   "-ac", "1", "-i", "pipe:0", "-af",
                                   "ebur128=dualmono=true:framelog=quiet", "-f", "null", "-"]
    status, report = ffmpeg.feed(cmd, chunks)
    if status != 0:
        raise ExportError(f"ffmpeg could not measure loudness: {report.strip()[-200:]}")
    found = re.findall(r"I:\s+(-?[\d.]+|-inf) LUFS", report)
    if not found:
        raise ExportError("ffmpeg gave no loudness measurement")
    value = found[-1]
    return SILENT_LUFS if value == "-inf" else max(SILENT_LUFS, float(value))


def to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768


def to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2").tobytes()


def _oversampled(samples: np.ndarray) -> np.ndarray:
    """``samples`` at 4× the rate (band-limited interpolation), shape (n, 4).

    Zero-padded to a power of two: fast for any length, and the clip's end does not
    wrap around onto its start."""
    n = len(samples)
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(samples, size)
    wide = np.zeros(size * OVERSAMPLING // 2 + 1, dtype=complex)
    wide[: len(spectrum)] = spectrum
    fine = np.fft.irfft(wide, size * OVERSAMPLING) * OVERSAMPLING
    return fine[: n * OVERSAMPLING].reshape(n, OVERSAMPLING)


def peak_envelope(samples: np.ndarray) -> np.ndarray:
    """The true peak around each sample (the largest of its 4× oversampled values).
    It scales with the signal, so a clip's envelope serves at any gain."""
    if samples.size == 0:
        return samples
    return np.abs(_oversampled(samples)).max(axis=1)


def limit(samples: np.ndarray, rate: int, ceiling_db: float,
          envelope: np.ndarray | None = None) -> np.ndarray:
    """``samples`` with every true peak at or under ``ceiling_db``, the gain eased in and
    out over :data:`LIMITER_WINDOW_MS` around each peak (the rest untouched).
    ``envelope`` is :func:`peak_envelope` of ``samples``, if already known."""
    if samples.size == 0:
        return samples
    ceiling = 10 ** (ceiling_db / 20)
    peaks = peak_envelope(samples) if envelope is None else envelope
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return samples
    half = max(1, int(rate * LIMITER_WINDOW_MS / 1000))
    width = 2 * half + 1
    # The windowed minimum around every sample (and half a window beyond each end),
    # then its moving average: that never exceeds ``need`` at any sample, since every
    # window averaged over at sample t contains t itself.
    floor = _running_min(np.pad(need, 2 * half, constant_values=1.0), width)
    smooth = _running_mean(floor, width)
    return samples * np.minimum(smooth, 1.0)


def _running_min(values: np.ndarray, width: int) -> np.ndarray:
    """Minimum of every ``width`` consecutive values (van Herk/Gil-Werman: O(n))."""
    count = len(values) - width + 1
    blocks = -(-len(values) // width)
    padded = np.pad(values, (0, blocks * width - len(values)), constant_values=np.inf)
    grid = padded.reshape(blocks, width)
    ahead = np.minimum.accumulate(grid, axis=1).ravel()
    behind = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(behind[:count], ahead[width - 1: width - 1 + count])


def _running_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Mean of every ``width`` consecutive values."""
    sums = np.cumsum(np.concatenate(([0.0], values)))
    return (sums[width:] - sums[:-width]) / width
