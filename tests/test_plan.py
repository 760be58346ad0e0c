"""Tests for voiceguide.plan: routine + options → script (pure: no audio, no engine)."""

from __future__ import annotations

import math
import re

import pytest
from conftest import EXERCISES, LYING, SEATED, WALL, options_id

from voiceguide.errors import BadInput, OptionError
from voiceguide.model import LIMITS
from voiceguide.phrases import phrasebook
from voiceguide.plan import (
    BETWEEN_EXERCISES,
    LEAD_IN,
    Chapter,
    Hold,
    Options,
    Say,
    Tone,
    Wait,
    estimate_seconds,
    plan,
)
from voiceguide.routine import load_builtin, load_text

# One exercise without sides, two reps: nothing to switch.
NO_SIDES = """\
title: Neck
exercises:
  - name: Chin tuck
    instructions: Sit tall and draw your chin straight back.
    cues: [Keep your eyes level.]
    hold: 20
    reps: 2
"""


@pytest.fixture(scope="module")
def routine():
    return load_builtin("hamstring-relief")


@pytest.fixture(scope="module")
def script(routine):
    return plan(routine)


# -- helpers ----------------------------------------------------------------------------


def holds(script) -> list[Hold]:
    return [s for s in script.steps if isinstance(s, Hold)]


def says(script, role: str) -> list[Say]:
    return [s for s in script.steps if isinstance(s, Say) and s.role == role]


def sections(script) -> dict[str, list]:
    """The steps of each chapter, by title."""
    out: dict[str, list] = {}
    current = None
    for step in script.steps:
        if isinstance(step, Chapter):
            current = out.setdefault(step.title, [])
        else:
            current.append(step)
    return out


def overlays(hold: Hold, kind: str) -> list[tuple[str, float]]:
    return [(o.text, o.at) for o in hold.overlays if o.kind == kind]


def hold_seconds(script) -> dict[str, set[float]]:
    out: dict[str, set[float]] = {}
    for hold in holds(script):
        out.setdefault(hold.exercise, set()).add(hold.seconds)
    return out


# -- the built-in routine -----------------------------------------------------------------


def test_builtin_has_twelve_holds_of_thirty_seconds(script):
    assert len(holds(script)) == 12  # 3 exercises x 2 sides x 2 reps
    assert {h.seconds for h in holds(script)} == {30}


def test_builtin_chapters_are_introduction_exercises_closing(script):
    titles = [s.title for s in script.steps if isinstance(s, Chapter)]
    assert titles == ["Introduction", *EXERCISES, "Closing"]
    assert isinstance(script.steps[0], Chapter)


@pytest.mark.parametrize("language", ["es", "pt-BR", "ru"])
def test_the_opening_and_closing_chapters_are_titled_in_the_sessions_language(language):
    """The two chapters voiceguide adds take their titles from the phrasebook (the
    exercise chapters carry the routine's own names); titles only: never voiced."""
    english = plan(load_builtin("hamstring-relief"))
    session = plan(load_builtin("hamstring-relief", language))
    titles = [s.title for s in session.steps if isinstance(s, Chapter)]
    assert titles[0] != "Introduction" and titles[-1] != "Closing"
    book = phrasebook(language)
    assert (titles[0], titles[-1]) == (book.chapters["introduction"], book.chapters["closing"])
    exercises = load_builtin("hamstring-relief", language).exercises
    assert titles[1:-1] == [e.name for e in exercises]
    assert not set(book.chapters.values()) & set(session.texts())
    assert len(session.texts()) == len(english.texts())
    in_english = [s.title for s in english.steps if isinstance(s, Chapter)]
    assert in_english == ["Introduction", *EXERCISES, "Closing"]


