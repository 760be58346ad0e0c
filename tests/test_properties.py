"""Properties of the pure half of the flow, for every valid routine and options.

Routines are generated as model objects (:mod:`voiceguide.model`) and also dumped to
YAML in assorted styles and loaded back with :func:`voiceguide.routine.load_text`.
Options stay within :meth:`voiceguide.options.Options.check`. Durations go in tenths of a
second (the model refuses finer ones). Clip lengths come from a fake voice,
``len(text) * k + c`` samples with ``k`` and ``c`` drawn (so most lengths are off the
441-sample grid), and tones of drawn lengths, at 16000, 22050 and 44100 Hz.

Invariants of :func:`~voiceguide.plan.plan` + :func:`~voiceguide.timeline.schedule`:
events sorted; holds, rests, switches and setups last exactly their seconds; nothing
audible overlaps; overlays lie inside their hold; rests, switches and setups run from
the end of a speech to the start of the next; chapters tile the session; every JSON
time is exact to the millisecond; no placeholder is left in the script; sessions over
the cap are refused, never planned.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from fractions import Fraction

import conftest
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from voiceguide.errors import BadInput
from voiceguide.model import LIMITS, Exercise, Routine, Timing, on_step
from voiceguide.options import Options
from voiceguide.plan import estimate_seconds, plan
from voiceguide.routine import load_text
from voiceguide.script import Hold, Script
from voiceguide.settings import BY_NAME
from voiceguide.settings import EXERCISE_KEYS as TIMING_KEYS
from voiceguide.timeline import TIMED_WAITS, Timeline, grid, schedule, to_json

SETTINGS = settings(
    max_examples=12 if conftest.QUICK else 60,  # fewer in the quick loop, all in the suite
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RATES = (16000, 22050, 44100)
OVERLAY_ROLES = ("cue", "countdown", "halfway")
PLACEHOLDERS = ("{side}", "{minutes}", "{remaining}")

# -- strategies: texts --------------------------------------------------------------------

# Letters and digits from all of Unicode (no surrogates, controls or format characters),
# NFC-normalised as the loader does, plus a little ASCII punctuation.
_letters = st.characters(categories=["L", "N"], exclude_characters="{}")
_word = st.text(_letters, min_size=1, max_size=8).map(lambda w: unicodedata.normalize("NFC", w))
_punct = st.sampled_from(["", ".", ",", "!", "?", "'s", "-ish", ":", "%s", "#1"])


@st.composite
def texts(draw, placeholder: str | None = None, max_words: int = 6) -> str:
    """A text as the loader keeps it: words, single spaces, something to say, and
    ``placeholder`` somewhere if given."""
    words = draw(st.lists(st.tuples(_word, _punct).map("".join), min_size=1, max_size=max_words))
    if placeholder:
        words.insert(draw(st.integers(0, len(words))), placeholder)
    text = " ".join(words)
    assume(len(text) <= LIMITS.max_text_chars)
    return text


def _unique(items, limit: int):
    return st.lists(items, min_size=1, max_size=limit, unique_by=str.casefold)


# -- strategies: durations ------------------------------------------------------------------


def tenths(low: float, high: float) -> st.SearchStrategy[float]:
    """Seconds in tenths from ``low`` to ``high``, whole ones as ``int`` (as typed)."""
    return st.integers(round(low * 10), round(high * 10)).map(
        lambda n: n // 10 if n % 10 == 0 else n / 10
    )


def timing_values(short: bool) -> dict[str, st.SearchStrategy]:
    """Strategies per timing key; ``short`` keeps sessions well under the cap."""
    if short:
        return {
            "hold": tenths(0.1, 45),
            "reps": st.integers(1, 3),
            "rest": tenths(0.1, 15),
            "switch": tenths(0.1, 10),
            "setup": tenths(0.1, 10),
            "ready": tenths(0, 8),
        }
    return {
        "hold": tenths(LIMITS.min_duration, LIMITS.max_hold),
        "reps": st.integers(1, LIMITS.max_reps),
        **{k: tenths(LIMITS.min_duration, LIMITS.max_pause) for k in ("rest", "switch", "setup")},
        "ready": tenths(0, LIMITS.max_pause),
    }


@st.composite
def own_timing(draw, short: bool) -> dict:
    """Some of an exercise's own timing keys (the others None: the defaults apply)."""
    values = timing_values(short)
    return {k: draw(st.none() | values[k]) for k in TIMING_KEYS}


@st.composite
def timings(draw, short: bool) -> Timing:
    values = timing_values(short)
    return Timing(**{k: draw(values[k]) for k in TIMING_KEYS})


