"""Where each frame of a session's MP3 starts, so that the player can start the audio at
any moment to within a frame (26 ms at 22,050 Hz).

Browsers seek in a variable-bit-rate MP3 by guessing a byte from its Xing table of
contents (100 points, each a 256th of the file): in a session, mostly silence that
costs almost nothing, Chromium's guess lands seconds away from the time it then
reports. So the player never seeks in an MP3: it asks for the stream that begins at
frame J (``STEM.mp3?frame=J``, the file's frames from J on, without its tags) and plays
it from its start, knowing the time that start has: ``(J × samples a frame − delay) /
rate``, where the delay is LAME's (from its tag) and the decoder's 529 samples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from voiceguide.errors import ExportError
from voiceguide.mp3frames import DELAY, frame_bytes, rate_of, samples_per_frame

DECODER_DELAY = 529
"""Samples every MP3 decoder's synthesis lags its input (the LAME tag counts on it)."""
MAX_FRAMES = 2_000_000
"""More frames than a 12-hour session has at 48 kHz: a bound on the scan."""


@dataclass(frozen=True)
class FrameIndex:
    rate: int
    samples: int
    """Samples a frame."""
    delay: int
    """Samples before the audio when decoded from the first frame (LAME's and the
    decoder's)."""
    offsets: tuple[int, ...]
    """Where each audio frame starts (the info frame is not one)."""
    end: int
    """Where the last audio frame ends."""

    def start_of(self, frame: int) -> float:
        """The session's time, in seconds, when a stream from ``frame`` starts."""
        return (frame * self.samples - self.delay) / self.rate


def index(fd: int, size: int) -> FrameIndex | None:
    """The frames of the MP3 open as ``fd`` (``size`` bytes), or None if it is not one
    made of whole layer III frames at one rate."""
    head = os.pread(fd, 10, 0)
    position = 0
    if head[:3] == b"ID3" and len(head) == 10:  # the tags (chapters, title) come first
        body = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        position = 10 + body + (10 if head[5] & 0x10 else 0)
    offsets: list[int] = []
    rate = 0
    delay = DELAY + DECODER_DELAY
    first = True
    while position + 4 <= size and len(offsets) < MAX_FRAMES:
        header = int.from_bytes(os.pread(fd, 4, position), "big")
        if header >> 21 != 0x7FF:
            if header >> 8 == int.from_bytes(b"TAG", "big"):  # an ID3v1 tag at the end
                break
            return None
        frame_rate = rate_of(header)
        if frame_rate is None or (rate and frame_rate != rate):
            return None
        rate = frame_rate
        try:
            length = frame_bytes(header, rate)
        except ExportError:
            return None
        if first:
            first = False
            tag = _info_delay(os.pread(fd, min(length, 400), position))
            if tag is not None:  # the info frame: silent, and not counted as audio
                delay = tag + DECODER_DELAY
                position += length
                continue
        offsets.append(position)
        position += length
    if not offsets or not rate:
        return None
    return FrameIndex(rate, samples_per_frame(rate), delay, tuple(offsets), position)


def _info_delay(frame: bytes) -> int | None:
    """LAME's delay from an info frame (``Xing`` or ``Info``, then ``LAME``), or None
    when ``frame`` is an audio frame."""
    for mark in (b"Xing", b"Info"):
        at = frame.find(mark, 4, 64)
        if at < 0:
            continue
        flags = int.from_bytes(frame[at + 4 : at + 8], "big")
        lame = at + 8 + sum(size for bit, size in ((1, 4), (2, 4), (4, 100), (8, 4)) if flags & bit)
        if frame[lame : lame + 4] != b"LAME" or len(frame) < lame + 24:
            return DELAY
        return int.from_bytes(frame[lame + 21 : lame + 24], "big") >> 12
    return None
