"""Encoding a session's PCM: MP3 in-process by :mod:`voiceguide.mp3` (LAME, in parts at
once), the other formats by streaming PCM to ffmpeg's stdin. ffmpeg writes to a real
(seekable) file, so it can go back and write the headers that make the decoded audio
exactly the samples rendered.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import ffmpeg
from voiceguide.errors import ExportError, OptionError

if TYPE_CHECKING:
    from voiceguide.mp3loop import Loop
    from voiceguide.speech.cache import ClipCache
    from voiceguide.tags import Tags

MP3_QUALITY = 2
"""LAME's VBR quality (0 best, 9 smallest). VBR, because constant bit rates at 22.05 kHz
measured 0.4 LU quieter after decoding (LAME low-passes them harder), and silence,
most of a session, costs almost nothing in VBR: about 0.27 MB a minute here."""


@dataclass(frozen=True)
class Format:
    """An output format: its file extension, ffmpeg muxer and encoder settings."""

    name: str
    muxer: str
    codec: tuple[str, ...]
    """ffmpeg arguments choosing the encoder and its quality."""
    bitrate: bool
    """Whether ``--bitrate`` applies (it replaces the quality setting)."""
    chapters: bool
    """Whether ffmpeg writes its chapters. Ogg and FLAC get theirs from
    :func:`tag_vorbis_chapters`: ffmpeg's Vorbis-comment chapters round the seconds up
    (22.820 s is written 00:00:23.820)."""
    overshoot_db: float = 0.0
    """How much higher the encoder's true peaks come out than the samples it is given,
    beyond what the levelling's ceiling allows for (MP3's half a dB), with a little to
    spare: the sounds are limited that much lower, so the file stays at or under -1
    dBTP. Measured on the built-in session at each format's default quality (ffmpeg's
    ebur128): Opus came out at -0.4 dBTP, AAC and Vorbis at -0.7, from a ceiling of
    -1.5."""


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("mp3", "mp3", ("-c:a", "libmp3lame", "-q:a", str(MP3_QUALITY)), True, True),
        Format("m4a", "ipod", ("-c:a", "aac", "-b:a", "64k"), True, True, overshoot_db=1.0),
        Format("ogg", "ogg", ("-c:a", "libvorbis", "-q:a", "3"), True, False, overshoot_db=1.0),
        Format(
            "opus",
            "opus",
            ("-c:a", "libopus", "-b:a", "32k", "-application", "voip"),
            True,
            False,
            overshoot_db=1.4,
        ),  # fmt: skip
        Format("wav", "wav", ("-c:a", "pcm_s16le"), False, False),
        Format("flac", "flac", ("-c:a", "flac"), False, False),
    )
}
DEFAULT_FORMAT = "mp3"


@dataclass(frozen=True)
class Pcm:
    """A session's 16-bit mono PCM, rendered on demand."""

    rate: int
    samples: int
    quiet: tuple[tuple[int, int], ...]
    """Spans (start, end samples) of digital silence, where it may be cut."""
    render: Callable[[int, int], Iterable[bytes]]
    """Samples ``start`` to ``end``, in chunks."""
    pieces: bool = False
    """Whether long sounding stretches are encoded in pieces joined where they agree,
    not in silence (:mod:`voiceguide.mp3splice`): a session under a bed has none."""
    loop: Loop | None = None
    """Where the session is a loop sounding alone (a bed between the words), which an
    MP3 encodes once (:mod:`voiceguide.mp3loop`)."""


