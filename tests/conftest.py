"""Shared helpers: the real command line, in this process (quick, for tables of
messages) or in a subprocess (as a user runs it: exit statuses, signals)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LYING, SEATED, WALL = (
    "Lying hamstring stretch",
    "Seated hamstring stretch",
    "Wall hamstring stretch",
)


def _builtin_exercises() -> tuple[str, ...]:
    from voiceguide.routine import load_builtin

    return tuple(e.name for e in load_builtin("hamstring-relief").exercises)


EXERCISES = _builtin_exercises()
"""The built-in session's exercises, in its order."""

VALID = """\
title: Test routine
exercises:
  - name: Lying stretch
    sides: [right, left]
    instructions: Lift your {side} leg.
    hold: 20
"""
"""One valid routine for every routine test: line 3 is the exercise, line 6 its hold."""


LONG = ["--hold", "600", "--reps", "2", "--bed", "brown", "--bitrate", "64k"]
"""Options for a build that takes a while however fast the machine (about 2 hours of
session, some 20 s here), long enough to interrupt: under a bed at a constant bit rate
nothing is silent and nothing is in pieces, so one LAME encodes it all (without a bed the
silence is laid down, not encoded, and the build takes a second)."""


QUICK = False
"""Whether this is the quick loop (``-m "not slow"``): property tests try fewer examples."""


def pytest_configure(config) -> None:
    global QUICK
    QUICK = "not slow" in (config.getoption("markexpr") or "")


def options_id(options) -> str:
    """A test id: the options given (``hold=45,hold=wall=60``), or "defaults"."""
    given = [f"{k}={p + '=' if p else ''}{v}" for k, p, v in options.given]
    return ",".join(given) or "defaults"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def invoke(*args: str, cwd: Path | None = None, env: dict | None = None) -> Run:
    """``voiceguide ARGS`` in this process, through click's CliRunner: the same commands,
    options, messages and exit statuses as in a subprocess, without starting Python."""
    from click.testing import CliRunner

    from voiceguide.cli import cli

    before = Path.cwd()
    os.chdir(cwd or ROOT)
    try:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(before)
    return Run(result.exit_code, result.stdout, result.stderr)


def voiceguide(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300
) -> Run:
    """``python -m voiceguide ARGS`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Run(done.returncode, done.stdout, done.stderr)


def digests(folder: Path) -> dict[str, str]:
    """The sha256 of each file in ``folder`` (a folder in it stands as "folder"): what a
    failed build must leave exactly as it was."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        for p in folder.iterdir()
    }


TINY = ["--hold", "1", "--reps", "1"]
"""Options for a build of :data:`VALID` that takes a fraction of a second."""


@pytest.fixture
def routine_file(tmp_path) -> Path:
    """:data:`VALID` as ``tiny.yaml``."""
    path = tmp_path / "tiny.yaml"
    path.write_text(VALID)
    return path


@pytest.fixture
def built(tmp_path, routine_file) -> tuple[Path, dict[str, str]]:
    """An output folder holding a good earlier build of ``tiny`` (audio, timeline), and
    the digests of its files."""
    out = tmp_path / "out"
    run = invoke("build", str(routine_file), "-o", str(out), *TINY)
    assert run.code == 0, run.stderr
    assert "Removed" not in run.stdout + run.stderr  # nothing was there to remove
    return out, digests(out)


def started(*args: str, **popen) -> subprocess.Popen:
    """``python -m voiceguide ARGS`` started in a fresh process, its output read as text
    through pipes (``popen`` adds to how it is started: an environment, a session)."""
    return subprocess.Popen(
        [sys.executable, "-m", "voiceguide", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def load_sheet(folder: Path, stem: str) -> dict:
    return json.loads((folder / f"{stem}.timeline.json").read_text())


@pytest.fixture(scope="session")
def routine():
    """The built-in session's routine, loaded once."""
    from voiceguide.routine import load_builtin

    return load_builtin("hamstring-relief")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every build in the suite caches its phrases in a folder of its own, never the
    user's: the first builds voice everything, later ones reuse real clips."""
    folder = tmp_path_factory.mktemp("speech-cache")
    old = os.environ.get("VOICEGUIDE_CACHE_DIR")
    os.environ["VOICEGUIDE_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        del os.environ["VOICEGUIDE_CACHE_DIR"]
    else:
        os.environ["VOICEGUIDE_CACHE_DIR"] = old


@pytest.fixture
def handlers():
    """voiceguide's signal handlers installed for the test, and the earlier ones put back."""
    from voiceguide import interrupts

    before = {signum: signal.getsignal(signum) for signum in interrupts.STOPPING}
    interrupts.install()
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)
