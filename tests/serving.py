"""Helpers for the server's tests: a session built once, and ``voiceguide serve`` run as a
user runs it (a subprocess on 127.0.0.1, a free port), stopped at the end of the test."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from conftest import invoke

STEM = "hamstring-relief"
"""The session every server test serves (the built-in, held 2 s, once a side)."""


def build_session(folder: Path, *extra: str) -> Path:
    """Build the built-in session, short, into ``folder``; the folder."""
    run = invoke("build", "--hold", "2", "--reps", "1", "-o", str(folder), *extra)
    assert run.code == 0, run.stderr
    return folder


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    """The address it printed (``http://HOST:PORT/`` or ``.../TOKEN/``)."""
    port: int
    printed: str
    """Everything it printed before it was ready."""

    @property
    def local(self) -> str:
        """Its address on the loopback interface, with the token if any: the tests never
        send anything to another address."""
        path = self.url.split("/", 3)[3]
        return f"http://127.0.0.1:{self.port}/{path}"

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Stop it with ``signum``: its exit status, the rest of its stdout, its stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(f"the server did not stop on {signum}: {err!r}") from None
        return self.process.returncode, out.decode(), err.decode()


def _foreground() -> None:
    """In the child: Ctrl-C acts as in a terminal's foreground job, even where the tests
    run as a background job (which starts with SIGINT ignored); and (on Linux) the
    server is stopped if the tests die without stopping it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def running(folder: Path, *args: str, timeout: float = 30) -> Iterator[Server]:
    """``voiceguide serve FOLDER --port 0 ARGS``, once it listens; stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "serve", str(folder), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_foreground,
    )
    printed = ""
    stdout = process.stdout.fileno()  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout  # a hang guard, not a timing
    try:
        while "Ctrl-C stops it." not in printed:
            left = deadline - time.monotonic()
            if left <= 0 or process.poll() is not None:
                process.kill()
                out, err = process.communicate()
                raise AssertionError(f"the server did not start: {printed}{out!r} {err!r}")
            ready, _, _ = select.select([stdout], [], [], left)
            if ready:
                printed += os.read(stdout, 65536).decode()
        found = re.search(r"http://[^\s]+:(\d+)/\S*", printed)
        assert found, printed
        server = Server(process, found.group(0), int(found.group(1)), printed)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of a request, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def raw(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of a request sent with ``path`` exactly as given (no
    normalising of ``..`` or escapes), on the loopback interface."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()
