"""Routine + options → Script: what is said, sounded, held and waited, in order.

Pure: no audio, no engine. Every text is final (``{side}`` and ``{minutes}`` filled),
so the script can be printed, tested with plain asserts, and voiced phrase by phrase.
What is said never depends on the hold, rest, switch or setup times (only a routine's
own ``{minutes}`` does): the holds are timed by tones, "halfway" and the countdown, so a
rebuild with other times voices nothing new.
The timeline (:mod:`voiceguide.timeline`) gives it exact times.
"""

from __future__ import annotations

from dataclasses import replace

from voiceguide.errors import BadInput
from voiceguide.limits import LIMITS
from voiceguide.model import Exercise, Routine
from voiceguide.options import Options, exercise_timings, session_timing
from voiceguide.script import Chapter, Hold, Overlay, Say, Script, Step, Tone, Wait, WaitKind
from voiceguide.settings import Timing, of_scope

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
NUMBER_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine",
                "Ten")  # fmt: skip


def plan(routine: Routine, options: Options | None = None) -> Script:
    """The script of the session ``routine`` becomes with ``options``; refuses options
    out of bounds or naming no exercise (:class:`~voiceguide.errors.OptionError`)."""
    options = options or Options()
    options.check()
    timings = exercise_timings(routine, options)
    chimes = bool(options.get("chimes"))
    steps: list[Step] = [Chapter("Introduction"), Wait(LEAD_IN, "pause")]
    if routine.intro:
        steps += [Say(routine.intro, "intro"), Wait(BETWEEN_EXERCISES, "pause")]
    for index, exercise in enumerate(routine.exercises):
        steps += _exercise_steps(
            exercise, timings[exercise.name], options, index=index, count=len(routine.exercises)
        )
        if index < len(routine.exercises) - 1:
            steps.append(Wait(BETWEEN_EXERCISES, "pause"))
    steps.append(Chapter("Closing"))
    if routine.outro:
        steps += [Wait(BETWEEN_EXERCISES, "pause"), Say(routine.outro, "outro")]
    if chimes:
        steps += [Wait(AROUND_TONE, "pause"), Tone("end")]
    steps.append(Wait(TAIL, "pause"))
    session = {s.name: options.get(s.name) for s in of_scope("session")}
    script = Script(routine.name, routine.title, tuple(steps), session_timing(routine, options),
                    session)  # fmt: skip
    _check_length(script, routine)
    return _fill_minutes(script)


# -- one exercise ---------------------------------------------------------------------


def _exercise_steps(
    exercise: Exercise, timing: Timing, options: Options, *, index: int, count: int
) -> list[Step]:
    sides: tuple[str | None, ...] = exercise.sides or (None,)
    which = "First" if index == 0 else "Last" if index == count - 1 else "Next"
    title = f"{exercise.name}." if count == 1 else f"{which}: {exercise.name}."
    steps: list[Step] = [Chapter(exercise.name), Say(title, "next")]
    for text in exercise.instructions:
        steps += [Wait(BETWEEN_SENTENCES, "pause"), Say(fill(text, sides[0]), "instruction")]
    steps.append(_lived_wait(timing.setup, "setup", exercise, sides[0], 1, timing))
    turn = 0  # holds so far in this exercise: the form cues take turns
    for side_index, side in enumerate(sides):
        if side is not None and side_index > 0:
            steps += _switch_steps(exercise, side, timing, options)
        for rep in range(1, timing.reps + 1):
            steps += _hold_steps(exercise, side, rep, timing, options, turn)
            turn += 1
    return steps


