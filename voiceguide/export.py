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


def encode_mp3(chunks: Iterable[bytes], *, rate: int, path: Path,
               label: str, tags: Mapping[str, str] = {}) -> None:
    """Stream 16-bit mono PCM ``chunks`` through ffmpeg into an MP3 at ``path``;
    ``label`` names the file in messages."""
    cmd = ffmpeg.base_command() + [
        "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-q:a", MP3_QUALITY, "-id3v2_version", "3", "-write_xing", "1",
    ]
    for key, value in tags.items():
        cmd += ["-metadata", f"{key}={value}"]
    cmd += ["-f", "mp3", str(path)]
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


def write_json(document: Mapping, path: Path) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False)
            f.write("\n")
    except OSError as exc:
        raise ExportError(f"could not write {path}: {exc.strerror}") from exc
