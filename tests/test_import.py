"""Routines from other tools' files: each import validates and builds, says what it
left out, and odd or hostile input is one line naming the file and line."""

from __future__ import annotations

import pytest
from conftest import invoke, load_sheet

from voiceguide import audio_check
from voiceguide.phrases import phrasebook
from voiceguide.plan import plan
from voiceguide.routine import load_file
from voiceguide.script import Say

# A workout in w2a's documented format: its keys (tts, audio_format, i18n, the
# announcements, pause, half_time), a YAML anchor reused with a merge key, durations in
# seconds and minutes, texts, and a half-time exercise (two sides).
W2A = """\
tts:
  espeak_ng_voice: 'en-gb'
audio_format: 'mp3'
i18n:
  and: 'and'
  minute: {singular: 'minute', plural: 'minutes'}
  second: {singular: 'second', plural: 'seconds'}
before_workout_announce: '{{ .WorkoutExercisesCount }} exercises take {{ .WorkoutDuration }}.'
after_workout_announce: 'You trained for {{ .WorkoutDuration }}!'
pause:
  text: 'Prepare for {{ .ExerciseName }} for {{ .ExerciseDuration }}'
  duration: '10s'
half_time:
  text: 'Change side'
  duration: '4s'
exercise_beginning: '{{ .ExerciseName }} for {{ .ExerciseDuration }}'
bridge_ex: &bridge
  name: Glute bridge
  duration: '20s'
exercises:
  - name: 'Warm up'
    duration: '1m'
    texts:
      - 'Roll your shoulders slowly.'
      - 'Circle your hips.'
  - <<: *bridge
  - name: 'Side plank'
    duration: '30s'
    half_time: true
  - <<: *bridge
"""

APG = """\
Sit comfortably and close your eyes; 3
Breathe in slowly through your nose; 4
Breathe out through your mouth; 6
Let your shoulders drop; 5
"""

PAUSES = """Settle onto your back. [PAUSE:3] Breathe in. [PAUSE: 4] Breathe out slowly.
[PAUSE:6s] Notice your low back resting on the floor. [PAUSE:5] When you are ready, roll
onto your side."""


@pytest.mark.parametrize(
    "name, text, kind, exercises, flags",
    [("workout.yaml", W2A, "a w2a workout", 4, ()),
     ("phrases.txt", APG, "audio-program-generator", 1, ()),
     ("phrases.txt", APG, "audio-program-generator", 4, ("--holds",)),
     ("calm.txt", PAUSES, "[PAUSE:X]", 1, ()),
     ("calm.txt", PAUSES, "[PAUSE:X]", 4, ("--holds",))],
)  # fmt: skip
def test_each_format_imports_into_a_routine_that_builds(
    tmp_path, name, text, kind, exercises, flags
):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "imported.yaml"
    run = invoke("import", str(source), "-o", str(out), *flags)
    assert run.code == 0, run.stderr
    assert kind in run.stdout and run.stderr.startswith("Note: ")
    routine = load_file(out)
    assert len(routine.exercises) == exercises
    build = invoke("build", str(out), "-o", str(tmp_path / "build"), "--countdown", "0")
    assert build.code == 0, build.stderr
    sheet = load_sheet(tmp_path / "build", "imported")
    assert audio_check.check(tmp_path / "build" / "imported.mp3", sheet).problems == []


@pytest.mark.parametrize("name, text", [("phrases.txt", APG), ("calm.txt", PAUSES)])
def test_each_phrase_is_said_once_as_its_exercises_name(tmp_path, name, text):
    (tmp_path / name).write_text(text + ("Breathe out through your mouth; 6\n" if "; " in text
                                         else ""))  # fmt: skip
    out = tmp_path / "r.yaml"
    run = invoke("import", str(tmp_path / name), "-o", str(out), "--holds")
    assert run.code == 0, run.stderr
    routine = load_file(out)
    assert all(e.instructions == () for e in routine.exercises)
    said = [s for s in plan(routine).steps if isinstance(s, Say)]
    assert not [s for s in said if s.role == "instruction"]  # only its announcement says it
    phrases = [e.name for e in routine.exercises]
    assert [s.text for s in said if s.role == "next"] == [
        phrasebook("en").say(which, name=phrase)
        for which, phrase in zip(["first"] + ["next"] * (len(phrases) - 2) + ["last"], phrases)
    ]
    assert phrases[0] in ("Sit comfortably and close your eyes", "Settle onto your back")
    if name == "phrases.txt":  # said again: named apart, and the note says how
        assert phrases[-1] == "Breathe out through your mouth (2)"
        assert "named (and said) 'Breathe out through your mouth (2)'" in run.stderr


