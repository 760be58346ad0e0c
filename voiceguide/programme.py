"""Programmes: a routine prescribed over weeks, in stages that change its timing.

A programme file is YAML known by its top-level ``programme:`` key. It names a routine
(a built-in, or a routine file relative to it) and lists stages of whole weeks; each
stage may set any timing setting for every exercise (``hold: 30``) or for some
(``hold: {wall: 45}``, any unique part of an exercise's name), and may leave exercises
out (``leave_out: [seated]``). Errors name the programme's file and line, or the
routine's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from voiceguide.errors import OptionError, RoutineError
from voiceguide.model import Routine
from voiceguide.options import Given, Options, match_exercise
from voiceguide.phrases import canonical
from voiceguide.routine import BUILT_IN, resolve
from voiceguide.routine.reading import check_characters, read_text
from voiceguide.routine.scalars import (
    check_keys,
    items_of,
    kind_of,
    line_of,
    list_of,
    number,
    require,
    setting_value,
    shown,
    text_of,
    type_error,
)
from voiceguide.routine.schema import intro_of, outro_of
from voiceguide.routine.yamlguard import compose
from voiceguide.settings import (
    BY_NAME,
    EXERCISE_SETTINGS,
    Number,
    SettingError,
    counted,
    of_scope,
)

PROGRAMME_KEYS = (
    "programme",
    "routine",
    "language",
    "times_a_day",
    "at",
    "days",
    "start",
    "notes",
    "stages",
)
STAGE_SETTINGS = tuple(
    s.name for s in (*EXERCISE_SETTINGS, *of_scope("session")) if s.name != "bed"
)
"""What a stage may set: the timing and the session's numbers and switches (its bed is
the routine's, or the command line's, in every stage)."""
STAGE_KEYS = ("weeks", "leave_out", "intro", "outro", *STAGE_SETTINGS)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WEEKS = 52
MAX_TIMES_A_DAY = 6
DEFAULT_TIMES = {1: ("08:00",), 2: ("08:00", "18:00"), 3: ("08:00", "13:00", "18:00")}
"""Reminder times when a programme gives none; more a day are spread from 08:00 to 20:00."""
WHAT = {"intro": "intro", "outro": "closing"}
"""What a warning calls a stage's keys."""
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class Stage:
    """Some weeks of the programme, with their own timing."""

    weeks: int
    first_week: int
    """The week it starts in (1 for the first); its files are named after it."""
    options: Options
    """Its settings over the routine's, as the command line would give them."""
    leave_out: tuple[str, ...] = ()
    """Exercises it leaves out, by their full names."""
    line: int | None = None
    intro: str | None = None
    """What its sessions say first, in place of the routine's intro (None: the routine's)."""
    outro: tuple[str, ...] | None = None
    """Its closing, in place of the routine's (None: the routine's)."""
    outro_pauses: tuple[tuple[int, Number], ...] = ()

    @property
    def last_week(self) -> int:
        return self.first_week + self.weeks - 1


