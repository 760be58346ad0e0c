"""Loudness as a listener hears it, and peaks as a DAC makes them.

- :func:`integrated` measures EBU R128 integrated loudness with ffmpeg's ``ebur128``
  filter, ``dualmono=true``: a mono file played on two speakers, as players do.
- :func:`true_peak` estimates the true peak (4× oversampled, as ITU-R BS.1770 does).
- :func:`limit` lowers peaks above a ceiling. It works offline on a whole clip, so its
  look-ahead costs no latency: nothing moves in time.
"""

from __future__ import annotations

import re
import subprocess
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
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        for chunk in chunks:
            process.stdin.write(chunk)
        process.stdin.close()
    except BrokenPipeError:
        pass
    report = process.stderr.read().decode(errors="replace")
    if process.wait() != 0:
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
    """``samples`` at 4× the rate (band-limited interpolation), shape (n, 4)."""
    n = len(samples)
    spectrum = np.fft.rfft(samples)
    wide = np.zeros(n * OVERSAMPLING // 2 + 1, dtype=complex)
    wide[: len(spectrum)] = spectrum
    return (np.fft.irfft(wide, n * OVERSAMPLING) * OVERSAMPLING).reshape(n, OVERSAMPLING)


def true_peak(samples: np.ndarray) -> float:
    """The true peak of float ``samples``, dBTP."""
    if samples.size == 0:
        return -np.inf
    peak = np.abs(_oversampled(samples)).max()
    return 20 * np.log10(max(peak, 1e-12))


def limit(samples: np.ndarray, rate: int, ceiling_db: float) -> np.ndarray:
    """``samples`` with every true peak at or under ``ceiling_db``, the gain eased in and
    out over :data:`LIMITER_WINDOW_MS` around each peak (the rest untouched)."""
    if samples.size == 0:
        return samples
    ceiling = 10 ** (ceiling_db / 20)
    peaks = np.abs(_oversampled(samples)).max(axis=1)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return samples
    half = max(1, int(rate * LIMITER_WINDOW_MS / 1000))
    width = 2 * half + 1
    padded = np.pad(need, half, constant_values=1.0)
    floor = np.lib.stride_tricks.sliding_window_view(padded, width).min(axis=1)
    # A moving average of the windowed minimum never exceeds ``need`` at any sample:
    # every window averaged over at sample t contains t itself.
    smooth = np.convolve(np.pad(floor, half, constant_values=1.0), np.ones(width) / width,
                         mode="valid")
    return samples * np.minimum(smooth, 1.0)
