"""Timeline + clips → the session's PCM, streamed in chunks.

The session is mostly silence, so it is never held whole: silence is produced a chunk
at a time and each clip is yielded where it starts. Joining happens once, in the
encoder's pipe, so assembly is linear in the session's length.
"""

from __future__ import annotations

from typing import Iterator, Mapping

import numpy as np

from voiceguide.speech.base import SAMPLE_WIDTH, Clip
from voiceguide.timeline import Timeline

CHUNK_SECONDS = 1
"""Longest run of silence produced at once."""


def render(timeline: Timeline, speech: Mapping[str, Clip], tones: Mapping[str, bytes],
           *, gain_db: float = 0.0) -> Iterator[bytes]:
    """The session as 16-bit mono PCM chunks at ``timeline.rate``; every speech and tone
    event starts exactly at its sample, with ``gain_db`` applied to all of it."""
    sounds = _sounds(timeline, speech, tones, gain_db)
    silence = bytes(timeline.rate * CHUNK_SECONDS * SAMPLE_WIDTH)
    now = 0
    for event in timeline.audible():
        yield from _silence(event.start - now, silence)
        pcm = sounds[_key(event)]
        if len(pcm) > (event.end - event.start) * SAMPLE_WIDTH:
            raise ValueError(f"clip longer than its slot at sample {event.start}")
        yield pcm
        now = event.start + len(pcm) // SAMPLE_WIDTH
    yield from _silence(timeline.duration - now, silence)


def _key(event) -> tuple[str, str]:
    return ("speech", event.text) if event.kind == "speech" else ("tone", event.name)


def _sounds(timeline: Timeline, speech: Mapping[str, Clip], tones: Mapping[str, bytes],
            gain_db: float) -> dict[tuple[str, str], bytes]:
    """Each distinct clip once, with the gain applied."""
    sounds: dict[tuple[str, str], bytes] = {}
    for event in timeline.audible():
        key = _key(event)
        if key not in sounds:
            pcm = speech[event.text].pcm if event.kind == "speech" else tones[event.name]
            sounds[key] = apply_gain(pcm, gain_db)
    return sounds


def apply_gain(pcm: bytes, gain_db: float) -> bytes:
    """16-bit PCM scaled by ``gain_db``, clipped to the 16-bit range."""
    if gain_db == 0:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * 10 ** (gain_db / 20)
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def _silence(samples: int, chunk: bytes) -> Iterator[bytes]:
    if samples < 0:
        raise ValueError("events overlap")
    left = samples * SAMPLE_WIDTH
    while left > 0:
        piece = min(left, len(chunk))
        yield chunk[:piece]
        left -= piece