@dataclass(frozen=True)
class Programme:
    """A routine prescribed over weeks: the sessions, the sheet and the reminders."""

    name: str
    """The file's stem: names every file the programme writes."""
    title: str
    routine: Routine
    stages: tuple[Stage, ...]
    times_a_day: int = 1
    at: tuple[str, ...] = ()
    """Reminder times, ``HH:MM``, one a session of the day."""
    days: tuple[str, ...] = DAYS
    start: dt.date | None = None
    """The first day; None for the day it is built."""
    notes: str = ""
    source: str = ""

    @property
    def weeks(self) -> int:
        return sum(stage.weeks for stage in self.stages)

    def times(self) -> tuple[str, ...]:
        """The reminder times: as given, else spread over the day."""
        if self.at:
            return self.at
        if self.times_a_day in DEFAULT_TIMES:
            return DEFAULT_TIMES[self.times_a_day]
        step = 12 * 60 // (self.times_a_day - 1)
        return tuple(
            f"{(8 * 60 + i * step) // 60:02d}:{(8 * 60 + i * step) % 60:02d}"
            for i in range(self.times_a_day)
        )

    def session_routine(self, stage: Stage, sentence: str) -> Routine:
        """The routine as ``stage`` has it: its exercises less those left out, named
        ``NAME.week-K``, its intro (the stage's own, or the routine's) starting with
        ``sentence`` (which week it is), its closing the stage's own or the routine's."""
        kept = tuple(e for e in self.routine.exercises if e.name not in stage.leave_out)
        intro = f"{sentence} {self.intro_of(stage)}".strip()
        outro, pauses = self.outro_of(stage)
        return replace(
            self.routine,
            name=session_stem(self.name, stage.first_week),
            exercises=kept,
            intro=intro,
            outro=outro,
            outro_pauses=pauses,
        )

    def intro_of(self, stage: Stage) -> str:
        """The intro ``stage``'s sessions say, as written (``{minutes}`` unfilled)."""
        return self.routine.intro if stage.intro is None else stage.intro

    def outro_of(self, stage: Stage) -> tuple[tuple[str, ...], tuple[tuple[int, Number], ...]]:
        """The closing ``stage``'s sessions say, and its pauses."""
        if stage.outro is None:
            return self.routine.outro, self.routine.outro_pauses
        return stage.outro, stage.outro_pauses

    def warnings(self) -> tuple[str, ...]:
        """What may be wrong though the file is valid: a stage that leaves exercises out
        but says the routine's intro or closing, which may speak of them."""
        found = []
        for number_, stage in enumerate(self.stages, start=1):
            kept = [
                key
                for key, own, routine in (
                    ("intro", stage.intro, self.routine.intro),
                    ("outro", stage.outro, self.routine.outro),
                )
                if stage.leave_out and own is None and routine
            ]
            if kept:
                found.append(
                    f"{self.source}:{stage.line}: stage {number_} leaves out "
                    f"{' and '.join(stage.leave_out)} but says the routine's "
                    f"{' and '.join(WHAT[k] for k in kept)} as written; if "
                    f"{'they speak' if len(kept) > 1 else 'it speaks'} of "
                    f"{'those exercises' if len(stage.leave_out) > 1 else 'that exercise'}, "
                    f"give the stage its own {' and '.join(repr(k) for k in kept)}"
                )
        return tuple(found)


def session_stem(programme: str, first_week: int) -> str:
    """The stem of the files of a stage's session: ``NAME.week-K``, K its first week."""
    return f"{programme}.week-{first_week}"


_SESSION_STEM = re.compile(r"(?P<programme>.+)\.week-[0-9]+")


def programme_of(stem: str) -> str | None:
    """The programme a session's stem names (``plan`` of ``plan.week-3``), or None."""
    found = _SESSION_STEM.fullmatch(stem)
    return found["programme"] if found else None


def is_programme(path: str | os.PathLike[str]) -> bool:
    """Whether the YAML file at ``path`` is a programme (its top level has ``programme:``);
    False for anything that is not one, or cannot be read (its loader will say why)."""
    try:
        root = compose(read_text(Path(path)))
    except (RoutineError, OSError):
        return False
    return isinstance(root, MappingNode) and any(
        isinstance(key, ScalarNode) and key.value == "programme" for key, _ in root.value
    )


def load_any(ref: str, language: str | None = None) -> Programme | Routine:
    """The programme file ``ref``, or the routine ``ref`` names (a file or a built-in,
    in ``language``)."""
    if ref.endswith((".yaml", ".yml")) and is_programme(ref):
        return load_programme(ref, language)
    return resolve(ref, language)


def load_programme(path: str | os.PathLike[str], language: str | None = None) -> Programme:
    """Read and check the programme at ``path`` and the routine it names; ``language``
    (the command line's) must be the programme's own: its ``language:`` key decides."""
    source = os.fspath(path)
    try:
        text = read_text(Path(source))
        check_characters(text)
        programme = _programme(compose(text, PROGRAMME_KEYS + STAGE_KEYS), Path(source))
    except RoutineError as err:
        err.path = err.path if err.path and err.path != source and err.line else source
        raise
    wanted = canonical(language) or language if language else None
    if wanted and wanted != programme.routine.language:
        raise OptionError(
            f"{wanted} does not match {source}, a programme in {programme.routine.language}: "
            f"its own 'language:' decides (write 'language: {wanted}' in it)",
            setting="language",
        )
    return programme