def test_w2a_keeps_its_times_sides_and_texts(tmp_path):
    (tmp_path / "w.yaml").write_text(W2A)
    assert invoke("import", str(tmp_path / "w.yaml"), "-o", str(tmp_path / "r.yaml")).code == 0
    routine = load_file(tmp_path / "r.yaml")
    names = [e.name for e in routine.exercises]
    assert names == ["Warm up", "Glute bridge", "Side plank", "Glute bridge (2)"]  # unique
    warm, bridge, plank, _ = routine.exercises
    assert dict(warm.own)["hold"] == 60 and warm.instructions == (
        "Roll your shoulders slowly.", "Circle your hips.")  # fmt: skip
    assert dict(bridge.own)["hold"] == 20
    assert plank.sides == ("right", "left") and dict(plank.own) == {"hold": 15, "switch": 4}
    assert routine.defaults.setup == 10 and routine.defaults.reps == 1
    header = (tmp_path / "r.yaml").read_text().splitlines()[:4]
    assert any("'tts'" in line for line in header)  # what was left out is said in the file


BAD = {
    "an empty file": ("", None, "the file is empty; nothing to import"),
    "none of the formats": ("just: [a, mapping]\n", None, "not a w2a workout"),
    "a custom TTS command": (
        W2A.replace("  espeak_ng_voice: 'en-gb'", "  custom_command: 'rm -rf ~ %[1]s'"), 2,
        "a custom TTS command is a program to run",
    ),
    "a duration it cannot read": (W2A.replace("'1m'", "'soon'"), 22, "'soon' is not a duration"),
    "a pause it cannot read": (PAUSES.replace("[PAUSE:3]", "[PAUSE:abc]"), 1, "'abc'"),
    "pauses in a row too long together": (
        PAUSES.replace("[PAUSE:3]", "[PAUSE:400] [PAUSE:300]"), 1,
        "[PAUSE] markers in a row make 700 seconds of quiet, more than the 600 a hold may last",
    ),
    "a silence too long": (APG.replace("; 6", "; 6000"), 3, "must be between 0.1 and 600"),
    # each named on its own line (a silence of 0 on line 4 was said to be on line 1)
    "a silence of nothing": (APG.replace("; 5", "; 0"), 4, "the silence 0 must be between"),
    "a line without its seconds": (
        APG.replace("; 6", ""), 3,
        "'Breathe out through your mouth' is not a phrase and its seconds of silence, as the"
        " other lines are",
    ),
    "a line with its ';' and no seconds": (APG.replace("; 6", ";"), 3, "no seconds after the ';'"),
    "a decimal comma": (APG.replace("; 6", "; 4,5"), 3, "'4,5' is not a number of seconds;"
                        " write 4.5, with a point"),
    "a w2a workout indented with a tab": (
        W2A.replace("  - name: 'Side plank'", "\t- name: 'Side plank'"), 27,
        "a w2a workout is YAML, which is indented with spaces, not tabs",
    ),
    "a w2a exercise without its duration": (
        W2A.replace("    duration: '30s'\n", ""), 27,
        "w2a exercise 3 'Side plank' needs a name and a duration",
    ),
    # each of these ended in "unexpected AttributeError", TypeError or MemoryError, exit 1
    "w2a's pause written as a duration": (
        W2A.replace("pause:\n", "pause: 10s\nold_pause:\n"), 10,
        "w2a's 'pause' is written 'pause: {duration: 10s}'",
    ),
    "texts that are a mapping": (
        W2A.replace("    texts:\n      - 'Roll your shoulders slowly.'\n"
                    "      - 'Circle your hips.'\n", "    texts: {a: 1}\n"), 23,
        "w2a exercise 'Warm up': 'texts' should be a list of texts",
    ),
    "an exercise named by a list of aliases (a billion laughs)": (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
        "exercises:\n  - {name: *d, duration: 30s}\n", None,
        "w2a exercise 1 needs a name and a duration",
    ),
    "texts made of aliases": (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "exercises:\n  - {name: Plank, duration: 30s, texts: [*b, *b]}\n", 4,
        "'texts' should be a list of texts",
    ),
    "an exercise with no name": (
        W2A.replace("  - name: 'Side plank'", "  - name:"), None,
        "w2a exercise 3 needs a name and a duration",
    ),
    # read as a [PAUSE:X] script: the routine said the YAML, or "more; 4 Out; 6", aloud
    "a w2a text with a [PAUSE] marker in it": (
        "exercises:\n  - name: Plank\n    duration: 30s\n    texts: ['Hold it [PAUSE:4] now']\n",
        None, "has '[PAUSE:4]' in it, which the voice would say as words",
    ),
    "a duration too long, on its own line": (  # it was said to be on line 1
        W2A.replace("duration: '30s'", "duration: '600.5s'"), 28,
        "the duration 600.5 must be between 0.1 and 600 seconds",
    ),
    "a phrase script with a stray [PAUSE] marker": (
        "Breathe in [PAUSE:3] more; 4\nOut; 6\n", 1,
        "this line ends in '; seconds' as an audio-program-generator line does",
    ),
    "a voiceguide routine": (
        "title: Mine\nexercises:\n  - name: Plank\n    hold: 30\n", None,
        "this is a voiceguide routine already",
    ),
    "a script whose routine is too long": (
        "".join(f"Breathe in number {n}; 600\n" for n in range(40)), None,
        "the routine made of it would not be valid: this session would last about 6.7 hours",
    ),
    "a phrase too long for a routine": (
        "Breathe " + "in " * 900 + "; 4\n", None,
        "the routine made of it would not be valid: instruction 1 of 'instructions' in exercise",
    ),
}  # fmt: skip


