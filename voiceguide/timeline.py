"""Script + clip lengths → Timeline: every event at an exact sample; its JSON form.

All positions are integer samples on a grid whose step is a whole number of
milliseconds (at 22050 Hz, 441 samples = 20 ms), so every time written to JSON is
exact to the millisecond. Durations come in tenths of a second (the model refuses
others), which are always on the grid, so every duration there is exactly what was
asked. Speech is given the
grid slot that holds its clip; the rest of the slot is silence.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from voiceguide.script import Chapter, Hold, Overlay, OverlayKind, Role, Say, Script, Tone, Wait

FORMAT = "voiceguide-timeline/1"
TIMED_WAITS = ("rest", "switch", "setup")
"""Waits that are events in the timeline; a plain ``pause`` is not."""
OVERLAY_GAP = 0.3
"""Seconds of quiet kept between two utterances laid over one hold."""


EventKind = Literal["speech", "tone", "hold", "rest", "switch", "setup", "bed"]
Key = tuple[str, str]
"""A distinct sound: ``("speech", text)`` or ``("tone", name)``."""


@dataclass(frozen=True)
class Event:
    """One thing in the session, from ``start`` to ``end`` (samples)."""

    kind: EventKind
    start: int
    end: int
    text: str | None = None
    name: str | None = None
    seconds: float | None = None
    exercise: str | None = None
    side: str | None = None
    rep: int | None = None
    role: Role | OverlayKind | None = None
    """For speech: what it is for."""

    @property
    def audible(self) -> bool:
        return self.kind in ("speech", "tone")

    @property
    def sound(self) -> Key:
        """Which distinct sound it makes: ``("speech", text)`` or ``("tone", name)``."""
        if self.kind == "speech":
            return ("speech", self.text or "")
        return ("tone", self.name or "")


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Timeline:
    routine: str
    title: str
    rate: int
    duration: int
    """Samples in the whole session."""
    events: tuple[Event, ...]
    chapters: tuple[ChapterMark, ...]
    warnings: tuple[str, ...] = field(default=())
    language: str = "en"
    """The language of its words (BCP 47)."""

    def audible(self) -> list[Event]:
        """Speech and tone events in order of start (they never overlap)."""
        return [e for e in self.events if e.audible]

    def seconds(self, samples: int) -> float:
        return round(samples / self.rate, 3)


def with_bed(timeline: Timeline, name: str) -> Timeline:
    """``timeline`` with an event of kind ``bed`` spanning the whole session, first."""
    bed = Event("bed", 0, timeline.duration, name=name)
    return replace(timeline, events=(bed, *timeline.events))


def grid(rate: int) -> int:
    """Samples in the smallest step that is a whole number of milliseconds."""
    return rate // math.gcd(rate, 1000)


class _Clock:
    """Turns seconds and clip lengths into samples on the grid."""

    def __init__(self, rate: int):
        self.rate = rate
        self.step = grid(rate)

    def span(self, seconds: float) -> int:
        """A duration, rounded to the nearest grid step."""
        return round(seconds * self.rate / self.step) * self.step

    def slot(self, samples: int) -> int:
        """Room for a clip of ``samples``: rounded up to the grid."""
        return -(-samples // self.step) * self.step


def schedule(
    script: Script, speech: Mapping[str, int], tones: Mapping[str, int], rate: int
) -> Timeline:
    """Lay the script out in time: ``speech`` and ``tones`` give each clip's length in
    samples (speech already trimmed of silence)."""
    clock = _Clock(rate)
    events: list[Event] = []
    marks: list[tuple[str, int]] = []
    dropped: dict[tuple[str, str, float], int] = {}
    now = 0
    for step in script.steps:
        if isinstance(step, Chapter):
            marks.append((step.title, now))
        elif isinstance(step, Say):
            end = now + clock.slot(speech[step.text])
            events.append(Event("speech", now, end, text=step.text, role=step.role))
            now = end
        elif isinstance(step, Tone):
            end = now + clock.slot(tones[step.name])
            events.append(Event("tone", now, end, name=step.name))
            now = end
        elif isinstance(step, Wait):
            end = now + clock.span(step.seconds)
            if step.kind != "pause":  # rest, switch and setup are lived through
                events.append(Event(step.kind, now, end, seconds=step.seconds))
                events += _lay_over(step.overlays, now, end, speech, clock, step, dropped)
            now = end
        elif isinstance(step, Hold):
            end = now + clock.span(step.seconds)
            events.append(
                Event(
                    "hold",
                    now,
                    end,
                    seconds=step.seconds,
                    exercise=step.exercise,
                    side=step.side,
                    rep=step.rep,
                )
            )
            events += _lay_over(step.overlays, now, end, speech, clock, step, dropped)
            now = end
    chapters = tuple(
        ChapterMark(title, start, marks[i + 1][1] if i + 1 < len(marks) else now)
        for i, (title, start) in enumerate(marks)
    )
    events.sort(key=lambda e: (e.start, e.kind != "hold"))
    said = {e.text for e in events if e.role == "cue"}
    warnings = tuple(
        f"the cue '{text}' did not fit in {count} {kind}{'s' if count > 1 else ''} "
        f"of {seconds:g} s and was left out"
        for (text, kind, seconds), count in dropped.items()
        if text not in said  # a form cue that did not fit one hold was said in another
    )
    return Timeline(script.routine, script.title, rate, now, tuple(events), chapters, warnings,
                    script.language)  # fmt: skip


def _lay_over(
    overlays: tuple[Overlay, ...],
    start: int,
    end: int,
    speech: Mapping[str, int],
    clock: _Clock,
    span: Hold | Wait,
    dropped: dict[tuple[str, str, float], int],
) -> list[Event]:
    """Place the overlays of a hold or wait by priority, each at its moment or, if it
    may slide, at the nearest free one; those that do not fit are counted out."""
    gap = clock.span(OVERLAY_GAP)
    taken: list[tuple[int, int]] = []
    placed: list[Event] = []
    for overlay in sorted(overlays, key=lambda o: (o.priority, o.at)):
        length = clock.slot(speech[overlay.text])
        wanted = start + clock.span(overlay.at)
        options = [wanted]
        if overlay.slide:
            options += [b + gap for _, b in taken] + [a - gap - length for a, _ in taken]
        fits = [
            t
            for t in options
            if start <= t
            and t + length <= end
            and all(t + length + gap <= a or t >= b + gap for a, b in taken)
        ]
        if fits:
            begin = min(fits, key=lambda t: (abs(t - wanted), t))
            taken.append((begin, begin + length))
            placed.append(
                Event("speech", begin, begin + length, text=overlay.text, role=overlay.kind)
            )
        else:
            kind = "hold" if isinstance(span, Hold) else span.kind
            key = (overlay.text, kind, span.seconds)
            dropped[key] = dropped.get(key, 0) + 1
    return placed


# -- the JSON cue sheet ----------------------------------------------------------------


def to_json(
    timeline: Timeline, *, audio: str, settings: Mapping[str, object], notes: str = ""
) -> dict:
    """The timeline as the ``voiceguide-timeline/1`` document (times in seconds), with
    ``notes`` for the listener (a programme's: the phone shows them) where there are any."""
    sec = timeline.seconds
    return {
        "format": FORMAT,
        "routine": timeline.routine,
        "title": timeline.title,
        **({"notes": notes} if notes else {}),
        "audio": audio,
        "duration": sec(timeline.duration),
        "sample_rate": timeline.rate,
        "settings": dict(settings),
        "chapters": [
            {"title": c.title, "start": sec(c.start), "end": sec(c.end)} for c in timeline.chapters
        ],
        "events": [_event_json(e, sec) for e in timeline.events],
    }


def _event_json(event: Event, sec) -> dict:
    out: dict[str, object] = {"kind": event.kind, "start": sec(event.start), "end": sec(event.end)}
    if event.kind == "speech":
        out["text"] = event.text
    elif event.kind in ("tone", "bed"):
        out["name"] = event.name
    else:
        out["seconds"] = event.seconds
        if event.kind == "hold":
            out.update(exercise=event.exercise, side=event.side, rep=event.rep)
    return out


def stamp(ms: int) -> str:
    """Milliseconds as ``HH:MM:SS.mmm``, as WebVTT and Vorbis chapters write time."""
    hours, rest = divmod(ms, 3_600_000)
    return f"{hours:02d}:{rest // 60_000:02d}:{rest % 60_000 / 1000:06.3f}"


def to_webvtt(timeline: Timeline) -> str:
    """Every speech event as a WebVTT cue, for players that show subtitles."""

    def at(samples: int) -> str:
        return stamp(round(samples * 1000 / timeline.rate))

    cues = [
        f"{at(e.start)} --> {at(e.end)}\n{e.text}" for e in timeline.events if e.kind == "speech"
    ]
    return f"WEBVTT\nLanguage: {timeline.language}\n\n" + "\n\n".join(cues) + "\n"


# -- the readable form -------------------------------------------------------------------


QUIET_SHOWN = 2.0
"""Seconds of quiet between two things said from which :func:`describe` shows it: a
pause a routine asks for (the breaths between sentences are shorter)."""


def describe(timeline: Timeline, width: int = 100) -> list[str]:
    """The timeline as a table a routine author can read: time, length, what happens;
    what is said in full, a long text wrapped within ``width`` under its first line."""

    def clock(samples: int) -> str:
        whole = int(samples / timeline.rate)
        return f"{whole // 60:02d}:{whole % 60:02d}"

    def length(start: int, end: int) -> str:
        return f"{(end - start) / timeline.rate:5.1f}s"

    lines = [f"{'time':>5}  {'length':>6}  what"]
    chapters = list(timeline.chapters)
    spans = [e for e in timeline.events if e.kind in ("hold", "rest", "switch", "setup")]
    done = 0  # where the last event not laid over another ended
    for event in timeline.events:
        inside = event.kind == "speech" and any(h.start <= event.start < h.end for h in spans)
        if event.kind != "bed" and not inside and event.start - done >= QUIET_SHOWN * timeline.rate:
            quiet = length(done, event.start)
            lines.append(f"{clock(done):>5}  {quiet:>6}  quiet, to do what was said")
        while chapters and chapters[0].start <= event.start:
            lines.append(f"{'':>5}  {'':>6}  == {chapters.pop(0).title} ==")
        if event.kind == "speech":
            what = f'{"   ~ " if inside else ""}"{event.text}"'
        elif event.kind == "tone":
            what = f"[{event.name} tone]"
        elif event.kind == "bed":
            what = f"[bed: {event.name}, under the whole session]"
        elif event.kind == "hold":
            side = f", {event.side}" if event.side else ""
            what = f"HOLD {event.exercise}{side}, rep {event.rep}"
        else:
            what = {
                "rest": "rest",
                "switch": "move to the other side",
                "setup": "get into position",
            }[event.kind]
        done = done if inside or event.kind == "bed" else max(done, event.end)
        head = f"{clock(event.start):>5}  {length(event.start, event.end):>6}  "
        lines += textwrap.wrap(what, width, initial_indent=head, subsequent_indent=" " * (
            len(head) + (5 if inside else 0) + 1), break_on_hyphens=False)  # fmt: skip
    lines += [f"{'':>5}  {'':>6}  == {c.title} ==" for c in chapters]
    lines.append(f"{clock(timeline.duration):>5}  {'':>6}  end")
    return lines
