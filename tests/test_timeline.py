"""Tests for voiceguide.timeline: script + clip lengths → exact times, and its JSON.

Clip lengths come from a fake: every phrase lasts ``len(text) * 1000 + 7`` samples
(deliberately off the 441-sample grid) and every tone 5000 samples, at 22050 Hz.
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import EXERCISES, options_id

from voiceguide.errors import OptionError
from voiceguide.options import Options
from voiceguide.plan import TAIL, plan
from voiceguide.routine import load_builtin, load_text
from voiceguide.script import Hold, Say, Tone, Wait
from voiceguide.timeline import FORMAT, OVERLAY_GAP, Timeline, describe, grid, schedule, to_json

RATE = 22050
STEP = 441  # samples in a 20 ms grid step at 22050 Hz
TONE = 5000
TIMED = ("hold", "rest", "switch", "setup")
SETTINGS = {
    "hold": 30,
    "reps": 2,
    "rest": 10,
    "switch": 5,
    "setup": 8,
    "engine": "fake",
    "voice": "test",
    "rate": 150,
}


def speech_length(text: str) -> int:
    return len(text) * 1000 + 7


@pytest.fixture(scope="module")
def routine():
    return load_builtin("hamstring-relief")


def lay_out(
    routine, options: Options | None = None, rate: int = RATE, length=speech_length
) -> tuple:
    script = plan(routine, options or Options())
    speech = {text: length(text) for text in script.texts()}
    tones = {name: TONE for name in script.tones()}
    return script, schedule(script, speech, tones, rate)


@pytest.fixture(scope="module")
def timeline(routine) -> Timeline:
    return lay_out(routine)[1]


@pytest.fixture(scope="module")
def doc(timeline) -> dict:
    return to_json(timeline, audio="hamstring-relief.mp3", settings=SETTINGS)


def kind(timeline, name: str) -> list:
    return [e for e in timeline.events if e.kind == name]


def spoken(timeline, *roles: str) -> list:
    return [e for e in timeline.events if e.kind == "speech" and e.role in roles]


def in_sequence(timeline) -> list:
    """Speech and tones said in sequence (not laid over a hold, rest, switch or setup)."""
    laid_over = ("cue", "countdown", "halfway", "ready")
    return [e for e in timeline.audible() if e.role not in laid_over]


def ms(seconds: float) -> int:
    """JSON seconds as integer milliseconds (they are exact to the millisecond)."""
    return round(seconds * 1000)


def json_times(doc: dict) -> list[float]:
    times = [doc["duration"]]
    for item in doc["chapters"] + doc["events"]:
        times += [item["start"], item["end"]]
    return times


# -- the grid -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rate, step", [(22050, 441), (16000, 16), (44100, 441), (48000, 48), (8000, 8)]
)
def test_grid_is_the_smallest_whole_millisecond_step(rate, step):
    assert grid(rate) == step
    assert (step * 1000) % rate == 0


def test_fake_clip_lengths_are_off_the_grid(routine):
    script, _ = lay_out(routine)
    assert sum(1 for t in script.texts() if speech_length(t) % STEP) > len(script.texts()) // 2
    assert TONE % STEP


def test_every_boundary_is_on_the_grid(timeline):
    for event in timeline.events:
        assert event.start % STEP == 0 and event.end % STEP == 0, event
    for chapter in timeline.chapters:
        assert chapter.start % STEP == 0 and chapter.end % STEP == 0
    assert timeline.duration % STEP == 0


def test_speech_and_tones_get_the_grid_slot_that_holds_their_clip(timeline):
    for event in timeline.audible():
        clip = TONE if event.kind == "tone" else speech_length(event.text)
        assert clip <= event.end - event.start < clip + STEP


# -- exact times in the JSON ----------------------------------------------------------------


OPTION_CASES = [
    Options.of(),
    Options.of(hold=45),
    Options.of(hold=2.5),
    Options.of(rest=7.5, switch=3.3),
    Options.of(chimes=False, countdown=0),
]


@pytest.mark.parametrize("options", OPTION_CASES, ids=options_id)
def test_every_json_time_is_exact_to_the_millisecond(routine, options):
    _, timeline = lay_out(routine, options)
    doc = to_json(timeline, audio="a.mp3", settings={})
    for x in json_times(doc):
        assert round(x, 3) == x


@pytest.mark.parametrize("options", OPTION_CASES, ids=options_id)
def test_timed_events_last_exactly_their_seconds(routine, options):
    # Compared in whole milliseconds: ``end - start`` of two decimal floats can differ
    # from ``seconds`` in the last bit (256.6 - 226.6 == 30.00000000000003), so float
    # equality is not something any JSON of decimal seconds can promise.
    _, timeline = lay_out(routine, options)
    doc = to_json(timeline, audio="a.mp3", settings={})
    timed = [e for e in doc["events"] if e["kind"] in TIMED]
    assert timed
    for event in timed:
        assert ms(event["end"]) - ms(event["start"]) == ms(event["seconds"]), event
        assert round(event["end"] - event["start"], 3) == event["seconds"], event


def test_hold_events_are_45_seconds_with_hold_45(routine):
    _, timeline = lay_out(routine, Options.of(hold=45))
    holds = kind(timeline, "hold")
    assert len(holds) == 12
    assert all(h.seconds == 45 and h.end - h.start == 45 * RATE for h in holds)


def test_half_second_hold_lasts_exactly_its_samples(routine):
    _, timeline = lay_out(routine, Options.of(hold=2.5))
    assert {h.end - h.start for h in kind(timeline, "hold")} == {int(2.5 * RATE)}


@pytest.mark.parametrize(
    "options",
    [Options.of(hold=30.01), Options.of(rest=10.01), Options.of(setup=2.25)],
    ids=options_id,
)
def test_durations_finer_than_a_tenth_of_a_second_are_refused(routine, options):
    # Regression: at 22050 Hz the grid is 20 ms, and 30.01 s used to become 30.00 s
    # silently while the JSON still said 30.01. Tenths are always on the grid.
    with pytest.raises(OptionError, match="tenth"):
        lay_out(routine, options)


def test_json_times_are_the_sample_positions_in_seconds(timeline, doc):
    assert len(doc["events"]) == len(timeline.events)
    for event, out in zip(timeline.events, doc["events"]):
        assert out["start"] == round(event.start / RATE, 3)
        assert out["end"] == round(event.end / RATE, 3)
        assert math.isclose(out["start"] * RATE, event.start, abs_tol=1e-6)


# -- timing, as the listener lives it ---------------------------------------------------------


def test_event_counts(timeline):
    assert len(kind(timeline, "hold")) == 12
    assert len(kind(timeline, "rest")) == 6
    assert len(kind(timeline, "switch")) == 3
    assert len(kind(timeline, "setup")) == 3
    assert len(kind(timeline, "tone")) == 12 + 12 + 3 + 1


def test_rest_runs_from_the_release_cue_to_the_next_start_cue(timeline):
    said = in_sequence(timeline)
    for rest in kind(timeline, "rest"):
        assert rest.seconds in (10, 15) and rest.end - rest.start == rest.seconds * RATE
        before = [e for e in said if e.end == rest.start]
        after = [e for e in said if e.start == rest.end]
        assert [(e.kind, e.role) for e in before] == [("speech", "release")]
        assert [(e.kind, e.role) for e in after] == [("speech", "start")]
        assert "again" in after[0].text


def test_switch_runs_from_the_switch_cue_and_its_words_to_the_next_start_cue(routine, timeline):
    said = in_sequence(timeline)
    for exercise, switch in zip(routine.exercises, kind(timeline, "switch")):
        seconds = exercise.timing(routine.defaults).switch
        assert switch.seconds == seconds and switch.end - switch.start == seconds * RATE
        before = [e for e in said if e.end == switch.start]
        after = [e for e in said if e.start == switch.end]
        assert [e.role for e in before] == ["move"]  # how to get to the other side
        moves = len(exercise.switch_instructions)
        cue = said[said.index(before[0]) - moves]
        assert cue.role == "switch" and cue.text == "Switch to your left leg."
        assert [e.role for e in after] == ["start"]
        assert after[0].text.startswith("Left leg.")


def test_a_get_ready_cue_ends_every_rest_switch_and_setup(routine, timeline):
    """Five seconds before each start cue that follows a rest, a switch or the setup,
    the voice says which side comes next: time to get back into the stretch."""
    for wait in (e for e in timeline.events if e.kind in ("rest", "switch", "setup")):
        (ready,) = [e for e in timeline.audible() if wait.start <= e.start < wait.end]
        assert ready.role == "ready" and ready.text.startswith("Get ready: ")
        assert wait.end - ready.start == 5 * RATE
        start = next(e for e in timeline.events if e.kind == "speech" and e.start == wait.end)
        side = start.text.removesuffix(" Hold.").removesuffix(".").lower()
        assert ready.text == f"Get ready: {side}."  # "right leg again", "left leg"


def test_setup_runs_from_the_last_instruction_to_the_first_start_cue(routine, timeline):
    said = in_sequence(timeline)
    setups = kind(timeline, "setup")
    for exercise, setup in zip(routine.exercises, setups):
        seconds = exercise.timing(routine.defaults).setup
        assert setup.seconds == seconds and setup.end - setup.start == seconds * RATE
        before = [e for e in said if e.end == setup.start]
        after = [e for e in said if e.start == setup.end]
        assert [e.text for e in before] == [exercise.instructions[-1].replace("{side}", "right")]
        assert [e.role for e in after] == ["start"]
        inside = [e for e in timeline.audible() if setup.start <= e.start < setup.end]
        assert [e.role for e in inside] == ["ready"]


def test_a_hold_starts_at_the_end_of_the_start_tone_and_ends_at_the_release_tone(timeline):
    tones = kind(timeline, "tone")
    for hold in kind(timeline, "hold"):
        assert [t.name for t in tones if t.end == hold.start] == ["start"]
        assert [t.name for t in tones if t.start == hold.end] == ["release"]


def test_without_chimes_a_hold_runs_from_the_start_cue_to_the_release_cue(routine):
    _, timeline = lay_out(routine, Options.of(chimes=False))
    assert kind(timeline, "tone") == []
    said = in_sequence(timeline)
    for hold in kind(timeline, "hold"):
        assert [e.role for e in said if e.end == hold.start] == ["start"]
        assert [e.role for e in said if e.start == hold.end] == ["release"]


def test_nothing_sounds_in_sequence_during_a_hold_rest_switch_or_setup(timeline):
    said = in_sequence(timeline)
    for span in (e for e in timeline.events if e.kind in TIMED):
        assert not [e for e in said if e.start < span.end and span.start < e.end], span


def test_events_are_sorted_by_start(timeline):
    starts = [e.start for e in timeline.events]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    "options", OPTION_CASES + [Options.of(hold=3), Options.of(countdown=10)], ids=options_id
)
def test_no_two_audible_events_overlap(routine, options):
    _, timeline = lay_out(routine, options)
    audible = sorted(timeline.audible(), key=lambda e: (e.start, e.end))
    for i, a in enumerate(audible):
        assert a.start <= a.end
        for b in audible[i + 1 :]:
            assert a.end <= b.start or b.end <= a.start, (a, b)


def test_every_overlay_lies_inside_a_hold(timeline):
    holds = kind(timeline, "hold")
    laid = spoken(timeline, "cue", "countdown")
    assert len(laid) == 12 * 5
    for event in laid:
        assert [h for h in holds if h.start <= event.start and event.end <= h.end], event


@pytest.mark.parametrize("hold, per_char", [(30, 1000), (11, 1200), (6, 1500), (16, 2000)])
def test_overlays_in_one_hold_keep_a_gap_of_quiet_between_them(routine, hold, per_char):
    _, timeline = lay_out(routine, Options.of(hold=hold), length=lambda t: len(t) * per_char + 7)
    laid = sorted(spoken(timeline, "cue", "countdown"), key=lambda e: e.start)
    assert laid
    for hold_event in kind(timeline, "hold"):
        inside = [e for e in laid if hold_event.start <= e.start < hold_event.end]
        for a, b in zip(inside, inside[1:]):
            assert b.start - a.end >= round(OVERLAY_GAP * RATE), (a, b)


def test_countdown_starts_exactly_its_seconds_before_the_hold_ends(timeline):
    countdown = spoken(timeline, "countdown")
    for hold in kind(timeline, "hold"):
        inside = [
            (e.text, hold.end - e.start) for e in countdown if hold.start <= e.start < hold.end
        ]
        assert inside == [("Three.", 3 * RATE), ("Two.", 2 * RATE), ("One.", 1 * RATE)]


def test_each_hold_carries_its_form_cues(routine, timeline):
    cues = {e.name: set(e.cues) for e in routine.exercises}
    for hold in kind(timeline, "hold"):
        inside = {e.text for e in spoken(timeline, "cue") if hold.start <= e.start < hold.end}
        assert inside == cues[hold.exercise]
    assert timeline.warnings == ()


def test_a_cue_that_does_not_fit_one_hold_is_said_in_the_next(routine):
    """Regression: a cue that did not fit was dropped from every hold alike. Now the cues
    take turns: in an 8-second hold only one fits, and each hold says the next one."""
    _, timeline = lay_out(routine, Options.of(hold=8), length=lambda t: len(t) * 1500)
    for exercise in routine.exercises:
        mine = [h for h in kind(timeline, "hold") if h.exercise == exercise.name]
        said = [
            [e.text for e in spoken(timeline, "cue") if h.start <= e.start < h.end] for h in mine
        ]
        assert all(len(texts) == 1 for texts in said), said
        assert [texts[0] for texts in said] == [exercise.cues[turn % 2] for turn in range(4)]
    assert timeline.warnings == ()  # every cue was said somewhere


def test_no_form_cue_falls_at_the_same_moment_in_two_holds_in_a_row(routine, timeline):
    for exercise in routine.exercises:
        mine = [h for h in kind(timeline, "hold") if h.exercise == exercise.name]
        moments = [
            {
                e.text: e.start - h.start
                for e in spoken(timeline, "cue")
                if h.start <= e.start < h.end
            }
            for h in mine
        ]
        for one, two in zip(moments, moments[1:]):
            assert all(one[text] != two[text] for text in one.keys() & two.keys()), (one, two)


def test_a_three_second_hold_drops_the_cues_with_a_warning_and_keeps_the_countdown(routine):
    _, timeline = lay_out(routine, Options.of(hold=3))
    assert spoken(timeline, "cue") == []
    assert len(spoken(timeline, "countdown")) == 12 * 3
    warned = " ".join(timeline.warnings)
    for exercise in routine.exercises:
        for cue in exercise.cues:
            assert f"'{cue}'" in warned
    assert all("3 s" in w for w in timeline.warnings)


def test_long_speech_never_lengthens_a_hold(routine):
    _, timeline = lay_out(routine, length=lambda text: len(text) * 20000 + 7)
    holds = kind(timeline, "hold")
    assert all(h.end - h.start == 30 * RATE for h in holds)
    assert spoken(timeline, "cue") == [] and timeline.warnings


# -- chapters and duration -------------------------------------------------------------------


def test_chapter_titles(timeline):
    assert [c.title for c in timeline.chapters] == ["Introduction", *EXERCISES, "Closing"]


def test_chapters_are_contiguous_and_cover_the_session(timeline):
    chapters = timeline.chapters
    assert chapters[0].start == 0
    assert chapters[-1].end == timeline.duration
    for a, b in zip(chapters, chapters[1:]):
        assert a.end == b.start and a.start < a.end


def test_each_exercise_chapter_holds_its_own_holds(timeline):
    by_title = {c.title: c for c in timeline.chapters}
    for hold in kind(timeline, "hold"):
        chapter = by_title[hold.exercise]
        assert chapter.start <= hold.start and hold.end <= chapter.end


def test_duration_is_the_last_sound_plus_the_tail(timeline):
    last = max(e.end for e in timeline.events)
    assert timeline.events[-1].kind == "tone" and timeline.events[-1].name == "end"
    assert timeline.duration == last + round(TAIL * RATE)


def test_duration_is_the_sum_of_the_sequential_steps_on_the_grid(routine):
    script, timeline = lay_out(routine)
    total = 0
    for step in script.steps:
        if isinstance(step, Say):
            total += math.ceil(speech_length(step.text) / STEP) * STEP
        elif isinstance(step, Tone):
            total += math.ceil(TONE / STEP) * STEP
        elif isinstance(step, (Wait, Hold)):
            total += round(step.seconds * RATE / STEP) * STEP
    assert timeline.duration == total


def test_duration_is_the_unrounded_length_within_a_grid_step_per_step(routine):
    script, timeline = lay_out(routine)
    exact = 0.0
    for step in script.steps:
        if isinstance(step, Say):
            exact += speech_length(step.text)
        elif isinstance(step, Tone):
            exact += TONE
        elif isinstance(step, (Wait, Hold)):
            exact += step.seconds * RATE
    assert exact <= timeline.duration <= exact + STEP * len(script.steps)


# -- the JSON document ---------------------------------------------------------------------


def test_json_document_has_the_contract_keys(doc):
    assert doc["format"] == FORMAT == "voiceguide-timeline/1"
    assert set(doc) == {
        "format",
        "routine",
        "title",
        "audio",
        "duration",
        "sample_rate",
        "settings",
        "chapters",
        "events",
    }
    assert doc["routine"] == "hamstring-relief"
    assert doc["title"] == "Hamstring stretches for low back relief"
    assert doc["audio"] == "hamstring-relief.mp3"
    assert doc["sample_rate"] == RATE
    assert doc["settings"] == SETTINGS


def test_json_duration_and_chapters(timeline, doc):
    assert doc["duration"] == round(timeline.duration / RATE, 3)
    assert doc["duration"] == doc["chapters"][-1]["end"]
    assert [c["title"] for c in doc["chapters"]] == ["Introduction", *EXERCISES, "Closing"]
    assert all(set(c) == {"title", "start", "end"} for c in doc["chapters"])


def test_json_event_fields_by_kind(doc):
    fields = {
        "speech": {"text"},
        "tone": {"name"},
        "hold": {"seconds", "exercise", "side", "rep"},
        "rest": {"seconds"},
        "switch": {"seconds"},
        "setup": {"seconds"},
    }
    seen = set()
    for event in doc["events"]:
        assert set(event) == {"kind", "start", "end"} | fields[event["kind"]], event
        seen.add(event["kind"])
    assert seen == set(fields)


def test_json_hold_events_name_exercise_side_and_rep(doc):
    holds = [
        (e["exercise"], e["side"], e["rep"], e["seconds"])
        for e in doc["events"]
        if e["kind"] == "hold"
    ]
    assert holds == [
        (name, side, rep, 30) for name in EXERCISES for side in ("right", "left") for rep in (1, 2)
    ]


def test_json_survives_a_round_trip(doc):
    assert json.loads(json.dumps(doc)) == doc


def test_json_settings_are_a_copy(timeline):
    settings = {"hold": 30}
    doc = to_json(timeline, audio="a.mp3", settings=settings)
    settings["hold"] = 99
    assert doc["settings"] == {"hold": 30}


# -- a routine without sides ----------------------------------------------------------------


def test_routine_without_sides_has_null_sides_and_no_switch():
    routine = load_text(
        "title: Neck\nexercises:\n  - name: Chin tuck\n"
        "    instructions: Draw your chin back.\n    hold: 20\n",
        source="test.yaml",
        name="neck",
    )
    _, timeline = lay_out(routine)
    doc = to_json(timeline, audio="neck.mp3", settings={})
    holds = [e for e in doc["events"] if e["kind"] == "hold"]
    assert [(e["side"], e["rep"], e["seconds"]) for e in holds] == [(None, 1, 20), (None, 2, 20)]
    assert not [e for e in doc["events"] if e["kind"] == "switch"]
    assert [c["title"] for c in doc["chapters"]] == ["Chin tuck", "Closing"]  # no intro
    assert doc["chapters"][0]["start"] == 0


def test_in_a_short_hold_the_cue_halfway_and_count_each_have_quiet_around_them():
    """hamstring-quick's 15 s holds said two cues beside "Halfway." and the count (half a
    second of quiet in the second half); one cue now, in the first third."""
    _, laid = lay_out(load_builtin("hamstring-quick"))
    said = [e for e in laid.events if e.kind == "speech"]
    for hold in (e for e in laid.events if e.kind == "hold"):
        inside = [e for e in said if hold.start <= e.start < hold.end]
        kinds = [e.role for e in inside]
        assert kinds == ["cue", "halfway", "countdown", "countdown", "countdown"], kinds
        for before, after in zip(inside, inside[1:3]):  # cue, "Halfway.", "Three."
            assert after.start - before.end >= 1.0 * RATE, (before.text, after.text)


# -- the readable form ------------------------------------------------------------------------


def test_describe_shows_every_chapter_and_every_hold(timeline):
    lines = describe(timeline)
    text = "\n".join(lines)
    for chapter in timeline.chapters:
        assert f"== {chapter.title} ==" in text
    assert sum("HOLD" in line for line in lines) == 12
    assert "HOLD Wall hamstring stretch, left, rep 2" in text
    assert lines[-1].split()[-1] == "end"


def test_describe_shows_each_pause_as_quiet_after_what_was_said(timeline):
    lines = describe(timeline)
    quiet = [i for i, line in enumerate(lines) if line.endswith("quiet, to do what was said")]
    assert [lines[i].split()[1] for i in quiet] == ["8.0s", "4.0s", "3.0s", "40.0s", "5.0s",
                                                     "4.0s", "20.0s", "5.0s", "8.0s",
                                                     "8.0s", "12.0s", "10.0s"]  # fmt: skip
    assert "come down to the floor" in said_before(lines, quiet[3])  # the words for the move
    assert "Roll onto your side" in said_before(lines, quiet[-2])  # the closing, step by step
    assert not any("quiet" in line for line in describe(timeline)[: quiet[0] - 2])


def said_before(lines: list[str], at: int) -> str:
    """The entry before line ``at``, its wrapped lines joined."""
    start = at - 1
    while not lines[start][:1].isdigit():
        start -= 1
    return " ".join(line.strip() for line in lines[start:at])


def test_describe_keeps_lines_within_the_width(timeline):
    assert all(len(line) <= 60 for line in describe(timeline, width=60))


def test_describe_says_every_text_in_full_wrapped_within_the_width(timeline):
    """Long texts were cut at the width with '…': the closing's steps among them."""
    text = " ".join(" ".join(describe(timeline, width=60)).split())
    for event in timeline.events:
        if event.kind == "speech":
            assert f'"{event.text}"' in text, event.text
    assert "…" not in text