def _programme(root: Node | None, path: Path) -> Programme:
    if not isinstance(root, MappingNode):
        raise RoutineError("a programme should be keys like 'programme:' and 'stages:'")
    items = items_of(root, "")
    check_keys(items, PROGRAMME_KEYS, "")
    title = text_of(require(items, "programme", root, "the programme"), "'programme'", "")
    language = (
        text_of(items["language"][1], "'language'", "", said=False) if "language" in items else None
    )
    routine = _routine(require(items, "routine", root, "the programme"), path, language)
    times_a_day = _whole(items, "times_a_day", 1, MAX_TIMES_A_DAY, 1)
    at = _times(items["at"][1], times_a_day) if "at" in items else ()
    days = _days(items["days"][1]) if "days" in items else DAYS
    start = _date(items["start"][1]) if "start" in items else None
    notes = text_of(items["notes"][1], "'notes'", "") if "notes" in items else ""
    stages = _stages(require(items, "stages", root, "the programme"), routine)
    return Programme(
        path.stem, title, routine, stages, times_a_day, at, days, start, notes, str(path)
    )


def _routine(node: Node, path: Path, language: str | None) -> Routine:
    """The routine named: a built-in, or a file relative to the programme."""
    ref = text_of(node, "'routine'", "", said=False)
    beside = path.parent / ref
    try:
        return resolve(str(beside) if ref.endswith((".yaml", ".yml")) else ref, language)
    except OptionError as err:
        raise RoutineError(f"'{err.setting}' {err.message}", line=line_of(node)) from None
    except RoutineError as err:
        if err.path and err.path.startswith(BUILT_IN) or err.line:
            raise
        looked = f" (looked for {os.path.normpath(beside)}, beside the programme)" if (
            ref.endswith((".yaml", ".yml"))) else ""  # fmt: skip
        near = next((f for f in (f"{ref}.yaml", f"{ref}.yml") if (path.parent / f).is_file()), None)
        if near is not None:  # "routine: tiny" beside tiny.yaml
            looked = f"; did you mean '{near}', the file beside the programme?"
        raise RoutineError(f"'routine': {err.message}{looked}", line=line_of(node)) from None


def _whole(items: dict, key: str, low: int, high: int, default: int) -> int:
    if key not in items:
        return default
    node = items[key][1]
    value = number(node, key, "", "a whole number", str(low))
    if isinstance(value, float) or not low <= value <= high:
        raise RoutineError(
            f"'{key}' must be a whole number from {low} to {high}, got {shown(node.value)}",
            line=line_of(node),
        )
    return value


def _times(node: Node, times_a_day: int) -> tuple[str, ...]:
    found: list[str] = []
    for item in list_of(node, "at", "", MAX_TIMES_A_DAY, 'a list of times like ["08:00"]'):
        value = str(item.value).strip() if isinstance(item, ScalarNode) else ""
        if not _CLOCK.fullmatch(value):
            raise RoutineError(
                f"'at' takes times as HH:MM (24-hour, quoted), like \"08:00\", "
                f"got {shown(value or kind_of(item))}",
                line=line_of(item),
            )
        if found and value <= found[-1]:  # "08:00" twice, or the evening's before the morning's
            raise RoutineError(
                f"'at' has {value} after {found[-1]}; give each time once, in the order of the day",
                line=line_of(item),
            )
        found.append(value)
    if len(found) != times_a_day:
        raise RoutineError(
            f"'at' has {counted(len(found), 'time')} for {counted(times_a_day, 'session')} a day "
            "('times_a_day'); give one time for each",
            line=line_of(node),
        )
    return tuple(found)


def _days(node: Node) -> tuple[str, ...]:
    found = []
    for item in list_of(node, "days", "", 7, "a list of days like [mon, wed, fri]"):
        day = str(item.value).strip().lower()[:3] if isinstance(item, ScalarNode) else ""
        if day not in DAYS or day in found:
            raise RoutineError(
                f"'days' takes each of {', '.join(DAYS)} at most once, got "
                f"{shown(str(item.value))}",
                line=line_of(item),
            )
        found.append(day)
    if not found:
        raise RoutineError("'days' is empty; leave it out for every day", line=line_of(node))
    return tuple(d for d in DAYS if d in found)


