"""Tests for voiceguide.routine: loading, resolving and validating routine files."""

from __future__ import annotations

import os
import textwrap

import pytest
import yaml
from conftest import VALID

from voiceguide import routine
from voiceguide.errors import RoutineError
from voiceguide.model import DEFAULT_ROUTINE, DEFAULT_TIMING, LIMITS, Timing


def write(tmp_path, text: str | bytes, name: str = "routine.yaml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


PAUSED = """\
title: T
exercises:
  - name: Floor
    sides: [right, left]
    instructions:
      - Lie back.
      - pause: 30
      - Lift your {side} knee.
"""
"""A routine whose instructions have a pause after the first (line 7)."""


def load_error(path) -> RoutineError:
    with pytest.raises(RoutineError) as info:
        routine.load_file(path)
    return info.value


# --- the built-in routine -------------------------------------------------------


def test_a_pause_among_instructions_is_quiet_after_the_one_before(tmp_path):
    text = PAUSED + "    switch_instructions:\n      - Lower it.\n      - {pause: 2.5}\n" \
        "      - Lift your {side} knee.\n"  # fmt: skip
    (exercise,) = routine.load_file(write(tmp_path, text)).exercises
    assert exercise.instructions == ("Lie back.", "Lift your {side} knee.")
    assert exercise.pauses == ((0, 30),)
    assert exercise.switch_instructions == ("Lower it.", "Lift your {side} knee.")
    assert exercise.switch_pauses == ((0, 2.5),)
    plain = routine.load_file(write(tmp_path, VALID, "plain.yaml")).exercises[0]
    assert plain.pauses == () and plain.switch_pauses == ()


def test_the_outro_may_be_said_a_step_at_a_time(tmp_path):
    text = PAUSED + "outro:\n  - Bend your knees.\n  - pause: 6\n  - Roll onto your side.\n"
    loaded = routine.load_file(write(tmp_path, text))
    assert loaded.outro == ("Bend your knees.", "Roll onto your side.")
    assert loaded.outro_pauses == ((0, 6),)
    one = routine.load_file(write(tmp_path, PAUSED + "outro: Well done.\n", "one.yaml"))
    assert one.outro == ("Well done.",) and one.outro_pauses == ()


def test_a_quoted_text_may_say_pause_with_a_number(tmp_path):
    """Only a block text's 'pause: 6' line is taken for a pause: quoted words are said."""
    text = PAUSED + 'outro: "Breathe. Pause: 5 breaths, then go on."\n'
    loaded = routine.load_file(write(tmp_path, text))
    assert loaded.outro == ("Breathe. Pause: 5 breaths, then go on.",)


def test_a_text_with_dashes_folded_by_a_yaml_writer_loads_as_written(tmp_path):
    """A writer folds a long text where it likes, a line of it starting with the '- ' of
    "slowly - then": valid YAML, not a list left under a text, so not refused."""
    said = "Breathe in slowly - then out - and again - Slowly, and rest - now"
    for width in range(8, 70):
        document = {
            "title": "T",
            "outro": said,
            "exercises": [{"name": "x", "instructions": [said]}],
        }
        text = yaml.dump(document, width=width)
        loaded = routine.load_file(write(tmp_path, text, f"w{width}.yaml"))
        assert loaded.outro == (said,) and loaded.exercises[0].instructions == (said,)


def test_an_exercise_without_instructions_is_said_by_its_name(tmp_path):
    path = write(tmp_path, "title: A\nexercises:\n  - name: Neck rolls\n    hold: 20\n")
    (exercise,) = routine.load_file(path).exercises
    assert exercise.instructions == () and exercise.pauses == ()


def test_builtin_names_include_default():
    assert DEFAULT_ROUTINE in routine.builtin_names()
    assert routine.builtin_names() == sorted(routine.builtin_names())


def test_builtin_routine_loads():
    loaded = routine.load_builtin("hamstring-relief")
    assert loaded.name == "hamstring-relief"
    assert loaded.source == "built-in:hamstring-relief"
    assert loaded.title == "Hamstring stretches for low back relief"
    assert [e.name for e in loaded.exercises] == [  # the chair first: one trip to the floor
        "Seated hamstring stretch",
        "Lying hamstring stretch",
        "Wall hamstring stretch",
    ]
    for exercise in loaded.exercises:
        assert exercise.sides == ("right", "left")
        assert any("{side}" in text for text in exercise.instructions)
        assert any("{side}" in text for text in exercise.switch_instructions)
    own = {e.name.split()[0]: dict(e.own) for e in loaded.exercises}
    assert own == {  # time to move as a sore back can: see the comment in the file
        "Seated": {"setup": 10, "switch": 10},
        "Lying": {"setup": 12, "switch": 10},
        "Wall": {"rest": 15, "setup": 12, "switch": 35},  # to the other side of the door frame
    }
    pauses = {e.name.split()[0]: e.pauses for e in loaded.exercises}
    assert pauses == {  # after the first instruction, the move it asks for; then a step
        "Seated": ((0, 8), (1, 4)),  # sitting down on the edge of the chair
        "Lying": ((0, 40), (2, 5)),  # from the chair down to the floor
        "Wall": ((0, 20), (1, 5)),  # shuffling over to the door frame
    }
    switching = {e.name.split()[0]: e.switch_pauses for e in loaded.exercises}
    assert switching == {"Seated": ((0, 3),), "Lying": ((0, 4),), "Wall": ((0, 8),)}
    assert "lie back" in loaded.exercises[1].instructions[0]
    assert loaded.defaults == Timing(hold=30, reps=2, rest=10, switch=10, setup=15, ready=5)
    assert "{minutes}" not in loaded.intro  # so other times voice nothing new
    assert "chair" in loaded.intro and "door frame" in loaded.intro  # what is needed
    assert "\n" not in loaded.description and "  " not in loaded.description
    assert loaded.exercises[2].progression == "Slide your hips a little closer to the wall."
    assert loaded.exercises[0].line == 40
    assert loaded.outro_pauses == ((0, 8), (1, 12), (2, 10))  # getting up, a step at a time
    assert "leg down from the wall" in loaded.outro[0] and "onto your side" in loaded.outro[1]


def test_unknown_builtin_lists_builtins():
    with pytest.raises(RoutineError, match="hamstring-relief"):
        routine.load_builtin("nope")


# --- resolve --------------------------------------------------------------------


def test_resolve_path(tmp_path):
    path = write(tmp_path, VALID, "my-routine.yaml")
    loaded = routine.resolve(str(path))
    assert loaded.name == "my-routine"
    assert loaded.source == str(path)
    assert loaded.title == "Test routine"


def test_resolve_existing_path_without_yaml_suffix(tmp_path):
    path = write(tmp_path, VALID, "plain.txt")
    assert routine.resolve(str(path)).name == "plain"


def test_resolve_builtin_name():
    loaded = routine.resolve("hamstring-relief")
    assert loaded.source == "built-in:hamstring-relief"
    assert len(loaded.exercises) == 3


def test_resolve_nonsense():
    with pytest.raises(RoutineError) as info:
        routine.resolve("no-such-routine")
    assert str(info.value) == (
        "no routine file or built-in routine named 'no-such-routine'"
        " (built-ins: " + ", ".join(routine.builtin_names()) + ")"
    )


def test_resolve_missing_yaml_file_is_file_error(tmp_path):
    missing = tmp_path / "missing.yml"
    with pytest.raises(RoutineError) as info:
        routine.resolve(str(missing))
    assert str(info.value) == f"{missing}: file not found"


# --- valid routines -------------------------------------------------------------


def test_load_file_accepts_pathlike_and_sets_name(tmp_path):
    path = write(tmp_path, VALID, "morning.yml")
    loaded = routine.load_file(path)
    assert loaded.name == "morning"
    assert loaded.source == str(path)
    assert loaded.defaults == DEFAULT_TIMING
    (exercise,) = loaded.exercises
    assert exercise.name == "Lying stretch"
    assert exercise.instructions == ("Lift your {side} leg.",)
    assert exercise.sides == ("right", "left")
    assert exercise.own == (("hold", 20),)
    assert exercise.line == 3


def test_full_routine_values():
    text = textwrap.dedent(
        """\
        title: "  Full   routine "
        description: |
          Two lines
          of description.
        defaults: {hold: 45, reps: 3}
        intro: About {minutes} minutes.
        outro: Done.
        exercises:
          - name: Neck roll
            instructions: [Sit tall., Roll your head slowly.]
            cues: Breathe.
            rest: 2.5
            switch: 1
            setup: 0.1
            reps: 20
            hold: 600
          - name: Calf raise
            sides: [right, left, both]
            side_label: "{side} side"
            instructions: Rise onto your {side} toes.
            cues: [Slowly., 'Keep the {side} knee soft.']
            progression: Go a little higher on the {side} side.
        """
    )
    loaded = routine.load_text(text, source="inline", name="full")
    assert loaded.title == "Full routine"
    assert loaded.description == "Two lines of description."
    assert loaded.defaults == Timing(hold=45, reps=3, rest=10, switch=5, setup=8)
    assert loaded.intro == "About {minutes} minutes."
    assert loaded.outro == ("Done.",)
    neck, calf = loaded.exercises
    assert neck.instructions == ("Sit tall.", "Roll your head slowly.")
    assert neck.cues == ("Breathe.",)
    assert dict(neck.own) == {"hold": 600, "reps": 20, "rest": 2.5, "switch": 1, "setup": 0.1}
    assert neck.sides == () and neck.side_label is None  # the phrasebook's
    assert neck.timing(loaded.defaults) == Timing(hold=600, reps=20, rest=2.5, switch=1, setup=0.1)
    assert calf.sides == ("right", "left", "both")
    assert calf.side_label == "{side} side"
    assert calf.cues == ("Slowly.", "Keep the {side} knee soft.")
    assert calf.progression == "Go a little higher on the {side} side."
    assert calf.line == 17


def test_a_byte_order_mark_is_fine(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + VALID.encode())
    assert routine.load_file(path).title == "Test routine"


def test_error_str_starts_with_file_path(tmp_path):
    path = write(tmp_path, VALID.replace("hold: 20", "hold: 0"))
    err = load_error(path)
    assert str(err).startswith(f"{path}:6: ")
    assert err.path == str(path)
    assert err.line == 6


# --- broken routines: (yaml, line, phrase) ----------------------------------------

EX = "exercises:\n  - name: Lying stretch\n    instructions: Lift your leg.\n"

BROKEN = {
    # A newcomer's mistakes, each answered on its own line with what to type instead.
    "a pause written after the words, ending the text": (
        "title: T\nexercises:\n  - name: A\n    instructions:\n      - Breathe in. Pause 4\n"
        "      - And out.\n",
        5,
        "has 'Pause 4' in it, which the voice would say as words; for quiet, end the text"
        " before it, then write '- pause: 4' on a line of its own",
    ),
    "a wait in seconds after a comma": (
        "title: T\nexercises:\n  - name: A\n    instructions:\n"
        "      - Breathe in, wait (10 seconds)\n      - And out.\n",
        5,
        "has 'wait (10 seconds)' in it",
    ),
    "another tool's pause in the intro": (
        "title: T\nintro: Lie down. [PAUSE:3]\nexercises:\n  - name: A\n",
        2,
        "'intro' has '[PAUSE:3]' in it, which the voice would say as words; the intro is said"
        " in one go: quiet goes among the first exercise's 'instructions', as '- pause: 3'",
    ),
    "a pause line in an intro's block": (
        "title: T\nintro: |\n  Lie down.\n  - pause: 3\n  Relax.\nexercises:\n  - name: A\n",
        2,
        "'intro' has '- pause: 3' in it",
    ),
    "31 texts with their pauses": (
        "title: T\nexercises:\n  - name: A\n    hold: none\n    instructions:\n"
        + "      - In.\n      - pause: 2\n" * 31,
        66,
        "'instructions' in exercise 'A' has more than 30 texts; at most 30 are allowed (pauses"
        " are not counted; for words said again, give the exercise 'reps')",
    ),
    "a key named in other words": (
        "title: T\nexercises:\n  - name: A\n    instructions: Lift.\n    repeat: 3\n",
        5,
        "unknown key 'repeat' in exercise 'A'; did you mean 'reps'?",  # not the nearer 'rest'
    ),
    "a key without its colon": (
        "title Test back\nexercises:\n  - name: A\n",
        2,
        "the line before has no ':' after its key: write 'title: Test back'",
    ),
    "a name without its key": (
        "title: T\nexercises:\n  - Slow breathing\n    hold: none\n    instructions:\n"
        "      - Breathe in.\n",
        4,
        "an exercise's first line is its name: write '  - name: Slow breathing'",
    ),
    "an exercise's key at the left edge": (
        "title: T\nexercises:\n  - name: A\n    instructions: Lift.\nhold: 20\n",
        5,
        "'hold' is a key of an exercise, not of the routine: indent it under its exercise,"
        " lined up with its 'name:'",
    ),
    "a pause after the words on their line": (
        "title: T\nexercises:\n  - name: A\n    instructions:\n      - Breathe in. Pause: 4\n"
        "      - And out.\n",
        5,
        "has a pause after its words, which YAML reads as a key ('Breathe in. Pause: 4'); a"
        " pause goes on a line of its own, after the words: '- Breathe in.' and then"
        " '- pause: 4'",
    ),
    "a wait after the words, in seconds": (
        "title: T\nexercises:\n  - name: A\n    instructions:\n      - Lie down, wait: 10s\n"
        "      - Lift.\n",
        5,
        "'- Lie down,' and then '- pause: 10'",
    ),
    "an apostrophe in single quotes": (
        "title: T\nexercises:\n  - name: Calf\n    instructions:\n"
        "      - 'Don't lock your knee.'\n",
        5,
        'put it in double quotes, "Don\'t lock your knee.", or write the apostrophe twice',
    ),
    "an apostrophe in single quotes that end before the text does": (
        "title: T\nexercises:\n  - name: Calf\n    instructions:\n"
        "      - 'Don't rush', bring the foot back.\n      - Lift.\n",
        5,
        "put the text in double quotes instead, or write the apostrophe twice (Don''t)",
    ),
    "a colon that made a key": (
        "title: T\nexercises:\n  - name: Calf\n    instructions:\n      - Tip: look ahead.\n",
        5,
        "the ': ' after 'Tip' made it a key; put the text in quotes: \"Tip: look ahead.\"",
    ),
    "a new exercise without its dash": (
        "title: T\nexercises:\n  - name: Calf\n    instructions: Go.\n    name: Neck\n"
        "    instructions: Go.\n    hold: 20\n",
        5,
        "a second 'name' in exercise 1 (first at line 3): a new exercise starts with '- ', "
        "like '  - name: Neck'",
    ),
    "a pause without its dash, under a text": (
        "title: T\nexercises:\n  - name: Calf\n    instructions:\n      - Stand tall.\n"
        "        pause: 6\n      - Lean in.\n",
        6,
        "a new list item starts with '- ', at the same indentation as the one before: write"
        " '      - pause: 6'",
    ),
    "a colon on a text's second line": (
        "title: T\nexercises:\n  - name: Calf\n    instructions:\n      - Stand tall and\n"
        "        lean in: slowly.\n      - Lean.\n",
        6,
        "this line goes on with the text above, and its ': ' needs the whole text in quotes",
    ),
    "a new exercise outdented without its dash": (
        "title: T\nexercises:\n  - name: Calf\n    instructions: Go.\n  name: Neck\n"
        "    instructions: Go.\n",
        5,
        "a new list item starts with '- ': write '  - name: Neck'",
    ),
    "a key indented unlike its neighbours": (
        "title: T\nexercises:\n  - name: Calf\n   instructions: Go.\n",
        4,
        "'instructions' is indented 3 spaces, but the keys beside it are indented 4",
    ),
    # these three were told to quote {side}, to add a '- ' (a new, nameless exercise) and
    # that '- name' was "indented 1 spaces"
    "a key indented past its neighbours, with {side} in its text": (
        "title: T\nexercises:\n  - name: Calf\n    sides: [right, left]\n"
        "      instructions: Step your {side} foot back.\n",
        5,
        "'instructions' is indented 6 spaces, but the keys beside it are indented 4: line them up",
    ),
    "a key of an exercise outdented to its dash": (
        "title: T\nexercises:\n  - name: Calf\n  sides: [right, left]\n"
        "    instructions: Step back.\n",
        4,
        "'sides' is indented 2 spaces, but the keys of the item above are indented 4: line them"
        " up (a new item would start with '- ')",
    ),
    "an exercise indented by one space": (
        "title: T\nexercises:\n- name: Calf\n  instructions: Step.\n - name: Neck\n"
        "   instructions: Tilt.\n",
        5,
        "'- name' is indented 1 space, but the keys beside it are indented 2",
    ),
    "reps in words": (VALID + "    reps: two\n", 7, "not text; write it in digits, like reps: 2"),
    "switch words without sides": (
        "title: T\nexercises:\n  - name: Neck\n    instructions: Go.\n"
        "    switch_instructions: [Turn round.]\n",
        5,
        "'switch_instructions' in exercise 'Neck' are said when the side changes, but the "
        "exercise has fewer than two sides",
    ),
    "switch words empty": (VALID + "    switch_instructions: []\n", 7, "is an empty list"),
    "a pause before anything is said": (
        PAUSED.replace("      - Lie back.\n", ""),
        6,
        "a pause (item 1 of 'instructions') in exercise 'Floor' comes before anything is said",
    ),
    "a pause at the end of the instructions": (
        PAUSED.replace("      - Lift your {side} knee.\n", ""),
        7,
        "'instructions' in exercise 'Floor' ends with a pause; the time after the last of them"
        " is the exercise's 'setup': add the 30 seconds to 'setup' instead",
    ),
    "a pause at the end of the switch words": (
        PAUSED + "    switch_instructions: [Lower it., {pause: 4}]\n",
        9,
        "add the 4 seconds to 'switch' instead",
    ),
    "two pauses in a row": (
        PAUSED.replace("      - pause: 30\n", "      - pause: 30\n      - pause: 5\n"),
        8,
        "two pauses in a row (item 3 of 'instructions') in exercise 'Floor'; write one pause of"
        " 35 seconds",
    ),
    "a pause with another key": (
        PAUSED.replace("pause: 30", "{pause: 30, say: Slowly.}"),
        7,
        "a pause (item 2 of 'instructions') in exercise 'Floor' has other keys beside 'pause'",
    ),
    "a pause at the end of the outro": (
        PAUSED + "outro: [Bend your knees., {pause: 10}]\n",
        9,
        "'outro' ends with a pause; nothing is said after it, so it would only make the file"
        " end later: leave it out",
    ),
    "a pause first in the outro": (
        PAUSED + "outro:\n  - pause: 5\n  - Well done.\n",
        10,
        "a pause (item 1 of 'outro') comes before anything is said",
    ),
    "a pause in words in the outro": (
        PAUSED + "outro:\n  - Bend your knees.\n  - pause 8\n  - Roll over.\n",
        11,
        "text 2 of 'outro' would be said as the words 'pause 8'; for quiet, write"
        " '- pause: 8', with its colon",
    ),
    "an outro's list begun on the key's line": (
        PAUSED + "outro: That is the end.\n  - Bend both knees.\n  - Roll over.\n",
        9,
        "'outro' is one text that goes on at line 10 with '- ', so the voice would say the"
        " dashes; for texts said in turn, put each on a '- ' line of its own under the key,"
        " the first too",
    ),
    "instructions' list begun on the key's line": (
        PAUSED.replace(
            "    instructions:\n      - Lie back.", "    instructions: Lie back."
        ).replace("      - pause: 30\n", ""),
        5,
        "'instructions' in exercise 'Floor' is one text that goes on at line 6 with '- '",
    ),
    "another tool's pause after the words": (
        PAUSED + "outro:\n  - Bend both knees. [PAUSE:6]\n  - Roll over.\n",
        10,
        "text 1 of 'outro' has '[PAUSE:6]' in it, which the voice would say as words; for"
        " quiet, end the text before it, then write '- pause: 6' on a line of its own",
    ),
    "a pause kept as words by a block text": (
        PAUSED + "outro: |\n  Bend both knees.\n  - pause: 6\n  Roll over.\n",
        9,
        "'outro' has '- pause: 6' in it, which the voice would say as words",
    ),
    "a pause without its dash in a block text": (
        PAUSED + "outro: |\n  Bend both knees.\n  pause: 6\n  Roll over.\n",
        9,
        "'outro' has 'pause: 6' in it, which the voice would say as words; for quiet, end the"
        " text before it, then write '- pause: 6' on a line of its own",
    ),
    "a list with a pause under a text on the outro's line": (
        PAUSED + "outro: Done.\n  - Bend both knees.\n  - pause: 6\n  - Roll over.\n",
        11,
        "'outro' has a text on its line and a list under it, which YAML cannot read: put that"
        " text on a '- ' line of its own under 'outro:', as the others are",
    ),
    "a list at the key's indentation under a text on the outro's line": (
        PAUSED + "outro: Done.\n- Bend both knees.\n- pause: 6\n- Roll over.\n",
        10,
        "'outro' has a text on its line and a list under it, which YAML cannot read",
    ),
    "a colon on the second line of the intro": (
        "title: T\nintro: Welcome.\n  Lie down: on your back.\n" + PAUSED[9:],
        3,
        "this line goes on with the text of 'intro', and its ': ' needs the whole text in quotes",
    ),
    "another tool's pause as a list": (
        PAUSED + "outro:\n  - Bend both knees.\n  - [PAUSE:6]\n  - Roll over.\n",
        11,
        "text 2 of 'outro' is the list [PAUSE:6], neither words nor a pause; for quiet, write"
        " '- pause: 6'",
    ),
    "a pause written as wait": (
        PAUSED + "outro:\n  - Bend both knees.\n  - wait: 6\n  - Roll over.\n",
        11,
        "text 2 of 'outro' is 'wait: 6', neither words nor a pause; for quiet, write '- pause: 6'",
    ),
    "a pause in parentheses": (
        PAUSED + "outro:\n  - Bend both knees.\n  - pause (10 seconds)\n  - Roll over.\n",
        11,
        "would be said as the words 'pause (10 seconds)'; for quiet, write '- pause: 10'",
    ),
    "a pause with a full-width colon": (
        PAUSED + "outro:\n  - Bend both knees.\n  - pause\uff1a 6\n  - Roll over.\n",
        11,
        "for quiet, write '- pause: 6'",
    ),
    "a pause with a non-breaking space": (
        PAUSED + "outro:\n  - Bend both knees.\n  - pause:\u00a06\n  - Roll over.\n",
        11,
        "for quiet, write '- pause: 6', with a plain space after the colon (the one there is"
        " another space, which YAML reads as a letter)",
    ),
    "an empty outro": (
        PAUSED + "outro: []\n",
        9,
        "'outro' is an empty list; write what is said, or leave 'outro' out",
    ),
    "a list as the intro": (
        PAUSED + "intro: [Hello., {pause: 5}, Begin.]\n",
        9,
        "'intro' should be one text, not a list: it is said in one go, before anything is"
        " done (pauses go among the first exercise's 'instructions', and the 'outro')",
    ),
    "a placeholder in the outro's list": (
        PAUSED + "outro:\n  - Lower your {side} leg.\n  - pause: 5\n  - Done.\n",
        10,
        "unknown placeholder '{side}' in text 1 of 'outro'; no placeholders can be used there",
    ),
    "a pause among the cues": (
        PAUSED + "    cues: [Breathe., {pause: 5}]\n",
        9,
        "a pause (item 2 of 'cues') in exercise 'Floor': 'cues' are laid over the hold, which"
        " no pause can lengthen",
    ),
    "a pause in words": (
        PAUSED.replace("pause: 30", "pause: a while"),
        7,
        "'pause' (item 2 of 'instructions') in exercise 'Floor' should be a number of seconds, not"
        ' text; write it in digits, like pause: 30; to have it said, put it in quotes: "pause: a'
        ' while"',
    ),
    "a colon in a sentence, the fix given whole to copy": (
        VALID.replace(
            "instructions: Lift your {side} leg.",
            "instructions:\n      - Tilt your head slowly: ear toward the shoulder, jaw loose.",
        ),
        6,
        'put the text in quotes: "Tilt your head slowly: ear toward the shoulder, jaw loose."',
    ),
    "a colon in a long sentence, the fix never cut short": (
        VALID.replace(
            "instructions: Lift your {side} leg.",
            "instructions:\n      - Tilt your head slowly: ear toward the shoulder,"
            " shoulders down, jaw loose, and breathe out.",
        ),
        6,
        "put the text in quotes: the whole text, in double quotes",
    ),
    "sides without a comma, and words for changing them": (
        VALID.replace("[right, left]", "[right left]") + "    switch_instructions: [Turn.]\n",
        7,
        "fewer than two sides (its one side is 'right left': for 2 sides, put a comma between"
        " them: [right, left])",
    ),
    "a pause written as words": (
        PAUSED.replace("pause: 30", "pause 30"),
        7,
        "instruction 2 of 'instructions' in exercise 'Floor' would be said as the words 'pause"
        " 30'; for quiet, write '- pause: 30', with its colon",
    ),
    "a pause without a space": (
        PAUSED.replace("pause: 30", "pause:45"),
        7,
        "'- pause: 45', with a space after the colon",
    ),
    "a hold written as words": (
        PAUSED.replace("pause: 30", "Hold 10"),
        7,
        "would be said as the words 'Hold 10'; for quiet, write '- pause: 10', with its colon",
    ),
    "a pause written as wait, capitalised": (
        PAUSED.replace("pause: 30", "Wait: 10"),
        7,
        "is 'Wait: 10', neither words nor a pause; for quiet, write '- pause: 10'; to have it"
        " said, put it in quotes",
    ),
    "another tool's pause marker": (
        PAUSED.replace("pause: 30", '"[PAUSE:20]"'),
        7,
        "would be said as the words '[PAUSE:20]'; for quiet, write '- pause: 20'",
    ),
    "a pause in capitals": (
        PAUSED.replace("pause: 30", "Pause: 30"),
        7,
        "instruction 2 of 'instructions' in exercise 'Floor' is 'Pause: 30', neither words nor"
        " a pause; for quiet, write '- pause: 30' (in lowercase); to have it said, put it in"
        " quotes",
    ),
    "a pause misspelt": (PAUSED.replace("pause: 30", "paus: 10"), 7, "write '- pause: 10'"),
    "a pause with no seconds": (
        PAUSED.replace("pause: 30", "pause:"),
        7,
        "'pause' (item 2 of 'instructions') in exercise 'Floor' is empty; write the seconds,"
        " like pause: 30",
    ),
    "a pause as all the instructions": (
        PAUSED.replace(
            "      - Lie back.\n      - pause: 30\n      - Lift your {side} knee.",
            "      pause: 30",
        ),
        6,
        "'instructions' in exercise 'Floor' holds only a pause; a pause goes in the list,"
        " after the words it gives time for",
    ),
    "a pause as a key of the exercise": (
        VALID + "    pause: 20\n",
        7,
        "'pause' in exercise 'Lying stretch' is not a key of an exercise; a pause goes among"
        " its 'instructions', as '- pause: 30' after an instruction",
    ),
    "a pause in words among the cues": (
        VALID + "    cues: [pause 5]\n",
        7,
        "cue 1 of 'cues' in exercise 'Lying stretch' would be said as the words 'pause 5'; for"
        " quiet, a pause goes among 'instructions'",
    ),
    "a pause too long": (
        PAUSED.replace("pause: 30", "pause: 900"),
        7,
        "'pause' (item 2 of 'instructions') in exercise 'Floor' must be between 0.1 and 600"
        " seconds, got 900",
    ),
    "side labels for other sides": (
        VALID + "    side_label: {right: right leg, lft: left leg}\n",
        7,
        "'side_label' in exercise 'Lying stretch' must give words for each side, exactly: "
        "right, left",
    ),
    "a language with no phrasebook": (
        "language: xx\n" + VALID,
        1,
        "'language' must be a language voiceguide speaks: en, ",
    ),
    "ready below zero": (
        VALID + "    ready: -1\n",
        7,
        "'ready' in exercise 'Lying stretch' must be between 0 and 600 seconds, got -1",
    ),
    "ready in hundredths": (VALID + "    ready: 2.25\n", 7, "goes in tenths of a second"),
    # An unclosed [ is named on the line that opened it, not where the parser gave up.
    "syntax error": ("title: [unclosed\n" + EX, 1, "YAML syntax error"),
    "a list left open": (
        "title: T\nexercises:\n  - name: Calf\n    instructions: [Lie down.\n",
        4,
        "the list or mapping opened on this line needs its closing ']'",
    ),
    "bad indentation": ("title: A\n  bad: indent\n" + EX, 2, "YAML syntax error"),
    "duplicate top-level key": (
        "title: A\ntitle: B\n" + EX,
        2,
        "duplicate key 'title' (first at line 1)",
    ),
    "duplicate key in exercise": (
        VALID + "    hold: 30\n",
        7,
        "duplicate key 'hold' in exercise 1 (first at line 6)",
    ),
    "duplicate key in defaults": (
        "defaults:\n  rest: 5\n  rest: 6\n" + VALID,
        3,
        "duplicate key 'rest' in 'defaults' (first at line 2)",
    ),
    "unknown key, near miss": (
        VALID + "    hodl: 30\n",
        7,
        "unknown key 'hodl' in exercise 'Lying stretch'; did you mean 'hold'?",
    ),
    "unknown top-level key, near miss": (
        VALID.replace("title:", "titel:"),
        1,
        "unknown key 'titel'; did you mean 'title'?",
    ),
    "unknown key, no near miss": (
        VALID + "zebra: 1\n",
        7,
        "unknown key 'zebra'; valid keys are title, language, description, defaults, intro, "
        "outro, bed, exercises",
    ),
    "unknown key in defaults": (
        "defaults: {holds: 3}\n" + VALID,
        1,
        "unknown key 'holds' in 'defaults'; did you mean 'hold'?",
    ),
    "missing title": ("# comment\n" + EX, 2, "the routine has no 'title'"),
    "missing exercises": ("title: A\n", 1, "the routine has no 'exercises'"),
    "empty exercises": ("title: A\nexercises: []\n", 2, "'exercises' is empty"),
    "null exercises": ("title: A\nexercises:\n", 2, "'exercises' is empty"),
    "exercises a mapping": (
        "title: A\nexercises: {name: x}\n",
        2,
        "'exercises' should be a list of exercises, not a mapping",
    ),
    "exercise is text": (
        "title: A\nexercises:\n  - Lying stretch\n",
        3,
        "exercise 1 should be keys like",
    ),
    "missing name": (
        "title: A\nexercises:\n  - instructions: Lift.\n",
        3,
        "exercise 1 has no 'name'",
    ),
    "empty name": (
        "title: A\nexercises:\n  - name: ''\n    instructions: Lift.\n",
        3,
        "'name' in exercise 1 is empty",
    ),
    "blank name": (
        "title: A\nexercises:\n  - name: '   '\n    instructions: Lift.\n",
        3,
        "'name' in exercise 1 is empty",
    ),
    "null title": ("title:\n" + EX, 1, "'title' is empty"),
    "title a number": ("title: 42\n" + EX, 1, "'title' should be text, not a number"),
    "title a bool": ("title: yes\n" + EX, 1, "'title' should be text, not true/false"),
    "title a list": ("title: [a, b]\n" + EX, 1, "'title' should be text, not a list"),
    "instructions a mapping": (
        "title: A\nexercises:\n  - name: X\n    instructions: {a: b}\n",
        4,
        "'instructions' in exercise 'X' should be text or a list of texts, not a mapping",
    ),
    "instructions empty list": (
        "title: A\nexercises:\n  - name: X\n    instructions: []\n",
        4,
        "'instructions' in exercise 'X' is an empty list",
    ),
    "instruction item a number": (
        "title: A\nexercises:\n  - name: X\n    instructions:\n      - Lift.\n      - 7\n",
        6,
        "instruction 2 of 'instructions' in exercise 'X' should be text, not a number",
    ),
    # Regression: an empty item was reported as if the whole list were empty.
    "empty instruction item": (
        "title: A\nexercises:\n  - name: X\n    instructions: ['']\n",
        4,
        "instruction 1 of 'instructions' in exercise 'X' is empty",
    ),
    "empty side item": (
        VALID.replace("[right, left]", "['', left]"),
        4,
        "side 1 of 'sides' in exercise 'Lying stretch' is empty",
    ),
    "null side item": (
        VALID.replace("[right, left]", "[right, ~]"),
        4,
        "side 2 of 'sides' in exercise 'Lying stretch' is empty",
    ),
    "cue item a number": (
        VALID + "    cues: [Breathe., 7]\n",
        7,
        "cue 2 of 'cues' in exercise 'Lying stretch' should be text, not a number; put it in"
        " quotes: '7'",
    ),
    "single instruction empty": (
        "title: A\nexercises:\n  - name: X\n    instructions: ''\n",
        4,
        "'instructions' in exercise 'X' is empty",
    ),
    "too many instructions": (
        "title: A\nexercises:\n  - name: X\n    instructions:\n"
        + "      - Lift.\n" * (LIMITS.max_texts + 1),
        5 + LIMITS.max_texts,
        f"at most {LIMITS.max_texts} are allowed",
    ),
    "sides text": (
        VALID.replace("[right, left]", "right"),
        4,
        "'sides' in exercise 'Lying stretch' should be a list like [right, left], not text",
    ),
    "sides empty": (
        VALID.replace("[right, left]", "[]"),
        4,
        "'sides' in exercise 'Lying stretch' is an empty list",
    ),
    "sides duplicate": (
        VALID.replace("[right, left]", "[right, Right]"),
        4,
        "side 'Right' in exercise 'Lying stretch' is listed twice",
    ),
    "too many sides": (
        VALID.replace("[right, left]", "[a, b, c, d, e]"),
        4,
        "at most 4 are allowed",
    ),
    "defaults a list": ("defaults: [30]\n" + VALID, 1, "'defaults' should be a mapping"),
    "hold quoted": (
        VALID.replace("hold: 20", 'hold: "30"'),
        6,
        "'hold' in exercise 'Lying stretch' should be a number of seconds, not text",
    ),
    "hold bool": (
        VALID.replace("hold: 20", "hold: true"),
        6,
        "should be a number of seconds, not true/false",
    ),
    "hold null": (
        VALID.replace("hold: 20", "hold:"),
        6,
        "'hold' in exercise 'Lying stretch' is empty",
    ),
    "hold zero": (
        VALID.replace("hold: 20", "hold: 0"),
        6,
        "'hold' in exercise 'Lying stretch' must be between 0.1 and 600 seconds, got 0",
    ),
    "hold negative": (
        VALID.replace("hold: 20", "hold: -5"),
        6,
        "must be between 0.1 and 600 seconds, got -5",
    ),
    "hold nan": (
        VALID.replace("hold: 20", "hold: .nan"),
        6,
        "must be between 0.1 and 600 seconds, got .nan",
    ),
    "hold inf": (
        VALID.replace("hold: 20", "hold: .inf"),
        6,
        "must be between 0.1 and 600 seconds, got .inf",
    ),
    "hold finer than a tenth": (
        VALID.replace("hold: 20", "hold: 20.05"),
        6,
        "'hold' in exercise 'Lying stretch' goes in tenths of a second, got 20.05",
    ),
    "hold absurd": (
        VALID.replace("hold: 20", "hold: 3000"),
        6,
        "must be between 0.1 and 600 seconds, got 3000",
    ),
    "rest too small": (
        VALID.replace("hold: 20", "rest: 0.05"),
        6,
        "'rest' in exercise 'Lying stretch' must be between 0.1 and 600 seconds, got 0.05",
    ),
    "setup absurd in defaults": (
        "defaults: {setup: 1.0e+9}\n" + VALID,
        1,
        "'setup' in 'defaults' must be between 0.1 and 600 seconds, got 1.0e+9",
    ),
    # Regression: 1e308 and 0o17 were "not text"; they are numbers in another notation.
    "hold 1e308": (
        VALID.replace("hold: 20", "hold: 1e308"),
        6,
        "'hold' in exercise 'Lying stretch' should be written in plain digits, like 30 or 2.5,"
        " got 1e308",
    ),
    "hold 0o17": (
        VALID.replace("hold: 20", "hold: 0o17"),
        6,
        "should be written in plain digits, like 30 or 2.5, got 0o17",
    ),
    "reps 1e1": (
        VALID.replace("hold: 20", "reps: 1e1"),
        6,
        "'reps' in exercise 'Lying stretch' should be written in plain digits, like 2, got 1e1",
    ),
    "reps float": (
        VALID.replace("hold: 20", "reps: 2.5"),
        6,
        "'reps' in exercise 'Lying stretch' must be a whole number from 1 to 20, got 2.5",
    ),
    "reps too many": (
        VALID.replace("hold: 20", "reps: 21"),
        6,
        "must be a whole number from 1 to 20, got 21",
    ),
    "reps zero": (
        VALID.replace("hold: 20", "reps: 0"),
        6,
        "must be a whole number from 1 to 20, got 0",
    ),
    "reps text": (
        VALID.replace("hold: 20", "reps: two"),
        6,
        "'reps' in exercise 'Lying stretch' should be a whole number, not text",
    ),
    "reps bool": (
        "defaults: {reps: no}\n" + VALID,
        1,
        "'reps' in 'defaults' should be a whole number, not true/false",
    ),
    "python tag": (
        VALID + "intro: !!python/object/apply:os.system ['echo hi']\n",
        7,
        "YAML tags like '!!python/object/apply:os.system' are not allowed",
    ),
    "local tag": (
        VALID.replace("Test routine", "!foo Test"),
        1,
        "YAML tags like '!foo' are not allowed",
    ),
    "set tag": (VALID + "outro: !!set {a, b}\n", 7, "YAML tags like '!!set' are not allowed"),
    "exercise text with no space after the colon": (
        "title: A\nexercises:\n  - name:Stretch\n",
        3,
        "exercise 1 should be keys like 'name:' and 'instructions:', not text; put a space after"
        " the colon",
    ),
    "exercises with no space after the dashes": (
        "title: A\nexercises:\n  -name: X\n  -instructions: Go.\n",
        3,
        "'exercises' should be a list of exercises, not a mapping; put a space after '-'",
    ),
    "alias": (
        "title: &t A\nintro: *t\n" + EX,
        2,
        "YAML aliases like '*t' are not allowed",
    ),
    "two documents": (VALID + "---\n" + VALID, 7, "more than one YAML document"),
    "escaped control character": (
        'title: "Bad\\x01title"\n' + EX,
        1,
        "'title' contains an invisible control character",
    ),
    "escaped C1 control character": (
        VALID.replace("Lift your {side} leg.", '"Lift\\x9b your {side} leg."'),
        5,
        "'instructions' in exercise 'Lying stretch' contains an invisible control character",
    ),
    "raw control character": (VALID + "outro: bell\x07\n", 7, "invisible control character"),
    "raw DEL character": (VALID + "outro: del\x7f\n", 7, "invisible control character"),
    "side without sides": (
        "title: A\nexercises:\n  - name: X\n    instructions:\n"
        "      - Lie down.\n      - Lift your {side} leg.\n",
        6,
        "'{side}' used but exercise 'X' has no sides",
    ),
    "side_label without sides": (
        "title: A\nexercises:\n  - name: X\n    instructions: Lift.\n"
        "    side_label: '{side} arm'\n",
        5,
        "'{side}' used but exercise 'X' has no sides",
    ),
    "side_label without placeholder": (
        VALID + "    side_label: arm\n",
        7,
        "'side_label' in exercise 'Lying stretch' must contain '{side}'",
    ),
    "unknown placeholder": (
        VALID.replace("Lift your {side} leg.", "Lift your {leg}."),
        5,
        "unknown placeholder '{leg}' in 'instructions' in exercise 'Lying stretch'",
    ),
    "minutes outside intro": (
        VALID + "outro: That took {minutes} minutes.\n",
        7,
        "unknown placeholder '{minutes}' in 'outro'; no placeholders can be used there",
    ),
    "side in intro": (
        VALID + "intro: Use your {side} leg.\n",
        7,
        "unknown placeholder '{side}' in 'intro'; '{minutes}' can be used there",
    ),
    "unbalanced brace": (
        VALID + "intro: About {minutes minutes.\n",
        7,
        "'intro' has a '{' or '}' without its partner",
    ),
    "too-long text": (
        VALID + "outro: " + "word " * (LIMITS.max_text_chars // 5 + 1) + "\n",
        7,
        f"'outro' is too long ({LIMITS.max_text_chars + 4} characters;"
        f" at most {LIMITS.max_text_chars})",
    ),
    "duplicate exercise names": (
        VALID + "  - name: lying STRETCH\n    instructions: Again.\n",
        7,
        "two exercises are named 'lying STRETCH' (first at line 3)",
    ),
    "too many exercises": (
        "title: A\nexercises:\n"
        + "".join(
            f"  - {{name: E{i}, instructions: Go.}}\n" for i in range(LIMITS.max_exercises + 1)
        ),
        3 + LIMITS.max_exercises,
        f"'exercises' has {LIMITS.max_exercises + 1} items; at most {LIMITS.max_exercises}",
    ),
    "deep nesting": (
        VALID + "outro:\n" + "".join("  " * i + "- \n" for i in range(LIMITS.max_depth)),
        7 + LIMITS.max_depth,
        f"nested too deeply (more than {LIMITS.max_depth} levels)",
    ),
    "top level a list": (
        "- title: A\n",
        1,
        "a routine should be keys like 'title:' and 'exercises:', not a list",
    ),
    "top level text": ("just some words\n", 1, "not text"),
    "key is a list": ("[a]: 1\n" + VALID, 1, "a key should be a word, not a list"),
}


@pytest.mark.parametrize("text, line, phrase", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_routine(tmp_path, text, line, phrase):
    path = write(tmp_path, text)
    err = load_error(path)
    assert err.line == line, str(err)
    assert phrase in err.message
    assert str(err).startswith(f"{path}:{line}: ")
    assert "Traceback" not in str(err) and "Node" not in str(err)


def test_deep_nesting_is_bounded_without_recursion_error(tmp_path):
    path = write(tmp_path, "title: " + "[" * 100_000 + "]" * 100_000 + "\n")
    err = load_error(path)
    assert err.line == 1
    assert "nested too deeply" in err.message


def test_nesting_at_the_limit_is_not_refused_for_depth(tmp_path):
    # Top mapping (1) + max_depth - 1 nested lists = exactly max_depth levels.
    nested = "".join("  " * i + "- \n" for i in range(LIMITS.max_depth - 1))
    err = load_error(write(tmp_path, VALID + "description:\n" + nested))
    assert err.message == "'description' should be text, not a list"
    assert err.line == 8


def test_python_tag_is_never_executed(tmp_path):
    target = tmp_path / "pwned"
    payload = f"!!python/object/apply:builtins.open [{str(target)!r}, 'w']"
    text = VALID + f"intro: {payload}\n"
    path = write(tmp_path, text)
    err = load_error(path)
    assert "YAML tags like '!!python/object/apply:builtins.open' are not allowed" in str(err)
    assert err.line == 7
    assert not target.exists()
    # Control: the payload is live, so the assertion above means something.
    yaml.unsafe_load(payload).close()
    assert target.exists()


# --- file-level problems --------------------------------------------------------


@pytest.mark.parametrize(
    "content, line, phrase",
    [
        (b"", None, "the file is empty"),
        (b"# only a comment\n\n   \n# another\n", None, "the file is empty"),
        (b"---\n", None, "the file is empty"),
        (b"  \t \n\t\n", None, "the file is empty"),
        (b"# a comment\n\t# indented with a tab\n", None, "the file is empty"),
        (b"title: A\x00\n", None, "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary file"),
        (VALID.encode() + b"outro: caf\xe9\n", 7, "not UTF-8"),
    ],
    ids=[
        "empty",
        "comments only",
        "empty document",
        "tabs and spaces",
        "tab before a comment",
        "nul byte",
        "png",
        "latin-1",
    ],
)
def test_unreadable_content(tmp_path, content, line, phrase):
    path = write(tmp_path, content)
    err = load_error(path)
    assert phrase in err.message
    assert err.line == line
    assert err.path == str(path)


def test_too_large_file(tmp_path):
    path = write(tmp_path, VALID + "#" * LIMITS.max_file_bytes + "\n")
    err = load_error(path)
    assert "too large" in err.message
    assert str(err).startswith(f"{path}: ")


def test_directory(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    err = load_error(folder)
    assert str(err) == f"{folder}: this is a folder, not a routine file"


def test_empty_path():
    """Regression: '' was read as the current folder ("this is a folder")."""
    for load in (routine.load_file, routine.resolve):
        with pytest.raises(RoutineError) as info:
            load("")
        assert str(info.value) == (
            "the path is empty (''); give the path of a routine file, like my-routine.yaml"
        )


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    err = load_error(missing)
    assert str(err) == f"{missing}: file not found"
    assert err.line is None


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX, non-root")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, VALID)
    path.chmod(0)
    try:
        assert "could not read the file" in load_error(path).message
    finally:
        path.chmod(0o644)


def test_load_text_reports_source():
    with pytest.raises(RoutineError) as info:
        routine.load_text("title: A\n", source="somewhere.yaml", name="x")
    assert str(info.value) == "somewhere.yaml:1: the routine has no 'exercises'"


def test_switch_words_and_ready_are_read(tmp_path):
    words = "    switch_instructions:\n      - Roll over and lift your {side} leg.\n"
    text = VALID + words + "    ready: 0\n"
    loaded = routine.load_file(write(tmp_path, text))
    (exercise,) = loaded.exercises
    assert exercise.switch_instructions == ("Roll over and lift your {side} leg.",)
    assert dict(exercise.own) == {"hold": 20, "ready": 0}  # 0: no get-ready cue


def test_a_path_too_long_to_look_up_is_a_plain_error(tmp_path):
    """Regression: validate said "unexpected OSError: File name too long"."""
    path = tmp_path / ("日" * 120 + ".yaml")
    err = load_error(path)
    assert "could not read the file: File name too long" in err.message


BREATHING = """\
title: Breathing
exercises:
  - name: Slow breathing
    hold: none
    instructions:
      - Breathe in slowly.
      - pause: 4
      - And out.
      - pause: 6
  - name: Knee rock
    sides: [right, left]
    instructions: Let both knees fall to the {side}.
    hold: 10
"""
"""Words and quiet alone (a breathing exercise, ending with a pause), then a hold."""


def test_an_exercise_of_words_and_quiet_alone_has_no_hold(tmp_path):
    from voiceguide.options import Options
    from voiceguide.plan import plan
    from voiceguide.script import Hold, Say, Wait

    loaded = routine.load_file(write(tmp_path, BREATHING))
    breathing, rock = loaded.exercises
    assert not breathing.holds and rock.holds and breathing.own == ()
    assert breathing.pauses == ((0, 4), (1, 6))  # a pause may end it: quiet before the next
    steps = plan(loaded, Options.of(hold=20)).steps  # --hold sets the holds there are
    start = next(i for i, s in enumerate(steps) if isinstance(s, Say) and s.text == "And out.")
    assert steps[start + 1] == Wait(6, "pause")
    assert [s.exercise for s in steps if isinstance(s, Hold)] == ["Knee rock"] * 4
    assert {s.seconds for s in steps if isinstance(s, Hold)} == {20}
    from voiceguide.errors import OptionError

    with pytest.raises(OptionError, match="'Slow breathing' has no hold"):
        plan(loaded, Options.of(hold=[("breath", 20)]))


NO_HOLD_BROKEN = {  # (reps it may have: its words said that many times)
    "sides": ("    sides: [right, left]\n", 10, "'sides' in exercise 'Slow breathing' is for an"
              " exercise with holds, and 'hold: none' (line 4) gives it none"),
    "cues": ("    cues: [Relax.]\n", 10, "'cues' in exercise 'Slow breathing' is for an exercise"
             " with holds"),
    "rest": ("    rest: 2\n", 10, "'rest' in exercise 'Slow breathing' is for an exercise"),
    "no instructions": (None, 3, "exercise 'Slow breathing' has 'hold: none', so its"
                        " 'instructions' (what is said, with '- pause: SECONDS' between) are"
                        " all it is; give it some"),
}  # fmt: skip


@pytest.mark.parametrize("extra, line, says", list(NO_HOLD_BROKEN.values()),
                         ids=list(NO_HOLD_BROKEN))  # fmt: skip
def test_what_lives_around_a_hold_is_refused_without_one(tmp_path, extra, line, says):
    text = BREATHING.split("  - name: Knee rock")[0]
    if extra is None:
        text = "title: Breathing\nexercises:\n  - name: Slow breathing\n    hold: none\n"
    else:
        text += extra
    error = load_error(write(tmp_path, text))
    assert error.line == line and says in error.message, (error.line, error.message)


def test_a_programme_cannot_time_an_exercise_without_a_hold(tmp_path):
    from voiceguide.programme import load_programme

    write(tmp_path, BREATHING, "breathing.yaml")
    path = write(tmp_path, "programme: P\nroutine: breathing.yaml\nstages:\n"
                 "  - {weeks: 1, hold: {breath: 30}}\n", "plan.yaml")  # fmt: skip
    with pytest.raises(RoutineError) as info:
        load_programme(path)
    assert info.value.line == 4
    assert "'breath' has no hold" not in info.value.message
    assert "'Slow breathing' has no hold ('hold: none'), so no hold to set" in info.value.message
    fine = write(tmp_path, "programme: P\nroutine: breathing.yaml\nstages:\n"
                 "  - {weeks: 1, hold: 30}\n", "fine.yaml")  # fmt: skip
    assert load_programme(fine).stages[0].weeks == 1


def test_the_schema_takes_hold_none():
    import jsonschema

    from voiceguide.schema import schema

    jsonschema.validate(yaml.safe_load(BREATHING), schema("routine"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(BREATHING.replace("hold: none", "hold: nothing")),
                            schema("routine"))  # fmt: skip


def test_words_and_quiet_are_said_reps_times_with_their_own_quiet_between(tmp_path):
    """Twelve breaths took a list of 48 items, over the limit; split in two, the voice
    said 'Next: More slow breathing.' in the middle of the rhythm."""
    from voiceguide.options import Options
    from voiceguide.plan import plan
    from voiceguide.script import Say, Wait

    text = BREATHING.replace("    hold: none\n", "    hold: none\n    reps: 3\n", 1)
    loaded = routine.load_file(write(tmp_path, text))
    steps = plan(loaded, Options.of(reps=5)).steps  # --reps is the holds' own
    said = [s for s in steps if isinstance(s, (Say, Wait))]
    first = next(
        i for i, s in enumerate(said) if isinstance(s, Say) and s.text == "Breathe in slowly."
    )
    assert [(type(s).__name__, getattr(s, "text", getattr(s, "seconds", None)))
            for s in said[first : first + 12]] == [
        ("Say", "Breathe in slowly."), ("Wait", 4), ("Say", "And out."), ("Wait", 6),
    ] * 3  # fmt: skip
    # then the next exercise is named after the last quiet, with nothing added to it
    assert isinstance(said[first + 12], Say) and said[first + 12].text == "Last: Knee rock."


def test_a_hold_of_nothing_says_how_to_write_an_exercise_without_one(tmp_path):
    for value in ("0", "no", "off", "", "n/a"):
        text = BREATHING.replace("hold: none", f"hold: {value}").split("  - name: Knee")[0]
        error = load_error(write(tmp_path, text))
        assert error.line == 4, (value, error.line, error.message)
        assert error.message.endswith(
            "for an exercise of words and quiet alone, write 'hold: none'"
        ), (value, error.message)


def test_natural_words_about_a_pause_are_said(tmp_path):
    text = VALID.replace("instructions: ", "instructions: Pause for 2 seconds before you go on. ")
    assert (
        "Pause for 2 seconds"
        in routine.load_file(write(tmp_path, text)).exercises[0].instructions[0]
    )


def test_a_breathing_part_s_count_may_be_set_by_name(tmp_path):
    """'4 breaths in week 1, 8 later' was impossible: reps named for it was refused."""
    from voiceguide.options import Options
    from voiceguide.plan import plan
    from voiceguide.script import Say

    text = BREATHING.replace("    hold: none\n", "    hold: none\n    reps: 8\n", 1)
    loaded = routine.load_file(write(tmp_path, text))

    def breaths(options: Options) -> int:
        return sum(
            isinstance(s, Say) and s.text == "Breathe in slowly."
            for s in plan(loaded, options).steps
        )

    assert breaths(Options()) == 8 and breaths(Options.of(reps=3)) == 8  # --reps: the holds'
    assert breaths(Options.of(reps=[("breath", 4)])) == 4
