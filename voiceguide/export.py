"""Encoding and writing: the MP3, its tags, the timeline JSON — all or nothing.

Every output is first written to a temporary file in the output folder and renamed
over the old one only when all of them are complete, so a failed or interrupted build
leaves the previous files as they were and no partial ones.

MP3 is encoded in-process by :mod:`voiceguide.mp3` (LAME, in parts at once). The other
formats stream PCM to ffmpeg's stdin; ffmpeg writes to a real (seekable) file, so it can
go back and write the headers that make the decoded audio exactly the samples rendered.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: renames are still atomic one by one
    fcntl = None

from voiceguide import ffmpeg, interrupts, mp3
from voiceguide.errors import ExportError, OptionError
from voiceguide.timeline import stamp

MP3_QUALITY = 2
"""LAME's VBR quality (0 best, 9 smallest). VBR, because constant bit rates at 22.05 kHz
measured 0.4 LU quieter after decoding (LAME low-passes them harder), and silence,
most of a session, costs almost nothing in VBR: about 0.27 MB a minute here."""


MAX_NAME = 100
"""Longest output file name stem, characters."""

AUDIO_EXTENSIONS = ("mp3", "m4a", "ogg", "opus", "wav", "flac", "aac", "oga", "m4b", "mp4")
"""Extensions :func:`safe_name` drops from the end of a name: ``--name a.mp3`` writes
``a.mp3``, not ``a.mp3.mp3``."""


def safe_name(name: str) -> str:
    """``name`` made safe as an output file stem: every character but letters, digits,
    ``_``, ``-``, ``.`` and spaces becomes ``-``; no leading dots; no audio extension at
    the end (``a.mp3`` → ``a``); at most :data:`MAX_NAME` long. Raises
    :class:`OptionError` when nothing usable is left."""
    cleaned = _trimmed(re.sub(r"[^\w.\- ]+", "-", name))
    stem, dot, extension = cleaned.rpartition(".")
    while dot and extension.lower() in AUDIO_EXTENSIONS:
        cleaned = _trimmed(stem)
        stem, dot, extension = cleaned.rpartition(".")
    cleaned = _trimmed(cleaned[:MAX_NAME])
    if not cleaned:
        raise OptionError(f"'{name}' cannot name a file: use letters or digits")
    return cleaned


def _trimmed(name: str) -> str:
    """``name`` without spaces, dots and dashes at either end."""
    return name.strip(" .-")


class StagedOutputs:
    """Temporary files beside their final names, renamed into place together.

    Use as a context manager: ``stage(path)`` gives a temporary path to write; leaving
    the block normally renames every staged file over its final name; leaving it with an
    exception (Ctrl-C included) removes the temporary files and touches nothing else.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.staged: dict[Path, Path] = {}

    def stage(self, final: Path) -> Path:
        with interrupts.held():  # a Ctrl-C now would leave a file no one knows about
            try:
                handle, temp = tempfile.mkstemp(
                    prefix=f".{final.name}.", suffix=".part", dir=self.folder
                )
            except OSError as exc:
                raise ExportError(f"cannot write to {self.folder}: {exc.strerror}") from exc
            self.staged[final] = Path(temp)
        os.close(handle)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are not
        return Path(temp)

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self._discard()
            return
        final = None
        try:
            with _locked(self.folder):
                for final, temp in self.staged.items():
                    os.replace(temp, final)
        except OSError as exc:
            self._discard()
            raise ExportError(f"could not write {final}: {exc.strerror}") from exc

    def _discard(self) -> None:
        with interrupts.held():
            for temp in self.staged.values():
                try:
                    os.unlink(temp)
                except FileNotFoundError:
                    pass


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold an exclusive lock on the output folder itself (POSIX; no lock file), so that
    two builds of one routine rename their files one set after the other: the folder
    never pairs one build's audio with the other's timeline."""
    if fcntl is None:
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class Tags:
    """What the file says about itself, as players show it."""

    title: str
    album: str
    artist: str
    genre: str
    comment: str
    length_ms: int
    chapters: tuple[tuple[str, int, int], ...] = ()
    """(title, start ms, end ms), contiguous, the last ending at ``length_ms``."""


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


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("mp3", "mp3", ("-c:a", "libmp3lame", "-q:a", str(MP3_QUALITY)), True, True),
        Format("m4a", "ipod", ("-c:a", "aac", "-b:a", "64k"), True, True),
        Format("ogg", "ogg", ("-c:a", "libvorbis", "-q:a", "3"), True, False),
        Format(
            "opus", "opus", ("-c:a", "libopus", "-b:a", "32k", "-application", "voip"), True, False
        ),
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


def encode(
    pcm: Pcm,
    *,
    path: Path,
    label: str,
    fmt: Format,
    bitrate: str | None = None,
    tags: Tags | None = None,
) -> None:
    """Encode ``pcm`` into ``path`` in ``fmt``; ``label`` names the file in messages. MP3
    is made in-process (:mod:`voiceguide.mp3`) and gets its tags afterwards from
    :func:`tag_mp3` (mutagen); the other formats go through ffmpeg, which writes
    ``tags``, chapters included where the container has them."""
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
        if fmt.name == "mp3":
            cmd += ["-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0"]
        cmd += ["-f", fmt.muxer, str(path)]
        _run_encoder(cmd, pcm.render(0, pcm.samples), label)


def _ffmetadata(tags: Tags, *, chapters: bool) -> str:
    """``tags`` in ffmpeg's metadata file format."""

    def quote(text: str) -> str:
        return "".join("\\" + c if c in "=;#\\\n" else c for c in text)

    lines = [";FFMETADATA1"]
    for key in ("title", "album", "artist", "genre", "comment"):
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