@pytest.mark.parametrize("text, line, says", list(BAD.values()), ids=list(BAD))
def test_odd_or_hostile_input_is_one_line_and_writes_nothing(tmp_path, text, line, says):
    source = tmp_path / "in.txt"
    source.write_text(text)
    run = invoke("import", str(source), "-o", str(tmp_path / "out.yaml"))
    assert run.code == 2, run.stderr
    where = f"{source}:{line}: " if line else f"{source}: "
    assert where in run.stderr and says in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "out.yaml").exists()


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    source = tmp_path / "huge.txt"
    source.write_bytes(b"a; 1\n" * 300_000)
    run = invoke("import", str(source))
    assert run.code == 2 and "too large" in run.stderr


@pytest.mark.parametrize("given", [True, False], ids=["-o", "default"])
def test_an_existing_routine_is_never_replaced_without_force(tmp_path, given):
    source = tmp_path / "phrases.txt"
    source.write_text(APG)
    out = tmp_path / ("mine.yaml" if given else "phrases.yaml")
    out.write_text("title: My edited routine\n")
    args = ["import", str(source), *(["-o", str(out)] if given else [])]
    run = invoke(*args)
    assert run.code == 2, run.stderr
    assert run.stderr == (
        f"Error: {out} exists already; choose another name with -o, or --force to replace it\n"
    )
    assert run.stdout == ""
    assert out.read_text() == "title: My edited routine\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["phrases.txt", out.name])
    forced = invoke(*args, "--force")
    assert forced.code == 0, forced.stderr
    assert load_file(out).exercises[0].instructions[0] == "Sit comfortably and close your eyes"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["phrases.txt", out.name])


def test_a_bad_file_is_named_before_an_existing_routine(tmp_path):
    source = tmp_path / "phrases.txt"
    source.write_text("")
    (tmp_path / "phrases.yaml").write_text("title: Mine\n")
    run = invoke("import", str(source))
    assert run.code == 2 and "the file is empty" in run.stderr, run.stderr
    assert (tmp_path / "phrases.yaml").read_text() == "title: Mine\n"