def test_a_routine_file_in_another_language_titles_its_chapters_in_it():
    text = NO_SIDES.replace("title: Neck", "title: Pescoço\nlanguage: pt-BR\nintro: Olá.")
    routine = load_text(text, source="pt.yaml", name="pt")
    titles = [s.title for s in plan(routine).steps if isinstance(s, Chapter)]
    words = phrasebook("pt-BR").chapters
    assert titles == [words["introduction"], "Chin tuck", words["closing"]]


def test_without_an_intro_the_first_exercise_s_chapter_starts_the_session():
    """An imported routine, with no intro, had an "Introduction" chapter of half a
    second; the first exercise is said at the same moment either way."""
    plain = plan(load_text(NO_SIDES, source="n.yaml", name="n")).steps
    assert [s.title for s in plain if isinstance(s, Chapter)] == ["Chin tuck", "Closing"]
    assert plain[:2] == (Chapter("Chin tuck"), Wait(LEAD_IN, "pause"))
    assert isinstance(plain[2], Say) and plain[2].role == "next"


def test_each_exercise_chapter_holds_only_its_own_holds(script):
    for name, steps in sections(script).items():
        own = [s for s in steps if isinstance(s, Hold)]
        if name in EXERCISES:
            assert len(own) == 4
            assert {h.exercise for h in own} == {name}
        else:
            assert own == []


def test_holds_go_right_then_left_rep_by_rep(script):
    for name in EXERCISES:
        order = [(h.side, h.rep) for h in holds(script) if h.exercise == name]
        assert order == [("right", 1), ("right", 2), ("left", 1), ("left", 2)]


def test_instructions_are_filled_with_the_first_side(routine, script):
    for exercise in routine.exercises:
        said = [
            s.text
            for s in sections(script)[exercise.name]
            if isinstance(s, Say) and s.role == "instruction"
        ]
        assert said == [t.replace("{side}", "right") for t in exercise.instructions]
    assert "Bring your right knee" in " ".join(s.text for s in says(script, "instruction"))


def test_no_placeholder_is_left_in_any_text(script):
    for text in script.texts():
        assert "{" not in text and "}" not in text, text


def test_a_start_cue_naming_the_side_comes_before_every_hold(script):
    steps = script.steps
    for index, step in enumerate(steps):
        if isinstance(step, Hold):
            before = [s for s in steps[:index] if isinstance(s, Say)][-1]
            assert before.role == "start"
            label = f"{step.side.capitalize()} leg"
            assert before.text.startswith(label + (" again." if step.rep > 1 else "."))
            assert before.text.endswith("Hold.")


def test_switch_cue_tone_words_and_wait_come_between_the_sides(routine, script):
    for exercise in routine.exercises:
        steps = sections(script)[exercise.name]
        sides = [(i, s.side) for i, s in enumerate(steps) if isinstance(s, Hold)]
        last_right = max(i for i, side in sides if side == "right")
        first_left = min(i for i, side in sides if side == "left")
        between = steps[last_right + 1 : first_left]
        assert Tone("switch") in between
        said = [s for s in between if isinstance(s, Say)]
        assert [s.role for s in said] == ["release", "switch", "move", "move", "start"]
        assert "left" in said[1].text and "left" in said[3].text  # the new side's words
        moves = [text.replace("{side}", "left") for text in exercise.switch_instructions]
        assert [s.text for s in said[2:4]] == moves
        # the switch wait, as long as the exercise says, then (directly) the start cue
        (wait,) = [s for s in between if isinstance(s, Wait) and s.kind == "switch"]
        assert wait.seconds == exercise.timing(routine.defaults).switch
        assert between[between.index(wait) + 1] == said[4]
    assert len([s for s in script.steps if isinstance(s, Wait) and s.kind == "switch"]) == 3


MINUTES_INTRO = """\
title: Timed
intro: This session takes about {minutes} minutes.
exercises:
  - name: Reach
    sides: [right, left]
    instructions: ["Reach up with your {side} arm."]
"""