def _date(node: Node) -> dt.date:
    value = str(node.value).strip() if isinstance(node, ScalarNode) else ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise RoutineError(
            f"'start' takes a date as YYYY-MM-DD, like 2026-12-01, got "
            f"{shown(value or kind_of(node))}",
            line=line_of(node),
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # 9999-12-25 ran off the calendar
        raise RoutineError(
            f"'start' should be a date from {FIRST_YEAR} to {LAST_YEAR}, got {value}",
            line=line_of(node),
        )
    return day


FIRST_YEAR, LAST_YEAR = 2000, 2199
"""The years a programme may start in: a typo's year (9999) runs its weeks off the
calendar."""


def _stages(node: Node, routine: Routine) -> tuple[Stage, ...]:
    stages: list[Stage] = []
    week = 1
    for number_, item in enumerate(list_of(node, "stages", "", MAX_WEEKS, "a list of stages"), 1):
        stage = _stage(item, number_, routine, week)
        stages.append(stage)
        week += stage.weeks
        if week - 1 > MAX_WEEKS:
            raise RoutineError(
                f"the stages add up to {week - 1} weeks, more than {MAX_WEEKS}", line=line_of(item)
            )
    if not stages:
        raise RoutineError("'stages' is empty; a programme needs at least one", line=line_of(node))
    return tuple(stages)


def _stage(node: Node, number_: int, routine: Routine, first_week: int) -> Stage:
    where = f" in stage {number_}"
    if not isinstance(node, MappingNode):
        raise type_error(node, f"stage {number_}", "", "keys like {weeks: 1, hold: 20}")
    items = items_of(node, where)
    check_keys(items, STAGE_KEYS, where)
    weeks_node = require(items, "weeks", node, f"stage {number_}")
    weeks = number(weeks_node, "weeks", where, "a whole number", "1")
    if isinstance(weeks, float) or not 1 <= weeks <= MAX_WEEKS:
        raise RoutineError(
            f"'weeks'{where} must be a whole number from 1 to {MAX_WEEKS}, "
            f"got {shown(weeks_node.value)}",
            line=line_of(weeks_node),
        )
    given: list[Given] = []
    for key in STAGE_SETTINGS:
        if key in items:
            given += _stage_setting(items[key][1], key, where, routine)
    leave_out = _leave_out(items["leave_out"][1], where, routine) if "leave_out" in items else ()
    for key, exercise, _ in given:
        if exercise in leave_out:  # a time for an exercise the session does not have
            raise RoutineError(
                f"'{key}'{where} is set for '{exercise}', which the stage leaves out",
                line=line_of(items[key][1]),
            )
    intro = intro_of(items["intro"][1], where) if "intro" in items else None
    outro, pauses = outro_of(items["outro"][1], where) if "outro" in items else (None, ())
    return Stage(
        weeks, first_week, Options(tuple(given)), leave_out, line_of(node), intro, outro, pauses
    )


def _stage_setting(node: Node, key: str, where: str, routine: Routine) -> list[Given]:
    """``hold: 30`` for every exercise, or ``hold: {wall: 45}`` for some."""
    setting = BY_NAME[key]
    if not isinstance(node, MappingNode):
        if setting.kind == "flag":
            try:
                return [(key, None, setting.parse(str(node.value)))]
            except SettingError as err:
                raise RoutineError(f"'{key}'{where} {err.message}", line=line_of(node)) from None
        return [(key, None, setting_value(node, setting, where))]
    if setting.scope != "exercise":
        raise RoutineError(
            f"'{key}'{where} applies to the whole session, not to one exercise", line=line_of(node)
        )
    found: list[Given] = []
    for name, (name_node, value_node) in items_of(node, f" in '{key}'{where}").items():
        exercise = _exercise(name, name_node, routine, key)
        if key != "reps" and not next(e for e in routine.exercises if e.name == exercise).holds:
            raise RoutineError(
                f"'{key}'{where}: '{exercise}' has no hold ('hold: none'), so no {key} to set",
                line=line_of(name_node),
            )
        found.append((key, exercise, setting_value(value_node, setting, where)))
    return found


def _leave_out(node: Node, where: str, routine: Routine) -> tuple[str, ...]:
    names = [
        text_of(item, "an exercise", where, said=False)
        for item in list_of(node, "leave_out", where, 50, "a list of exercises")
    ]
    out = tuple(_exercise(n, item, routine, "leave_out") for n, item in zip(names, node.value))
    twice = next((n for i, n in enumerate(out) if n in out[:i]), None)
    if twice is not None:
        raise RoutineError(f"'leave_out'{where} names '{twice}' twice", line=line_of(node))
    if len(set(out)) == len(routine.exercises):
        raise RoutineError(f"'leave_out'{where} leaves out every exercise", line=line_of(node))
    return out


def _exercise(pattern: str, node: Node, routine: Routine, key: str) -> str:
    try:
        return match_exercise(routine, pattern, f"'{pattern}'", key).name
    except OptionError as err:
        raise RoutineError(f"'{key}' {err.message}", line=line_of(node)) from None