def encode(
    pcm: Pcm,
    *,
    path: Path,
    label: str,
    fmt: Format,
    bitrate: str | None = None,
    tags: Tags | None = None,
    cache: ClipCache | None = None,
) -> None:
    """Encode ``pcm`` into ``path`` in ``fmt``; ``label`` names the file in messages. MP3
    is made in-process (:mod:`voiceguide.mp3`, each part once: through ``cache``, across
    builds too) and gets its tags afterwards from :func:`tag_mp3` (mutagen); the other
    formats go through ffmpeg, which writes ``tags``, chapters included where the
    container has them."""
    from voiceguide import mp3  # the LAME encoder: loaded by a build, not on every start

    if fmt.name == "mp3" and pcm.rate in mp3.RATES:
        try:
            with open(path, "wb") as out:
                mp3.encode(
                    pcm.render,
                    samples=pcm.samples,
                    quiet=pcm.quiet,
                    rate=pcm.rate,
                    out=out,
                    label=label,
                    vbr_quality=MP3_QUALITY,
                    kbps=int(bitrate[:-1]) if bitrate else None,
                    cache=cache,
                    pieces=pcm.pieces,
                    loop=pcm.loop,
                )
        except OSError as exc:
            raise ExportError(f"could not write {label}: {exc.strerror}") from exc
        return
    codec = list(fmt.codec)
    if bitrate:
        codec = codec[:2] + ["-b:a", bitrate]
    cmd = ffmpeg.base_command() + [
        "-y",
        "-f",
        "s16le",
        "-ar",
        str(pcm.rate),
        "-ac",
        "1",
        "-i",
        "pipe:0",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        if fmt.name == "mp3" or tags is None:
            cmd += ["-map_metadata", "-1"]
        else:
            meta = Path(scratch) / "tags.txt"
            meta.write_text(_ffmetadata(tags, chapters=fmt.chapters), encoding="utf-8")
            cmd += [
                "-f",
                "ffmetadata",
                "-i",
                str(meta),
                "-map",
                "0:a",
                "-map_metadata",
                "1",
                "-map_chapters",
                "1" if fmt.chapters else "-1",
            ]
        cmd += codec
        if tags is not None:
            cmd += ["-metadata:s:a:0", f"language={tags.iso639_2}"]
        if fmt.name == "mp3":
            cmd += ["-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0"]
        cmd += ["-f", fmt.muxer, str(path)]
        _run_encoder(cmd, pcm.render(0, pcm.samples), label)


def _ffmetadata(tags: Tags, *, chapters: bool) -> str:
    """``tags`` in ffmpeg's metadata file format."""

    def quote(text: str) -> str:
        return "".join("\\" + c if c in "=;#\\\n" else c for c in text)

    lines = [";FFMETADATA1"]
    for key in ("title", "album", "artist", "genre", "comment", "track"):
        if getattr(tags, key):
            lines.append(f"{key}={quote(getattr(tags, key))}")
    for title, start, end in tags.chapters if chapters else ():
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={start}",
            f"END={end}",
            f"title={quote(title)}",
        ]
    return "\n".join(lines) + "\n"


def _run_encoder(cmd: list[str], chunks: Iterable[bytes], label: str) -> None:
    status, said = ffmpeg.feed(cmd, chunks)
    if status != 0:
        lines = said.strip().splitlines()
        raise ExportError(
            f"encoding {label} failed: {lines[-1] if lines else f'exit status {status}'}"
        )


def check_format(fmt: str, bitrate: str | None) -> Format:
    """The format named ``fmt``; refuses unknown ones, a bitrate where none applies, and
    a format made by ffmpeg when there is none to run."""
    if fmt not in FORMATS:
        raise OptionError(f"must be one of {', '.join(FORMATS)}, got '{fmt}'", setting="format")
    container = FORMATS[fmt]
    if bitrate and not container.bitrate:
        raise OptionError(f"does not apply to {fmt}, which is lossless", setting="bitrate")
    if bitrate and not re.fullmatch(r"[1-9]\d{0,2}k", bitrate):
        raise OptionError(
            f"takes kilobits a second like 64k or 96k, got '{bitrate}'", setting="bitrate"
        )
    if bitrate and fmt in KBPS and not KBPS[fmt][0] <= int(bitrate[:-1]) <= KBPS[fmt][1]:
        low, high = KBPS[fmt]
        where = "up to 160k at 22.05 kHz" if fmt == "mp3" else "a mono voice at 22.05 kHz"
        raise OptionError(f"for {fmt} takes {low}k to {high}k ({where}), got {bitrate}",
                          setting="bitrate")  # fmt: skip
    if fmt != "mp3" or any(os.environ.get(name) for name in ffmpeg.ENV_VARS):
        # its encoder is there, and a $VOICEGUIDE_FFMPEG set is good: before voicing
        ffmpeg.ffmpeg_exe()
    return container


KBPS = {"mp3": (8, 320), "ogg": (16, 80), "opus": (6, 256), "m4a": (16, 160)}
"""Bit rates each encoder takes for a mono voice at 22.05 kHz (measured with the packaged
ffmpeg: libvorbis refuses 8k and 96k and over, libopus over 256k; AAC gives the same file
over 160k). MP3's range is all MP3 has at any sample rate (the voice's is known only once
it speaks): one it lacks at the voice's rate becomes the nearest it has, with a warning."""


def bitrate_note(container: Format, bitrate: str | None, rate: int) -> tuple[str, ...]:
    """A warning when MP3 has no such bit rate at ``rate`` and the nearest was used."""
    from voiceguide import mp3

    if container.name != "mp3" or not bitrate or rate not in mp3.RATES:
        return ()
    asked = int(bitrate[:-1])
    used = mp3.allowed_kbps(asked, rate)
    if used == asked:
        return ()
    return (f"MP3 at {rate} Hz has no {asked}k bit rate; {used}k was used",)
