"""Routine + options → Script: what is said, sounded, held and waited, in order.

Pure: no audio, no engine. Every text is final (``{side}`` and ``{minutes}`` filled),
so the script can be printed, tested with plain asserts, and voiced phrase by phrase.
What is said never depends on the hold, rest, switch or setup times (only a routine's
own ``{minutes}`` does): the holds are timed by tones, "halfway" and the countdown, so a
rebuild with other times voices nothing new.
The timeline (:mod:`voiceguide.timeline`) gives it exact times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Union

from voiceguide.errors import BadInput, OptionError
from voiceguide.model import LIMITS, TIMING_KEYS, Exercise, Routine, Timing, on_step

# -- the script's steps ----------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Speech, said in sequence; the next step starts when it ends."""

    text: str
    role: str
    """What it is for: intro, next, instruction, start, release, switch, outro."""


@dataclass(frozen=True)
class Tone:
    """A generated chime: ``start``, ``release``, ``switch`` or ``end``."""

    name: str


@dataclass(frozen=True)
class Wait:
    """Silence. ``rest``, ``switch`` and ``setup`` are timed events the listener
    lives through; a ``pause`` is just breathing room between two things said."""

    seconds: float
    kind: str


@dataclass(frozen=True)
class Overlay:
    """Speech laid over a hold: it never lengthens the hold, and is dropped (with a
    warning) when it does not fit."""

    text: str
    kind: str
    """``countdown`` or ``cue``."""
    at: float
    """Seconds after the hold's start where it should begin."""
    priority: int
    """Lower is kept first when not everything fits."""
    slide: bool = False
    """Whether it may move to the nearest free moment if its own is taken (form cues
    may; the countdown and "halfway" mean a moment and may not)."""


@dataclass(frozen=True)
class Hold:
    """A stretch held for exactly ``seconds``, from the end of its start cue."""

    seconds: float
    exercise: str
    side: str | None
    rep: int
    overlays: tuple[Overlay, ...] = ()


@dataclass(frozen=True)
class Chapter:
    """Marks where a chapter starts (the intro, each exercise, the closing)."""

    title: str


Step = Union[Say, Tone, Wait, Hold, Chapter]


@dataclass(frozen=True)
class Options:
    """What the command line may change. ``None`` keeps the routine's value."""

    hold: float | None = None
    """Seconds for every hold, over every exercise's own."""
    holds: tuple[tuple[str, float], ...] = ()
    """``(name, seconds)`` for one exercise each; ``name`` is any unique part of it."""
    reps: int | None = None
    rest: float | None = None
    switch: float | None = None
    setup: float | None = None
    countdown: int = 3
    """Seconds counted down aloud at the end of every hold (0: none)."""
    chimes: bool = True
    """Tones at the start and end of holds, at side switches and at the end."""
    halfway: bool = True
    """Say "Halfway" in the middle of holds of at least :data:`HALFWAY_FROM` seconds."""


@dataclass(frozen=True)
class Script:
    """The whole session as steps, before anything is voiced or timed."""

    routine: str
    title: str
    steps: tuple[Step, ...]
    timing: Timing
    """The session-wide timing after options: the routine's defaults, overridden."""
    countdown: int
    chimes: bool
    halfway: bool

    def texts(self) -> list[str]:
        """Every distinct phrase to voice, in order of first use."""
        found: dict[str, None] = {}
        for step in self.steps:
            if isinstance(step, Say):
                found.setdefault(step.text)
            elif isinstance(step, Hold):
                for overlay in step.overlays:
                    found.setdefault(overlay.text)
        return list(found)

    def tones(self) -> list[str]:
        return list(dict.fromkeys(s.name for s in self.steps if isinstance(s, Tone)))


# -- pacing (seconds) -----------------------------------------------------------------

LEAD_IN = 0.5
"""Silence before the first word, so no player clips it."""
TAIL = 1.5
"""Silence after the last sound."""
BETWEEN_SENTENCES = 0.6
"""Pause between two things said in a row."""
AROUND_TONE = 0.3
"""Pause between a tone and the words before or after it."""
BETWEEN_EXERCISES = 1.5
"""Pause after an exercise's last release, before the next one is named."""
CUE_ROOM = 1.0
"""Quiet kept between the last form cue and the countdown."""
HALFWAY_FROM = 10.0
"""Holds shorter than this get no "halfway": there would be no room to say anything else."""
NUMBER_WORDS = (
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
)
MAX_COUNTDOWN = len(NUMBER_WORDS) - 1


