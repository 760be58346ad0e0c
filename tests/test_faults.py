"""Faults mid-build: whatever happens, the output folder holds the previous good files
or the new good files, never part of one, and the user gets one clear sentence."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LONG, digests, started, voiceguide

from voiceguide import audio_check
from voiceguide.speech.pyttsx3_engine import PARALLEL_FROM, WORKERS

pytestmark = pytest.mark.slow  # signals, killed encoders, full disks and races: each a real build

STEM = "hamstring-relief"
SHORT = ["--hold", "2", "--reps", "1"]


@pytest.fixture
def previous(tmp_path) -> tuple[Path, dict[str, str]]:
    """An output folder holding a good earlier build."""
    out = tmp_path / "out"
    assert voiceguide("build", "-o", str(out), *SHORT).code == 0
    return out, digests(out)


def start_long_build(out: Path, *extra: str) -> subprocess.Popen:
    """A long build, returned once it is writing its output (a .part file exists)."""
    process = started("build", "-o", str(out), *LONG, *extra)
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while not any(p.suffix == ".part" for p in out.iterdir()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)
    return process


def test_ctrl_c_mid_build_keeps_the_previous_files(previous):
    out, before = previous
    process = start_long_build(out)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["Interrupted: nothing was written."]
    assert digests(out) == before


def test_a_killed_encoder_fails_the_build_cleanly(previous):
    # Ogg goes through ffmpeg; MP3 is made in-process, so there is no encoder to kill
    out, before = previous
    process = start_long_build(out, "--format", "ogg")
    deadline = time.monotonic() + 60  # a hang guard: the .part file comes just before ffmpeg
    while subprocess.run(["pkill", "-KILL", "-f", f"ffmpeg.*{out}"]).returncode != 0:
        assert process.poll() is None and time.monotonic() < deadline, "no encoder was running"
        time.sleep(0.01)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: encoding") and "Traceback" not in stderr
    assert digests(out) == before


def test_a_full_disk_fails_the_build_cleanly(previous):
    # ulimit -f caps the size of any file the build writes (here 1 MB): the encoder hits
    # it as a full disk would stop it.
    out, before = previous
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"ulimit -f 1024; exec {sys.executable} -m voiceguide "
            f"build -o {out} --hold 300 --reps 1",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error:") and "Traceback" not in done.stderr
    assert digests(out) == before


@pytest.mark.parametrize("attempt", range(3))
def test_two_builds_of_one_routine_at_once_leave_a_matching_pair(tmp_path, attempt):
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "build", "-o", str(out), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for args in (["--hold", "3", "--reps", "1"], ["--hold", "5", "--reps", "1"])
    ]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    assert sorted(p.name for p in out.iterdir()) == [f"{STEM}.mp3", f"{STEM}.timeline.json"]
    # The two builds differ in length: the audio and its timeline must be one build's.
    sheet = json.loads((out / f"{STEM}.timeline.json").read_text())
    report = audio_check.check(out / f"{STEM}.mp3", sheet)
    assert report.problems == []


@pytest.mark.parametrize(
    "name, stem",
    [
        ("morning", "morning"),
        ("../../escape", "escape"),
        (".hidden", "hidden"),
        ("a/b", "a-b"),
        ("x" * 300, "x" * 100),
    ],
)
def test_name_option_is_made_safe_and_stays_in_the_folder(tmp_path, name, stem):
    out = tmp_path / "out"
    run = voiceguide("build", "-o", str(out), *SHORT, "--name", name)
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        f"{stem}.mp3",
        f"{stem}.timeline.json",
    ]
    assert json.loads((out / f"{stem}.timeline.json").read_text())["audio"] == f"{stem}.mp3"


def test_a_name_with_nothing_usable_is_bad_input(tmp_path):
    run = voiceguide("build", "-o", str(tmp_path / "out"), *SHORT, "--name", "...")
    assert run.code == 2 and "cannot name a file" in run.stderr
    assert not (tmp_path / "out").exists()


# -- a voice that hangs --------------------------------------------------------------------

SENTENCE = (
    "Sentence {n} {m} is long enough to keep the voice busy for a while, so that "
    "there is time to stop it halfway through its work, which is what this test does "
    "to see what a user would see if the voice ever hung for good."
)
WORDY = "title: Wordy\nexercises:\n" + "".join(
    f"  - name: Stretch {n}\n    instructions:\n"
    + "".join(f"      - {SENTENCE.format(n=n, m=m)}\n" for m in range(20))
    for n in range(8)
)
"""160 long phrases: several seconds of work for the voice, whatever the machine."""


def voice_workers(parent: int) -> list[int]:
    """The voice worker processes started by process ``parent``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"pyttsx3_worker" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_a_hung_voice_fails_the_build_after_its_timeout(tmp_path):
    routine = tmp_path / "wordy.yaml"
    routine.write_text(WORDY)
    assert WORDY.count("Sentence") >= PARALLEL_FROM  # so every worker speaks
    out = tmp_path / "out"
    temp = tmp_path / "temp"  # the workers' folders (voiceguide-tts-*): this build's only
    temp.mkdir()
    env = {
        **os.environ,
        "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache"),
        "VOICEGUIDE_TTS_TIMEOUT": "3",
        "TMPDIR": str(temp),
    }
    process = started("build", str(routine), "-o", str(out), *SHORT, env=env)
    # Freeze the workers mid-phrase (a real hang), and only once each is past its
    # start-up, which may take START_TIMEOUT: a worker is asked for a phrase.wav in its
    # own folder only after it has answered that it started. The file lives from the
    # end of a phrase until the build has read it: looked for every millisecond.
    voicing: set[Path] = set()
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while len(voicing) < WORKERS:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, (
            f"only {len(voicing)} of {WORKERS} voice workers began saying phrases"
        )
        voicing.update(wav.parent for wav in temp.glob("voiceguide-tts-*/phrase.wav"))
        time.sleep(0.001)
    workers = voice_workers(process.pid)
    assert len(workers) == WORKERS, workers
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    lines = stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and "did not answer within 3 s (the limit VOICEGUIDE_TTS_TIMEOUT sets)" in lines[0]
    ), stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert list(temp.iterdir()) == []  # the workers' folders removed
    for pid in workers:  # killed, not left frozen
        assert (
            not Path(f"/proc/{pid}").exists()
            or Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        )