def test_intro_minutes_match_the_estimated_length():
    script = plan(load_text(MINUTES_INTRO, source="timed.yaml", name="timed"))
    (intro,) = says(script, "intro")
    found = re.search(r"about (\d+) minutes", intro.text)
    assert found, intro.text
    assert abs(int(found.group(1)) - estimate_seconds(script) / 60) <= 1


def test_intro_minutes_follow_longer_holds():
    routine = load_text(MINUTES_INTRO, source="timed.yaml", name="timed")

    def minutes(options):
        (intro,) = says(plan(routine, options), "intro")
        return int(re.search(r"about (\d+) minutes", intro.text).group(1))

    assert minutes(Options.of(hold=120, reps=3)) > minutes(Options.of()) + 8


def test_the_built_in_routine_says_nothing_that_depends_on_the_times(routine):
    """So a rebuild with other times voices no new phrase (issue: speech cache); a short
    hold says fewer cues, so they come first in another order."""
    default = sorted(plan(routine).texts())
    for options in (
        Options.of(hold=45),
        Options.of(hold=12.5, rest=25, switch=3, setup=20),
        Options.of(hold=[("wall", 90)]),
        Options.of(reps=4),
    ):
        assert sorted(plan(routine, options).texts()) == default, options


@pytest.mark.parametrize("hold, most", [(9, 1), (15, 1), (20, 2), (30, 2)])
def test_a_short_hold_says_one_cue_for_every_ten_seconds_of_it(routine, hold, most):
    holds_of = holds(plan(routine, Options.of(hold=hold)))
    cues = [[o.text for o in h.overlays if o.kind == "cue"] for h in holds_of]
    assert max(len(c) for c in cues) == most  # both built-in cues fit 20 s and more
    said = {text for c in cues for text in c}  # and they take turns: each is said
    assert len(said) == 2 * len({h.exercise for h in holds_of})


def test_texts_lists_every_phrase_once_in_order(script):
    texts = script.texts()
    assert len(texts) == len(set(texts))
    assert texts[0] == says(script, "intro")[0].text
    for step in script.steps:
        if isinstance(step, Say):
            assert step.text in texts
        if isinstance(step, Hold):
            assert all(o.text in texts for o in step.overlays)


# -- hold and reps options ---------------------------------------------------------------


def test_hold_option_sets_every_hold(routine):
    script = plan(routine, Options.of(hold=45))
    assert {h.seconds for h in holds(script)} == {45}


@pytest.mark.parametrize("name", [WALL, "wall", "WALL", "  Wall hamstring  "])
def test_named_hold_sets_only_that_exercise(routine, name):
    script = plan(routine, Options.of(hold=[(name, 60)]))
    assert hold_seconds(script) == {LYING: {30}, SEATED: {30}, WALL: {60}}


def test_named_hold_beats_the_hold_for_every_exercise(routine):
    script = plan(routine, Options.of(hold=[45, ("wall", 60)]))
    assert hold_seconds(script) == {LYING: {45}, SEATED: {45}, WALL: {60}}


def test_two_named_holds_set_two_exercises(routine):
    script = plan(routine, Options.of(hold=[("lying", 20), ("seated", 40)]))
    assert hold_seconds(script) == {LYING: {20}, SEATED: {40}, WALL: {30}}


def test_named_hold_matching_a_whole_name_is_not_ambiguous():
    routine = load_text(
        "title: Walls\nexercises:\n"
        "  - {name: Wall, instructions: Stand at the wall.}\n"
        "  - {name: Wall slide, instructions: Slide down the wall.}\n",
        source="walls.yaml",
        name="walls",
    )
    script = plan(routine, Options.of(hold=[("wall", 60)]))
    assert hold_seconds(script) == {"Wall": {60}, "Wall slide": {30}}


@pytest.mark.parametrize(
    "name, how",
    [("stretch", "more than one"), ("hamstring", "more than one"), ("nope", "no exercise")],
)
def test_named_hold_ambiguous_or_unknown_raises_naming_the_exercises(routine, name, how):
    with pytest.raises(OptionError) as info:
        plan(routine, Options.of(hold=[(name, 60)]))
    message = str(info.value)
    assert f"'{name}'" in message and how in message
    assert all(exercise in message for exercise in EXERCISES)


