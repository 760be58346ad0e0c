"""A folder of built sessions, read as a server must: which files are sessions, and each
one opened only if it is a regular file directly inside the folder.

A session is a ``STEM.timeline.json`` whose audio (``STEM.mp3``, ``STEM.ogg``, ...) is
beside it. The files served are a session's own (its audio, timeline, subtitles and
chapters) and the sheets of the programme or routine it belongs to (``NAME.html``,
``NAME.m3u8``, ``NAME.ics``, where NAME is its stem or the stem's part before
``.week-K``): nothing else in the folder, no hidden file and no build's ``.part`` file.

Every file is opened by name relative to the folder's own descriptor, refusing symbolic
links (``O_NOFOLLOW``) and anything but a regular file, and is then read or sent from
that descriptor alone. Builds replace files by renaming complete ones over them, so an
open descriptor holds either the old file or the new one, whole, for as long as it is
read: a session rebuilt while it streams is never sent half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeGuard

from voiceguide.errors import BadInput
from voiceguide.formats import FORMATS
from voiceguide.outputs import OLD_SUFFIX, PART_SUFFIX
from voiceguide.phrases import DEFAULT_LANGUAGE, canonical, phrasebook

TIMELINE_SUFFIX = ".timeline.json"
CHAPTERS_SUFFIX = ".chapters.json"
MAX_TIMELINE_BYTES = 16 * 1024 * 1024
"""Largest timeline read (a three-hour session's is well under 1 MB)."""
MAX_NAME_BYTES = 255

AUDIO_TYPES: Mapping[str, str] = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "wav": "audio/wav",
    "flac": "audio/flac",
}
"""The MIME type of each output format's audio."""

SESSION_TYPES: Mapping[str, str] = {
    TIMELINE_SUFFIX: "application/json; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
}
SHEET_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".m3u8": "audio/x-mpegurl; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
}
"""A programme's (or a routine's) sheets: its handout, playlist and reminders."""

assert set(AUDIO_TYPES) == set(FORMATS), "every output format needs its MIME type"


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Session:
    """One built session, as its timeline and its audio file describe it."""

    stem: str
    title: str
    duration: float
    """Seconds."""
    language: str
    audio: str
    """The audio file's name (``STEM.mp3``)."""
    audio_type: str
    size: int
    """The audio file's bytes."""
    modified: float
    """When the audio was built (its modification time, seconds since the epoch)."""
    chapters: tuple[Chapter, ...]
    digest: str
    """A digest of the timeline: the same build, the same digest (the feed's guid)."""
    document: Mapping[str, Any] = field(compare=False, repr=False)
    """The timeline, as read."""

    @property
    def notes(self) -> str:
        """What the listener should know before starting (a programme's notes), or
        nothing."""
        notes = self.document.get("notes")
        return notes.strip() if isinstance(notes, str) else ""

    @property
    def exercises(self) -> tuple[str, ...]:
        """The exercises, in their order: the chapters but the opening and closing ones
        voiceguide adds, and every exercise held (one of words and quiet alone, ``hold:
        none``, is named by its chapter only)."""
        held: dict[str, None] = {}
        for event in self.document.get("events", []):
            if (
                isinstance(event, dict)
                and event.get("kind") == "hold"
                and isinstance(event.get("exercise"), str)
            ):
                held[event["exercise"]] = None
        book = phrasebook(canonical(self.language) or DEFAULT_LANGUAGE).chapters
        added = {book["introduction"], book["closing"]}
        names = dict.fromkeys(
            c.title for c in self.chapters if c.title in held or c.title not in added
        )
        return tuple({**names, **held})

    @property
    def timeline(self) -> str:
        return f"{self.stem}{TIMELINE_SUFFIX}"

    @property
    def chapters_file(self) -> str:
        return f"{self.stem}{CHAPTERS_SUFFIX}"