def test_ctrl_c_stops_every_build_under_way_when_several_run_at_once(tmp_path):
    folder = tmp_path / "routines"
    folder.mkdir()
    builtin = Path(__file__).resolve().parent.parent / "voiceguide" / "routines"
    for name in ("one", "two", "three"):
        (folder / f"{name}.yaml").write_text((builtin / f"{STEM}.yaml").read_text())
    out = tmp_path / "out"
    out.mkdir()
    process = started("build", str(folder), "-o", str(out), "-j", "2", *LONG)
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while len({p.name.split(".")[1] for p in out.glob(".*.mp3.*.part")}) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the builds never started writing"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)  # both are encoding a two-hour session
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    said = stderr.strip().splitlines()[-1]
    built = re.fullmatch(r"Interrupted: only (.*) had been built; nothing else was written\.", said)
    # a build may just have finished as the signal came; then it is named, and whole
    names = [Path(ref).stem for ref in built.group(1).split(", ")] if built else []
    assert built or said == "Interrupted: nothing was written."
    assert len(names) < 2
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.{ext}" for n in names for ext in ("mp3", "timeline.json")
    )


# -- a voice that is missing or broken -------------------------------------------------------

BROKEN_VOICES = {
    "missing": "raise ImportError(\"No module named 'pyttsx3'\")\n",
    "failing": "def init(*args, **kwargs):\n    raise RuntimeError('no sound driver')\n",
}


@pytest.mark.parametrize("kind", BROKEN_VOICES)
def test_a_missing_or_failing_voice_says_how_to_fix_it(tmp_path, kind):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "pyttsx3.py").write_text(BROKEN_VOICES[kind])  # found before the real one
    out = tmp_path / "out"
    run = voiceguide(
        "build",
        "-o",
        str(out),
        *SHORT,
        env={"PYTHONPATH": str(shadow), "VOICEGUIDE_CACHE_DIR": str(tmp_path / "c")},
    )
    assert run.code == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "Error: the voice engine pyttsx3 could not start"
    )
    assert "pip install --force-reinstall pyttsx3 espeakng-loader" in lines[0]
    assert not out.exists() or list(out.iterdir()) == []
