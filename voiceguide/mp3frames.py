"""MP3 frames as LAME writes them: how many a part becomes, how long each is, which bit
rates there are, and the info frame (Xing and LAME tags) that describes a whole stream,
written against the published layout of those tags."""

from __future__ import annotations

import fastcrc

from voiceguide.errors import ExportError

_RATE_BITS = {
    44100: (3, 0),
    48000: (3, 1),
    32000: (3, 2),  # MPEG-1
    22050: (2, 0),
    24000: (2, 1),
    16000: (2, 2),  # MPEG-2
    11025: (0, 0),
    12000: (0, 1),
    8000: (0, 2),
}  # MPEG-2.5
"""A sample rate's version and index bits in a frame header."""
RATES = tuple(sorted(_RATE_BITS))
"""Sample rates MP3 has."""
DELAY = 576
"""Samples LAME puts before the audio (its encoder delay)."""
FLUSH = 1152
"""Samples LAME adds after the audio before padding to a whole frame, so that the last
real sample is completely decoded."""
VBR_METHOD = 4
"""LAME's default VBR method (``vbr_mtrh``), as ffmpeg's ``-q:a`` uses it."""
ALGORITHM_QUALITY = 3
"""LAME's own default quality of its search (0 slowest … 9 fastest)."""
ENCODER = b"LAME3.100"
"""The encoder named in the LAME tag: the LAME release lameenc is built on. ffmpeg
trusts the delay and padding only from a tag whose name starts with ``LAME`` (or names
ffmpeg itself)."""
_KBPS = {
    False: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    True: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5
}
_XING_FLAGS = 0x0F
"""Frames, bytes, seek table and quality follow the ``Xing`` (or ``Info``) mark."""
_TAG_BYTES = 120 + 36
"""The Xing part with every field (mark, flags, frames, bytes, 100-entry seek table,
quality), then the LAME part, CRCs last."""


def samples_per_frame(rate: int) -> int:
    return 1152 if rate >= 32000 else 576