# -- inside a hold, and between exercises (a session you follow with eyes closed) --------


def test_halfway_is_said_at_the_middle_of_every_30_second_hold(timeline):
    for hold in kind(timeline, "hold"):
        halfway = [
            e
            for e in timeline.audible()
            if e.text == "Halfway." and hold.start <= e.start < hold.end
        ]
        assert [e.start - hold.start for e in halfway] == [15 * RATE]


def test_no_halfway_in_short_holds_or_when_turned_off(routine):
    for options in (Options.of(hold=9), Options.of(halfway=False)):
        _, timeline = lay_out(routine, options)
        assert not [e for e in timeline.audible() if e.text == "Halfway."]


def test_form_cues_slide_aside_instead_of_colliding(routine):
    text = (
        "Keep breathing slowly and evenly, let your shoulders drop, and stay soft "
        "through the whole of the back of the leg."
    )
    crowded = load_text(
        "title: T\nexercises:\n  - name: Stretch\n    instructions: Lie down.\n"
        f"    cues: ['{text}', Relax.]\n    hold: 20\n",
        source="t.yaml",
        name="t",
    )
    # At 1400 samples a character the long cue lasts about 7 s: placed where it wants
    # to start (5.3 s into the 20 s hold), it would run over "Halfway." at 10 s.
    _, timeline = lay_out(crowded, length=lambda t: len(t) * 1400)
    hold = kind(timeline, "hold")[0]
    inside = sorted(
        (e for e in timeline.audible() if hold.start <= e.start < hold.end), key=lambda e: e.start
    )
    assert {e.text for e in inside} >= {text, "Relax.", "Halfway."}
    assert timeline.warnings == ()
    for a, b in zip(inside, inside[1:]):
        assert a.end <= b.start


def test_each_exercise_is_introduced_by_its_place(timeline):
    titles = [e.text for e in timeline.audible() if e.role == "next"]
    assert titles == [
        "First: Seated hamstring stretch.",
        "Next: Lying hamstring stretch.",
        "Last: Wall hamstring stretch.",
    ]


def test_a_single_exercise_is_just_named():
    one = load_text(
        "title: T\nexercises:\n  - name: Reach\n    instructions: Reach up.\n",
        source="t.yaml",
        name="t",
    )
    _, timeline = lay_out(one)
    assert [e.text for e in timeline.audible() if e.role == "next"] == ["Reach."]
