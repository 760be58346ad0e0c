"""What a programme writes beside its sessions: the playlist (``NAME.m3u8``), the handout
(``NAME.html``) and the reminders (``NAME.ics``), each from the same stages, so that they
never disagree with the sessions; and the handout alone (``voiceguide handout``)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.handout import Row, render, schedule_row
from voiceguide.model import MINUTES_PLACEHOLDER, Routine
from voiceguide.options import Options, held_timings, times_said
from voiceguide.outputs import StagedOutputs, make_folder
from voiceguide.phrases import phrasebook
from voiceguide.plan import plan
from voiceguide.preview import estimated_seconds
from voiceguide.programme import DAYS, Programme, Stage
from voiceguide.reminders import Reminder, calendar, first_on
from voiceguide.script import Say
from voiceguide.settings import clock
from voiceguide.stages import (
    NO_OPTIONS,
    by_weeks,
    check_stages,
    stage_options,
    stage_routine,
    stage_title,
    stage_weeks,
    weeks_of,
)

if TYPE_CHECKING:
    from babel import Locale


def playlist(programme: Programme, files: list[str], seconds: list[float]) -> str:
    """The sessions in order, with titles and lengths (extended M3U, UTF-8)."""
    lines = ["#EXTM3U", f"#PLAYLIST:{programme.title}"]
    for stage, file, length in zip(programme.stages, files, seconds):
        lines += [f"#EXTINF:{round(length)},{stage_title(programme, stage)}", file]
    return "\n".join(lines) + "\n"


def handout_of(
    programme: Programme,
    files: list[str],
    seconds: list[float],
    start: dt.date,
    *,
    estimated: bool = False,
    options: Options = NO_OPTIONS,
) -> str:
    """The printed sheet: the schedule from ``start`` (the sessions' lengths
    ``estimated``, or as built; their timings the stages' with ``options``, the command
    line's, over them), then every exercise, with the weeks it is in where it is not in
    all; the intro and the closing with their weeks where stages have their own."""
    rows = [
        _row(programme, stage, file, length, estimated, options)
        for stage, file, length in zip(programme.stages, files, seconds)
    ]
    only = phrasebook(programme.routine.language).handout["only"]
    return render(
        programme.routine,
        title=programme.title,
        rows=rows,
        notes=programme.notes,
        subtitle=programme.routine.title,
        described=False,
        intros=sheet_intros(programme, options),
        closings=[(weeks, said) for weeks, said, _ in by_weeks(programme, programme.outro_of)],
        only={
            e.name: only.format(weeks=weeks_of(programme, having))
            for e in programme.routine.exercises
            if len(having := [s for s in programme.stages if e.name not in s.leave_out])
            < len(programme.stages)
        },
        starts=starting(programme, start),
        often=how_often(programme),
        repeats=False,  # each stage's, in the table
    )


def how_often(programme: Programme) -> str:
    """How often the sessions are, as the sheet says it once for every stage: "2× a
    day (08:00, 18:00), Mon, Wed, Fri", the times as the reminders ring."""
    words = phrasebook(programme.routine.language).handout
    often = words["times_a_day"].format(n=programme.times_a_day)
    return f"{often} ({', '.join(programme.times())}), {_days(programme)}"


def sheet_intros(programme: Programme, options: Options = NO_OPTIONS) -> list[tuple[str, str]]:
    """The intros as the sessions say them, each with the weeks that say it where stages
    have their own: its ``{minutes}`` those stages' (``11–23`` where they differ), as
    each session reckons its own."""
    found = []
    for weeks, intro, stages in by_weeks(programme, programme.intro_of):
        if MINUTES_PLACEHOLDER in intro:
            minutes = sorted(
                {plan(stage_routine(programme, s), stage_options(s, options)).minutes or 0
                 for s in stages}
            )  # fmt: skip
            said = str(minutes[0]) if len(minutes) == 1 else f"{minutes[0]}–{minutes[-1]}"
            intro = intro.replace(MINUTES_PLACEHOLDER, said)
        found.append((weeks, intro))
    return found


def _row(
    programme: Programme,
    stage: Stage,
    file: str,
    length: float,
    estimated: bool,
    given: Options = NO_OPTIONS,
) -> Row:
    routine = replace(
        programme.routine,
        exercises=tuple(e for e in programme.routine.exercises if e.name not in stage.leave_out),
    )
    options = stage_options(stage, given)
    timings = held_timings(routine, options)
    repeats = times_said(routine, options)  # words and quiet alone: said this many times
    number = {e.name: n for n, e in enumerate(programme.routine.exercises, start=1)}  # sheet's
    return schedule_row(
        programme.routine,
        stage_weeks(programme, stage),
        {number[name]: t.hold for name, t in timings.items()},
        {
            number[name]: times
            for name, times in ({n: t.reps for n, t in timings.items()} | repeats).items()
        },  # fmt: skip
        file,
        length,
        estimated=estimated,
    )


def _days(programme: Programme) -> str:
    """The days of the week, as the routine's language shortens them ("Mo., Mi., Fr.")."""
    if programme.days == DAYS:
        return str(phrasebook(programme.routine.language).handout["every_day"])
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=_locale(programme))
    return ", ".join(names[DAYS.index(day)] for day in programme.days)  # Monday is 0


