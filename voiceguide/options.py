"""What a caller changes over a routine, and how it resolves against one.

Options are values for declared settings (:mod:`voiceguide.settings`), each for the
whole session or, for exercise-scope settings, for one exercise named by any unique part
of its name (``hold`` ``wall`` ``60``, as ``--hold wall=60``). Options win over an
exercise's own values, which win over the routine's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from voiceguide.errors import OptionError
from voiceguide.model import Exercise, Routine
from voiceguide.phrases import DEFAULT_LANGUAGE
from voiceguide.settings import BY_NAME, EXERCISE_KEYS, Number, SettingError, Timing, Value

Given = tuple[str, str | None, Value]
"""One option: (setting, exercise pattern or None for all, value)."""


@dataclass(frozen=True)
class Options:
    """Setting values over a routine's, in the order given; a later one wins."""

    given: tuple[Given, ...] = ()

    @classmethod
    def of(cls, **values: Value | Iterable[Value | tuple[str, Value]]) -> Options:
        """``Options.of(hold=45, reps=3)``; a list gives several, each a value for every
        exercise or ``(pattern, value)`` for one: ``hold=[45, ("wall", 60)]``. None is
        no value (the routine decides)."""
        given: list[Given] = []
        for name, value in values.items():
            items: Iterable[Any] = value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                if isinstance(item, tuple):
                    given.append((name, item[0], item[1]))
                elif item is not None:
                    given.append((name, None, item))
        return cls(tuple(given))

    def get(self, name: str) -> Value:
        """The value given for every exercise (the last one), else the setting's default
        where it applies to the whole session, else None (the routine decides)."""
        for setting, pattern, value in reversed(self.given):
            if setting == name and pattern is None:
                return value
        declared = BY_NAME[name]
        return declared.default if declared.scope in ("session", "voice") else None

    def check(self) -> None:
        """Refuse unknown settings, patterns on whole-session settings and values out of
        bounds: :class:`~voiceguide.errors.OptionError` naming the setting."""
        for name, pattern, value in self.given:
            if name not in BY_NAME:
                raise OptionError(f"is not a setting ({', '.join(BY_NAME)})", setting=name)
            if pattern is not None and BY_NAME[name].scope != "exercise":
                raise OptionError("applies to the whole session, not to one exercise", setting=name)
            try:
                BY_NAME[name].check(value)
            except SettingError as exc:
                raise OptionError(exc.message, setting=name) from None


def session_timing(routine: Routine, options: Options) -> Timing:
    """The session-wide timing: the routine's defaults, with the options for every
    exercise over them."""
    return routine.defaults.replace(_for_all(options))


def exercise_timings(routine: Routine, options: Options) -> dict[str, Timing]:
    """Each exercise's timing by name: the routine's defaults, the exercise's own values,
    the options for every exercise, then those naming it."""
    named = _named(routine, options)
    everyone = _for_all(options)
    return {
        e.name: e.timing(routine.defaults).replace({**everyone, **named.get(e.name, {})})
        for e in routine.exercises
    }


def held_timings(routine: Routine, options: Options) -> dict[str, Timing]:
    """:func:`exercise_timings` of the exercises that have holds (not ``hold: none``)."""
    timings = exercise_timings(routine, options)
    return {e.name: timings[e.name] for e in routine.exercises if e.holds}


def times_said(routine: Routine, options: Options) -> dict[str, int]:
    """How many times each exercise of words and quiet alone (``hold: none``) says its
    words: ``reps`` given for it by name (``--reps breath=4``, a stage's ``reps: {breath:
    4}``), else its own, else once (``--reps`` for every exercise is the holds')."""
    named = _named(routine, options)
    return {
        e.name: int(named.get(e.name, {}).get("reps", dict(e.own).get("reps", 1)))
        for e in routine.exercises
        if not e.holds
    }


def _for_all(options: Options) -> dict[str, Number]:
    return {
        name: value  # type: ignore[misc]
        for name, pattern, value in options.given
        if pattern is None and name in EXERCISE_KEYS and value is not None
    }


def _named(routine: Routine, options: Options) -> dict[str, dict[str, Number]]:
    """``NAME=VALUE`` options by exercise name. NAME is the exercise's name or any part
    of it only one exercise has, in any case."""
    found: dict[str, dict[str, Number]] = {}
    for name, pattern, value in options.given:
        if pattern is not None:
            shown = f"'{pattern}={_shown(value)}'"
            exercise = match_exercise(routine, pattern, shown, name)
            if not exercise.holds and name in EXERCISE_KEYS and name != "reps":
                raise OptionError(
                    f"{shown}: '{exercise.name}' has no hold ('hold: none' in "
                    f"{routine.source or routine.name}), so no {name} to set",
                    setting=name,
                )
            found.setdefault(exercise.name, {})[name] = value  # type: ignore[assignment]
    return found


def match_exercise(routine: Routine, pattern: str, shown: str, setting: str) -> Exercise:
    """The one exercise ``pattern`` names (whole name, or a part only it has); in a
    built-in's translation, by its own name or by the English one (``wall`` in the
    French built-in), so a programme or a command line written for one works in all."""
    wanted = pattern.strip().casefold()
    matches = _matching(routine.exercises, wanted)
    english = _english(routine)
    if not matches and english is not None:
        found = _matching(english.exercises, wanted)
        matches = [routine.exercises[english.exercises.index(e)] for e in found]
    if len(matches) == 1:
        return matches[0]
    how = "matches no exercise" if not matches else "matches more than one exercise"
    names = ", ".join(e.name for e in routine.exercises)
    also = f" (in English: {', '.join(e.name for e in english.exercises)})" if english else ""
    raise OptionError(
        f"{shown}: '{pattern}' {how} in {_called(routine)}; exercises: {names}{also}",
        setting=setting,
    )


def _called(routine: Routine) -> str:
    """The routine as a sentence names it: its file, or "the built-in hamstring-relief"."""
    from voiceguide.routine import BUILT_IN

    if routine.source.startswith(BUILT_IN):
        return f"the built-in {routine.source.removeprefix(BUILT_IN)}"
    return routine.source or routine.name


def _matching(exercises: Sequence[Exercise], wanted: str) -> list[Exercise]:
    exact = [e for e in exercises if e.name.casefold() == wanted]
    return exact or [e for e in exercises if wanted and wanted in e.name.casefold()]


def _english(routine: Routine) -> Routine | None:
    """The English built-in that ``routine`` translates, exercise for exercise; None
    for anything else."""
    from voiceguide.routine import BUILT_IN, builtin_names, load_builtin

    if not routine.source.startswith(BUILT_IN) or routine.language == DEFAULT_LANGUAGE:
        return None
    name = routine.source.removeprefix(BUILT_IN).rsplit(".", 1)[0]
    if name not in builtin_names():
        return None
    english = load_builtin(name)
    return english if len(english.exercises) == len(routine.exercises) else None


def _shown(value: Value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
