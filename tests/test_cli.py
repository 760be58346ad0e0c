"""The command line as a user meets it: help, errors, exit statuses, nothing rendered."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, voiceguide

COMMANDS = ["build", "list", "show", "validate", "voices", "cache"]
GOOD = "title: Quick\nexercises:\n  - name: Reach\n    instructions: Reach up.\n    hold: 5\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    run = voiceguide(command, "--help")
    assert run.code == 0
    assert "Example" in run.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_shows_every_command_with_an_example(command):
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"^\s*voiceguide {command}\b", readme, re.M), command


def test_version():
    run = voiceguide("--version")
    assert run.code == 0 and re.search(r"\d+\.\d+\.\d+", run.stdout)


def test_list_names_the_builtin_with_its_length():
    run = voiceguide("list")
    assert run.code == 0
    assert re.search(r"^hamstring-relief\s+about \d+:\d\d\s+Hamstring stretches", run.stdout, re.M)


def test_show_prints_the_session_and_renders_nothing(tmp_path):
    run = voiceguide("show", "--hold", "20", cwd=tmp_path)
    assert run.code == 0, run.stderr
    for title in ("Introduction", "Lying hamstring stretch", "Seated hamstring stretch",
                  "Wall hamstring stretch", "Closing"):
        assert f"== {title} ==" in run.stdout
    assert run.stdout.count("HOLD") == 12
    assert "20.0s  HOLD" in run.stdout
    assert "[start tone]" in run.stdout and '"Three."' in run.stdout
    assert list(tmp_path.iterdir()) == []


def test_show_exact_times_with_the_real_voice(tmp_path):
    run = voiceguide("show", "--exact", "--reps", "1", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "exact timing" in run.stdout.splitlines()[0]
    assert list(tmp_path.iterdir()) == []


def test_validate_reports_each_file(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "    reps: 0\n")
    run = voiceguide("validate", str(good), str(bad))
    assert run.code == 2
    assert f"ok: {good}: Quick, 1 exercise, about 0:" in run.stdout
    assert f"{bad}:6:" in run.stderr and "'reps'" in run.stderr
    assert voiceguide("validate", str(good)).code == 0


@pytest.mark.parametrize("args, says", [
    (["build", "--hold", "abc"], "is not SECONDS or NAME=SECONDS"),
    (["build", "--hold", "=5"], "has no exercise name"),
    (["build", "--hold", "0"], "--hold"),
    (["build", "--hold", "nope=5"], "'nope' matches no exercise"),
    (["build", "--hold", "stretch=5"], "matches more than one exercise"),
    (["build", "--reps", "0"], "--reps"),
    (["build", "--rest", "-1"], "--rest"),
    (["build", "--countdown", "11"], "--countdown"),
    (["build", "no-such-routine"], "no routine file or built-in routine named 'no-such-routine'"),
    (["build", "missing.yaml"], "missing.yaml: file not found"),
    (["build", "--voice", "no-such-voice"], "unknown voice 'no-such-voice'"),
    (["build", "--engine", "nope"], "--engine"),
    (["show", "--hold", "x=1=2"], "'x=1' matches no exercise"),
])
def test_bad_input_exits_2_with_a_plain_message_and_writes_nothing(tmp_path, args, says):
    run = voiceguide(*args, "-o", str(tmp_path / "out"), cwd=tmp_path) if args[0] == "build" \
        else voiceguide(*args, cwd=tmp_path)
    assert run.code == 2, run.stderr
    assert says in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "out").exists()


def test_a_failure_is_one_line_without_debug_and_a_traceback_with_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = blocker / "out"  # cannot be created: its parent is a file
    run = voiceguide("build", "-o", str(out), "--hold", "1", "--reps", "1")
    assert run.code == 1
    assert run.stderr.strip().splitlines() == [
        f"Error: cannot create the output folder {out}: Not a directory"]
    debug = voiceguide("--debug", "build", "-o", str(out), "--hold", "1", "--reps", "1")
    assert debug.code == 1 and "Traceback" in debug.stderr


def test_three_routines_in_parallel_one_bad_builds_the_others(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "other.yaml").write_text(GOOD.replace("Quick", "Other"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    out = tmp_path / "out"
    run = voiceguide("build", str(tmp_path / "good.yaml"), str(bad), str(tmp_path / "other.yaml"),
                     "-o", str(out), "-j", "2")
    assert run.code == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"{bad}:1:" in errors[0]  # where the [ was opened
    assert sorted(p.name for p in out.iterdir()) == [
        "good.mp3", "good.timeline.json", "other.mp3", "other.timeline.json"]
    table = run.stdout.splitlines()
    assert table[0].split() == ["file", "length", "size", "result"]
    assert [line.split()[-1] for line in table[1:]] == ["ok", "failed", "ok"]


def test_a_folder_builds_every_routine_in_it(tmp_path):
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "one.yaml").write_text(GOOD)
    (folder / "two.yml").write_text(GOOD)
    (folder / "notes.txt").write_text("not a routine")
    run = voiceguide("build", str(folder), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp3")) == ["one.mp3", "two.mp3"]


def test_two_routines_with_one_name_are_refused_before_building(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.yaml").write_text(GOOD)
    run = voiceguide("build", str(tmp_path / "a" / "same.yaml"), str(tmp_path / "b" / "same.yaml"),
                     "-o", str(tmp_path / "out"))
    assert run.code == 2 and "both write same.*" in run.stderr
    assert not (tmp_path / "out").exists()