def test_reps_option_gives_that_many_holds_per_side(routine):
    script = plan(routine, Options.of(reps=3))
    assert len(holds(script)) == 18
    for name in EXERCISES:
        order = [(h.side, h.rep) for h in holds(script) if h.exercise == name]
        assert order == [
            ("right", 1),
            ("right", 2),
            ("right", 3),
            ("left", 1),
            ("left", 2),
            ("left", 3),
        ]


def test_rest_option_sets_every_rest(routine):
    script = plan(routine, Options.of(rest=15))
    rests = [s for s in script.steps if isinstance(s, Wait) and s.kind == "rest"]
    assert len(rests) == 6 and {r.seconds for r in rests} == {15}
    before = [script.steps[script.steps.index(r) - 1] for r in rests]
    assert all(isinstance(s, Say) and s.text.endswith("Rest.") for s in before)


# -- overlays: countdown and form cues -----------------------------------------------------


@pytest.mark.parametrize("hold", [30, 45, 7.5])
def test_default_countdown_says_three_two_one_at_its_seconds(routine, hold):
    for h in holds(plan(routine, Options.of(hold=hold))):
        assert overlays(h, "countdown") == [
            ("Three.", hold - 3),
            ("Two.", hold - 2),
            ("One.", hold - 1),
        ]


def test_countdown_longer_than_a_short_hold_is_cut_to_whole_seconds(routine):
    for h in holds(plan(routine, Options.of(hold=2.5))):
        assert overlays(h, "countdown") == [("Two.", 0.5), ("One.", 1.5)]


def test_countdown_five(routine):
    (h, *_) = holds(plan(routine, Options.of(countdown=5)))
    assert [t for t, _ in overlays(h, "countdown")] == ["Five.", "Four.", "Three.", "Two.", "One."]
    assert overlays(h, "countdown")[0] == ("Five.", 25)


def test_countdown_zero_has_no_countdown_but_keeps_cues(routine):
    script = plan(routine, Options.of(countdown=0))
    assert all(overlays(h, "countdown") == [] for h in holds(script))
    assert all(len(overlays(h, "cue")) == 2 for h in holds(script))
    assert not {"Three.", "Two.", "One."} & set(script.texts())


def test_form_cues_are_laid_over_each_hold_before_the_countdown(routine, script):
    cues = {e.name: list(e.cues) for e in routine.exercises}
    for h in holds(script):
        laid = overlays(h, "cue")
        assert sorted(t for t, _ in laid) == sorted(cues[h.exercise])
        assert all(0 <= at < h.seconds - 3 for _, at in laid)
        assert [at for _, at in laid] == sorted(at for _, at in laid)


def test_form_cues_take_turns_and_move_from_hold_to_hold(routine, script):
    """Each hold of an exercise starts with the next cue in turn (so one that does not
    fit one hold comes first, and is kept first, in the next), and no cue is wanted at
    the same moment in two holds in a row."""
    for exercise in routine.exercises:
        mine = [h for h in holds(script) if h.exercise == exercise.name]
        cues = list(exercise.cues)
        for turn, h in enumerate(mine):
            laid = sorted((o for o in h.overlays if o.kind == "cue"), key=lambda o: o.priority)
            first = turn % len(cues)
            assert [o.text for o in laid] == cues[first:] + cues[:first]
        for one, two in zip(mine, mine[1:]):
            at = {o.text: o.at for o in one.overlays if o.kind == "cue"}
            assert all(at[o.text] != o.at for o in two.overlays if o.kind == "cue")


def test_one_cue_alone_moves_between_two_moments():
    routine = load_text(NO_SIDES, source="t.yaml", name="t")
    first, second = holds(plan(routine, Options.of(reps=3)))[:2]
    assert overlays(first, "cue")[0][1] != overlays(second, "cue")[0][1]