def test_the_help_says_where_the_routine_goes_by_default(tmp_path):
    help_text = " ".join(invoke("import", "--help").stdout.split())
    assert "w2.yaml gives w2.voiceguide.yaml" in help_text
    assert "phrases.txt gives phrases.yaml" in help_text
    assert "--force Replace the routine file if it exists." in help_text
    (tmp_path / "w2.yaml").write_text(W2A)
    (tmp_path / "phrases.txt").write_text(APG)
    for name, written in [("w2.yaml", "w2.voiceguide.yaml"), ("phrases.txt", "phrases.yaml")]:
        run = invoke("import", str(tmp_path / name))
        assert run.code == 0 and run.stdout.startswith(f"{tmp_path / written}:"), run.stderr
        assert (tmp_path / written).exists()
    assert (tmp_path / "w2.yaml").read_text() == W2A


@pytest.mark.parametrize(
    "name, text, notes, flags",
    [
        ("phrases.txt", APG, [
            "changed: each silence is quiet after the words before it, as the script has it"
            " ('hold: none'); import --holds makes each a hold, with 'Hold.', a tone and a"
            " countdown",
            "changed: the phrases are an exercise named after the file, 'Phrases', which is"
            " said first: rename it in the routine"], ()),
        ("phrases.txt", APG, [
            "changed: each silence is a hold: voiceguide says 'Hold.' with a tone before it"
            " and counts down its end"], ("--holds",)),
        ("calm.txt", PAUSES, [
            "changed: each pause is a hold: voiceguide says 'Hold.' with a tone before it and"
            " counts down its end"], ("--holds",)),
    ],
)  # fmt: skip
def test_the_notes_say_only_what_was_in_the_file_in_plain_words(tmp_path, name, text, notes,
                                                                  flags):  # fmt: skip
    """An apg phrase file cannot hold a background sound (apg takes it on its command
    line), so no note says one was left out."""
    (tmp_path / name).write_text(text)
    out = tmp_path / "r.yaml"
    run = invoke("import", str(tmp_path / name), "-o", str(out), *flags)
    assert run.code == 0, run.stderr
    assert run.stderr.splitlines() == [f"Note: {note}" for note in notes]
    assert "background" not in out.read_text()


def test_pauses_in_a_row_are_one_quiet_and_quiet_before_the_words_is_noted(tmp_path):
    """'[PAUSE:4] [PAUSE:2]' kept 4 s and a leading pause went, neither said."""
    (tmp_path / "calm.txt").write_text(
        "[PAUSE:5] Breathe in. [PAUSE:4] [PAUSE:2] Breathe out. [PAUSE:6] Relax."
    )
    run = invoke("import", str(tmp_path / "calm.txt"), "-o", str(tmp_path / "r.yaml"), "--holds")
    assert run.code == 0, run.stderr
    routine = load_file(tmp_path / "r.yaml")
    assert [(e.name, dict(e.own)["hold"]) for e in routine.exercises] == [
        ("Breathe in", 6), ("Breathe out", 6)]  # fmt: skip
    assert "Note: not carried over: the 5 s of quiet before anything is said" in run.stderr


@pytest.mark.parametrize("name, text, renamed", [
    ("phrases.txt", "In; 4\nOut; 4\nIn; 4\nOut; 4\nIn; 4\n", "'In (2)', 'Out (2)', 'In (3)'"),
    ("w.yaml", W2A, "'Glute bridge (2)'"),
])  # fmt: skip
def test_every_renamed_exercise_is_in_the_notes(tmp_path, name, text, renamed):
    """Only the first was named, and a w2a workout's not at all; each is said aloud."""
    (tmp_path / name).write_text(text)
    run = invoke("import", str(tmp_path / name), "-o", str(tmp_path / "r.yaml"), "--holds")
    assert run.code == 0, run.stderr
    assert f"so they are named (and said) {renamed}\n" in run.stderr
    assert f"so they are named (and said) {renamed}\n" in (tmp_path / "r.yaml").read_text()


def test_w2a_announcements_in_plain_words_are_the_intro_and_outro(tmp_path):
    """'after_workout_announce: Roll to your side and get up slowly.' was left out; only
    w2a's own templates ("{{ .WorkoutDuration }}") are."""
    text = W2A.replace(
        "after_workout_announce: 'You trained for {{ .WorkoutDuration }}!'",
        "after_workout_announce: 'Well done. Roll to your side and get up slowly.'",
    )
    (tmp_path / "w.yaml").write_text(text)
    run = invoke("import", str(tmp_path / "w.yaml"), "-o", str(tmp_path / "r.yaml"))
    assert run.code == 0, run.stderr
    routine = load_file(tmp_path / "r.yaml")
    assert routine.outro == ("Well done. Roll to your side and get up slowly.",)
    assert routine.intro == ""  # "{{ .WorkoutExercisesCount }} exercises take ...": w2a's
    assert "'before_workout_announce'" in run.stderr
    assert "after_workout_announce" not in run.stderr


