"""Routine + options → Script: what is said, sounded, held and waited, in order.

Pure: no audio, no engine. Every text is final (``{side}`` and ``{minutes}`` filled),
so the script can be printed, tested with plain asserts, and voiced phrase by phrase.
Every word voiceguide adds comes from the routine language's phrasebook
(:mod:`voiceguide.phrases`). What is said never depends on the hold, rest, switch or
setup times (unless a routine's intro says ``{minutes}`` or times are announced): the
holds are timed by tones, "halfway" and the countdown, so a rebuild with other times
voices nothing new. The timeline (:mod:`voiceguide.timeline`) gives it exact times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from voiceguide.errors import BadInput
from voiceguide.limits import LIMITS
from voiceguide.model import MINUTES_PLACEHOLDER, Exercise, Routine
from voiceguide.options import Options, exercise_timings, session_timing, times_said
from voiceguide.phrases import Phrasebook, canonical, phrasebook
from voiceguide.script import Chapter, Hold, Overlay, Role, Say, Script, Step, Tone, Wait, WaitKind
from voiceguide.settings import Number, Timing, clock, of_scope

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
SECONDS_A_CUE = 10.0
"""A hold gets at most one form cue for every this many seconds of it (one, if shorter):
in 15 s, two cues beside "Halfway." and the countdown left half a second of quiet."""
TIME_LEFT = "\0time left"
"""Stands for "About 7 minutes to go." until the session's length is known."""


@dataclass(frozen=True)
class _Session:
    """What every step of one session is planned with."""

    book: Phrasebook
    chimes: bool
    countdown: int
    halfway: bool
    announce: bool


def plan(routine: Routine, options: Options | None = None) -> Script:
    """The script of the session ``routine`` becomes with ``options``; refuses options
    out of bounds or naming no exercise (:class:`~voiceguide.errors.OptionError`)."""
    options = options or Options()
    options.check()
    timings = exercise_timings(routine, options)
    said_times = times_said(routine, options)
    session = _Session(
        book=phrasebook(routine.language),
        chimes=bool(options.get("chimes")),
        countdown=int(options.get("countdown") or 0),
        halfway=bool(options.get("halfway")),
        announce=bool(options.get("announce_times")),
    )
    steps: list[Step] = []
    if routine.intro:
        steps += [Chapter(session.book.chapters["introduction"]), Wait(LEAD_IN, "pause"),
                  Say(routine.intro, "intro"), Wait(BETWEEN_EXERCISES, "pause")]  # fmt: skip
    for index, exercise in enumerate(routine.exercises):
        if index and session.announce:
            steps += [Say(TIME_LEFT, "time"), Wait(BETWEEN_SENTENCES, "pause")]
        said = _exercise_steps(exercise, timings[exercise.name], session, index=index,
                               count=len(routine.exercises),
                               times=said_times.get(exercise.name, 1))  # fmt: skip
        if not steps:  # no intro: the first exercise's chapter starts the session
            said.insert(1, Wait(LEAD_IN, "pause"))
        steps += said
        if index < len(routine.exercises) - 1 and not _ends_quiet(steps):
            steps.append(Wait(BETWEEN_EXERCISES, "pause"))
    after = 0.0 if _ends_quiet(steps) else BETWEEN_EXERCISES  # its own quiet, exactly
    steps.append(Chapter(session.book.chapters["closing"]))
    steps += _said(routine.outro, routine.outro_pauses, None, "outro", first=after)
    if session.chimes:  # after the closing's words, or exactly at the end of its quiet
        steps += [Tone("end")] if _ends_quiet(steps) else [Wait(AROUND_TONE, "pause"), Tone("end")]
    steps.append(Wait(TAIL, "pause"))
    values = {s.name: options.get(s.name) for s in of_scope("session")}
    timing = session_timing(routine, options)
    own = {name: t for name, t in timings.items() if t != timing}
    script = Script(routine.name, routine.title, tuple(steps), timing, values, routine.language,
                    own)  # fmt: skip
    _check_length(script, routine)
    return _fill_time_left(_fill_minutes(script), session.book)