def _hold_steps(
    exercise: Exercise, side: str | None, rep: int, timing: Timing, options: Options, turn: int
) -> list[Step]:
    """Start cue, the hold, release cue, and the rest that follows (if another rep)."""
    label = side_label(exercise, side)
    again = " again" if rep > 1 else ""
    who = f"{label}{again}. " if label else ("Again. " if rep > 1 else "")
    steps: list[Step] = [Say(f"{who}Hold.", "start")]
    if options.get("chimes"):
        steps += [Wait(AROUND_TONE, "pause"), Tone("start")]
    overlays = _overlays(exercise, side, timing.hold, options, turn)
    steps.append(Hold(timing.hold, exercise.name, side, rep, overlays))
    if options.get("chimes"):
        steps += [Tone("release"), Wait(AROUND_TONE, "pause")]
    if rep < timing.reps:
        steps += [
            Say(_release_words(exercise, side), "release"),
            _lived_wait(timing.rest, "rest", exercise, side, rep + 1, timing),
        ]
    else:
        steps.append(Say("And release.", "release"))
    return steps


def _release_words(exercise: Exercise, side: str | None) -> str:
    """The release before a rest: with the exercise's progression, what to change
    before resting in the new position."""
    if exercise.progression:
        return f"And release. {fill(exercise.progression, side)} Rest here."
    return "And release. Rest."


def _switch_steps(exercise: Exercise, side: str, timing: Timing, options: Options) -> list[Step]:
    """The switch tone and cue, the words for moving to the other side, and the time
    to do it (its get-ready cue at the end)."""
    steps: list[Step] = [Wait(BETWEEN_SENTENCES, "pause")]
    if options.get("chimes"):
        steps += [Tone("switch"), Wait(AROUND_TONE, "pause")]
    label = side_label(exercise, side).lower()
    steps.append(Say(f"Switch to your {label}.", "switch"))
    for text in exercise.switch_instructions:
        steps += [Wait(BETWEEN_SENTENCES, "pause"), Say(fill(text, side), "move")]
    steps.append(_lived_wait(timing.switch, "switch", exercise, side, 1, timing))
    return steps


def _lived_wait(
    seconds: float,
    kind: WaitKind,
    exercise: Exercise,
    side: str | None,
    rep: int,
    timing: Timing,
) -> Wait:
    """A rest, switch or setup, with a get-ready cue for the hold that follows laid over
    its end, ``timing.ready`` seconds before the start cue (from its start when the wait
    is shorter)."""
    if not timing.ready:
        return Wait(seconds, kind)
    label = side_label(exercise, side)
    again = " again" if rep > 1 else ""
    words = f"Get ready: {label[:1].lower()}{label[1:]}{again}." if label else "Get ready."
    cue = Overlay(words, "ready", max(0.0, seconds - timing.ready), 0)
    return Wait(seconds, kind, (cue,))


def _overlays(
    exercise: Exercise, side: str | None, hold: float, options: Options, turn: int
) -> tuple[Overlay, ...]:
    """The countdown at its exact seconds, "halfway" at the middle, and the form cues
    spread over the rest, taking turns: hold number ``turn`` of the exercise starts with
    cue ``turn`` (so a cue that does not fit one hold comes first in the next), and no
    cue falls at the same moment in two holds in a row (the timeline moves cues aside
    where they would collide)."""
    countdown = int(options.get("countdown") or 0)
    overlays = [
        Overlay(f"{NUMBER_WORDS[n]}.", "countdown", hold - n, 0)
        for n in range(min(countdown, int(hold)), 0, -1)
    ]
    if options.get("halfway") and hold >= HALFWAY_FROM:
        overlays.append(Overlay("Halfway.", "halfway", hold / 2, 1))
    cues = exercise.cues
    if cues:
        first = turn % len(cues)
        order = cues[first:] + cues[:first]
        # one cue would always fall on the same moment: every other hold, it comes earlier
        early = 0.5 if len(cues) == 1 and turn % 2 else 0.0
        room = hold - countdown - CUE_ROOM
        for place, cue in enumerate(order):
            at = room * (place + 1 - early) / (len(cues) + 1)
            overlays.append(Overlay(fill(cue, side), "cue", max(0.0, at), 2 + place, slide=True))
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
