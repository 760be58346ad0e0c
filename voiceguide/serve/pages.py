"""The server's pages: the list of sessions and a player per session (HTML from the
templates in ``serve/assets``, Jinja2, escaped), and the files they use (the script and
the style), all served by voiceguide itself: the pages ask nothing of any other host.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import quote

from voiceguide import __version__
from voiceguide.phrases import DEFAULT_LANGUAGE, canonical, page_words, phrasebook
from voiceguide.phrases.dates import listed, weekday_and_date, written
from voiceguide.serve.folder import Group, Session, folder_language
from voiceguide.serve.mp3index import FrameIndex
from voiceguide.serve.now import player_data
from voiceguide.serve.today import Current
from voiceguide.settings import clock

ASSET_TYPES = {
    "player.js": "text/javascript; charset=utf-8",
    "player.css": "text/css; charset=utf-8",
}
"""The files the pages load, and their types."""

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; media-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""The pages' Content-Security-Policy: the browser itself refuses anything from
elsewhere, and any script that is not the page's own file."""


@functools.cache
def asset(name: str) -> bytes | None:
    """The bytes of a page's file (``player.js``), or None."""
    if name not in ASSET_TYPES:
        return None
    return (resources.files("voiceguide") / "serve" / "assets" / name).read_bytes()


@functools.cache
def _template(name: str) -> Any:
    """The page template ``name``: each page extends ``page.html``, the head they share
    (its ``root`` is where the folder's own paths begin, from the page)."""
    import jinja2

    def text(name: str) -> str:
        return (resources.files("voiceguide") / "serve" / "assets" / name).read_text("utf-8")

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(text), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template(name)


def index_page(
    groups: list[Group],
    feed_url: str,
    sheets: Mapping[str, list[str]] | None = None,
    now: Mapping[str, Current] | None = None,
) -> str:
    """The list of sessions, each linking to its player, a programme's side by side in
    week order with the stage each starts (its sheets linked after them, where
    ``sheets`` names them: a programme's name to its files; this week's marked, with
    today's times, where ``now`` has it), and the feed's address; in the language most
    of the sessions are in."""
    sheets, now = sheets or {}, now or {}
    language = folder_language([s for group in groups for s in group.sessions])
    words = page_words(language)
    rows = [
        {
            "sessions": [
                {
                    "title": s.title,
                    "href": f"play/{quote(s.stem, safe='')}",
                    "stage": _stage(week, after, words, language),
                    "length": clock(s.duration),
                    "date": words["made"].replace("{date}", _when(s.modified, language)),
                    "language": language_name(s.language),
                    "tag": s.language,
                    **_this_week(now.get(group.name), week, words, language),
                }
                for s, week, after in zip(group.sessions, group.weeks, [*group.weeks[1:], None])
            ],
            "sheets": [
                {"href": quote(name, safe=""), "label": words[SHEETS[name.rpartition(".")[2]]]}
                for name in sheets.get(group.name, [])
            ],
        }
        for group in groups
    ]
    before, _, after = words["empty"].partition("{command}")
    return _template("index.html").render(
        groups=rows,
        feed_url=feed_url,
        words=words,
        empty=(before, after),
        lang=language,
        version=__version__,
        root="",
    )


def _stage(week: int | None, after: int | None, words: Mapping[str, str], language: str) -> str:
    """The weeks of a programme's session: "week 1", or "weeks 2–3" up to the week the
    next stage starts ``after``; the last, whose end the folder does not say, "from week
    4"."""
    if week is None:
        return ""
    if after is None or after <= week:
        return words["from_week"].replace("{week}", str(week))
    sheet = phrasebook(canonical(language) or DEFAULT_LANGUAGE).handout
    if after == week + 1:
        return str(sheet["week"]).format(n=week)
    return str(sheet["week_span"]).format(first=week, last=after - 1)


def _this_week(
    now: Current | None, week: int | None, words: Mapping[str, str], language: str
) -> dict[str, Any]:
    """A session's mark: "This week" on the current stage's, with "today at 08:00,
    18:00" while today has sessions to come; when it has none, "tomorrow at 08:00" or
    "next: Monday at 08:00" on the session of the next day with sessions."""
    if now is None or week is None:
        return {"mark": "", "current": False}
    current = week == now.week
    when = ""
    if now.times and current:
        when = words["today_at"].replace("{times}", listed(now.times, language))
    elif now.next_day is not None and week == now.next_week:
        times = listed(now.next_times, language)
        if now.next_day == now.day + dt.timedelta(days=1):
            when = words["tomorrow_at"].replace("{times}", times)
        else:
            day = written(now.next_day, "EEEE", language)  # "Monday", "lunes"
            if now.next_day - now.day >= dt.timedelta(days=7):  # not this coming one
                day = weekday_and_date(now.next_day, language)
            when = words["next_at"].replace("{day}", day).replace("{times}", times)
    mark = " · ".join(w for w in (words["this_week"] if current else "", when) if w)
    return {"mark": mark[:1].upper() + mark[1:], "current": current}


def _when(seconds: float, language: str) -> str:
    """When a session was built, as ``language`` writes a day and a time ("Nov 27, 2026,
    23:02"; "27 nov 2026, 23:02")."""
    moment = dt.datetime.fromtimestamp(seconds)
    return f"{written(moment, 'medium', language)}, {moment:%H:%M}"


SKIP_SECONDS = 15
"""How far the player's back and forward buttons jump (as its script's ``SKIP``)."""

SHEETS = {"html": "sheet", "ics": "reminders"}
"""The page's words for a programme's handout and its reminders, by their files'
suffixes."""


def player_page(session: Session, frames: FrameIndex | None = None) -> str:
    """The player of one session: the controls, the chapters, and the data its script
    reads (in the page, as JSON that is not run). With the MP3's ``frames``, the player
    starts the audio at a frame rather than seeking in it (see :mod:`.mp3index`)."""
    document = player_data(session)
    if frames is not None:
        document["frames"] = {
            "rate": frames.rate,
            "samples": frames.samples,
            "delay": frames.delay,
            "count": len(frames.offsets),
        }
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    words = page_words(session.language)
    return _template("player.html").render(
        title=session.title,
        notes=session.notes,
        lang=session.language,
        words=words,
        skip=document["seconds"].replace("{n}", str(SKIP_SECONDS)),
        audio=f"../{quote(session.audio)}",
        duration=f"{session.duration:.3f}",
        length=clock(session.duration),
        chapters=[
            {"title": c.title, "start": f"{c.start:.3f}", "at": clock(c.start)}
            for c in session.chapters
        ],
        # nothing in the JSON can end or change the script element it sits in
        data=data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
        version=__version__,
        root="../",
    )


def language_name(tag: str) -> str:
    """A language's name in that language (``es`` → "español"), or its tag."""
    try:
        from babel import Locale, UnknownLocaleError

        name = Locale.parse(canonical(tag) or tag, sep="-").get_display_name()
    except (ValueError, TypeError, UnknownLocaleError):
        return tag
    return name or tag
