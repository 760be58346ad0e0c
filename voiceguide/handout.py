"""The handout: one self-contained HTML page to print and take home.

No network (styles inline, system fonts), large type, and it prints cleanly on A4 and
on Letter (no fixed page size; exercises never split across pages). Its words are the
words the voice says: the routine's texts as the session fills them, and the
phrasebook's, in the routine's language. Rendered with Jinja2, which escapes every text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TypeVar

from voiceguide import __version__
from voiceguide.model import Routine
from voiceguide.phrases import phrasebook
from voiceguide.plan import fill
from voiceguide.settings import clock

T = TypeVar("T")
Labelled = tuple[str, T]
"""Something the sheet prints with the weeks that have it ("weeks 2–4"), or "" for all."""
Steps = tuple[tuple[str, ...], tuple[tuple[int, float], ...]]
"""Texts said in turn, and the quiet after some of them (their index, seconds)."""


@dataclass(frozen=True)
class Row:
    """One line of the schedule."""

    weeks: str
    hold: str
    reps: str
    file: str
    length: str


def schedule_row(
    routine: Routine,
    weeks: str,
    holds: Mapping[int, float],
    reps: Mapping[int, int],
    file: str,
    seconds: float,
    *,
    estimated: bool = False,
) -> Row:
    """A row: the holds and reps of the exercises the session has, keyed by their numbers
    on the sheet (``routine``'s); where exercises differ or some are left out, each value
    with the exercises that have it ("1, 2: 30 s · 3: 60 s", "2, 3: 45 s"); the session's
    length marked "about" where it is ``estimated`` (no session was built)."""
    book = phrasebook(routine.language).handout

    def value(number: float, unit: str) -> str:
        return _unbroken(book["seconds"].format(n=f"{number:g}")) if unit == "s" else f"{number:g}"

    def each(values: Mapping[int, float], unit: str) -> str:
        if not values:  # words and quiet alone: nothing held
            return "–"
        every = set(values) == set(range(1, len(routine.exercises) + 1))
        if every and len(set(values.values())) == 1:
            return value(next(iter(values.values())), unit)
        having: dict[float, list[int]] = {}
        for exercise, held in sorted(values.items()):
            having.setdefault(held, []).append(exercise)
        return " · ".join(
            _unbroken(f"{_numbers(them)}{book['colon']}{value(held, unit)}")
            for held, them in having.items()
        )

    length = book["about"].format(length=clock(seconds)) if estimated else clock(seconds)
    return Row(_heading(weeks), each(holds, "s"), each(reps, ""), file, length)


NBSP = "\u00a0"


def _unbroken(text: str) -> str:
    """``text`` kept on one line ("1, 2: 20 s" wrapped as "1, 2: 20 / s" in a narrow
    column)."""
    return text.replace(" ", NBSP)


def _heading(label: str) -> str:
    """A label ("weeks 2–4") as it heads a text: its first letter a capital."""
    return label[:1].upper() + label[1:]


def _numbers(numbers: list[int]) -> str:
    """Exercise numbers, runs as ranges: [1, 2, 3, 5] → "1–3, 5"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def render(
    routine: Routine,
    *,
    title: str,
    rows: list[Row],
    notes: str = "",
    subtitle: str = "",
    described: bool = True,
    intros: Sequence[Labelled[str]] = (),
    closings: Sequence[Labelled[Steps]] | None = None,
    only: Mapping[str, str] | None = None,
    starts: str = "",
    often: str = "",
    repeats: bool = True,
) -> str:
    """The handout for ``routine`` with its schedule ``rows``, as HTML text; its
    description printed if ``described`` (a programme's sheet leaves it out: it tells
    of the routine's own holds, where the schedule gives the programme's); ``intros``,
    as the voice says them, before the schedule, and ``closings`` (the routine's when
    None) after the exercises, each with the weeks that say it where they differ;
    ``only``, by exercise, the weeks it is in where it is not in all; ``starts``, when
    the schedule begins, and ``often``, how often its sessions are (the same in every
    stage: said once, above the table); ``repeats``: under an exercise of words and quiet
    alone, how many times they are said (a programme's table gives each stage's)."""
    import jinja2

    book = phrasebook(routine.language)
    first = lambda e: e.sides[0] if e.sides else None  # noqa: E731 - the side said first
    words = book.handout

    def said(texts: tuple[str, ...], pauses: tuple[tuple[int, float], ...], side: str | None):
        """Texts said in turn, each with the quiet after it, where there is some."""
        unit = words["quiet"].replace("{n} ", "{n}" + NBSP)  # "8 s", never "8 / s"
        quiet = {at: unit.format(n=f"{seconds:g}") for at, seconds in pauses}
        return [{"text": fill(t, side), "quiet": quiet.get(i, "")} for i, t in enumerate(texts)]

    exercises = [
        {
            "name": e.name,
            "instructions": said(e.instructions, e.pauses, first(e)),
            "repeat": words["repeat"].format(n=dict(e.own).get("reps", 1))
            if repeats and not e.holds and dict(e.own).get("reps", 1) > 1
            else "",
            "switch": said(e.switch_instructions, e.switch_pauses, e.sides[1]) if e.sides else [],
            "cues": [fill(t, first(e)) for t in e.cues],
            "progression": fill(e.progression, first(e)) if e.progression else "",
            "only": (only or {}).get(e.name, ""),
        }
        for e in routine.exercises
    ]
    template = (resources.files("voiceguide") / "templates" / "handout.html").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(template).render(
        language=routine.language,
        version=__version__,
        title=title,
        subtitle=subtitle,
        description=routine.description if described else "",
        notes=notes,
        schedule=rows,
        words=book.handout,
        exercises=exercises,
        intros=[(_heading(label), text) for label, text in intros if text],
        starts=starts,
        often=often,
        closings=[
            (_heading(label), said(texts, pauses, None))
            for label, (texts, pauses) in (
                closings if closings is not None else [("", (routine.outro, routine.outro_pauses))]
            )
            if texts
        ],
        closing=book.chapters["closing"],
        introduction=book.chapters["introduction"],
        # "Repetitions a side" where some exercise has sides, else "Repetitions"
        reps=book.handout["reps" if any(e.sides for e in routine.exercises) else "reps_no_sides"],
        numbered=any(_unbroken(book.handout["colon"]) in f"{row.hold}{row.reps}" for row in rows),
    )
