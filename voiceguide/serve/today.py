"""Which of a programme's sessions is this week's, read from its reminders.

A programme's calendar (``NAME.ics``, written beside its sessions by ``build``) has, for
each stage and time of day, an event recurring on the chosen weekdays from the stage's
first day to its last, its UID naming the stage's first week
(``NAME-week-K-...@voiceguide``). The list of sessions marks the stage whose days hold
today, with the times of today's sessions still to come, or else the next day with
sessions and its times (before the programme begins, its first): the person with the
phone need not count weeks. Times are floating, as in the calendar: now is the server's
local time.

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
    """This week's stage of a programme, and its sessions to come."""

    week: int | None
    """The stage's first week (its session is ``NAME.week-K``); None before the first."""
    day: dt.date
    """The day it was reckoned for: today."""
    times: tuple[str, ...]
    """Today's sessions still to come (or begun within :data:`BEGUN`), earliest first."""
    next_week: int | None = None
    """When today has no session to come: the stage of the next day with sessions (this
    one, or the next stage's first day), its day and times."""
    next_day: dt.date | None = None
    next_times: tuple[str, ...] = ()


BEGUN = dt.timedelta(hours=1)
"""A session begun this long ago is still today's: the person may be lying down with it."""
LOOK_AHEAD = 28
"""Days looked through for the next session (a week has one at least; a programme that
starts within four weeks is shown when it starts)."""


@dataclass(frozen=True)
class _Event:
    week: int
    first: dt.date
    last: dt.date
    time: str
    days: frozenset[int]
    """Its weekdays (Monday 0)."""

    def on(self, day: dt.date) -> bool:
        return self.first <= day <= self.last and day.weekday() in self.days


def current(folder: SessionFolder, name: str, now: dt.datetime) -> Current | None:
    """The stage of programme ``name`` whose days hold ``now``'s day, with the sessions
    to come, from its reminders (before its first day, none, with the first session);
    None after its last day, or without a calendar of ours."""
    events = _ours(folder, name)
    today = now.date()
    weeks = {e.week for e in events if e.first <= today <= e.last}
    if not weeks and events and today < min(e.first for e in events):
        return _next(events, today, None)  # not begun: its first session
    if len(weeks) != 1:  # over, or a calendar whose stages overlap: not ours
        return None
    (week,) = weeks
    begun = (now - BEGUN).strftime("%H:%M") if (now - BEGUN).date() == today else "00:00"
    times = tuple(sorted(e.time for e in events if e.on(today) and e.time >= begun))
    if times:
        return Current(week, today, times)
    return _next(events, today, week)


def _next(events: list[_Event], today: dt.date, week: int | None) -> Current | None:
    """``week``'s mark with the next day with sessions after ``today``, and its times."""
    for ahead in range(1, LOOK_AHEAD + 1):
        day = today + dt.timedelta(days=ahead)
        found = sorted((e.time, e.week) for e in events if e.on(day))
        if found:
            later = tuple(t for t, w in found if w == found[0][1])
            return Current(week, today, (), found[0][1], day, later)
    return Current(week, today, ()) if week is not None else None


def _ours(folder: SessionFolder, name: str) -> list[_Event]:
    """The events of programme ``name``'s calendar that are ours (by their UIDs)."""
    found = []
    for event in _events(folder, f"{name}.ics"):
        uid = _UID.fullmatch(str(event.get("uid", "")))
        if uid is None or uid["name"] != name:
            continue
        start, rule = event.decoded("dtstart", None), event.get("rrule")
        until = rule.get("until", [None])[0] if rule else None
        if not isinstance(start, dt.datetime) or not isinstance(until, dt.datetime):
            continue
        codes = list(WEEKDAYS.values())
        days = frozenset(codes.index(d) for d in map(str.upper, map(str, rule.get("byday", [])))
                         if d in codes)  # fmt: skip
        found.append(_Event(int(uid["week"]), start.date(), until.date(),
                            start.strftime("%H:%M"), days))  # fmt: skip
    return found


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