# -- strategies: routines -------------------------------------------------------------------


@st.composite
def exercises(draw, name: str, short: bool) -> Exercise:
    sides = tuple(draw(st.one_of(st.just([]), _unique(texts(max_words=2), LIMITS.max_sides))))
    side = "{side}" if sides else None

    def some(min_size: int, max_size: int) -> tuple[str, ...]:
        return tuple(
            draw(
                st.lists(
                    st.one_of(texts(), texts(side)) if side else texts(),
                    min_size=min_size,
                    max_size=max_size,
                )
            )
        )

    extra = {}
    if sides and draw(st.booleans()):
        extra["side_label"] = draw(texts("{side}", max_words=2))
    if draw(st.booleans()):
        extra["progression"] = draw(st.one_of(texts(), texts(side)) if side else texts())
    return Exercise(
        name=name,
        instructions=some(1, 3),
        sides=sides,
        cues=some(0, 3),
        **extra,
        own=tuple((k, v) for k, v in draw(own_timing(short)).items() if v is not None),
    )


@st.composite
def routines(draw, short: bool = True) -> Routine:
    names = draw(_unique(texts(max_words=3), 4))
    outro = tuple(draw(st.lists(texts(), max_size=3)))
    quiet = draw(st.sets(st.sampled_from(range(len(outro) - 1)))) if len(outro) > 1 else set()
    return Routine(
        name="generated",
        title=draw(texts()),
        exercises=tuple(draw(exercises(name, short)) for name in names),
        description=draw(st.just("") | texts()),
        intro=draw(st.just("") | texts() | texts("{minutes}")),
        outro=outro,
        outro_pauses=tuple((index, draw(st.integers(1, 60))) for index in sorted(quiet)),
        defaults=draw(timings(short)),
        source="generated.yaml",
    )


@st.composite
def options_for(draw, routine: Routine, short: bool = True) -> Options:
    values = timing_values(short)
    names = [e.name for e in routine.exercises]
    holds = []
    for name in draw(st.lists(st.sampled_from(names), max_size=2)):
        pattern = draw(st.sampled_from([name, name.casefold(), f"  {name} "]))
        holds.append((pattern, draw(values["hold"])))
    options = Options.of(
        hold=[draw(st.none() | values["hold"]), *holds],
        **{k: draw(st.none() | values[k]) for k in ("reps", "rest", "switch", "setup")},
        countdown=draw(st.integers(0, 10)),
        chimes=draw(st.booleans()),
        halfway=draw(st.booleans()),
    )
    options.check()
    return options