# -- one exercise ---------------------------------------------------------------------


def _exercise_steps(
    exercise: Exercise, timing: Timing, session: _Session, *, index: int, count: int, times: int
) -> list[Step]:
    book = session.book
    sides: tuple[str | None, ...] = exercise.sides or (None,)
    which = "only" if count == 1 else "first" if index == 0 else "last" if index == count - 1 \
        else "next"  # fmt: skip
    steps: list[Step] = [Chapter(exercise.name), Say(book.say(which, name=exercise.name), "next")]
    steps += _said(exercise.instructions, exercise.pauses, sides[0], "instruction")
    if not exercise.holds:  # words and quiet alone (a breathing exercise), said reps times
        for _ in range(1, times):
            first = 0.0 if _ends_quiet(steps) else BETWEEN_SENTENCES
            steps += _said(exercise.instructions, exercise.pauses, None, "instruction", first=first)
        return steps
    steps.append(_lived_wait(timing.setup, "setup", exercise, sides[0], 1, timing, book))
    turn = 0  # holds so far in this exercise: the form cues take turns
    for side_index, side in enumerate(sides):
        if side is not None and side_index > 0:
            steps += _switch_steps(exercise, side, timing, session)
        for rep in range(1, timing.reps + 1):
            steps += _hold_steps(exercise, side, rep, timing, session, turn)
            turn += 1
    return steps


def _hold_steps(
    exercise: Exercise, side: str | None, rep: int, timing: Timing, session: _Session, turn: int
) -> list[Step]:
    """Start cue, the hold, release cue, and the rest that follows (if another rep)."""
    book = session.book
    steps: list[Step] = [Say(_start_words(exercise, side, rep, timing, session), "start")]
    if session.chimes:
        steps += [Wait(AROUND_TONE, "pause"), Tone("start")]
    overlays = _overlays(exercise, side, timing.hold, session, turn)
    label = side_label(exercise, side, book)
    steps.append(Hold(timing.hold, exercise.name, side, rep, overlays, label))
    if session.chimes:
        steps += [Tone("release"), Wait(AROUND_TONE, "pause")]
    if rep < timing.reps:
        steps += [
            Say(_release_words(exercise, side, book), "release"),
            _lived_wait(timing.rest, "rest", exercise, side, rep + 1, timing, book),
        ]
    else:
        steps.append(Say(book.say("release"), "release"))
    return steps


def _start_words(
    exercise: Exercise, side: str | None, rep: int, timing: Timing, session: _Session
) -> str:
    """ "Right leg again. Hold." (or, announcing times, "... Hold for 30 seconds.")."""
    book = session.book
    hold = book.count("hold_for", timing.hold) if session.announce else book.say("hold")
    label = side_label(exercise, side, book)
    if label:
        return book.say("start_side_again" if rep > 1 else "start_side", side=label, hold=hold)
    return book.say("start_again", hold=hold) if rep > 1 else hold


def _release_words(exercise: Exercise, side: str | None, book: Phrasebook) -> str:
    """The release before a rest: with the exercise's progression, what to change
    before resting in the new position."""
    if exercise.progression:
        return book.say("release_progression", progression=fill(exercise.progression, side))
    return book.say("release_rest")


def _switch_steps(exercise: Exercise, side: str, timing: Timing, session: _Session) -> list[Step]:
    """The switch tone and cue, the words for moving to the other side, and the time
    to do it (its get-ready cue at the end)."""
    book = session.book
    steps: list[Step] = [Wait(BETWEEN_SENTENCES, "pause")]
    if session.chimes:
        steps += [Tone("switch"), Wait(AROUND_TONE, "pause")]
    steps.append(Say(book.say("switch", side=side_label(exercise, side, book)), "switch"))
    steps += _said(exercise.switch_instructions, exercise.switch_pauses, side, "move")
    steps.append(_lived_wait(timing.switch, "switch", exercise, side, 1, timing, book))
    return steps