def frames_for(samples: int, rate: int) -> int:
    """Frames LAME makes of ``samples`` samples at ``rate``."""
    return -(-(samples + FLUSH) // samples_per_frame(rate))


_RATE_OF = {bits: rate for rate, bits in _RATE_BITS.items()}


def rate_of(header: int) -> int | None:
    """The sample rate a frame's 4-byte ``header`` gives, or None if it gives none."""
    return _RATE_OF.get(((header >> 19) & 3, (header >> 10) & 3))


def frame_bytes(header: int, rate: int) -> int:
    """Length of the layer III frame at ``rate`` that starts with 4-byte ``header``."""
    if header >> 21 != 0x7FF or (header >> 17) & 3 != 1 or (header >> 12) & 15 in (0, 15):
        raise ExportError(f"the MP3 encoder wrote a damaged frame (header {header:08x})")
    low = rate < 32000
    kbps = _KBPS[low][(header >> 12) & 15]
    return (72_000 if low else 144_000) * kbps // rate + ((header >> 9) & 1)


def allowed_kbps(kbps: int, rate: int) -> int:
    """The bit rate MP3 has at ``rate`` nearest ``kbps`` (LAME would round it so too,
    but the LAME tag must say what it used)."""
    return min(_KBPS[rate < 32000][1:], key=lambda allowed: (abs(allowed - kbps), allowed))


def info_frame(
    *,
    rate: int,
    vbr_quality: int,
    kbps: int | None,
    frames: int,
    size: int,
    toc: bytes,
    padding: int,
    music_crc: int,
    lame_tag: bool = True,
) -> bytes:
    """The silent first frame that describes the stream: a Xing tag (``Info`` for a
    constant bit rate) with the frame count, the stream's bytes (this frame included),
    the seek table and LAME's quality figure, then a LAME tag with the delay and padding
    to drop, the CRC of the audio frames, and its own CRC; without ``lame_tag``, those
    bytes left blank (decoders then drop nothing from the start or the end)."""
    version, rate_index = _RATE_BITS[rate]
    side_info = 17 if version == 3 else 9  # mono
    header = (0x7FF << 21) | (version << 19) | (1 << 17) | (1 << 16)  # layer III, no CRC
    header |= (rate_index << 10) | (3 << 6) | (1 << 2)  # mono, "original"
    for index in range(1, 15):
        length = frame_bytes(header | (index << 12), rate)
        if length >= 4 + side_info + _TAG_BYTES:
            header |= index << 12
            break
    frame = bytearray(length)
    frame[0:4] = header.to_bytes(4, "big")
    at = 4 + side_info
    frame[at : at + 4] = b"Info" if kbps else b"Xing"
    quality = 0 if kbps else 100 - 10 * vbr_quality - ALGORITHM_QUALITY  # as LAME writes it
    fields = (
        _XING_FLAGS.to_bytes(4, "big")
        + frames.to_bytes(4, "big")
        + size.to_bytes(4, "big")
        + toc
        + quality.to_bytes(4, "big")
    )
    frame[at + 4 : at + 4 + len(fields)] = fields
    if not lame_tag:
        return bytes(frame)
    at += 120
    lame = bytearray(36)
    lame[0:9] = ENCODER
    lame[9] = 1 if kbps else VBR_METHOD  # tag revision 0, VBR method
    lame[20] = min(kbps or 0, 255)
    lame[21:24] = ((DELAY << 12) | padding).to_bytes(3, "big")
    lame[28:32] = size.to_bytes(4, "big")
    lame[32:34] = music_crc.to_bytes(2, "big")
    frame[at : at + 34] = lame[:34]
    frame[at + 34 : at + 36] = fastcrc.crc16.arc(bytes(frame[: at + 34])).to_bytes(2, "big")
    return bytes(frame)


def side_info(frame: bytes, rate: int) -> tuple[int, tuple[int, ...]]:
    """``(main_data_begin, part2_3_length of each granule)`` of a mono layer III frame:
    how many bytes of its main data lie in the frames before it (the bit reservoir), and
    how many bits of main data each granule has. A frame with both 0 borrows nothing
    and holds no sound."""
    side = _Side(frame, rate)
    return side.field(0, 9 if side.mpeg1 else 8), side.granules(0, 12)


def long_blocks(frame: bytes, rate: int) -> tuple[bool, bool]:
    """Whether the first and the last granule of a mono layer III frame use the long
    window (no window switching), so that a neighbour's long window overlaps them
    cleanly."""
    side = _Side(frame, rate)
    before = 12 + 9 + 8 + (4 if side.mpeg1 else 9)  # part2_3_length ... scalefac_compress
    switching = side.granules(before, 1)
    return switching[0] == 0, switching[-1] == 0


def side_bytes(frame: bytes, rate: int) -> int:
    """Bytes of header, CRC and side information before a mono frame's main data."""
    return _Side(frame, rate).end


class _Side:
    """The side information of a mono layer III frame, read as one number."""

    def __init__(self, frame: bytes, rate: int):
        self.mpeg1 = _RATE_BITS[rate][0] == 3
        at = 4 if frame[1] & 1 else 6  # the protection bit clear: a CRC-16 follows the header
        size = 17 if self.mpeg1 else 9
        self.end = at + size
        self.bits = int.from_bytes(frame[at : self.end], "big")
        self.width = size * 8

    def field(self, offset: int, width: int) -> int:
        """The ``width`` bits from bit ``offset`` on."""
        return (self.bits >> (self.width - offset - width)) & ((1 << width) - 1)

    def granules(self, offset: int, width: int) -> tuple[int, ...]:
        """A field of each granule, ``offset`` bits into it."""
        first = 9 + 5 + 4 if self.mpeg1 else 8 + 1  # main_data_begin, private bits, scfsi
        granule = 59 if self.mpeg1 else 63
        count = 2 if self.mpeg1 else 1
        return tuple(self.field(first + g * granule + offset, width) for g in range(count))


def frame_lengths(data: bytes, rate: int) -> list[int]:
    """The length of each frame in ``data``, whole layer III frames at ``rate`` back to
    back (as LAME writes them); a damaged or cut frame is an :class:`ExportError`.
    An encoder writes few distinct headers: each is read once."""
    lengths = []
    known: dict[bytes, int] = {}
    at = 0
    while at < len(data):
        header = data[at : at + 4]
        length = known.get(header)
        if length is None:
            if len(header) < 4:
                raise ExportError("the MP3 encoder wrote a cut frame")
            length = known[header] = frame_bytes(int.from_bytes(header, "big"), rate)
        lengths.append(length)
        at += length
    if at != len(data):
        raise ExportError("the MP3 encoder wrote a cut frame")
    return lengths
