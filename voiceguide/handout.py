"""The handout: one self-contained HTML page to print and take home.

No network (styles inline, system fonts), large type, and it prints cleanly on A4 and
on Letter (no fixed page size; exercises never split across pages). Its words are the
words the voice says: the routine's texts as the session fills them, and the
phrasebook's, in the routine's language. Rendered with Jinja2, which escapes every text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from voiceguide import __version__
from voiceguide.model import Routine
from voiceguide.phrases import phrasebook
from voiceguide.plan import fill
from voiceguide.settings import clock


@dataclass(frozen=True)
class Row:
    """One line of the schedule."""

    weeks: str
    hold: str
    reps: str
    how_often: str
    file: str
    length: str


def schedule_row(
    routine: Routine,
    weeks: str,
    holds: Mapping[int, float],
    reps: Mapping[int, int],
    how_often: str,
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
        return book["seconds"].format(n=f"{number:g}") if unit == "s" else f"{number:g}"

    def each(values: Mapping[int, float], unit: str) -> str:
        every = set(values) == set(range(1, len(routine.exercises) + 1))
        if every and len(set(values.values())) == 1:
            return value(next(iter(values.values())), unit)
        having: dict[float, list[int]] = {}
        for exercise, held in sorted(values.items()):
            having.setdefault(held, []).append(exercise)
        return " · ".join(f"{_numbers(them)}: {value(held, unit)}" for held, them in having.items())

    length = book["about"].format(length=clock(seconds)) if estimated else clock(seconds)
    return Row(weeks, each(holds, "s"), each(reps, ""), how_often, file, length)


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
    intro: str = "",
    starts: str = "",
) -> str:
    """The handout for ``routine`` with its schedule ``rows``, as HTML text; its
    description printed if ``described`` (a programme's sheet leaves it out: it tells
    of the routine's own holds, where the schedule gives the programme's); ``intro``, as
    the voice says it, before the schedule; ``starts``, when the schedule begins."""
    import jinja2

    book = phrasebook(routine.language)
    first = lambda e: e.sides[0] if e.sides else None  # noqa: E731 - the side said first
    exercises = [
        {
            "name": e.name,
            "instructions": [fill(t, first(e)) for t in e.instructions],
            "switch": [fill(t, e.sides[1]) for t in e.switch_instructions] if e.sides else [],
            "cues": [fill(t, first(e)) for t in e.cues],
            "progression": fill(e.progression, first(e)) if e.progression else "",
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
        intro=intro,
        starts=starts,
        outro=routine.outro,
        closing=book.chapters["closing"],
    )