VORBIS_CHAPTERS = ("ogg", "opus", "flac")
"""Formats whose chapters are Vorbis comments."""


def tag_vorbis_chapters(path: Path, fmt: Format, tags: Tags) -> None:
    """Chapters as Vorbis comments (``CHAPTER000=00:00:00.000``, ``CHAPTER000NAME=...``),
    the convention players and ffmpeg read in Ogg Vorbis and FLAC files."""
    from mutagen.flac import FLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio = {"ogg": OggVorbis, "opus": OggOpus, "flac": FLAC}[fmt.name](str(path))
    for index, (title, start, _) in enumerate(tags.chapters):
        audio[f"CHAPTER{index:03d}"] = stamp(start)
        audio[f"CHAPTER{index:03d}NAME"] = title
    try:
        audio.save()
    except OSError as exc:
        raise ExportError(f"could not write chapters: {exc.strerror}") from exc


def _in_order_id3():
    """mutagen's ID3, saving frames in the order they were added. mutagen sorts frames
    by size when saving, which puts CHAP frames out of time order, and readers such as
    ffmpeg list chapters in the order of their frames."""
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class InOrder(ID3):
        def _write(self, config):
            return b"".join(save_frame(frame, config=config) for frame in self.values())

    return InOrder()


def tag_mp3(path: Path, tags: Tags) -> None:
    """ID3v2.3 tags (the version older players read) with one CHAP frame a chapter, in
    time order, and a top-level, ordered CTOC listing them: without the CTOC some apps
    show no chapters."""
    from mutagen.id3 import CHAP, COMM, CTOC, TALB, TCON, TIT2, TLEN, TPE1, CTOCFlags

    tag = _in_order_id3()
    tag.add(TIT2(encoding=3, text=tags.title))
    tag.add(TALB(encoding=3, text=tags.album))
    tag.add(TPE1(encoding=3, text=tags.artist))
    tag.add(TCON(encoding=3, text=tags.genre))
    tag.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    tag.add(TLEN(encoding=3, text=str(tags.length_ms)))
    ids = [f"chp{index}" for index in range(len(tags.chapters))]
    if ids:
        tag.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.title)],
            )
        )
    for element, (title, start, end) in zip(ids, tags.chapters):
        tag.add(
            CHAP(
                element_id=element,
                start_time=start,
                end_time=end,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=title)],
            )
        )
    try:
        tag.save(str(path), v2_version=3)
    except OSError as exc:
        raise ExportError(f"could not write tags: {exc.strerror}") from exc


def write_json(document: Mapping, path: Path) -> None:
    write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", path)


def write_text(text: str, path: Path) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise ExportError(f"could not write {path}: {exc.strerror}") from exc
