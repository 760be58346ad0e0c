"""Timeline + levelled sounds → the session's PCM, streamed in chunks.

The session is mostly silence, so it is never held whole: silence is produced a chunk
at a time and each sound is yielded where it starts; joining happens once, in the
encoder, so assembly is linear.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping

from voiceguide.speech.base import SAMPLE_WIDTH
from voiceguide.timeline import Key, Timeline

CHUNK_SECONDS = 1
"""Longest run of silence, or stretch of a sound, produced at once."""


def render(
    timeline: Timeline, sounds: Mapping[Key, bytes], start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """The session, or its samples ``start`` to ``end``, as 16-bit mono PCM chunks at
    ``timeline.rate``: every sound starting exactly at its sample, silence (at most a
    chunk at a time) between."""
    return Placed(timeline, sounds).pcm(start, end)


class Placed:
    """A session's sounds, each at the sample it starts on, checked once (each fits its
    slot, none overlaps the one before); any stretch of the session is then rendered
    from the first sound that reaches into it, not from the session's start: an MP3
    renders a long session as hundreds of parts."""

    def __init__(self, timeline: Timeline, sounds: Mapping[Key, bytes]):
        self.rate = timeline.rate
        self.duration = timeline.duration
        self.sounds = list(_placed(timeline, sounds))
        self.ends = [at + len(pcm) // SAMPLE_WIDTH for at, pcm in self.sounds]
        """Where each sound stops: in order, as the sounds never overlap."""

    def pcm(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Samples ``start`` to ``end`` (the session's end if None), as :func:`render`."""
        end = self.duration if end is None else end
        silence = bytes(self.rate * CHUNK_SECONDS * SAMPLE_WIDTH)
        now = start
        for index in range(bisect.bisect_right(self.ends, start), len(self.sounds)):
            at, pcm = self.sounds[index]
            if at >= end:
                break
            yield from _silence(at - now, silence)
            stop = self.ends[index]
            piece = len(silence)  # a long sound a chunk at a time, as silence is
            first, last = max(now - at, 0) * SAMPLE_WIDTH, (min(stop, end) - at) * SAMPLE_WIDTH
            for begin in range(first, last, piece):
                yield pcm[begin : min(begin + piece, last)]
            now = min(stop, end)
        yield from _silence(end - now, silence)


def quiet(timeline: Timeline) -> list[tuple[int, int]]:
    """The spans (start, end samples) between the timeline's sounds: digital silence,
    where the session may be cut."""
    spans, now = [], 0
    for event in timeline.audible():
        if event.start > now:
            spans.append((now, event.start))
        now = event.end
    if timeline.duration > now:
        spans.append((now, timeline.duration))
    return spans


def _placed(timeline: Timeline, sounds: Mapping[Key, bytes]) -> Iterator[tuple[int, bytes]]:
    """Each sound with the sample it starts on, in order; checks that each fits its
    slot and that no slot overlaps the one before."""
    now = 0
    for event in timeline.audible():
        if event.start < now:
            raise ValueError(f"sounds overlap at sample {event.start}")
        now = event.end
        pcm = sounds[event.sound]
        if len(pcm) > (event.end - event.start) * SAMPLE_WIDTH:
            raise ValueError(f"sound longer than its slot at sample {event.start}")
        yield event.start, pcm


def _silence(samples: int, chunk: bytes) -> Iterator[bytes]:
    left = samples * SAMPLE_WIDTH
    while left > 0:
        piece = min(left, len(chunk))
        yield chunk[:piece]
        left -= piece