def _locale(programme: Programme) -> Locale:
    """The routine's language as babel knows it (``pt-BR`` → ``pt_BR``)."""
    from babel import Locale

    return Locale.parse(programme.routine.language, sep="-")


def starting(programme: Programme, start: dt.date) -> str:
    """ "From December 1, 2026.", in the routine's language: the first day from
    ``start`` on with a session, as the reminders begin."""
    from voiceguide.phrases.dates import written

    language = programme.routine.language
    date = written(first_on(start, programme.days), "long", language)  # "1er décembre"
    return str(phrasebook(language).handout["starts"]).format(date=date)


def reminders_of(
    programme: Programme, files: list[str], seconds: list[float], start: dt.date, place: str
) -> bytes:
    """The calendar: each stage's sessions, every chosen day, at each time; ``place``
    (:func:`_place`) makes their UIDs the programme's own."""
    items = []
    for stage, file, length in zip(programme.stages, files, seconds):
        first = start + dt.timedelta(weeks=stage.first_week - 1)
        last = first + dt.timedelta(weeks=stage.weeks, days=-1)
        summary = stage_title(programme, stage)
        for index, time in enumerate(programme.times()):
            about = f"{file} ({clock(length)})" + (
                f"\n{programme.notes}" if programme.notes else ""
            )
            items.append(
                Reminder(
                    f"{programme.name}-week-{stage.first_week}-{index + 1}-{place}@voiceguide",
                    summary,
                    about,
                    first,
                    last,
                    time,
                    math.ceil(length / 60),
                )
            )
    return calendar(programme.title, items, programme.days, dt.datetime.now(dt.timezone.utc))


def handout_only(subject: Programme | Routine) -> tuple[str, str]:
    """(file name, HTML) of the handout alone, with estimated session lengths."""
    if isinstance(subject, Programme):
        check_stages(subject, Options())
        files, seconds = [], []
        for stage in subject.stages:
            routine = stage_routine(subject, stage)
            files.append(f"{routine.name}.mp3")
            seconds.append(estimated_seconds(routine, stage_options(stage, Options())))
        start = subject.start or dt.date.today()
        return f"{subject.name}.html", handout_of(subject, files, seconds, start, estimated=True)
    timings = held_timings(subject, Options())
    repeats = times_said(subject, Options())  # words and quiet alone: said this many times
    number = {e.name: n for n, e in enumerate(subject.exercises, start=1)}  # the sheet's
    row = schedule_row(
        subject,
        "–",
        {number[name]: t.hold for name, t in timings.items()},
        {
            number[name]: times
            for name, times in ({n: t.reps for n, t in timings.items()} | repeats).items()
        },  # fmt: skip
        f"{subject.name}.mp3",
        estimated_seconds(subject),
        estimated=True,
    )
    said = next((s.text for s in plan(subject).steps if isinstance(s, Say) and s.role == "intro"),
                "")  # fmt: skip
    return f"{subject.name}.html", render(
        subject, title=subject.title, rows=[row], intros=[("", said)]
    )


def write_handout(subject: Programme | Routine, folder: Path) -> Path:
    """Write the handout alone into ``folder`` (atomically); its path."""
    name, html = handout_only(subject)
    target = make_folder(folder) / name
    with StagedOutputs(target.parent) as staged:
        staged.stage(target).write_text(html, encoding="utf-8")
    return target
