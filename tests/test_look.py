"""scripts/look.py, the way to see a session: without matplotlib, --png still prints the
events and the checks, then says the PNG was not drawn."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT, VALID, invoke


def test_without_matplotlib_the_table_is_printed_and_the_png_is_not_drawn(tmp_path):
    (tmp_path / "tiny.yaml").write_text(VALID)
    run = invoke("build", str(tmp_path / "tiny.yaml"), "-o", str(tmp_path), "--hold", "2",
                 "--reps", "1")  # fmt: skip
    assert run.code == 0, run.stderr
    (tmp_path / "fake" / "matplotlib").mkdir(parents=True)
    (tmp_path / "fake" / "matplotlib" / "__init__.py").write_text("raise ImportError\n")
    png = tmp_path / "wave.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "look.py"), str(tmp_path / "tiny.timeline.json"),
         "--png", str(png)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "fake")},
    )  # fmt: skip
    assert "Lift your right leg." in done.stdout
    assert "all checks pass" in done.stdout
    assert done.stderr == (
        f"{png} not drawn: --png needs matplotlib (.venv/bin/pip install matplotlib)\n"
    )
    assert done.returncode == 2
    assert not png.exists()


def test_a_stretch_running_past_the_end_is_drawn_to_the_end(tmp_path):
    pytest.importorskip("matplotlib", reason="--png draws with matplotlib, not installed here")
    (tmp_path / "tiny.yaml").write_text(VALID)
    run = invoke("build", str(tmp_path / "tiny.yaml"), "-o", str(tmp_path), "--hold", "2",
                 "--reps", "1")  # fmt: skip
    assert run.code == 0, run.stderr
    png = tmp_path / "end.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "look.py"), str(tmp_path / "tiny.timeline.json"),
         "--from", "1", "--to", "9999", "--png", str(png)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "all checks pass" in done.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