def plan(routine: Routine, options: Options = Options()) -> Script:
    """The script of the session ``routine`` becomes with ``options``."""
    check_options(options)
    holds = resolve_holds(routine, options)
    timing = _session_timing(routine, options)
    steps: list[Step] = [Chapter("Introduction"), Wait(LEAD_IN, "pause")]
    if routine.intro:
        steps += [Say(routine.intro, "intro"), Wait(BETWEEN_EXERCISES, "pause")]
    for index, exercise in enumerate(routine.exercises):
        own = _exercise_timing(exercise, routine, options, holds)
        steps += _exercise_steps(exercise, own, options, index=index, count=len(routine.exercises))
        if index < len(routine.exercises) - 1:
            steps.append(Wait(BETWEEN_EXERCISES, "pause"))
    steps.append(Chapter("Closing"))
    if routine.outro:
        steps += [Wait(BETWEEN_EXERCISES, "pause"), Say(routine.outro, "outro")]
    if options.chimes:
        steps += [Wait(AROUND_TONE, "pause"), Tone("end")]
    steps.append(Wait(TAIL, "pause"))
    script = Script(
        routine.name,
        routine.title,
        tuple(steps),
        timing,
        options.countdown,
        options.chimes,
        options.halfway,
    )
    _check_length(script, routine)
    return _fill_minutes(script)


def check_options(options: Options) -> None:
    """Refuse option values outside :data:`~voiceguide.model.LIMITS`."""
    for key, value in [("hold", options.hold), *[("hold", s) for _, s in options.holds]]:
        if value is not None:
            _check_seconds(key, value, LIMITS.max_hold)
    for key in ("rest", "switch", "setup"):
        value = getattr(options, key)
        if value is not None:
            _check_seconds(key, value, LIMITS.max_pause)
    if options.reps is not None and (
        not isinstance(options.reps, int) or not 1 <= options.reps <= LIMITS.max_reps
    ):
        raise OptionError(f"--reps must be from 1 to {LIMITS.max_reps}, got {options.reps}")
    if not 0 <= options.countdown <= MAX_COUNTDOWN:
        raise OptionError(f"--countdown must be from 0 to {MAX_COUNTDOWN}, got {options.countdown}")


def _check_seconds(key: str, value: float, most: float) -> None:
    if not (math.isfinite(value) and LIMITS.min_duration <= value <= most):
        raise OptionError(
            f"--{key} must be between {LIMITS.min_duration:g} and {most:g} seconds, got {value:g}"
        )
    if not on_step(value):
        raise OptionError(f"--{key} goes in tenths of a second, got {value:g}")


def resolve_holds(routine: Routine, options: Options) -> dict[str, float]:
    """``--hold NAME=SECONDS`` as exercise name → seconds. NAME is the exercise's name
    or any part of it that only one exercise has, in any case."""
    found: dict[str, float] = {}
    names = [e.name for e in routine.exercises]
    for pattern, seconds in options.holds:
        wanted = pattern.strip().casefold()
        exact = [n for n in names if n.casefold() == wanted]
        matches = exact or [n for n in names if wanted and wanted in n.casefold()]
        if len(matches) != 1:
            how = "matches no exercise" if not matches else "matches more than one exercise"
            raise OptionError(
                f"--hold '{pattern}={seconds:g}': '{pattern}' {how} in "
                f"{routine.source or routine.name}; exercises: {', '.join(names)}"
            )
        found[matches[0]] = seconds
    return found


def _session_timing(routine: Routine, options: Options) -> Timing:
    given = {k: getattr(options, k) for k in TIMING_KEYS if getattr(options, k) is not None}
    return replace(routine.defaults, **given)


def _exercise_timing(
    exercise: Exercise, routine: Routine, options: Options, holds: dict[str, float]
) -> Timing:
    timing = exercise.timing(routine.defaults)
    given = {k: getattr(options, k) for k in TIMING_KEYS if getattr(options, k) is not None}
    if exercise.name in holds:
        given["hold"] = holds[exercise.name]
    return replace(timing, **given)


# -- one exercise ---------------------------------------------------------------------


def _exercise_steps(
    exercise: Exercise, timing: Timing, options: Options, *, index: int, count: int
) -> list[Step]:
    sides: tuple[str | None, ...] = exercise.sides or (None,)
    title = (
        f"{exercise.name}."
        if count == 1
        else f"{'First' if index == 0 else 'Last' if index == count - 1 else 'Next'}: {exercise.name}."
    )
    steps: list[Step] = [Chapter(exercise.name), Say(title, "next")]
    for text in exercise.instructions:
        steps += [Wait(BETWEEN_SENTENCES, "pause"), Say(fill(text, sides[0]), "instruction")]
    steps.append(Wait(timing.setup, "setup"))
    for side_index, side in enumerate(sides):
        if side_index > 0:
            steps += _switch_steps(exercise, side, timing, options)
        for rep in range(1, timing.reps + 1):
            steps += _hold_steps(exercise, side, rep, timing, options)
    return steps


