"""The podcast feed of a folder's sessions: RSS 2.0 with the iTunes namespace and the
Podcasting 2.0 ``podcast:chapters`` tag, one item per session, and each session's
chapters as Podcasting 2.0 JSON (``STEM.chapters.json``).

The server makes them for each request (with its own address as the base URL);
:func:`write_feed` writes them as static files for any web host. The guid of an item is
a digest of its timeline: a podcast app downloads a session again only when it was
rebuilt differently, whatever the address it is served from.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from voiceguide import __version__
from voiceguide.errors import BadInput, ExportError
from voiceguide.outputs import StagedOutputs
from voiceguide.phrases import page_words
from voiceguide.serve.folder import (
    CHAPTERS_SUFFIX,
    TIMELINE_SUFFIX,
    Group,
    Session,
    SessionFolder,
    folder_language,
    grouped,
)
from voiceguide.settings import clock

FEED_NAME = "feed.xml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_VERSION = "1.2.0"

for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)


def base_url(url: str) -> str:
    """``url`` checked as the address the folder is published at (http or https, a
    host, no query), ending in ``/``. Raises :class:`BadInput` otherwise."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - a port that is not a number raises ValueError here
    except ValueError as exc:
        raise BadInput(f"--base-url {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"--base-url {url!r} must be an http:// or https:// address with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BadInput(f"--base-url {url!r} must not have a query, fragment or password")
    if any(c.isspace() for c in url.strip()):
        raise BadInput(f"--base-url {url!r} must not contain spaces")
    odd = next(
        (c for c in url.strip() if ord(c) < 0x20 or ord(c) == 0x7F or c in '"<>\\^`{|}'), None
    )
    if odd is not None:  # a link a podcast app would have to guess at, or not XML at all
        raise BadInput(f"--base-url {url!r} has {odd!r}, which a URL writes escaped (%XX)")
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        raise BadInput(f"--base-url {url!r} has a '%' not followed by two hex digits")
    path = parts.path if parts.path.endswith("/") else f"{parts.path}/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def link(base: str, name: str) -> str:
    """The URL of file ``name`` under ``base`` (which ends in ``/``)."""
    return f"{base}{quote(name)}"


def chapters_json(session: Session) -> str:
    """The session's chapters, as Podcasting 2.0 JSON chapters."""
    document = {
        "version": CHAPTERS_VERSION,
        "title": session.title,
        "chapters": [
            {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title}
            for c in session.chapters
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def feed_xml(sessions: list[Session], base: str, *, title: str) -> bytes:
    """The RSS document of ``sessions``, each file's URL under ``base``."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    language = folder_language(sessions)
    about = page_words(language)["feed"]
    newest = max((s.modified for s in sessions), default=0.0)
    _text(channel, "title", title)
    _text(channel, "link", base)
    _text(channel, "description", about)
    _text(channel, "language", language)
    _text(channel, "generator", f"voiceguide {__version__}")
    _text(channel, "lastBuildDate", _date(newest))
    ET.SubElement(
        channel,
        f"{{{ATOM}}}link",
        {"href": link(base, FEED_NAME), "rel": "self", "type": "application/rss+xml"},
    )
    _text(channel, f"{{{ITUNES}}}author", "voiceguide")
    _text(channel, f"{{{ITUNES}}}summary", about)
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    groups = grouped(sessions)
    # One programme's sessions are a series: week 1 is played first, as the page lists it.
    serial = _one_programme(groups) is not None
    _text(channel, f"{{{ITUNES}}}type", "serial" if serial else "episodic")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    for group in groups:
        latest = max(s.modified for s in group.sessions)
        for place, session in enumerate(group.sessions):
            # a programme's files are written together: dated a second apart, week 1
            # the oldest, so an app that sorts by date keeps the weeks in order
            published = latest - (len(group.sessions) - 1 - place)
            # numbered by the week each starts (1, 3, 5): "episode 2" would read as week 2
            week = group.weeks[place]
            _item(channel, session, base, published, week if serial else None)
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(
    channel: ET.Element, session: Session, base: str, published: float, episode: int | None
) -> None:
    item = ET.SubElement(channel, "item")
    exercises = session.exercises
    summary = f"{clock(session.duration)}" + (f": {', '.join(exercises)}" if exercises else "")
    summary += f"\n\n{session.notes}" if session.notes else ""
    _text(item, "title", session.title)
    _text(item, "description", summary)
    ET.SubElement(
        item,
        "enclosure",
        {"url": link(base, session.audio), "length": str(session.size), "type": session.audio_type},
    )
    guid = _text(item, "guid", f"voiceguide:{session.stem}:{session.digest}")
    guid.set("isPermaLink", "false")
    _text(item, "pubDate", _date(published))
    _text(item, f"{{{ITUNES}}}duration", str(round(session.duration)))
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    if episode is not None:
        _text(item, f"{{{ITUNES}}}episode", str(episode))
    _text(item, f"{{{ITUNES}}}summary", summary)
    if session.chapters:
        ET.SubElement(
            item,
            f"{{{PODCAST}}}chapters",
            {"url": link(base, session.chapters_file), "type": CHAPTERS_TYPE},
        )


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_text(text)
    return element


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (a folder's name may have them, and so the default
title): the feed would not parse."""


def xml_text(text: str) -> str:
    """``text`` with each character XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _date(seconds: float) -> str:
    return format_datetime(datetime.fromtimestamp(seconds, timezone.utc), usegmt=True)


def feed_title(folder: Path, sessions: list[Session] | None = None) -> str:
    """The channel's title: a programme's own, when the folder holds one programme alone
    (its sessions are titled "Calves: week 1", "Calves: weeks 2–3"), else the folder's."""
    programme = _one_programme(grouped(sessions or []))
    if programme is not None:
        # "Calves: week 1" (in French with a space before the colon)
        titles = {s.title.rpartition(":")[0].rstrip() for s in programme.sessions}
        if len(titles) == 1 and "" not in titles:
            return titles.pop()
    name = Path(os.path.abspath(folder)).name or "voiceguide"
    words = page_words(folder_language(sessions or []))
    return words["feed_title"].replace("{folder}", name)


@dataclass(frozen=True)
class Published:
    """What :func:`write_feed` wrote."""

    feed: Path
    chapters: list[Path]
    sessions: int


def _one_programme(groups: list[Group]) -> Group | None:
    """The programme, when ``groups`` are one programme's sessions and nothing else."""
    return groups[0] if len(groups) == 1 and None not in groups[0].weeks else None


def write_feed(folder: Path, url: str, title: str | None = None) -> Published:
    """Write ``FOLDER/feed.xml`` and each session's ``STEM.chapters.json``, their URLs
    under ``url`` (where the folder will be published), all at once and atomically (see
    :mod:`voiceguide.outputs`); the channel titled ``title`` (:func:`feed_title` when
    None)."""
    base = base_url(url)
    with SessionFolder(folder) as sessions_folder:
        sessions = sessions_folder.sessions()
    files: dict[Path, bytes] = {
        folder / s.chapters_file: chapters_json(s).encode("utf-8") for s in sessions if s.chapters
    }
    chapters = list(files)
    title = title or feed_title(folder, sessions)
    files[folder / FEED_NAME] = feed_xml(sessions, base, title=title)
    with StagedOutputs(folder, retired=_orphaned_chapters(folder, files)) as staged:
        for final, data in files.items():
            temp = staged.stage(final)
            try:
                temp.write_bytes(data)
            except OSError as exc:
                raise ExportError(f"could not write {final}: {exc.strerror}") from exc
    return Published(folder / FEED_NAME, chapters, len(sessions))


def _orphaned_chapters(folder: Path, written: Mapping[Path, bytes]) -> list[Path]:
    """The ``STEM.chapters.json`` files an earlier feed wrote for sessions no longer in
    ``folder`` (their timeline gone), which this one does not write again; a file of that
    name that is not chapters as a feed writes them is someone else's, and stays."""
    return [
        path
        for path in folder.glob(f"*{CHAPTERS_SUFFIX}")
        if path not in written
        and not path.with_name(path.name.removesuffix(CHAPTERS_SUFFIX) + TIMELINE_SUFFIX).exists()
        and _written_by_a_feed(path)
    ]


def _written_by_a_feed(path: Path) -> bool:
    try:
        if not path.is_file() or path.stat().st_size > MAX_CHAPTERS_BYTES:
            return False
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return (
        isinstance(document, dict)
        and document.get("version") == CHAPTERS_VERSION
        and isinstance(document.get("chapters"), list)
    )


MAX_CHAPTERS_BYTES = 1 << 20
"""Largest chapters file looked into (a three-hour session's holds a few kB)."""