def _said(
    texts: tuple[str, ...],
    pauses: tuple[tuple[int, Number], ...],
    side: str | None,
    role: Role,
    *,
    first: float = BETWEEN_SENTENCES,
) -> list[Step]:
    """Instructions said in turn, the first after ``first`` seconds, each other after a
    breath, and after some of them the quiet their author gave for the move they ask
    for."""
    quiet = dict(pauses)
    quiet[-1] = first
    steps: list[Step] = []
    for index, text in enumerate(texts):
        before = quiet.get(index - 1, BETWEEN_SENTENCES)
        steps += [Wait(before, "pause")] if before else []
        steps.append(Say(fill(text, side), role))
    if texts and len(texts) - 1 in quiet:  # quiet after the last (no hold follows it)
        steps.append(Wait(quiet[len(texts) - 1], "pause"))
    return steps


def _ends_quiet(steps: list[Step]) -> bool:
    """Whether ``steps`` end with quiet of their author's (an exercise of words and quiet
    alone, its last pause): what follows comes after it, with no more added."""
    last = next((s for s in reversed(steps) if not isinstance(s, Chapter)), None)
    return isinstance(last, Wait)  # (a chapter marks a time: it is no sound)


def _lived_wait(
    seconds: float,
    kind: WaitKind,
    exercise: Exercise,
    side: str | None,
    rep: int,
    timing: Timing,
    book: Phrasebook,
) -> Wait:
    """A rest, switch or setup, with a get-ready cue for the hold that follows laid over
    its end, ``timing.ready`` seconds before the start cue (from its start when the wait
    is shorter)."""
    if not timing.ready:
        return Wait(seconds, kind)
    label = side_label(exercise, side, book)
    if label:
        words = book.say("ready_side_again" if rep > 1 else "ready_side", side=label)
    else:
        words = book.say("ready")
    cue = Overlay(words, "ready", max(0.0, seconds - timing.ready), 0)
    return Wait(seconds, kind, (cue,))


