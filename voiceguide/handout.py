"""The handout: one self-contained HTML page to print and take home.

No network (styles inline, system fonts), large type, and it prints cleanly on A4 and
on Letter (no fixed page size; exercises never split across pages). Its words are the
words the voice says: the routine's texts as the session fills them, and the
phrasebook's, in the routine's language. Rendered with Jinja2, which escapes every text.
"""

from __future__ import annotations

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
    holds: list[float],
    reps: list[int],
    how_often: str,
    file: str,
    seconds: float,
    *,
    estimated: bool = False,
) -> Row:
    """A row: holds and reps as ranges where exercises differ ("20–30 s"); the session's
    length marked "about" where it is ``estimated`` (no session was built)."""
    book = phrasebook(routine.language).handout

    def span(values: list, unit: str) -> str:
        low, high = min(values), max(values)
        shown = f"{low:g}" if low == high else f"{low:g}–{high:g}"
        return book["seconds"].format(n=shown) if unit == "s" else shown

    length = book["about"].format(length=clock(seconds)) if estimated else clock(seconds)
    return Row(weeks, span(holds, "s"), span(reps, ""), how_often, file, length)


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