def test_a_breathing_script_is_said_as_written_with_its_quiet_and_no_hold(tmp_path):
    """Each [PAUSE] became a hold: 'Breathe in.', then 'Hold.', a tone, a count of three
    and 'And release.' over a 4 s breath."""
    (tmp_path / "calm.txt").write_text(PAUSES)
    run = invoke("import", str(tmp_path / "calm.txt"), "-o", str(tmp_path / "calm.yaml"))
    assert run.code == 0, run.stderr
    build = invoke("build", str(tmp_path / "calm.yaml"), "-o", str(tmp_path / "out"))
    assert build.code == 0, build.stderr
    sheet = load_sheet(tmp_path / "out", "calm")
    assert audio_check.check(tmp_path / "out" / "calm.mp3", sheet).problems == []
    said = [e for e in sheet["events"] if e["kind"] == "speech"]
    assert [e["text"] for e in said] == [
        "Calm.", "Settle onto your back.", "Breathe in.", "Breathe out slowly.",
        "Notice your low back resting on the floor.", "When you are ready, roll onto your side.",
    ]  # fmt: skip
    gaps = [round(b["start"] - a["end"], 3) for a, b in zip(said[1:], said[2:])]
    assert gaps == [3, 4, 6, 5]  # the script's own quiet, to the millisecond, the last too
    kinds = {e["kind"] for e in sheet["events"]}
    assert not kinds & {"hold", "rest", "switch", "setup"}
    assert [e["name"] for e in sheet["events"] if e["kind"] == "tone"] == ["end"]


def test_a_long_breathing_script_is_one_exercise_up_to_thirty_phrases(tmp_path):
    """Split every 15 phrases, 'Next: Long, part 2.' broke the rhythm of a breathing
    script of 26."""
    (tmp_path / "long.txt").write_text(" ".join(
        f"{'Breathe in.' if n % 2 == 0 else 'And out.'} [PAUSE:{4 if n % 2 == 0 else 6}]"
        for n in range(26)))  # fmt: skip
    run = invoke("import", str(tmp_path / "long.txt"), "-o", str(tmp_path / "long.yaml"))
    assert run.code == 0, run.stderr
    (exercise,) = load_file(tmp_path / "long.yaml").exercises
    assert len(exercise.instructions) == 26 and len(exercise.pauses) == 26
    (tmp_path / "longer.txt").write_text("In. [PAUSE:2] " * 31)
    run = invoke("import", str(tmp_path / "longer.txt"), "-o", str(tmp_path / "longer.yaml"))
    assert run.code == 0, run.stderr
    assert [len(e.instructions) for e in load_file(tmp_path / "longer.yaml").exercises] == [30, 1]
    assert "the phrases are 2 exercises of 30 at most, named 'Longer, part 1'" in run.stderr