def _overlays(
    exercise: Exercise, side: str | None, hold: float, session: _Session, turn: int
) -> tuple[Overlay, ...]:
    """The countdown at its exact seconds, "halfway" at the middle, and the form cues
    spread over the rest, taking turns: hold number ``turn`` of the exercise starts with
    cue ``turn`` (so a cue that does not fit one hold comes first in the next), and no
    cue falls at the same moment in two holds in a row (the timeline moves cues aside
    where they would collide)."""
    book, countdown = session.book, session.countdown
    overlays = [
        Overlay(book.number(n), "countdown", hold - n, 0)
        for n in range(min(countdown, int(hold)), 0, -1)
    ]
    halfway = session.halfway and hold >= HALFWAY_FROM
    if halfway:
        overlays.append(Overlay(book.say("halfway"), "halfway", hold / 2, 1))
    cues = exercise.cues
    if cues:
        first = turn % len(cues)
        order = (cues[first:] + cues[:first])[: max(1, int(hold // SECONDS_A_CUE))]
        # one cue would always fall on the same moment: every other hold, it comes earlier
        early = 0.5 if len(order) == 1 and turn % 2 else 0.0
        room = hold - countdown - CUE_ROOM
        # a lone cue in the middle would meet "Halfway.": it goes in the first third
        slots = len(order) + (2 if halfway and len(order) == 1 else 1)
        for place, cue in enumerate(order):
            at = room * (place + 1 - early) / slots
            overlays.append(Overlay(fill(cue, side), "cue", max(0.0, at), 2 + place, slide=True))
    return tuple(overlays)


# -- words ----------------------------------------------------------------------------


def fill(text: str, side: str | None) -> str:
    """``text`` with ``{side}`` replaced by the side's name."""
    return text.replace("{side}", side) if side else text


def side_label(exercise: Exercise, side: str | None, book: Phrasebook | None = None) -> str:
    """How a side is announced, as the routine writes it ("right leg"), or "" for an
    exercise without sides: the exercise's own label, else the phrasebook's."""
    if side is None:
        return ""
    label = exercise.side_label
    if isinstance(label, tuple):
        return dict(label)[side]
    return fill(label or (book or phrasebook()).side_label, side)


# -- length, before anything is voiced -------------------------------------------------

SECONDS_PER_CHAR = 0.068
"""Speech length per character at 150 words a minute (espeak, English, measured); each
language's phrasebook gives its own (:attr:`Phrasebook.seconds_per_char`)."""
TONE_SECONDS = 0.4


def estimate_speech(text: str, rate: int = 150, language: str = "en") -> float:
    """Rough seconds to say ``text`` in ``language`` at ``rate`` words a minute."""
    return len(text) * _per_char(language) * 150 / rate


def _per_char(language: str) -> float:
    supported = canonical(language)
    return phrasebook(supported).seconds_per_char if supported else SECONDS_PER_CHAR


def estimate_seconds(script: Script, rate: int = 150) -> float:
    """The session's length, with every phrase's length estimated."""
    return sum(_step_seconds(step, rate, script.language) for step in script.steps)


def _step_seconds(step: Step, rate: int = 150, language: str = "en") -> float:
    if isinstance(step, Say):
        return estimate_speech(step.text, rate, language)
    if isinstance(step, Tone):
        return TONE_SECONDS
    if isinstance(step, (Wait, Hold)):
        return step.seconds
    return 0.0


def _fill_time_left(script: Script, book: Phrasebook) -> Script:
    """Each "About 7 minutes to go.": the estimated length of what follows it."""
    steps = list(script.steps)
    for index, step in enumerate(steps):
        if isinstance(step, Say) and step.text == TIME_LEFT:
            left = sum(_step_seconds(later, 150, script.language) for later in steps[index + 1 :])
            steps[index] = Say(book.count("time_left", max(1, round(left / 60))), "time")
    return replace(script, steps=tuple(steps))


def minutes_of(script: Script) -> int:
    """The session's length as its intro says it: whole minutes, estimated, at least 1."""
    return max(1, round(estimate_seconds(script) / 60))


def _fill_minutes(script: Script) -> Script:
    """The intro's ``{minutes}``: the session's estimated length, kept as the script's
    :attr:`~voiceguide.script.Script.minutes` for the sheet to say the same. (The only
    spoken text that depends on the timing, and only where a routine asks for it.)"""
    asked = any(isinstance(s, Say) and s.role == "intro" and MINUTES_PLACEHOLDER in s.text
                for s in script.steps)  # fmt: skip
    if not asked:
        return script
    minutes = minutes_of(script)
    return replace(
        script,
        minutes=minutes,
        steps=tuple(
            replace(step, text=step.text.replace(MINUTES_PLACEHOLDER, str(minutes)))
            if isinstance(step, Say) and step.role == "intro"
            else step
            for step in script.steps
        ),
    )


def _check_length(script: Script, routine: Routine) -> None:
    check_length(estimate_seconds(script), routine)


def check_length(
    seconds: float, routine: Routine, *, exact: bool = False, limit: float | None = None
) -> None:
    """Refuse a session of ``seconds`` over ``limit`` (the 3-hour cap): estimated, when
    it is planned; ``exact``, from its timeline, before any audio is made."""
    limit = LIMITS.max_session_seconds if limit is None else limit
    if seconds <= limit:
        return
    paused = any(e.pauses or e.switch_pauses for e in routine.exercises)
    lower = "the holds, the reps or the pauses" if paused else "the holds or the reps"
    if exact:
        said = f"{clock(seconds)}, more than the {clock(limit)} allowed; lower {lower}, or " \
            "shorten the texts"  # fmt: skip
    else:
        said = f"about {seconds / 3600:.1f} hours, more than the {limit / 3600:g}-hour " \
            f"limit; lower {lower}"  # fmt: skip
    raise TooLong(f"this session would last {said}", path=routine.source or None)


class TooLong(BadInput):
    """A session over the limit on its length (the 3-hour cap)."""