class SessionFolder:
    """The sessions of one folder. Holds the folder open: every file is opened relative
    to it. Safe to use from several threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except FileNotFoundError:
            raise BadInput(f"{self.path}: no such folder") from None
        except NotADirectoryError:
            raise BadInput(f"{self.path}: not a folder") from None
        except OSError as exc:
            raise BadInput(f"{self.path}: cannot open it: {exc.strerror}") from None
        self._parsed: dict[str, tuple[tuple[int, int, int], Session | None]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> SessionFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sessions(self) -> list[Session]:
        """Every session in the folder, newest first (then by name)."""
        try:
            names = os.listdir(self.fd)
        except OSError:
            return []
        found = []
        for name in names:
            if name.endswith(TIMELINE_SUFFIX) and plain_name(name):
                session = self._session(name)
                if session is not None:
                    found.append(session)
        with self._lock:  # forget the timelines that are gone
            for gone in set(self._parsed) - set(names):
                del self._parsed[gone]
        found.sort(key=lambda s: (-s.modified, s.stem))
        return found

    def skipped(self) -> list[tuple[str, str]]:
        """The timelines in the folder that are not served, each with why ("its audio
        plan.week-1.mp3 is not there"): a damaged or foreign file, or a lost audio."""
        try:
            names = sorted(os.listdir(self.fd))
        except OSError:
            return []
        found = []
        for name in names:
            if not (name.endswith(TIMELINE_SUFFIX) and plain_name(name)):
                continue
            if self._session(name) is not None:
                continue
            with self._lock:
                parsed = self._parsed.get(name)
            session = parsed[1] if parsed is not None else None
            if parsed is None:
                found.append((name, "a link or not a regular file"))
            elif session is None:
                found.append((name, "not the timeline of a session in this folder, or damaged"))
            elif self._exists(session.audio):
                found.append((name, f"its audio {session.audio} is a link or not a regular file"))
            else:
                found.append((name, f"its audio {session.audio} is not there"))
        return found

    def _exists(self, name: str) -> bool:
        try:
            os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except OSError:
            return False
        return True

    def session(self, stem: str) -> Session | None:
        name = f"{stem}{TIMELINE_SUFFIX}"
        return self._session(name) if plain_name(name) else None

    def lookup(self, name: str) -> tuple[str, Session | None] | None:
        """The MIME type of file ``name`` and the session it belongs to, if it is one of
        the files served (see the module's description), else None. A sheet belongs to
        no one session (None)."""
        if not plain_name(name):
            return None
        sessions = self.sessions()
        for session in sessions:
            if name == session.audio:
                return session.audio_type, session
            for suffix, kind in SESSION_TYPES.items():
                if name == f"{session.stem}{suffix}":
                    return kind, session
        for suffix, kind in SHEET_TYPES.items():
            if name.endswith(suffix):
                owner = name.removesuffix(suffix)
                if any(s.stem == owner or s.stem.startswith(f"{owner}.") for s in sessions):
                    return kind, None
        return None

    def sheets(self, name: str) -> list[str]:
        """The sheets of programme (or routine) ``name`` in the folder that are served:
        its handout (``NAME.html``) and its reminders (``NAME.ics``), where they are
        regular files beside its sessions."""
        found = []
        for suffix in (".html", ".ics"):
            sheet = f"{name}{suffix}"
            if self.lookup(sheet) is None:
                continue
            opened = self.open(sheet)
            if opened is not None:
                os.close(opened[0])
                found.append(sheet)
        return found

    def open(self, name: str) -> tuple[int, os.stat_result] | None:
        """A read-only descriptor of file ``name`` in the folder and its status, or None
        when it is not a regular file there (missing, a link, a folder, a device...).
        The caller closes the descriptor."""
        if not plain_name(name):
            return None
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(name, flags, dir_fd=self.fd)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
        except OSError:
            os.close(fd)
            return None
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            return None
        return fd, info

    def _session(self, name: str) -> Session | None:
        opened = self.open(name)
        if opened is None:
            return None
        fd, info = opened
        key = (info.st_ino, info.st_mtime_ns, info.st_size)
        try:
            with self._lock:
                cached = self._parsed.get(name)
            if cached is not None and cached[0] == key:
                session = cached[1]
            else:
                session = self._read(name, fd, info)
                with self._lock:
                    self._parsed[name] = (key, session)
        finally:
            os.close(fd)
        if session is None:
            return None
        audio = self.open(session.audio)  # it is checked every time: it may have gone
        if audio is None:
            return None
        os.close(audio[0])
        return _with_audio(session, audio[1])

    def _read(self, name: str, fd: int, info: os.stat_result) -> Session | None:
        if info.st_size > MAX_TIMELINE_BYTES:
            return None
        try:
            data = _read_all(fd, info.st_size)
            document = json.loads(data.decode("utf-8"))
        except (OSError, ValueError):
            return None
        return session_of(name.removesuffix(TIMELINE_SUFFIX), document, data)


def session_of(stem: str, document: object, data: bytes) -> Session | None:
    """The session timeline ``document`` (read from ``data``) describes, or None when it
    is not a voiceguide timeline whose audio is ``STEM.FORMAT``."""
    if not isinstance(document, dict):
        return None
    kind = document.get("format")
    audio = document.get("audio")
    title = document.get("title")
    duration = document.get("duration")
    if not (isinstance(kind, str) and kind.startswith("voiceguide-timeline/")):
        return None
    if not isinstance(audio, str) or not isinstance(title, str) or not _number(duration):
        return None
    extension = audio.rpartition(".")[2]
    if audio != f"{stem}.{extension}" or extension not in AUDIO_TYPES:
        return None
    settings = document.get("settings")
    language = settings.get("language") if isinstance(settings, dict) else None
    chapters = []
    for chapter in document.get("chapters") or []:
        if not isinstance(chapter, dict):
            return None
        start, end, name = chapter.get("start"), chapter.get("end"), chapter.get("title")
        if not (_number(start) and _number(end) and isinstance(name, str)):
            return None
        chapters.append(Chapter(name, float(start), float(end)))
    if not isinstance(document.get("events", []), list):
        return None
    return Session(
        stem=stem,
        title=title,
        duration=float(duration),
        language=language if isinstance(language, str) and language else "en",
        audio=audio,
        audio_type=AUDIO_TYPES[extension],
        size=0,
        modified=0.0,
        chapters=tuple(chapters),
        digest=hashlib.sha256(data).hexdigest()[:16],
        document=document,
    )


STAGE = re.compile(r"^(?P<name>.+)\.week-(?P<week>[0-9]{1,4})(?P<tail>\.[^.]+)?$")
"""A programme's session: ``NAME.week-K`` (K the stage's first week), perhaps with a
language after it."""


@dataclass(frozen=True)
class Group:
    """Sessions listed together: a programme's, in week order, or one session alone."""

    name: str
    """The programme's name (``NAME`` of ``NAME.week-K``), or the session's stem: its
    sheets are ``NAME.html`` and ``NAME.ics``."""
    sessions: tuple[Session, ...]
    weeks: tuple[int | None, ...]
    """The week each session's stage starts in (None for a session of no programme)."""


def first_week(stem: str) -> tuple[str, str, int] | None:
    """``(NAME, what follows the week, K)`` of a programme's session ``NAME.week-K``,
    else None."""
    found = STAGE.match(stem)
    if found is None:
        return None
    return found["name"], found["tail"] or "", int(found["week"])


def grouped(sessions: list[Session]) -> list[Group]:
    """``sessions`` as the list shows them: the sessions of one programme (its files
    ``NAME.week-K``, written together) side by side in week order (week-10 after
    week-2); the groups newest first (by their newest session), then by name."""
    parts: dict[tuple[str, str], list[tuple[int | None, Session]]] = {}
    for session in sessions:
        stage = first_week(session.stem)
        key = (stage[0], stage[1]) if stage else (session.stem, "\0")
        parts.setdefault(key, []).append((stage[2] if stage else None, session))
    groups = []
    for (name, _), members in parts.items():
        members.sort(key=lambda m: (m[0] or 0, m[1].stem))
        groups.append(Group(name, tuple(s for _, s in members), tuple(week for week, _ in members)))
    groups.sort(key=lambda g: (-max(s.modified for s in g.sessions), g.name))
    return groups


def folder_language(sessions: list[Session]) -> str:
    """The language of a page or feed about all of ``sessions``: the one most of them
    are in (of those as many, the first in name order), English for none."""
    counts = Counter(s.language for s in sorted(sessions, key=lambda s: s.stem))
    return counts.most_common(1)[0][0] if counts else "en"


def _with_audio(session: Session, audio: os.stat_result) -> Session:
    return replace(session, size=audio.st_size, modified=audio.st_mtime)


def plain_name(name: str) -> bool:
    """Whether ``name`` can be a served file's name: one path component, not hidden, not
    a build's temporary file, no control characters, no backslash."""
    if not name or name.startswith(".") or name.endswith((PART_SUFFIX, OLD_SUFFIX)):
        return False
    if any(c in "/\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return False
    try:
        return len(name.encode("utf-8")) <= MAX_NAME_BYTES
    except UnicodeEncodeError:
        return False


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _read_all(fd: int, size: int) -> bytes:
    chunks = []
    offset = 0
    while offset <= size:  # one read past the size sees a file that grew meanwhile
        chunk = os.pread(fd, max(size - offset, 0) + 1, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        if offset > MAX_TIMELINE_BYTES:
            raise ValueError("timeline too large")
    return b"".join(chunks)