def _hold_steps(
    exercise: Exercise, side: str | None, rep: int, timing: Timing, options: Options
) -> list[Step]:
    """Start cue, the hold, release cue, and the rest that follows (if another rep)."""
    label = side_label(exercise, side)
    again = " again" if rep > 1 else ""
    who = f"{label}{again}. " if label else ("Again. " if rep > 1 else "")
    steps: list[Step] = [Say(f"{who}Hold.", "start")]
    if options.chimes:
        steps += [Wait(AROUND_TONE, "pause"), Tone("start")]
    overlays = _overlays(exercise, side, timing.hold, options)
    steps.append(Hold(timing.hold, exercise.name, side, rep, overlays))
    if options.chimes:
        steps += [Tone("release"), Wait(AROUND_TONE, "pause")]
    if rep < timing.reps:
        more = f" {fill(exercise.progression, side)}" if exercise.progression else ""
        steps += [Say(f"And release.{more} Rest.", "release"), Wait(timing.rest, "rest")]
    else:
        steps.append(Say("And release.", "release"))
    return steps


def _switch_steps(exercise: Exercise, side: str, timing: Timing, options: Options) -> list[Step]:
    steps: list[Step] = [Wait(BETWEEN_SENTENCES, "pause")]
    if options.chimes:
        steps += [Tone("switch"), Wait(AROUND_TONE, "pause")]
    label = side_label(exercise, side).lower()
    steps += [Say(f"Switch to your {label}.", "switch"), Wait(timing.switch, "switch")]
    return steps


def _overlays(
    exercise: Exercise, side: str | None, hold: float, options: Options
) -> tuple[Overlay, ...]:
    """The countdown at its exact seconds, "halfway" at the middle, and the form cues
    spread over the rest (the timeline moves them aside where they would collide)."""
    countdown = options.countdown
    overlays = [
        Overlay(f"{NUMBER_WORDS[n]}.", "countdown", hold - n, 0)
        for n in range(min(countdown, int(hold)), 0, -1)
    ]
    if options.halfway and hold >= HALFWAY_FROM:
        overlays.append(Overlay("Halfway.", "halfway", hold / 2, 1))
    room = hold - countdown - CUE_ROOM
    for index, cue in enumerate(exercise.cues):
        at = room * (index + 1) / (len(exercise.cues) + 1)
        overlays.append(Overlay(fill(cue, side), "cue", max(0.0, at), 2 + index, slide=True))
    return tuple(overlays)


# -- words ----------------------------------------------------------------------------


def fill(text: str, side: str | None) -> str:
    """``text`` with ``{side}`` replaced by the side's name."""
    return text.replace("{side}", side) if side else text


def side_label(exercise: Exercise, side: str | None) -> str:
    """How a side is announced ("Right leg"), or "" for an exercise without sides."""
    if side is None:
        return ""
    label = fill(exercise.side_label, side)
    return label[:1].upper() + label[1:]


# -- length, before anything is voiced -------------------------------------------------

SECONDS_PER_CHAR = 0.068
"""Speech length per character at 150 words a minute (espeak, measured)."""
TONE_SECONDS = 0.4


def estimate_speech(text: str, rate: int = 150) -> float:
    """Rough seconds to say ``text`` at ``rate`` words a minute."""
    return len(text) * SECONDS_PER_CHAR * 150 / rate


def estimate_seconds(script: Script, rate: int = 150) -> float:
    """The session's length, with every phrase's length estimated."""
    return sum(_step_seconds(step, rate) for step in script.steps)


def _step_seconds(step: Step, rate: int = 150) -> float:
    if isinstance(step, Say):
        return estimate_speech(step.text, rate)
    if isinstance(step, Tone):
        return TONE_SECONDS
    if isinstance(step, (Wait, Hold)):
        return step.seconds
    return 0.0


def _fill_minutes(script: Script) -> Script:
    """The intro's ``{minutes}``: the session's estimated length. (The only spoken text
    that depends on the timing, and only where a routine asks for it.)"""
    minutes = max(1, round(estimate_seconds(script) / 60))
    return replace(
        script,
        steps=tuple(
            replace(step, text=step.text.replace("{minutes}", str(minutes)))
            if isinstance(step, Say) and step.role == "intro"
            else step
            for step in script.steps
        ),
    )


def _check_length(script: Script, routine: Routine) -> None:
    seconds = estimate_seconds(script)
    if seconds > LIMITS.max_session_seconds:
        raise BadInput(
            f"this session would last about {seconds / 3600:.1f} hours, more than "
            f"the {LIMITS.max_session_seconds / 3600:g}-hour limit; lower the holds "
            "or the reps",
            path=routine.source or None,
        )
