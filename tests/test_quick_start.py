"""A quick start (issue 19): the commands that only read routines load no audio code.

``voiceguide --help``, ``list`` and ``validate`` are run through the click entry point in
a fresh interpreter (this one has loaded half the package already), and the modules it
loaded are looked at. How long they take is measured by ``scripts/bench.py``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, VALID

AUDIO = (
    "pydub", "numpy", "audioop", "pyaudioop", "pyttsx3", "mutagen", "imageio_ffmpeg",
    "soundfile", "onnxruntime", "piper", "espeakng_loader", "lameenc", "fastcrc", "babel",
    "voiceguide.levels", "voiceguide.loudness", "voiceguide.render", "voiceguide.mp3",
    "voiceguide.speech.pyttsx3_engine", "voiceguide.speech.piper_engine",
)  # fmt: skip
"""Audio libraries and the package's own audio modules (a module or any inside it)."""

RUN = """
import contextlib, io, json, sys
from voiceguide.cli import cli

WATCHED = {watched!r}

def loaded():
    return sorted(m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in WATCHED))

said = []
for args in {commands!r}:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            cli.main(args, prog_name="voiceguide")
            code = 0
        except SystemExit as exc:
            code = exc.code
    said.append({{"args": args, "code": code, "stdout": out.getvalue(), "loaded": loaded()}})
__import__({then!r})  # the check sees the watched modules once they are loaded
said.append({{"args": ["import {then}"], "loaded": loaded()}})
print(json.dumps(said))
"""


def run_fresh(
    commands: list[list[str]], watched: tuple[str, ...] = AUDIO, then: str = "voiceguide.levels"
) -> list[dict]:
    """Each command in turn through ``cli.main`` in one new interpreter: its exit status,
    output, and which of the ``watched`` modules were loaded by then; last, the same
    after importing ``then``."""
    script = RUN.format(watched=watched, commands=commands, then=then)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    return json.loads(done.stdout)


def test_help_list_and_validate_load_no_audio_code(tmp_path):
    routine = tmp_path / "mine.yaml"
    routine.write_text(VALID)
    broken = tmp_path / "broken.yaml"
    broken.write_text(VALID.replace("hold: 20", "hold: -3"))
    builtin = str(ROOT / "voiceguide" / "routines" / "hamstring-relief.yaml")
    commands = [
        ["--help"],
        ["list"],
        ["validate", str(routine), builtin],
        ["validate", str(broken)],
    ]
    said = run_fresh(commands)

    help_, listed, valid, invalid, afterwards = said
    assert help_["code"] == 0 and "validate" in help_["stdout"]
    assert listed["code"] == 0 and listed["stdout"].startswith("hamstring-")
    assert "hamstring-relief" in listed["stdout"] and " about " in listed["stdout"]
    assert valid["code"] == 0 and valid["stdout"].count("ok: ") == 2
    assert "Test routine, 1 exercise, about" in valid["stdout"]
    assert invalid["code"] == 2
    for each in (help_, listed, valid, invalid):
        assert each["loaded"] == [], each["args"]
    assert "numpy" in afterwards["loaded"]  # the check does see audio code once loaded


def test_help_does_not_even_load_the_build():
    watched = ("voiceguide.build", "voiceguide.batch", "voiceguide.prescribe",
               "voiceguide.speech.cache")  # fmt: skip
    help_, afterwards = run_fresh([["--help"]], watched, then="voiceguide.batch")
    assert help_["code"] == 0 and help_["loaded"] == []
    assert afterwards["loaded"] == sorted(watched)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 44100, 48000])
def test_a_tones_length_is_known_without_making_it(rate):
    """``list`` and ``validate`` estimate a session's length with the tones' lengths
    alone (no numpy): they are the lengths of the tones a build makes."""
    from voiceguide.tones import NAMES, samples, tone

    for name in NAMES:
        assert samples(name, rate) == len(tone(name, rate)) // 2 > 0
