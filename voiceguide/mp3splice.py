"""Joining two LAME encodings of the same sound where it is *not* silent: how a session
under a bed, which has no silence to cut in, is still encoded in parts on every core.

Two fresh encoders given the same samples on the same frame grid make frames that each
decode to (nearly) the same audio, so the stream can go from one to the other at any
frame ``G``: the first encoding's frames before ``G``, then the second's from ``G`` on.
Two things stand in the way, and each is dealt with here:

- **The bit reservoir.** A frame may keep part of its data in the frames before it
  (``main_data_begin`` bytes back), and LAME's reservoir is hardly ever empty. The second
  encoding's frame ``G`` is therefore *repacked* (:func:`repacked`): its borrowed bytes
  are moved into itself, in a frame of a higher bit rate (VBR streams may change rate
  at every frame), so it borrows nothing; the bytes that frame ``G + 1`` borrows stay at
  its end, where that frame expects them.
- **The overlap of the transform.** Each frame's sound overlaps its neighbours' by half
  a granule, and the halves cancel each other's aliasing only if their windows match.
  ``G`` is chosen where both encodings use long blocks on both sides of the join
  (:func:`join_at`). The two encodings quantise a little differently, so the half
  granule after the join differs from either encoding by about their coding noise:
  far under what anyone hears, but not sample-exact.

The second encoding starts :data:`WARM_FRAMES` frames before the join, so that the join
lies well inside sound it has seen (its first frames hold its own start-up delay).
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceguide.mp3frames import frame_bytes, frame_lengths, long_blocks, side_bytes, side_info

WARM_FRAMES = 8
"""Frames the second encoding runs before it may be joined to."""
SEARCH_FRAMES = 64
"""Frames after the earliest join where a join is looked for (one almost always fits
in the first few)."""


@dataclass(frozen=True)
class Frames:
    """An encoding's frames, each with what a join needs to know of it."""

    data: bytes
    starts: tuple[int, ...]
    """Byte offset of each frame, and the end of the last one."""
    rate: int

    @classmethod
    def of(cls, data: bytes, rate: int) -> Frames:
        starts = [0]
        for length in frame_lengths(data, rate):
            starts.append(starts[-1] + length)
        return cls(data, tuple(starts), rate)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def frame(self, index: int) -> bytes:
        return self.data[self.starts[index] : self.starts[index + 1]]


def join_at(first: Frames, second: Frames, offset: int) -> int | None:
    """The frame of ``second`` at which the stream may leave ``first`` for it, where
    frame ``j`` of ``second`` decodes where frame ``offset + j`` of ``first`` does; None
    if no frame in reach will do. ``first`` must reach at least two frames beyond it."""
    for j in range(WARM_FRAMES, min(len(second), WARM_FRAMES + SEARCH_FRAMES)):
        g = offset + j
        if g + 2 > len(first):
            return None
        if not (
            long_blocks(first.frame(g - 1), first.rate)[1]
            and long_blocks(first.frame(g), first.rate)[0]
            and long_blocks(second.frame(j - 1), second.rate)[1]
            and long_blocks(second.frame(j), second.rate)[0]
        ):
            continue
        if repacked(second, j) is not None:
            return j
    return None


def repacked(frames: Frames, index: int) -> bytes | None:
    """Frame ``index`` of ``frames`` made to borrow nothing from the frames before it, in
    a frame of the lowest bit rate that holds what it borrowed; None if none does."""
    frame = frames.frame(index)
    borrowed, lengths = side_info(frame, frames.rate)
    if borrowed == 0:
        return frame
    side = side_bytes(frame, frames.rate)
    payload = frame[side:]
    before = _payload_tail(frames, index, borrowed)
    if before is None:
        return None
    own = -(-sum(lengths) // 8)  # the frame's main data, bytes, from where it begins
    region = before + payload
    header = int.from_bytes(frame[:4], "big")
    for bits in range(1, 15):
        for padding in (0, 1):
            wider = (header & ~(0xF << 12) & ~(1 << 9)) | (bits << 12) | (padding << 9)
            room = frame_bytes(wider, frames.rate) - side
            if room >= len(region):
                body = region[:own] + bytes(room - len(region)) + region[own:]
                return wider.to_bytes(4, "big") + _borrowing_nothing(frame[4:side]) + body
    return None


def _payload_tail(frames: Frames, index: int, count: int) -> bytes | None:
    """The last ``count`` bytes of main data space before frame ``index``: the ends of
    the frames before it, past their headers and side information."""
    found = b""
    while len(found) < count and index > 0:
        index -= 1
        frame = frames.frame(index)
        found = frame[side_bytes(frame, frames.rate) :] + found
    return found[len(found) - count :] if len(found) >= count else None


def _borrowing_nothing(side: bytes) -> bytes:
    """The side information (after the header, CRC included) with ``main_data_begin``
    0: its first 9 bits (MPEG-1) or 8 (MPEG-2); the CRC, if any, is not kept up to date,
    and LAME writes none."""
    crc = len(side) in (19, 11)
    at = 2 if crc else 0
    info = bytearray(side)
    info[at] = 0
    if len(side) - at == 17:  # MPEG-1: the ninth bit is the next byte's first
        info[at + 1] &= 0x7F
    return bytes(info)
