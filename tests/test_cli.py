"""The command line as a user meets it: help, errors, exit statuses, nothing rendered."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, invoke, voiceguide

from voiceguide.errors import OptionError
from voiceguide.outputs import safe_name

COMMANDS = [
    "build",
    "list",
    "show",
    "validate",
    "voices",
    "cache",
    "handout",
    "schema",
    "new",
    "import",
]
GOOD = "title: Quick\nexercises:\n  - name: Reach\n    instructions: Reach up.\n    hold: 5\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    run = invoke(command, "--help")
    assert run.code == 0
    assert "Example" in run.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_shows_every_command_with_an_example(command):
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"^\s*voiceguide {command}\b", readme, re.M), command


def test_version():
    """In a subprocess, as a user runs it: exit status 0."""
    run = voiceguide("--version")
    assert run.code == 0 and re.search(r"\d+\.\d+\.\d+", run.stdout)


def test_list_names_the_builtin_with_its_length():
    run = invoke("list")
    assert run.code == 0
    assert re.search(r"^hamstring-relief\s+about \d+:\d\d\s+Hamstring stretches", run.stdout, re.M)


def test_list_lines_up_its_columns_and_wraps_each_description(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    run = invoke("list")
    assert run.code == 0
    lines = run.stdout.splitlines()
    heads = [line for line in lines if line.startswith("hamstring-")]
    assert len(heads) >= 4
    assert len({line.index("about") for line in heads}) == 1  # one column, whatever the length
    assert len({line.index("  ", line.index("about") + 7) for line in heads}) == 1
    assert all(len(line) <= 80 for line in lines)
    assert "In: en, de, es, fr, it, pt-BR, ru." in run.stdout  # the languages each speaks
    # the whole description, not its first sentence: what the session is, too
    text = " ".join(line.strip() for line in lines)
    assert "Tight hamstrings pull" in text and "Meant to be done at least twice a day." in text


def test_show_prints_the_session_and_renders_nothing(tmp_path):
    run = invoke("show", "--hold", "20", cwd=tmp_path)
    assert run.code == 0, run.stderr
    for title in (
        "Introduction",
        "Lying hamstring stretch",
        "Seated hamstring stretch",
        "Wall hamstring stretch",
        "Closing",
    ):
        assert f"== {title} ==" in run.stdout
    assert run.stdout.count("HOLD") == 12
    assert "20.0s  HOLD" in run.stdout
    assert "[start tone]" in run.stdout and '"Three."' in run.stdout
    assert list(tmp_path.iterdir()) == []


def test_show_exact_times_with_the_real_voice(tmp_path):
    run = invoke("show", "--exact", "--reps", "1", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "exact timing" in run.stdout.splitlines()[0]
    assert list(tmp_path.iterdir()) == []


def test_validate_reports_each_file(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "    reps: 0\n")
    run = invoke("validate", str(good), str(bad))
    assert run.code == 2
    assert f"ok: {good}: Quick, 1 exercise, about 0:" in run.stdout
    assert f"{bad}:6:" in run.stderr and "'reps'" in run.stderr
    assert invoke("validate", str(good)).code == 0


def test_validate_checks_every_routine_in_a_folder_as_build_builds_them(tmp_path):
    folder, empty = tmp_path / "routines", tmp_path / "empty"
    folder.mkdir()
    empty.mkdir()
    (folder / "good.yaml").write_text(GOOD)
    (folder / "bad.yaml").write_text(GOOD + "    reps: 0\n")
    (folder / "notes.txt").write_text("not a routine")
    run = invoke("validate", str(folder), str(empty))
    assert run.code == 2
    said = run.stdout.splitlines()  # notes.txt is no routine: not read
    assert len(said) == 1 and said[0].startswith(f"ok: {folder / 'good.yaml'}: Quick, 1 exercise")
    errors = run.stderr.splitlines()
    assert errors[0].startswith(f"Error: {folder / 'bad.yaml'}:6:") and "'reps'" in errors[0]
    assert errors[1] == f"Error: {empty}: no routine files (*.yaml) in this folder"
    assert len(errors) == 2 and list(empty.iterdir()) == []
    (folder / "bad.yaml").unlink()
    assert invoke("validate", str(folder)).code == 0


@pytest.mark.parametrize(
    "args, says",
    [
        (
            ["build", "--hold", "abc"],
            "Error: --hold takes SECONDS or NAME=SECONDS (e.g. 30 or wall=30), got 'abc'",
        ),
        (["build", "--hold", "=5"], "Error: --hold '=5' has no exercise name before '='"),
        (["build", "--hold", "calf="], "Error: --hold 'calf=' has no value after '='"),
        (["build", "--hold", "0"], "Error: --hold must be between 0.1 and 600 seconds, got 0"),
        (
            ["build", "--hold", "nope=5"],
            "'nope' matches no exercise in the built-in hamstring-relief;",
        ),
        (["build", "--hold", "stretch=5"], "matches more than one exercise"),
        # Click's own wording ("'two' is not a valid integer range") never shows.
        (
            ["build", "--reps", "two"],
            "Error: --reps takes N or NAME=N (e.g. 2 or wall=2), got 'two'",
        ),
        (["build", "--reps", "0"], "Error: --reps must be a whole number from 1 to 20, got 0"),
        (
            ["build", "--reps", "2.5"],
            "Error: --reps must be a whole number from 1 to 20, got '2.5'",
        ),
        (["build", "--reps", "wall=0"], "Error: --reps must be a whole number from 1 to 20, got 0"),
        (
            ["build", "--setup", "wall=0"],
            "Error: --setup must be between 0.1 and 600 seconds, got 0",
        ),
        (["build", "--switch", "nope=5"], "--switch 'nope=5': 'nope' matches no exercise"),
        (
            ["build", "--rate", "0"],
            "Error: --rate must be a whole number of words a minute from 80 to 300, got 0",
        ),
        (["build", "--rest", "-1"], "Error: --rest must be between 0.1 and 600 seconds, got -1"),
        (
            ["build", "--setup", "nan"],
            "Error: --setup must be between 0.1 and 600 seconds, got nan",
        ),
        (
            ["build", "--countdown", "11"],
            "Error: --countdown must be a whole number of seconds from 0 to 10, got 11",
        ),
        (["build", "-j", "0"], "Error: -j/--jobs must be a whole number from 1 to 32, got 0"),
        (["build", "--engine", "nope"], "Error: --engine: 'nope' is not one of 'pyttsx3', 'piper'"),
        (
            ["build", "no-such-routine"],
            "no routine file or built-in routine named 'no-such-routine'",
        ),
        (["build", "missing.yaml"], "missing.yaml: file not found"),
        (["build", ""], "Error: the path is empty (''); give the path of a routine file"),
        (["build", "--voice", "no-such-voice"], "unknown voice 'no-such-voice'"),
        # the third column of 'voiceguide voices' is a language: the id is suggested
        (
            ["build", "--voice", "en-us"],
            "unknown voice 'en-us' for pyttsx3; did you mean gmw/en-us?",
        ),
        (["build", "--name", ""], "Error: --name is empty; give the files a name"),
        (["build", "--name", "   "], "Error: --name is empty; give the files a name"),
        (
            ["build", "--name", "$$$"],
            "Error: --name '$$$' cannot name a file: use letters or digits",
        ),
        (["show", "--hold", "x=1=2"], "'x=1' matches no exercise"),
        (["show", ""], "Error: the path is empty (''); give the path of a routine file"),
        (["validate", ""], "Error: the path is empty (''); give the path of a routine file"),
    ],
)
def test_bad_input_exits_2_with_a_plain_message_and_writes_nothing(tmp_path, args, says):
    (tmp_path / "stray.yaml").write_text(GOOD)  # '' must not mean the current folder
    run = (
        invoke(*args, "-o", str(tmp_path / "out"), cwd=tmp_path)
        if args[0] == "build"
        else invoke(*args, cwd=tmp_path)
    )
    assert run.code == 2, run.stderr
    assert says in run.stderr
    assert "Traceback" not in run.stderr and "Invalid value" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "out").exists()


def _device(tmp_path):
    return "/dev/null", "Error: -o/--output-dir /dev/null: that is not a folder"


def _file(tmp_path):
    (tmp_path / "afile").write_text("a file")
    return str(
        tmp_path / "afile"
    ), f"Error: -o/--output-dir {tmp_path / 'afile'}: that is not a folder"


def _inside_a_file(tmp_path):
    (tmp_path / "afile").write_text("a file")
    out = tmp_path / "afile" / "sub"
    return str(out), f"Error: -o/--output-dir {out}: {tmp_path / 'afile'} is not a folder"


def _empty(tmp_path):
    return "", "Error: -o/--output-dir is empty; give a folder, like -o output"


@pytest.mark.parametrize(
    "make",
    [_device, _file, _inside_a_file, _empty],
    ids=["/dev/null", "a file", "inside a file", "empty"],
)
def test_an_output_folder_that_cannot_be_one_is_bad_input(tmp_path, make):
    """Regression: these were exit status 1 ("File exists", "Not a directory"), and
    ``-o ''`` wrote into the current folder."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "good.yaml").write_text(GOOD)
    out, says = make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    run = invoke("build", "good.yaml", "-o", out, cwd=work)
    assert run.code == 2, run.stderr
    assert run.stderr.splitlines()[0] == says
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) <= 2
    assert sorted(tmp_path.rglob("*")) == before


