"""Preparing engine output for the session: one format, and no silence at the edges.

Each clip is converted once, when it enters, to the session's rate, and its leading
and trailing silence is trimmed so that a speech event spans the audible speech.
"""

from __future__ import annotations

import io
import wave

import numpy as np

from voiceguide.speech.base import SAMPLE_WIDTH, Clip

SILENCE_DBFS = -50.0
"""The default level under which a stretch counts as silence; a build passes its own,
from the gain the session will get (:func:`voiceguide.render.silence_floor`)."""
WINDOW_MS = 5
"""Length of the stretches whose RMS is compared with :data:`SILENCE_DBFS`."""
EDGE_MS = 5
"""Silence kept before and after the speech, so no attack or tail is cut off."""


def read_wav(data: bytes) -> Clip:
    """A WAV file's bytes as a mono 16-bit clip (raises ``wave.Error`` if not WAV)."""
    with wave.open(io.BytesIO(data)) as wav:
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
    samples = np.frombuffer(clip.pcm, dtype="<i2")
    size = max(1, clip.rate * WINDOW_MS // 1000)
    count = samples.size // size
    if count == 0:
        return Clip(b"", clip.rate)
    windows = samples[: count * size].astype(np.float64).reshape(count, size) / 32768
    rms_db = 10 * np.log10(np.maximum((windows ** 2).mean(axis=1), 1e-20))
    loud = np.flatnonzero(rms_db > silence_dbfs)
    if loud.size == 0:
        return Clip(b"", clip.rate)
    edge = clip.rate * EDGE_MS // 1000
    first = max(0, int(loud[0]) * size - edge)
    last = min(samples.size, (int(loud[-1]) + 1) * size + edge)
    return Clip(samples[first:last].tobytes(), clip.rate)
