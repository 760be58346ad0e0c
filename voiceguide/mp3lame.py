"""LAME as it encodes one part of a session, and the silent frame laid between parts.

Each part is given to a LAME of its own, started afresh: a fresh LAME has an empty bit
reservoir, so its first frame borrows no bytes from the frames before it, and it starts
from the same state every time, so the same samples make the same frames wherever they
sit in the session (nothing in a frame, its header bits included, says where it is).
That is what lets a part's frames be spliced anywhere on the stream's frame grid, and be
reused.

Silence is not encoded at all: it is laid down as copies of one silent frame, the one a
fresh LAME writes first for silence. It has no main data (``part2_3_length`` 0) and
borrows none (``main_data_begin`` 0), so it decodes to zeros after any frame and lends
nothing to the frame after it; :func:`silent_frame` checks both in its side info.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import lameenc

from voiceguide.errors import ExportError
from voiceguide.mp3frames import (
    ALGORITHM_QUALITY,
    VBR_METHOD,
    frame_lengths,
    samples_per_frame,
    side_info,
)

PADDING_BIT = 1 << 9
"""The frame header's padding bit: the frame is one byte longer."""
_PROBE_FRAMES = 8
"""Frames of silence encoded to find the silent frame."""


class Cancelled(Exception):
    """Another part failed: this one stopped where it was."""


@dataclass(frozen=True)
class Lame:
    """How every part of a stream is encoded: VBR of ``vbr_quality`` or, given
    ``kbps``, a constant bit rate; mono at ``rate``."""

    rate: int
    vbr_quality: int = 2
    kbps: int | None = None

    def encoder(self) -> lameenc.Encoder:
        lame = lameenc.Encoder()
        lame.set_channels(1)
        lame.set_in_sample_rate(self.rate)
        lame.set_out_sample_rate(self.rate)
        if self.kbps:
            lame.set_bit_rate(self.kbps)
        else:
            lame.set_vbr(VBR_METHOD)
            lame.set_vbr_quality(self.vbr_quality)
        lame.set_quality(ALGORITHM_QUALITY)
        lame.silence()
        return lame

    def identity(self) -> dict[str, str]:
        """Everything that shapes the frames made of given samples (for cache keys)."""
        from importlib.metadata import version

        return {
            "encoder": f"lameenc {version('lameenc')}",
            "rate": str(self.rate),
            "vbr": f"{VBR_METHOD} {self.vbr_quality}" if not self.kbps else "off",
            "kbps": str(self.kbps or 0),
            "quality": str(ALGORITHM_QUALITY),
        }


def encode(lame: Lame, chunks: Iterable[bytes], cancel: threading.Event) -> bytes:
    """The frames a fresh LAME makes of ``chunks`` (16-bit mono PCM), flushed; stops with
    :class:`Cancelled` as soon as ``cancel`` is set."""
    encoder = lame.encoder()
    out = bytearray()
    pending = iter(chunks)
    while not cancel.is_set():  # before each chunk is asked for
        chunk = next(pending, None)
        if chunk is None:
            out += encoder.flush()
            return bytes(out)
        out += encoder.encode(chunk)
    raise Cancelled


@dataclass(frozen=True)
class SilentFrame:
    """One frame of silence, and the same one byte longer (its padding bit set, the byte
    an unused one at its end), with which a constant bit rate keeps its exact rate."""

    plain: bytes
    padded: bytes


@functools.lru_cache(maxsize=8)
def silent_frame(lame: Lame) -> SilentFrame:
    """The frame a fresh LAME writes first for silence, checked to hold no main data
    and to borrow none."""
    data = encode(
        lame, [bytes(2 * _PROBE_FRAMES * samples_per_frame(lame.rate))], threading.Event()
    )
    first = data[: frame_lengths(data, lame.rate)[0]]
    borrowed, lengths = side_info(first, lame.rate)
    if borrowed or any(lengths):
        raise ExportError("the MP3 encoder's silent frame is not silent on its own")
    header = int.from_bytes(first[:4], "big")
    if header & PADDING_BIT:
        raise ExportError("the MP3 encoder's silent frame is padded")
    padded = (header | PADDING_BIT).to_bytes(4, "big") + first[4:] + first[-1:]
    return SilentFrame(first, padded)
