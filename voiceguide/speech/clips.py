"""Preparing engine output for the session: one format, and no silence at the edges.

Each clip is converted once, when it enters, to the session's rate, and its leading
and trailing silence is trimmed so that a speech event spans the audible speech.
"""

from __future__ import annotations

import io
import wave

from voiceguide.speech.base import SAMPLE_WIDTH, Clip

SILENCE_DBFS = -50.0
"""The default level under which a stretch counts as silence; a build passes its own,
from the gain the session will get (:func:`voiceguide.levels.trimmed_voice`)."""
WINDOW_MS = 10
"""Length of the stretches whose RMS is compared with :data:`SILENCE_DBFS` (the
length over which sound is called audible), taken every :data:`STEP_MS`: a blip
shorter than that, loud for a moment but not heard, does not start the speech."""
STEP_MS = 5
EDGE_MS = 5
"""Silence kept before and after the speech, so no attack or tail is cut off."""


def read_wav(data: bytes | str) -> Clip:
    """A WAV file (its bytes, or its path: read straight into the clip) as a mono
    16-bit clip (raises ``wave.Error`` if not WAV)."""
    with wave.open(io.BytesIO(data) if isinstance(data, bytes) else data) as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        frames = wav.readframes(wav.getnframes())
    if width != SAMPLE_WIDTH or channels != 1:
        return convert(frames, rate=rate, channels=channels, width=width, to_rate=rate)
    return Clip(frames, rate)


def convert(pcm: bytes, *, rate: int, channels: int, width: int, to_rate: int) -> Clip:
    """Any PCM to mono 16-bit at ``to_rate``, through pydub (done once per clip)."""
    from pydub import AudioSegment

    segment = AudioSegment(data=pcm, sample_width=width, frame_rate=rate, channels=channels)
    segment = segment.set_channels(1).set_sample_width(SAMPLE_WIDTH).set_frame_rate(to_rate)
    return Clip(segment.raw_data, to_rate)


def resample(clip: Clip, rate: int) -> Clip:
    """The clip at ``rate`` (itself if it already is)."""
    if clip.rate == rate:
        return clip
    return convert(clip.pcm, rate=clip.rate, channels=1, width=SAMPLE_WIDTH, to_rate=rate)


def trim(clip: Clip, silence_dbfs: float = SILENCE_DBFS) -> Clip:
    """The clip from its first to its last :data:`WINDOW_MS` stretch whose RMS is above
    ``silence_dbfs``, keeping ``EDGE_MS`` of what is around them."""
    first, last = audible_span(clip, silence_dbfs)
    return Clip(clip.pcm[first * SAMPLE_WIDTH : last * SAMPLE_WIDTH], clip.rate)


def audible_span(clip: Clip, silence_dbfs: float = SILENCE_DBFS) -> tuple[int, int]:
    """Where :func:`trim` cuts the clip: its first and end sample (equal if it is silent)."""
    import numpy as np  # here, so that reading clips (in the voice's threads) needs none

    samples = np.frombuffer(clip.pcm, dtype="<i2")
    step = max(1, clip.rate * STEP_MS // 1000)
    per_window = max(1, WINDOW_MS // STEP_MS)
    count = samples.size // step
    if count < per_window:
        return 0, 0
    steps = samples[: count * step].reshape(count, step).astype(np.float32)
    power = np.einsum("ij,ij->i", steps, steps, dtype=np.float64) / (step * 32768.0**2)
    energy = np.convolve(power, np.ones(per_window) / per_window, "valid")
    loud = np.flatnonzero(10 * np.log10(np.maximum(energy, 1e-20)) > silence_dbfs)
    if loud.size == 0:
        return 0, 0
    edge = clip.rate * EDGE_MS // 1000
    return (
        max(0, int(loud[0]) * step - edge),
        min(samples.size, (int(loud[-1]) + per_window) * step + edge),
    )
