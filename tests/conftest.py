"""Shared helpers: run the real command line, as a user would, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def voiceguide(*args: str, cwd: Path | None = None, env: dict | None = None,
               timeout: float = 300) -> Run:
    """``python -m voiceguide ARGS`` in a fresh process."""
    done = subprocess.run([sys.executable, "-m", "voiceguide", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return Run(done.returncode, done.stdout, done.stderr)


def load_sheet(folder: Path, stem: str) -> dict:
    return json.loads((folder / f"{stem}.timeline.json").read_text())


@pytest.fixture
def cli():
    return voiceguide