def _broken_ffmpeg(tmp_path):
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'disk on fire' >&2\nexit 1\n")
    broken.chmod(0o755)
    return {"VOICEGUIDE_FFMPEG": str(broken)}


def test_a_failure_is_one_line_without_debug_and_a_traceback_with_it(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    args = [
        "build",
        str(tmp_path / "good.yaml"),
        "-o",
        str(tmp_path / "out"),
        "--reps",
        "1",
        "--format",
        "ogg",
    ]  # MP3 is made in-process; Ogg goes through ffmpeg
    run = voiceguide(*args, env=_broken_ffmpeg(tmp_path))
    assert run.code == 1
    assert run.stderr.strip().splitlines() == [
        f"Error: encoding {tmp_path / 'out' / 'good.ogg'} failed: disk on fire"
    ]
    debug = voiceguide("--debug", *args, env=_broken_ffmpeg(tmp_path))
    assert debug.code == 1 and "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == run.stderr.strip()


def test_debug_keeps_the_exit_status_of_bad_input(tmp_path):
    """Regression: with --debug, a bad routine exited 1 (the traceback's status)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    for command in ("build", "validate"):
        run = voiceguide("--debug", command, str(bad), cwd=tmp_path)
        assert run.code == 2, run.stderr
        # (validate printed no traceback, though the README says --debug gives one)
        assert "Traceback" in run.stderr and "RoutineError" in run.stderr, command
        assert run.stderr.strip().splitlines()[-1].startswith(f"Error: {bad}:1: YAML syntax error")
    plain = voiceguide("validate", str(bad), cwd=tmp_path)
    assert plain.code == 2 and "Traceback" not in plain.stderr


def test_name_drops_an_audio_extension(tmp_path):
    """Regression: --name a.mp3 wrote a.mp3.mp3."""
    (tmp_path / "good.yaml").write_text(GOOD)
    out = tmp_path / "out"
    run = invoke(
        "build", str(tmp_path / "good.yaml"), "-o", str(out), "--reps", "1", "--name", "Morning.MP3"
    )
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Morning.mp3", "Morning.timeline.json"]
    assert json.loads((out / "Morning.timeline.json").read_text())["audio"] == "Morning.mp3"


@pytest.mark.parametrize(
    "name, stem",
    [
        ("morning", "morning"),
        ("a.mp3", "a"),
        ("a.wav.mp3", "a"),
        ("take.5", "take.5"),
        ("notes.txt", "notes.txt"),
        ("my $(whoami) `x` session", "my -whoami- -x- session"),  # as the README says
        ("Ünïcode ok_1", "Ünïcode ok_1"),
        ("..hidden", "hidden"),
        ("a/b\\c", "a-b-c"),
    ],
)
def test_safe_name(name, stem):
    assert safe_name(name) == stem


@pytest.mark.parametrize("name", ["", "...", "$$$", "🧘"])
def test_safe_name_refuses_names_with_nothing_usable(name):
    with pytest.raises(OptionError, match="cannot name a file"):
        safe_name(name)


def test_three_routines_in_parallel_one_bad_builds_the_others(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "other.yaml").write_text(GOOD.replace("Quick", "Other"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    out = tmp_path / "out"
    run = invoke(
        "build",
        str(tmp_path / "good.yaml"),
        str(bad),
        str(tmp_path / "other.yaml"),
        "-o",
        str(out),
        "-j",
        "2",
    )
    assert run.code == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"{bad}:1:" in errors[0]  # where the [ was opened
    assert sorted(p.name for p in out.iterdir()) == [
        "good.mp3",
        "good.timeline.json",
        "other.mp3",
        "other.timeline.json",
    ]
    table = run.stdout.splitlines()
    assert table[0].split() == ["file", "length", "size", "result"]
    assert [line.split()[-1] for line in table[1:]] == ["ok", "failed", "ok"]


def test_a_folder_builds_every_routine_in_it(tmp_path):
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "one.yaml").write_text(GOOD)
    (folder / "two.yml").write_text(GOOD)
    (folder / "notes.txt").write_text("not a routine")
    run = invoke("build", str(folder), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp3")) == ["one.mp3", "two.mp3"]


def test_two_routines_with_one_name_are_refused_before_building(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.yaml").write_text(GOOD)
    run = invoke(
        "build",
        str(tmp_path / "a" / "same.yaml"),
        str(tmp_path / "b" / "same.yaml"),
        "-o",
        str(tmp_path / "out"),
    )
    assert run.code == 2 and "both write same.*" in run.stderr
    assert str(tmp_path / "a" / "same.yaml") in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_routine_named_as_a_programme_s_session_is_refused_before_building(tmp_path):
    """A programme ok.yaml and a routine ok.week-1.yaml built together both wrote
    ok.week-1.mp3: whichever finished last won, and the playlist, sheet and reminders
    named a session that was no longer the programme's."""
    (tmp_path / "ok.yaml").write_text(
        "programme: Four weeks\nroutine: hamstring-relief\nstages:\n  - {weeks: 1}\n"
    )
    (tmp_path / "ok.week-1.yaml").write_text(GOOD)
    run = invoke("build", str(tmp_path), "-j", "2", "-o", str(tmp_path / "out"))
    assert run.code == 2 and "both write ok.week-1.*" in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_starting_the_command_loads_no_numpy():
    """numpy and the levelling code load on a thread of their own while the voice speaks
    (build._load_in_background): the command itself must not pull them in first."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, voiceguide.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numpy'"
            " or m in ('voiceguide.levels', 'voiceguide.loudness', 'voiceguide.tones')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_reader_that_stops_early_is_no_failure():
    """Regression: `voiceguide show | head -1` exited 1 about half the time (click turns a
    closed pipe into exit status 1), though 1 means a failure while rendering."""
    import subprocess
    import sys

    for _ in range(3):
        more = ["--reps", "20", "--countdown", "10"]  # more than a pipe holds: writes fail
        process = subprocess.Popen([sys.executable, "-m", "voiceguide", "show", *more], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        assert process.stdout.readline().startswith(b"Hamstring stretches")
        process.stdout.close()
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == b""


def test_counts_are_said_in_the_singular_for_one():
    from voiceguide.settings import counted

    assert (counted(1, "phrase"), counted(0, "phrase"), counted(40, "phrase")) == (
        "1 phrase", "0 phrases", "40 phrases",
    )  # fmt: skip


def test_every_option_of_every_command_says_what_it_does():
    import click

    from voiceguide.cli import cli

    def bare(group: click.Group, prefix: str = "") -> list[str]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += bare(command, f"{prefix}{name} ")
                continue
            found += [f"{prefix}{name} {'/'.join(p.opts)}" for p in command.params
                      if isinstance(p, click.Option) and not p.hidden and not p.help]  # fmt: skip
        return found

    assert bare(cli) == []


@pytest.mark.parametrize("language, about", [("en", "about"), ("es", "aprox.")])
def test_a_handout_written_alone_says_its_session_length_is_an_estimate(tmp_path, language, about):
    run = invoke("handout", "hamstring-desk", "--language", language, "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    (sheet,) = tmp_path.iterdir()
    text = re.sub(r"<[^>]+>", "", sheet.read_text())
    assert re.search(rf"hamstring-desk(\.{language})?\.mp3 \({about} \d+:\d\d\)", text)


def test_every_routine_and_programme_the_readme_shows_is_valid(tmp_path):
    """A reader copies the README's examples: each YAML block that is a routine or a
    programme validates as it stands."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    shown = [b for b in blocks if re.search(r"^(exercises|programme):", b, re.M)]
    assert len(shown) >= 2
    for n, block in enumerate(shown):
        path = tmp_path / f"example-{n}.yaml"
        path.write_text(block)
        run = invoke("validate", str(path))
        assert run.code == 0, (block[:80], run.stderr)


def test_a_full_disk_while_tagging_is_said_plainly_and_changes_nothing(tmp_path, monkeypatch):
    """The tagging library wraps the disk's error in its own: "Error: unexpected error:
    [Errno 28]" was printed, naming nothing the user could act on."""
    import errno

    from mutagen import MutagenError

    out = tmp_path / "out"
    assert invoke("build", "-o", str(out), "--hold", "2", "--reps", "1").code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(path, fmt, tags):
        try:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        except OSError as exc:
            raise MutagenError(exc) from exc

    monkeypatch.setattr("voiceguide.build.tag_file", full)
    run = invoke("build", "-o", str(out), "--hold", "3", "--reps", "1")
    assert run.code == 1
    assert run.stderr == (
        f"Error: could not write to {out}: No space left on device; nothing was changed. "
        "Free some space, then try again.\n"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_built_in_in_a_language_and_a_file_of_its_name_are_refused_together(tmp_path):
    """hamstring-desk with --language es writes hamstring-desk.es.*, as a file named
    hamstring-desk.es.yaml does: the built-in silently replaced the file's session."""
    (tmp_path / "hamstring-desk.es.yaml").write_text(GOOD.replace("title:", "language: es\ntitle:"))
    run = invoke("build", "hamstring-desk", str(tmp_path / "hamstring-desk.es.yaml"),
                 "--language", "es", "-o", str(tmp_path / "out"))  # fmt: skip
    assert run.code == 2 and "would both write hamstring-desk.es.*" in run.stderr, run.stderr
    run = invoke("build", "hamstring-quick", "hamstring-quick", "-o", str(tmp_path / "out"))
    assert (run.code, run.stderr) == (2, "Error: hamstring-quick is named twice; build it once\n")
    assert not (tmp_path / "out").exists()


def test_a_name_saved_decomposed_keeps_its_accents(tmp_path):
    """macOS saves "ñ" as "n" and a combining tilde: estiramiento-pequeño.yaml built
    estiramiento-pequen-o.mp3."""
    import unicodedata

    from voiceguide.outputs import safe_name

    assert safe_name(unicodedata.normalize("NFD", "estiramiento-pequeño")) == "estiramiento-pequeño"
    assert safe_name(unicodedata.normalize("NFD", "é")) == "é"


def test_voices_takes_a_language_as_the_readme_writes_it():
    """'voices --language pt-BR' found nothing: espeak-ng names the language pt-br."""
    run = invoke("voices", "--language", "pt-BR")
    assert run.code == 0, run.stderr
    assert [line.split()[0] for line in run.stdout.splitlines()] == ["roa/pt-br"]
    run = invoke("voices", "--language", "xx-nowhere")
    assert run.code == 2 and "no pyttsx3 voice speaks a language starting with" in run.stderr


def test_validate_says_a_built_in_is_not_a_file_and_a_link_leads_nowhere(tmp_path):
    """Both were "file not found"."""
    run = invoke("validate", "hamstring-desk")
    assert run.code == 2 and "hamstring-desk is a built-in, not a file" in run.stderr
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    run = invoke("validate", str(tmp_path / "gone.yaml"))
    assert run.stderr == f"Error: {tmp_path / 'gone.yaml'}: a link to a file that is not there\n"
