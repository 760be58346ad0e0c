"""Which of a programme's sessions is this week's, read from its reminders.

A programme's calendar (``NAME.ics``, written beside its sessions by ``build``) has, for
each stage and time of day, an event recurring on the chosen weekdays from the stage's
first day to its last, its UID naming the stage's first week
(``NAME-week-K-...@voiceguide``). The list of sessions marks the stage whose days hold
today, and the times of today's sessions when today is one of its days: the person
with the phone need not count weeks. Times are floating, as in the calendar: today is
the server's local date.

The file is read as anything in the folder is (:meth:`SessionFolder.open`), bounded,
and any calendar that is not one of ours, or not a calendar at all, marks nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from voiceguide.reminders import WEEKDAYS
from voiceguide.serve.folder import SessionFolder

MAX_CALENDAR_BYTES = 1024 * 1024
"""Largest calendar read (a 52-week programme's, six times a day, is some 20 kB)."""
_UID = re.compile(r"(?P<name>.+)-week-(?P<week>[0-9]+)-[0-9]+-[0-9a-f]+@voiceguide")


@dataclass(frozen=True)
class Current:
    """This week's stage of a programme."""

    week: int
    """The stage's first week: its session is ``NAME.week-K``."""
    times: tuple[str, ...]
    """Today's sessions' times (``HH:MM``), earliest first; none when today has none."""


def current(folder: SessionFolder, name: str, today: dt.date) -> Current | None:
    """The stage of programme ``name`` whose days hold ``today``, from its reminders;
    None before its first day or after its last, or without a calendar of ours."""
    events = _events(folder, f"{name}.ics")
    weeks: dict[int, list[str]] = {}
    for event in events:
        found = _UID.fullmatch(str(event.get("uid", "")))
        if found is None or found["name"] != name:
            continue
        start, rule = event.decoded("dtstart", None), event.get("rrule")
        until = rule.get("until", [None])[0] if rule else None
        if not isinstance(start, dt.datetime) or not isinstance(until, dt.datetime):
            continue
        if not start.date() <= today <= until.date():
            continue
        times = weeks.setdefault(int(found["week"]), [])
        if _on(today, rule.get("byday", [])):
            times.append(start.strftime("%H:%M"))
    if len(weeks) != 1:  # none, or a calendar whose stages overlap: not ours
        return None
    ((week, times),) = weeks.items()
    return Current(week, tuple(sorted(times)))


def _on(day: dt.date, byday: list[str]) -> bool:
    return list(WEEKDAYS.values())[day.weekday()] in [str(d).upper() for d in byday]


def _events(folder: SessionFolder, name: str) -> list:
    """The events of calendar ``name`` in ``folder``; none if it is missing, too large
    or not a calendar."""
    opened = folder.open(name)
    if opened is None:
        return []
    fd, info = opened
    try:
        if info.st_size > MAX_CALENDAR_BYTES:
            return []
        data = os.pread(fd, MAX_CALENDAR_BYTES + 1, 0)
    finally:
        os.close(fd)
    from icalendar import Calendar

    try:
        return list(Calendar.from_ical(data).walk("VEVENT"))
    except (ValueError, TypeError, KeyError, IndexError):
        return []