def test_no_chimes_means_no_tone_steps(routine):
    script = plan(routine, Options.of(chimes=False))
    assert not any(isinstance(s, Tone) for s in script.steps)
    assert script.tones() == []
    assert len(holds(script)) == 12


def test_chimes_sound_start_release_switch_and_end(script):
    assert sorted(script.tones()) == ["end", "release", "start", "switch"]
    tones = [s.name for s in script.steps if isinstance(s, Tone)]
    assert tones.count("start") == tones.count("release") == 12
    assert tones.count("switch") == 3 and tones[-1] == "end"


# -- progression ---------------------------------------------------------------------------


def test_progression_is_said_between_reps_not_after_the_last(routine, script):
    progression = " ".join(next(e for e in routine.exercises if e.name == WALL).progression.split())
    wall = [s.text for s in sections(script)[WALL] if isinstance(s, Say) and s.role == "release"]
    assert len(wall) == 4
    assert [progression in t for t in wall] == [True, False, True, False]
    assert wall[1] == wall[3] == "And release."
    others = [
        s.text
        for name in (LYING, SEATED)
        for s in sections(script)[name]
        if isinstance(s, Say) and s.role == "release"
    ]
    assert len(others) == 8 and not any("slide your hips" in t.lower() for t in others)


def test_progression_with_three_reps_is_said_twice_per_side(routine):
    script = plan(routine, Options.of(reps=3))
    wall = [s.text for s in sections(script)[WALL] if isinstance(s, Say) and s.role == "release"]
    assert ["slide your hips" in t.lower() for t in wall] == [True, True, False] * 2
    assert wall[0] == "And release. Slide your hips a little closer to the wall. Rest here."


# -- option limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        Options.of(hold=0),
        Options.of(hold=-5),
        Options.of(hold=0.05),
        Options.of(hold=math.nan),
        Options.of(hold=math.inf),
        Options.of(hold=LIMITS.max_hold + 1),
        Options.of(hold=[("wall", 0)]),
        Options.of(hold=[("wall", math.nan)]),
        Options.of(hold=[("wall", LIMITS.max_hold + 1)]),
        Options.of(rest=0),
        Options.of(switch=-1),
        Options.of(setup=math.inf),
        Options.of(rest=LIMITS.max_pause + 1),
        Options.of(reps=0),
        Options.of(reps=LIMITS.max_reps + 1),
        Options.of(countdown=11),
        Options.of(countdown=-1),
    ],
    ids=options_id,
)
def test_options_out_of_range_are_refused(options):
    with pytest.raises(OptionError):
        options.check()


@pytest.mark.parametrize(
    "options",
    [
        Options.of(hold=LIMITS.min_duration),
        Options.of(hold=LIMITS.max_hold),
        Options.of(reps=1),
        Options.of(reps=LIMITS.max_reps),
        Options.of(countdown=0),
        Options.of(countdown=10),
        Options.of(rest=0.1, switch=600, setup=2.5),
    ],
    ids=options_id,
)
def test_options_at_the_limits_are_accepted(options):
    options.check()


def test_plan_refuses_bad_options_before_planning(routine):
    with pytest.raises(OptionError, match="^hold must be between 0.1 and 600 seconds, got 0$"):
        plan(routine, Options.of(hold=0))
    with pytest.raises(OptionError, match="^reps must be a whole number from 1 to 20") as caught:
        plan(routine, Options.of(reps=21))
    assert caught.value.setting == "reps"  # the command line names it by its flag


# -- other routines --------------------------------------------------------------------------


