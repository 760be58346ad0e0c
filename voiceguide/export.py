"""Encoding and writing: the MP3, its tags, the timeline JSON — all or nothing.

Every output is first written to a temporary file in the output folder and renamed
over the old one only when all of them are complete, so a failed or interrupted build
leaves the previous files as they were and no partial ones.

PCM is streamed to ffmpeg's stdin; ffmpeg writes to a real (seekable) file, which lets
it go back and write the LAME/Xing header, so decoders know the encoder's delay and
padding and the decoded audio has exactly the samples we rendered.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from voiceguide import ffmpeg
from voiceguide.errors import ExportError

MP3_QUALITY = "2"
"""LAME's VBR quality (0 best, 9 smallest). VBR, because constant bit rates at 22.05 kHz
measured 0.4 LU quieter after decoding (LAME low-passes them harder), and silence,
most of a session, costs almost nothing in VBR: about 0.27 MB a minute here."""


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
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part",
                                            dir=self.folder)
        except OSError as exc:
            raise ExportError(f"cannot write to {self.folder}: {exc.strerror}") from exc
        os.close(handle)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are not
        self.staged[final] = Path(temp)
        return Path(temp)

    def __enter__(self) -> "StagedOutputs":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            try:
                for final, temp in self.staged.items():
                    os.replace(temp, final)
            except OSError as exc:
                self._discard()
                raise ExportError(f"could not write {final}: {exc.strerror}") from exc
        else:
            self._discard()

    def _discard(self) -> None:
        for temp in self.staged.values():
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass


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


def encode_mp3(chunks: Iterable[bytes], *, rate: int, path: Path, label: str) -> None:
    """Stream 16-bit mono PCM ``chunks`` through ffmpeg into an MP3 at ``path``;
    ``label`` names the file in messages. The tags are written afterwards
    (:func:`tag_mp3`), so ffmpeg writes none."""
    cmd = ffmpeg.base_command() + [
        "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-q:a", MP3_QUALITY, "-write_xing", "1", "-id3v2_version", "0",
        "-write_id3v1", "0", "-map_metadata", "-1", "-f", "mp3", str(path),
    ]
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=errors)
        except OSError as exc:
            raise ExportError(f"could not start ffmpeg: {exc}") from exc
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its exit status and message say why
        except BaseException:
            process.kill()
            process.wait()
            raise
        status = process.wait()
        if status != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip().splitlines()
            detail = message[-1] if message else f"exit status {status}"
            raise ExportError(f"encoding {label} failed: {detail}")


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
        tag.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=tags.title)]))
    for element, (title, start, end) in zip(ids, tags.chapters):
        tag.add(CHAP(element_id=element, start_time=start, end_time=end,
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                     sub_frames=[TIT2(encoding=3, text=title)]))
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