def test_the_end_tone_comes_as_the_last_quiet_ends(tmp_path):
    """The script's last quiet before the end was 0.3 s longer than written."""
    (tmp_path / "p.txt").write_text("Breathe in; 3\nWell done; 2\n")
    assert invoke("import", str(tmp_path / "p.txt"), "-o", str(tmp_path / "p.yaml")).code == 0
    assert invoke("build", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out")).code == 0
    sheet = load_sheet(tmp_path / "out", "p")
    done = next(e for e in sheet["events"] if e.get("text") == "Well done")
    end = next(e for e in sheet["events"] if e.get("name") == "end")
    assert round(end["start"] - done["end"], 3) == 2
    assert audio_check.check(tmp_path / "out" / "p.mp3", sheet).problems == []


def test_w2a_texts_written_as_one_text_or_too_many_are_carried_and_said(tmp_path):
    """A text alone was split into one instruction a letter; past 30 texts the rest went
    with no note."""
    from voiceguide.routine import load_file

    (tmp_path / "w.yaml").write_text(
        "exercises:\n  - name: Plank\n    duration: 30s\n    texts: Keep your back straight.\n"
        "  - name: Bridge\n    duration: 20s\n    texts:\n"
        + "".join(f"      - Lift number {n}.\n" for n in range(1, 36))
    )
    run = invoke("import", str(tmp_path / "w.yaml"), "-o", str(tmp_path / "r.yaml"))
    assert run.code == 0, run.stderr
    routine = load_file(tmp_path / "r.yaml")
    assert routine.exercises[0].instructions == ("Keep your back straight.",)
    assert len(routine.exercises[1].instructions) == 30
    assert "Note: not carried over: 'Bridge': its texts after the first 30" in run.stderr


def test_import_never_writes_over_the_file_it_reads(tmp_path):
    source = tmp_path / "script.txt"
    source.write_text("Breathe in; 4\nBreathe out; 6\n")
    run = invoke("import", str(source), "-o", str(source), "--force")
    assert run.code == 2 and "over the file it is imported from" in run.stderr
    assert source.read_text() == "Breathe in; 4\nBreathe out; 6\n"


def test_an_output_under_a_file_is_refused_as_bad_input(tmp_path):
    """It was exit 1, "cannot write to afile: Not a directory", where build and new say
    exit 2."""
    source = tmp_path / "script.txt"
    source.write_text("Breathe in; 4\n")
    (tmp_path / "afile").write_text("")
    run = invoke("import", str(source), "-o", str(tmp_path / "afile" / "x.yaml"))
    assert (run.code, run.stderr) == (
        2,
        f"Error: {tmp_path / 'afile'} is a file, not a folder, so x.yaml cannot go in it\n",
    )


def test_odd_output_paths_are_bad_input_or_made(tmp_path):
    """A link that loops, a name too long, a folder (with --force too), and a link to
    nothing: 'unexpected RuntimeError' or OSError (exit 1), a folder 'replaced', a
    dangling link replaced unasked. A folder not there yet is made, as build makes its."""
    source = tmp_path / "a.txt"
    source.write_text("Breathe in; 4\n")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "dangling.yaml").symlink_to("nowhere.yaml")
    (tmp_path / "folder").mkdir()
    cases = {
        "loop/x.yaml": "loop is a link that leads nowhere, not a folder",
        "a" * 300 + ".yaml": "a name in it is too long for the file system",
        "folder": "is a folder; choose another name with -o",
        "dangling.yaml": "exists already",
    }
    for out, says in cases.items():
        for force in ([], ["--force"]) if out == "folder" else ([],):
            run = invoke("import", str(source), "-o", str(tmp_path / out), *force)
            assert run.code == 2 and says in run.stderr, (out, run.stderr)
            assert len(run.stderr.splitlines()) == 1
    assert (tmp_path / "dangling.yaml").is_symlink()
    run = invoke("import", str(source), "-o", str(tmp_path / "new" / "sub" / "x.yaml"))
    assert run.code == 0, run.stderr
    assert (tmp_path / "new" / "sub" / "x.yaml").is_file()


def test_a_workout_whose_names_have_semicolons_is_read_as_a_workout(tmp_path):
    """'- {name: "Plank; slow", duration: 30s}' was taken for a phrase line and refused."""
    from voiceguide.routine import load_file

    (tmp_path / "w.yaml").write_text('exercises:\n- {name: "Plank; slow", duration: 30s}\n')
    run = invoke("import", str(tmp_path / "w.yaml"), "-o", str(tmp_path / "r.yaml"))
    assert run.code == 0, run.stderr
    assert load_file(tmp_path / "r.yaml").exercises[0].name == "Plank; slow"


def test_a_name_typed_two_ways_is_one_name_made_unique(tmp_path):
    """'Café' composed and decomposed was refused as two exercises of one name, at a line
    of a routine never written."""
    import unicodedata

    from voiceguide.routine import load_file

    cafe = "Café"
    (tmp_path / "w.yaml").write_text(
        f"exercises:\n  - {{name: {cafe}, duration: 30s}}\n"
        f"  - {{name: {unicodedata.normalize('NFD', cafe)}, duration: 20s}}\n"
    )
    run = invoke("import", str(tmp_path / "w.yaml"), "-o", str(tmp_path / "r.yaml"))
    assert run.code == 0, run.stderr
    names = [e.name for e in load_file(tmp_path / "r.yaml").exercises]
    assert names == ["Café", "Café (2)"]