def test_routine_without_sides_has_sideless_holds_and_no_switch():
    script = plan(load_text(NO_SIDES, source="test.yaml", name="neck"))
    assert [(h.side, h.rep, h.seconds) for h in holds(script)] == [(None, 1, 20), (None, 2, 20)]
    assert says(script, "switch") == []
    assert not any(isinstance(s, Wait) and s.kind == "switch" for s in script.steps)
    assert Tone("switch") not in script.steps
    assert [s.text for s in says(script, "start")] == ["Hold.", "Again. Hold."]


def test_session_over_three_hours_is_refused(routine):
    with pytest.raises(BadInput, match="hour"):
        plan(routine, Options.of(hold=600, reps=20))


def test_session_just_under_three_hours_is_planned(routine):
    script = plan(routine, Options.of(hold=600, reps=2))
    assert 2 * 3600 < estimate_seconds(script) < LIMITS.max_session_seconds


@pytest.mark.parametrize("exercise, seconds", [(SEATED, 8), (LYING, 40), (WALL, 20)])
def test_the_move_to_each_place_is_made_in_quiet_before_the_leg_is_placed(
    script, exercise, seconds
):
    steps = sections(script)[exercise]
    said = [i for i, s in enumerate(steps) if isinstance(s, Say) and s.role == "instruction"]
    assert steps[said[0] + 1 : said[1]] == [Wait(seconds, "pause")]  # and nothing else
    steps_apart = [s for s in steps[said[1] : said[-1]] if isinstance(s, Wait)]
    assert max(s.seconds for s in steps_apart) >= 4  # and quiet to do each step after
    assert "right" not in steps[said[0]].text  # the move; the leg comes after it
    setup = steps[said[-1] + 1]
    assert isinstance(setup, Wait) and setup.kind == "setup" and setup.seconds in (10, 12)


def test_pauses_among_switch_words_come_after_the_side_switch_cue():
    text = NO_SIDES.replace(
        "    instructions: Sit tall and draw your chin straight back.\n",
        "    sides: [right, left]\n"
        "    instructions:\n      - Sit tall.\n      - pause: 3\n      - Turn {side}.\n"
        "    switch_instructions:\n      - Face ahead.\n      - pause: 4.5\n"
        "      - Turn {side}.\n",
    )
    steps = plan(load_text(text, source="t", name="t")).steps
    said = [i for i, s in enumerate(steps) if isinstance(s, Say) and s.role == "instruction"]
    assert steps[said[0] + 1] == Wait(3, "pause") and steps[said[1]].text == "Turn right."
    moves = [i for i, s in enumerate(steps) if isinstance(s, Say) and s.role == "move"]
    assert steps[moves[0] + 1] == Wait(4.5, "pause") and steps[moves[1]].text == "Turn left."
    cue = next(i for i, s in enumerate(steps) if isinstance(s, Say) and s.role == "switch")
    assert cue < moves[0]


def test_the_closing_is_said_a_step_at_a_time_with_the_quiet_between():
    outro = "outro:\n  - Bend your knees.\n  - pause: 6\n  - Roll over.\n  - pause: 8.5\n  - Up.\n"
    steps = plan(load_text(NO_SIDES + outro, source="t", name="t")).steps
    closing = list(steps[next(i for i, s in enumerate(steps) if s == Chapter("Closing")) + 1 :])
    texts = [s.text for s in closing if isinstance(s, Say)]
    assert texts == ["Bend your knees.", "Roll over.", "Up."]
    said = [i for i, s in enumerate(closing) if isinstance(s, Say)]
    assert closing[said[0] + 1 : said[1]] == [Wait(6, "pause")]
    assert closing[said[1] + 1 : said[2]] == [Wait(8.5, "pause")]
    # one text alone is laid out as before: the gap after the last hold, then the words
    one = plan(load_text(NO_SIDES + "outro: Well done.\n", source="t", name="t")).steps
    said_once = one.index(Say("Well done.", "outro"))
    assert list(one[said_once - 2 : said_once]) == [Chapter("Closing"), closing[0]]
    assert closing[0] == Wait(BETWEEN_EXERCISES, "pause")
