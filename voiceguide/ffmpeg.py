"""Finding ffmpeg, and the two ways voiceguide talks to it (decode a file, run a job).

ffmpeg comes from the ``imageio-ffmpeg`` wheel, so ``pip install`` alone is enough.
``VOICEGUIDE_FFMPEG`` points at another binary; ``IMAGEIO_FFMPEG_EXE`` (honoured by
imageio-ffmpeg) works too. A system ``ffmpeg`` on PATH is the last resort.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable

from voiceguide import interrupts
from voiceguide.errors import ExportError

ENV_VAR = "VOICEGUIDE_FFMPEG"


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary to run; raises :class:`ExportError` when there is none."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise ExportError(f"{ENV_VAR}={chosen} is not an executable file")
        return chosen
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise ExportError(
        "no ffmpeg found: reinstall voiceguide (it brings imageio-ffmpeg) "
        f"or set {ENV_VAR} to an ffmpeg binary"
    )


def base_command() -> list[str]:
    """ffmpeg, quiet but for errors, never reading the terminal."""
    return [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error"]


def decode_to_pcm(path: str, rate: int) -> bytes:
    """Decode any audio file to 16-bit mono PCM at ``rate`` (little-endian)."""
    cmd = base_command() + [
        "-nostdin",
        "-i",
        path,
        "-f",
        "s16le",
        "-acodec",
        "pcm_s16le",
        "-ac",
        "1",
        "-ar",
        str(rate),
        "pipe:1",
    ]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
        raise ExportError(f"ffmpeg could not decode {path}: {detail[0]}")
    return done.stdout


def feed(cmd: list[str], chunks: Iterable[bytes]) -> tuple[int, str]:
    """Run ffmpeg ``cmd`` with ``chunks`` streamed to its stdin; its exit status and what
    it said on stderr. Its stderr goes to a file, so a talkative ffmpeg never blocks; if
    anything goes wrong here (Ctrl-C included), ffmpeg is stopped before we go on."""
    with tempfile.TemporaryFile() as said:
        process = None
        try:
            with interrupts.held():  # so that a Ctrl-C never leaves ffmpeg running unseen
                try:
                    process = subprocess.Popen(
                        cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=said
                    )
                except OSError as exc:
                    raise ExportError(f"could not start ffmpeg: {exc}") from exc
            stdin = process.stdin
            assert stdin is not None  # stdin=PIPE
            try:
                for chunk in chunks:
                    stdin.write(chunk)
                stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early: its exit status and message say why
            status = process.wait()
        except BaseException:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
            raise
        said.seek(0)
        return status, said.read().decode(errors="replace")
