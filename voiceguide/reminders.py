"""Reminders: the programme's sessions as a calendar (RFC 5545) a phone imports.

One recurring event for each time of day in each stage: on the chosen weekdays, from the
stage's first day to its last, each naming its file and carrying an alarm at its start.
Times are floating (no time zone): 08:00 means 08:00 wherever the phone is. Written with
the icalendar library.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

WEEKDAYS = {
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}


@dataclass(frozen=True)
class Reminder:
    """Sessions at one time of day, on the chosen days, for some weeks."""

    uid: str
    summary: str
    description: str
    first_day: dt.date
    last_day: dt.date
    time: str
    """``HH:MM``."""
    minutes: int
    """How long the session lasts."""


def calendar(
    name: str, reminders: Sequence[Reminder], days: Sequence[str], made: dt.datetime
) -> bytes:
    """The calendar file: one weekly recurring event with an alarm per reminder, each
    stamped as ``made`` (when the programme was built: a calendar that reads the file
    again takes the newer one)."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//voiceguide//programme reminders//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    byday = [WEEKDAYS[d] for d in days]
    for reminder in reminders:
        hours, minutes = map(int, reminder.time.split(":"))
        start = first_on(reminder.first_day, days)
        event = Event()
        event.add("uid", reminder.uid)
        event.add("dtstamp", made.astimezone(dt.timezone.utc).replace(microsecond=0))
        event.add("dtstart", dt.datetime.combine(start, dt.time(hours, minutes)))
        event.add("duration", dt.timedelta(minutes=reminder.minutes))
        until = dt.datetime.combine(reminder.last_day, dt.time(23, 59, 59))
        event.add("rrule", {"freq": "weekly", "byday": byday, "until": until})
        event.add("summary", reminder.summary)
        event.add("description", reminder.description)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", reminder.summary)
        alarm.add("trigger", dt.timedelta(0))
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())


def first_on(day: dt.date, days: Sequence[str]) -> dt.date:
    """The first date from ``day`` on that falls on one of ``days``."""
    names = list(WEEKDAYS)
    while names[day.weekday()] not in days:
        day += dt.timedelta(days=1)
    return day
