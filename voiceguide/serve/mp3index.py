"""Where each frame of a session's MP3 starts, so that the player can start the audio at
any moment to within a frame (26 ms at 22,050 Hz).

Browsers seek in a variable-bit-rate MP3 by guessing a byte from its Xing table of
contents (100 points, each a 256th of the file): in a session, mostly silence that
costs almost nothing, Chromium's guess lands seconds away from the time it then
reports. So the player never seeks in an MP3: it asks for the stream that begins at
frame J (``STEM.mp3?frame=J``, the file's frames from J on, without its tags) and plays
it from its start, knowing the time that start has: ``(J × samples a frame − delay) /
rate``, where the delay is LAME's (from its tag) and the decoder's 529 samples.

That stream starts with an info frame of its own (:meth:`FrameIndex.head`): its frame
count, bytes and seek table. Without one, a browser takes the length and the times of
the stream from its first frame's bit rate (a silent frame's 8 kbps): Chromium reported
a stream of 24 s as one of 235 s, and at its end jumped to that guess. The frame has a
Xing tag and no LAME tag: a LAME tag's delay makes decoders drop that many samples and
529 more from the start (and its padding from the end), and the smallest, a delay of 0,
would still move the stream's start by 529 samples in the browsers that read it and not
in the others; without one, every decoder starts at the first audio frame's first
sample, as the time above has it. (The stream's last ~0.1 s is LAME's padding, silent:
the player shows no time past the session's end.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from voiceguide.errors import ExportError
from voiceguide.mp3frames import (
    DELAY,
    frame_bytes,
    info_frame,
    rate_of,
    samples_per_frame,
)

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

    constant: bool = False
    """Whether the file's info frame says its bit rate is constant (``Info``)."""

    def start_of(self, frame: int) -> float:
        """The session's time, in seconds, when a stream from ``frame`` starts."""
        return (frame * self.samples - self.delay) / self.rate

    def head(self, frame: int) -> bytes:
        """The info frame of the stream from ``frame`` on (see the module's description):
        a Xing tag with its frames, its bytes (this frame's too) and a seek table; its
        LAME tag blank, so that no decoder drops samples from its start."""
        first = self.offsets[frame]
        audio = self.end - first
        count = len(self.offsets) - frame
        toc = bytes(
            min(255, (self.offsets[frame + count * k // 100] - first) * 256 // audio)
            for k in range(100)
        )

        def made(size: int) -> bytes:
            return info_frame(
                rate=self.rate,
                vbr_quality=0,
                kbps=1 if self.constant else None,
                frames=count,
                size=size,
                toc=toc,
                padding=0,
                music_crc=0,
                lame_tag=False,
            )

        length = len(made(0))  # its length is the rate's, whatever it says
        return made(length + audio)


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
    constant = False
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
            info = os.pread(fd, min(length, 400), position)
            tag = _info_delay(info)
            if tag is not None:  # the info frame: silent, and not counted as audio
                delay = tag + DECODER_DELAY
                constant = info.find(b"Info", 4, 64) >= 0
                position += length
                continue
        offsets.append(position)
        position += length
    if not offsets or not rate:
        return None
    return FrameIndex(
        rate, samples_per_frame(rate), delay, tuple(offsets), position, constant=constant
    )


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
