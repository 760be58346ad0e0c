"""Finding ffmpeg, and the two ways voiceguide talks to it (decode a file, run a job).

ffmpeg comes from the ``imageio-ffmpeg`` wheel, so ``pip install`` alone is enough.
``VOICEGUIDE_FFMPEG`` points at another binary; ``IMAGEIO_FFMPEG_EXE`` (honoured by
imageio-ffmpeg) works too. A system ``ffmpeg`` on PATH is the last resort.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from voiceguide import interrupts
from voiceguide.errors import BadInput, ExportError

ENV_VAR = "VOICEGUIDE_FFMPEG"
ENV_VARS = (ENV_VAR, "IMAGEIO_FFMPEG_EXE")
"""The variables that choose ffmpeg, the first set winning (imageio-ffmpeg reads the
second itself, and ran whatever it named, checked or not)."""


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary to run; raises :class:`ExportError` when there is none."""
    for name in ENV_VARS:
        chosen = os.environ.get(name)
        if chosen:
            if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
                raise BadInput(
                    f"the environment variable {name} ({chosen}) is not an executable file"
                )
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


def decode_to_pcm(path: str, rate: int, seconds: float | None = None) -> bytes:
    """Decode any audio file (its first ``seconds``, if given) to 16-bit mono PCM at
    ``rate`` (little-endian); :class:`ExportError` saying why ffmpeg could not."""
    limit = ["-t", f"{seconds:g}", "-vn"] if seconds is not None else []
    cmd = base_command() + [
        "-nostdin",
        "-i",
        path,
        *limit,
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
    done = run_bounded(cmd)
    if done.returncode != 0 or not done.stdout:
        tail = done.stderr[-SAID_BYTES:].decode(errors="replace")
        detail = tail.strip().splitlines()[-1:] or ["unknown error"]
        raise ExportError(f"ffmpeg could not decode {path}: {detail[0]}")
    return done.stdout


STALL_SECONDS = 30.0
"""Seconds the encoder may go without taking any audio (or, once it has all of it,
without finishing) before it counts as stuck and is stopped."""
SAID_LINES = 5
"""Lines of a child's error output kept for its message: the last ones."""
SAID_BYTES = 4096
"""Bytes of a child's error output read at most (its end), and the longest line kept."""


class Stalled(ExportError):
    """The encoder made no progress for :data:`STALL_SECONDS`: it was stopped."""


def feed(cmd: list[str], chunks: Iterable[bytes]) -> tuple[int, str]:
    """Run ffmpeg ``cmd`` with ``chunks`` streamed to its stdin; its exit status and the
    last lines it said on stderr (:func:`last_lines`). Its stderr goes to a file, so a
    talkative ffmpeg never blocks; one that takes nothing for :data:`STALL_SECONDS`
    (or does not finish that long after its input ends) is stopped and
    :class:`Stalled` raised; if anything goes wrong here (Ctrl-C included), ffmpeg is
    stopped before we go on."""
    with tempfile.TemporaryFile() as said:
        process = None
        watchdog = None
        try:
            with interrupts.held():  # so that a Ctrl-C never leaves ffmpeg running unseen
                try:
                    process = subprocess.Popen(
                        cmd,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL,
                        stderr=said,
                        start_new_session=True,  # its group stopped with it (see _stop)
                    )
                except OSError as exc:
                    raise ExportError(f"could not start ffmpeg: {exc}") from exc
            watchdog = _Watchdog(process)
            stdin = process.stdin
            assert stdin is not None  # stdin=PIPE
            try:
                for chunk in chunks:
                    with watchdog.waiting():
                        stdin.write(chunk)
                with watchdog.waiting():
                    stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early: its exit status and message say why
            with watchdog.waiting():
                status = process.wait()
            if watchdog.stalled:
                raise Stalled(
                    f"the encoder made no progress for {STALL_SECONDS:g} s and was stopped"
                )
        except BaseException:
            if process is not None and process.poll() is None:
                _stop(process)
                process.wait()
            raise
        finally:
            if watchdog is not None:
                watchdog.stop()
        return status, last_lines(said)


def run_bounded(cmd: list[str], seconds: float | None = None) -> subprocess.CompletedProcess:
    """Run ffmpeg ``cmd`` to its end, its output and messages taken whole; one that has not
    ended after ``seconds`` (:data:`STALL_SECONDS`) is stopped, with all it started, and
    :class:`Stalled` raised (a hung wrapper script kept a build waiting for good)."""
    limit = STALL_SECONDS if seconds is None else seconds
    try:
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise ExportError(f"could not start ffmpeg: {exc}") from exc
    try:
        out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _stop(process)
        process.communicate()
        raise Stalled(f"ffmpeg did not finish in {limit:g} s and was stopped") from None
    except BaseException:
        _stop(process)
        process.wait()
        raise
    return subprocess.CompletedProcess(cmd, process.returncode, out, err)


def last_lines(stream: BinaryIO) -> str:
    """The last :data:`SAID_LINES` lines of what a child wrote into ``stream`` (read from
    its end, at most :data:`SAID_BYTES`), each cut to :data:`SAID_BYTES` characters."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(max(0, size - SAID_BYTES))
    lines = stream.read().decode(errors="replace").strip().splitlines()[-SAID_LINES:]
    return "\n".join(line[:SAID_BYTES] for line in lines)


def _stop(process: subprocess.Popen) -> None:
    """Kill ``process`` and what it started: an ffmpeg run through a wrapper script that
    did not ``exec`` it holds the pipe open after the script is killed."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own group: start_new_session
            return
        except (ProcessLookupError, PermissionError):
            pass
    process.kill()


class _Watchdog:
    """Kills a process once one of the caller's waits on it lasts :data:`STALL_SECONDS`."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.stalled = False
        self._since: float | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="encoder watchdog")
        self._thread.start()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        self._since = time.monotonic()
        try:
            yield
        finally:
            self._since = None

    def _watch(self) -> None:
        while not self._done.wait(min(1.0, STALL_SECONDS / 4)):
            since = self._since
            if since is not None and time.monotonic() - since > STALL_SECONDS:
                self.stalled = True
                _stop(self.process)
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()