@st.composite
def voices(draw) -> tuple[int, int, int, dict[str, int]]:
    """A rate, and a fake voice: ``len(text) * per_char + extra`` samples a phrase,
    and a length per tone."""
    rate = draw(st.sampled_from(RATES))
    per_char = draw(st.integers(1, rate // 5))
    extra = draw(st.integers(1, rate))
    tones = {name: draw(st.integers(1, rate)) for name in ("start", "release", "switch", "end")}
    return rate, per_char, extra, tones


def lay_out(script: Script, voice) -> Timeline:
    rate, per_char, extra, tones = voice
    speech = {text: len(text) * per_char + extra for text in script.texts()}
    return schedule(script, speech, {t: tones[t] for t in script.tones()}, rate)


# -- YAML: the model written out as a person might ----------------------------------------


def to_document(routine: Routine) -> dict:
    """The routine as the plain data a routine file holds."""
    doc: dict = {"title": routine.title}
    for key in ("description", "intro"):
        if getattr(routine, key):
            doc[key] = getattr(routine, key)
    if routine.outro:
        doc["outro"] = said_list(routine.outro, routine.outro_pauses)
    doc["defaults"] = {k: getattr(routine.defaults, k) for k in TIMING_KEYS}
    doc["exercises"] = []
    for exercise in routine.exercises:
        item: dict = {"name": exercise.name}
        if exercise.sides:
            item["sides"] = list(exercise.sides)
        item["instructions"] = said_list(exercise.instructions, exercise.pauses)
        if exercise.cues:
            item["cues"] = list(exercise.cues)
        if exercise.progression is not None:
            item["progression"] = exercise.progression
        if exercise.side_label != Exercise.side_label:
            item["side_label"] = exercise.side_label
        item.update(dict(exercise.own))
        doc["exercises"].append(item)
    return doc


def said_list(texts: tuple[str, ...], pauses: tuple[tuple[int, float], ...]) -> str | list:
    """Texts said in turn as a file writes them: one alone, else a list with
    ``{pause: SECONDS}`` after those the pauses follow."""
    if len(texts) == 1 and not pauses:
        return texts[0]
    quiet = dict(pauses)
    written: list = []
    for index, text in enumerate(texts):
        written += [text, {"pause": quiet[index]}] if index in quiet else [text]
    return written


# Narrow widths only with allow_unicode: PyYAML's emitter can break a double-quoted
# scalar right after an escape and write a different string ("0\xAA 0" at width 20
# comes back as "0ª\\  0"); that is PyYAML's bug, not the loader's.
yaml_styles = st.one_of(
    st.fixed_dictionaries({"allow_unicode": st.just(True), "width": st.sampled_from([20, 80])}),
    st.fixed_dictionaries({"allow_unicode": st.just(False), "width": st.just(4096)}),
).flatmap(
    lambda style: st.fixed_dictionaries(
        {
            **{k: st.just(v) for k, v in style.items()},
            "default_flow_style": st.sampled_from([False, True, None]),
            "indent": st.integers(2, 6),
            "explicit_start": st.booleans(),
            "sort_keys": st.booleans(),
        }
    )
)


def without_lines(routine: Routine) -> Routine:
    return dataclasses.replace(
        routine, exercises=tuple(dataclasses.replace(e, line=None) for e in routine.exercises)
    )


# -- the invariants -------------------------------------------------------------------------


def exact_samples(seconds: float, rate: int) -> int:
    """``seconds × rate`` as a whole number of samples (tenths of a second always are)."""
    samples = Fraction(str(seconds)) * rate
    assert samples.denominator == 1, (seconds, rate)
    return int(samples)


def expected_holds(routine: Routine, options: Options) -> dict[str, float]:
    named = {}
    for setting, pattern, seconds in options.given:
        if setting == "hold" and pattern is not None:
            wanted = pattern.strip().casefold()
            named.update(
                {e.name: seconds for e in routine.exercises if e.name.casefold() == wanted}
            )
    every = options.get("hold")
    return {
        e.name: named.get(e.name, every if every is not None else e.timing(routine.defaults).hold)
        for e in routine.exercises
    }


def check_script(script: Script) -> None:
    for text in script.texts():
        assert text.strip() == text and text, repr(text)
        assert not any(p in text for p in PLACEHOLDERS), text


def check_timeline(timeline: Timeline, script: Script, routine: Routine, options: Options) -> None:
    rate, events = timeline.rate, timeline.events
    starts = [e.start for e in events]
    assert starts == sorted(starts)
    assert all(0 <= e.start <= e.end for e in events)

    holds = [e for e in events if e.kind == "hold"]
    planned = [s for s in script.steps if isinstance(s, Hold)]
    assert [(h.exercise, h.side, h.rep, h.seconds) for h in holds] == [
        (h.exercise, h.side, h.rep, h.seconds) for h in planned
    ]
    wanted = expected_holds(routine, options)
    for event in events:
        if event.kind in ("hold", *TIMED_WAITS):
            assert event.end - event.start == exact_samples(event.seconds, rate), event
        if event.kind == "hold":
            assert event.seconds == wanted[event.exercise]

    audible = [e for e in events if e.audible]
    for before, after in zip(audible, audible[1:]):
        assert before.end <= after.start, (before, after)

    for event in audible:
        if event.role in OVERLAY_ROLES:
            assert any(h.start <= event.start and event.end <= h.end for h in holds), event

    speech_ends = {e.end for e in events if e.kind == "speech" and e.role not in OVERLAY_ROLES}
    speech_starts = {e.start for e in events if e.kind == "speech" and e.role not in OVERLAY_ROLES}
    for event in events:
        if event.kind in TIMED_WAITS:
            assert event.start in speech_ends, event
            assert event.end in speech_starts, event

    chapters = timeline.chapters
    assert chapters[0].start == 0 and chapters[-1].end == timeline.duration
    for before, after in zip(chapters, chapters[1:]):
        assert before.end == after.start
    assert timeline.duration >= max(e.end for e in events)

    step = grid(rate)
    assert all(e.start % step == 0 and e.end % step == 0 for e in events)
    doc = to_json(timeline, audio="generated.mp3", settings={})
    times = [doc["duration"]] + [t for c in doc["chapters"] for t in (c["start"], c["end"])]
    times += [t for e in doc["events"] for t in (e["start"], e["end"])]
    assert all(round(t, 3) == t for t in times)
    for event in doc["events"]:
        if "seconds" in event:
            assert round(event["end"] - event["start"], 3) == event["seconds"], event


# -- properties ----------------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), routine=routines(), voice=voices())
def test_every_valid_session_keeps_its_timing_invariants(data, routine, voice):
    options = data.draw(options_for(routine))
    script = plan(routine, options)  # short timings: always well under the cap
    check_script(script)
    check_timeline(lay_out(script, voice), script, routine, options)


@SETTINGS
@given(routine=routines(), voice=voices())
def test_the_routine_as_given_keeps_its_timing_invariants(routine, voice):
    script = plan(routine)
    check_script(script)
    check_timeline(lay_out(script, voice), script, routine, Options())


@SETTINGS
@given(data=st.data(), routine=routines(short=False))
def test_a_session_is_planned_only_under_the_cap(data, routine):
    """Any routine and options within the limits: either planned, and then estimated
    within the cap, or refused with BadInput, never anything else."""
    options = data.draw(options_for(routine, short=False))
    try:
        script = plan(routine, options)
    except BadInput as err:
        assert "limit" in str(err)
        return
    assert estimate_seconds(script) <= LIMITS.max_session_seconds


@settings(SETTINGS, max_examples=6 if conftest.QUICK else 30)
@given(routine=routines(short=False))
def test_holds_and_rests_alone_over_the_cap_are_refused(routine):
    timed = 0.0
    for exercise in routine.exercises:
        t = exercise.timing(routine.defaults)
        sides = max(1, len(exercise.sides))
        timed += sides * t.reps * t.hold + sides * (t.reps - 1) * t.rest + t.setup
    assume(timed > LIMITS.max_session_seconds)
    with pytest.raises(BadInput, match="3-hour limit"):
        plan(routine)


@SETTINGS
@given(routine=routines(), style=yaml_styles)
def test_a_routine_written_as_yaml_loads_back_equal(routine, style):
    text = yaml.safe_dump(to_document(routine), **style)
    loaded = load_text(text, source=routine.source, name=routine.name)
    assert without_lines(loaded) == without_lines(routine)
    assert all(e.line is not None and 1 <= e.line <= text.count("\n") + 1 for e in loaded.exercises)


@SETTINGS
@given(routine=routines(), voice=voices())
def test_a_loaded_routine_plans_the_same_as_the_model(routine, voice):
    loaded = load_text(
        yaml.safe_dump(to_document(routine), allow_unicode=True),
        source=routine.source,
        name=routine.name,
    )
    assert plan(loaded) == plan(routine)
    check_timeline(lay_out(plan(loaded), voice), plan(loaded), loaded, Options())


@SETTINGS
@given(routine=routines(), data=st.data())
def test_yaml_with_any_timing_value_loads_or_is_refused_cleanly(routine, data):
    """A timing value from the wider world of YAML scalars: the routine loads with it,
    or a RoutineError names the line; never another exception."""
    from voiceguide.errors import RoutineError

    value = data.draw(
        st.one_of(
            st.integers(-(10**6), 10**6).map(str),
            st.floats(allow_nan=True).map(repr),
            st.sampled_from(
                [
                    "1:30",
                    "0:30",
                    "010",
                    "0x1E",
                    "0b1",
                    "30_0",
                    ".5",
                    "5.",
                    "+3",
                    "1e3",
                    "1.0e+3",
                    ".inf",
                    "-.nan",
                    "yes",
                    "~",
                    "''",
                    "'30'",
                    "[30]",
                    "{a: 1}",
                    "!!int 30",
                    "!!float 2.5",
                    "!!int x",
                    "30 # c",
                ]
            ),
        )
    )
    key = data.draw(st.sampled_from(TIMING_KEYS))
    doc = to_document(routine)
    del doc["defaults"][key]
    text = yaml.safe_dump(doc, sort_keys=False, width=4096, default_flow_style=False)
    assert text.count("defaults:\n") == 1
    text = text.replace("defaults:\n", f"defaults:\n  {key}: {value}\n")
    try:
        loaded = load_text(text, source="v.yaml", name="v")
    except RoutineError as err:
        assert err.path == "v.yaml" and err.line is not None, str(err)
        assert "\n" not in str(err)
        return
    got = getattr(loaded.defaults, key)
    declared = BY_NAME[key]  # the one declaration says what the key takes
    if key == "reps":
        assert type(got) is int and 1 <= got <= LIMITS.max_reps
    else:
        assert type(got) in (int, float) and on_step(got)
        assert declared.low <= got <= declared.high
        assert (declared.low, declared.high) == (
            (0, LIMITS.max_pause) if key == "ready" else (LIMITS.min_duration, LIMITS.max_pause)
        ) or key == "hold"
