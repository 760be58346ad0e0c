"""Dates and times of day as each language writes them: CLDR's forms (through babel),
with the first of the month an ordinal where the language writes it so ("1er décembre",
"1° dicembre", "1º de dezembro"), which CLDR's date patterns do not do."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from voiceguide.phrases import canonical

FIRST = {"fr": "1er", "it": "1°", "pt": "1º"}
"""The first of the month, where a language writes it as an ordinal."""
_DAY_ONE = re.compile(r"(?<!\d)1(?!\d)")


def written(day: dt.date, form: str, language: str) -> str:
    """``day`` in babel's ``form`` ("long", "medium", or a pattern like "EEEE"), in
    ``language`` (a routine's tag, in any case)."""
    from babel.dates import format_date

    return _first(day, str(format_date(day, form, locale=_locale(language))), language)


def weekday_and_date(day: dt.date, language: str) -> str:
    """The weekday in full and the date, in the order and words of ``language``
    ("Tuesday, December 8", "martedì 8 dicembre"), kept on one line."""
    from babel import Locale

    pattern = Locale.parse(_locale(language)).datetime_skeletons["MMMMEd"].pattern
    text = written(day, re.sub("E+", "EEEE", pattern), language)
    return text.replace(" ", "\u00a0")


def listed(times: Sequence[str], language: str) -> str:
    """Times of day as ``language`` lists them ("08:00 and 18:00", "08:00 e 18:30")."""
    from babel.lists import format_list

    return str(format_list(list(times), locale=_locale(language)))


def _first(day: dt.date, text: str, language: str) -> str:
    ordinal = FIRST.get((canonical(language) or "en").split("-")[0])
    return _DAY_ONE.sub(ordinal, text, count=1) if day.day == 1 and ordinal else text


def _locale(language: str) -> str:
    return (canonical(language) or "en").replace("-", "_")
