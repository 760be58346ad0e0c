"""A build in one format removes the same stem's audio in the others, as it commits:
no audio file is left that no timeline describes. Builds are real (the engine and the
encoder), of a routine small enough to build in a fraction of a second."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from conftest import TINY, VALID, digests, invoke, load_sheet

from voiceguide import outputs


def test_a_build_in_another_format_removes_the_stems_earlier_audio(built, routine_file):
    out, _ = built
    run = invoke("build", str(routine_file), "-o", str(out), "--format", "ogg", "--hold", "2")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["tiny.ogg", "tiny.timeline.json"]
    assert load_sheet(out, "tiny")["audio"] == "tiny.ogg"
    removed = (f"Removed {out / 'tiny.mp3'}: tiny.timeline.json now describes tiny.ogg (to keep"
               " both, build one with another --name).")  # fmt: skip
    assert run.stdout.splitlines()[-1] == removed, run.stdout


def test_another_stems_audio_stays(built, routine_file):
    out, _ = built
    other = invoke("build", str(routine_file), "-o", str(out), *TINY, "--name", "tiny.es")
    assert other.code == 0, other.stderr
    (out / "tiny-old.mp3").write_bytes(b"not ours")
    run = invoke("build", str(routine_file), "-o", str(out), *TINY, "--format", "ogg")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "tiny-old.mp3",
        "tiny.es.mp3",
        "tiny.es.timeline.json",
        "tiny.ogg",
        "tiny.timeline.json",
    ]
    assert run.stdout.count("Removed") == 1 and f"Removed {out / 'tiny.mp3'}:" in run.stdout


def test_a_failure_removing_the_earlier_audio_leaves_the_previous_set(built, routine_file,
                                                                      monkeypatch):  # fmt: skip
    out, before = built
    real = os.unlink

    def refusing_the_mp3(path, *args, **kwargs):
        if Path(path).name == "tiny.mp3":
            raise PermissionError(1, "Operation not permitted", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refusing_the_mp3)
    run = invoke("build", str(routine_file), "-o", str(out), "--format", "ogg", *TINY)
    assert run.code == 1, run.stderr
    assert run.stderr.startswith("Error: could not write") and "tiny.mp3" in run.stderr
    assert digests(out) == before  # the MP3 and its timeline, no Ogg, no temporary file


def test_sigterm_as_the_earlier_audio_goes_leaves_the_previous_set(built, routine_file, handlers,
                                                                   monkeypatch):  # fmt: skip
    out, before = built
    real = os.unlink

    def signalled_after_the_mp3(path, *args, **kwargs):
        result = real(path, *args, **kwargs)
        if Path(path).name == "tiny.mp3":
            os.kill(os.getpid(), signal.SIGTERM)  # arrives at once, mid-commit
        return result

    monkeypatch.setattr(os, "unlink", signalled_after_the_mp3)
    run = invoke("build", str(routine_file), "-o", str(out), "--format", "ogg", *TINY)
    assert run.code == 128 + signal.SIGTERM, run.stderr
    assert run.stderr.strip() == "Stopped by SIGTERM: nothing was written."
    assert digests(out) == before


def test_several_routines_each_remove_their_earlier_audio(tmp_path):
    routines = tmp_path / "routines"
    routines.mkdir()
    for name in ("one", "two"):
        (routines / f"{name}.yaml").write_text(VALID)
    out = tmp_path / "out"
    assert invoke("build", str(routines), "-o", str(out), *TINY, "-j", "2").code == 0
    run = invoke("build", str(routines), "-o", str(out), *TINY, "-j", "2", "--format", "opus")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "one.opus",
        "one.timeline.json",
        "two.opus",
        "two.timeline.json",
    ]
    for name in ("one", "two"):
        said = f"Removed {out / name}.mp3: {name}.timeline.json now describes {name}.opus ("
        assert any(line.startswith(said) for line in run.stdout.splitlines()), run.stdout


def test_a_signal_held_over_a_done_commit_says_the_files_are_complete(
    built, routine_file, handlers, monkeypatch
):
    out, _ = built
    real = outputs._commit

    def signalled_once_done(*args, **kwargs):
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # held until the commit's block ends
        return result

    monkeypatch.setattr(outputs, "_commit", signalled_once_done)
    run = invoke("build", str(routine_file), "-o", str(out), "--hold", "2", "--reps", "1")
    assert run.code == 128 + signal.SIGTERM, run.stderr
    assert run.stderr.strip() == (
        "Stopped by SIGTERM: it came as the files were written, and they are complete: "
        f"{out / 'tiny.mp3'}, tiny.timeline.json."
    )
    assert load_sheet(out, "tiny")["events"][-1]["end"] > 0  # the new one, whole
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
