"""What the player shows at each moment of a session, from its timeline: "Hold · right
leg" with the seconds left, "Rest", "Switch to your left leg", "Get ready", or the
exercise being explained; beneath it the exercise, then "Next: ..." and the words being
said.

The words are the session's own language's, from its phrasebook, as the voice says
them: the word that starts a hold ("Mantén"), the side label, and the last sentence of
the release-and-rest phrase ("And release. Rest." → "Rest"); the page's own words (its
buttons, "Chapters") are from the phrasebook's ``page``. The page's script only looks
up the moment it is at (:func:`player_data`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voiceguide.phrases import DEFAULT_LANGUAGE, Phrasebook, canonical, page_words, phrasebook
from voiceguide.plan import fill
from voiceguide.serve.folder import Session

SCRIPT_WORDS = ("play", "pause", "start", "finished", "unavailable")
"""The page's words that its script writes (:data:`voiceguide.phrases` ``page``)."""

SPANS = ("hold", "rest", "switch", "setup")
"""The timeline's kinds of event that a listener lives through, counted down."""


@dataclass(frozen=True)
class Labels:
    """The words of the player's "now" in one language."""

    hold: str
    side: str
    """The side label, ``{side}`` to fill (``{side} leg``)."""
    rest: str
    switch: str
    """Switching sides, ``{side}`` to fill with the side's label."""
    ready: str
    next: str
    """``{name}`` to fill."""
    seconds: str
    """``{n}`` to fill (``{n} s``)."""


def labels(language: str) -> Labels:
    """The labels of ``language`` (English when it has no phrasebook)."""
    book = phrasebook(canonical(language) or DEFAULT_LANGUAGE)
    return Labels(
        hold=_bare(_phrase(book, "hold")),
        side=book.side_label,
        rest=_last_sentence(_phrase(book, "release_rest")),
        switch=_bare(_phrase(book, "switch")),
        ready=_bare(_phrase(book, "ready")),
        next=_bare(_phrase(book, "next")),
        seconds=book.handout["seconds"],
    )


def _phrase(book: Phrasebook, key: str) -> str:
    phrase = book.phrases[key]
    return phrase if isinstance(phrase, str) else phrase["other"]


def _bare(text: str) -> str:
    """``text`` without the punctuation that ends it ("Hold." → "Hold")."""
    return text.strip().rstrip(".:!。 ").strip()


def _last_sentence(text: str) -> str:
    return _bare(re.split(r"(?<=[.!?])\s+", text.strip())[-1])


@dataclass(frozen=True)
class Step:
    """What is shown from ``start`` to ``end`` (seconds)."""

    start: float
    end: float
    main: str
    until: float | None
    """When the span counted down ends (the seconds left are shown), or None."""
    detail: str
    next: str


def steps(session: Session, words: Labels | None = None) -> list[Step]:
    """The session cut where what is shown changes, from 0 to its end."""
    words = words or labels(session.language)
    events = [e for e in session.document.get("events", []) if isinstance(e, dict)]
    said = _side_labels(session.document)
    spans = sorted(
        (_labelled(e, said) for e in events if e.get("kind") in SPANS and _times(e)),
        key=lambda e: e["start"],
    )
    holds = [e for e in spans if e["kind"] == "hold"]
    # "Get ready: left leg." said in the last seconds of a rest or a switch
    readies = [float(e["start"]) for e in events if e.get("kind") == "speech" and _times(e)
               and str(e.get("text", "")).startswith(words.ready)]  # fmt: skip
    # the switch cue (its tone, or "Switch to your left leg."), where changing sides begins
    prefix = words.switch.split("{side}")[0]
    switching = [float(e["start"]) for e in events if _times(e) and (
        (e.get("kind") == "tone" and e.get("name") == "switch")
        or (e.get("kind") == "speech" and str(e.get("text", "")).startswith(prefix)))]  # fmt: skip
    chapters = sorted(session.chapters, key=lambda c: c.start)
    exercises = set(session.exercises)
    cuts = {0.0, session.duration, *readies, *switching}
    for e in spans:
        cuts.update((float(e["start"]), float(e["end"])))
    cuts.update(c.start for c in chapters)
    points = sorted(t for t in cuts if 0 <= t <= session.duration)
    shown: list[Step] = []
    for start, end in zip(points, points[1:]):
        if end <= start:
            continue
        middle = (start + end) / 2
        span = next((e for e in spans if e["start"] <= middle < e["end"]), None)
        chapter = next((c for c in reversed(chapters) if c.start <= middle), None)
        coming = next((c for c in chapters if c.start > middle and c.title in exercises), None)
        # Just before a hold its start cue is said ("Right leg. Hold."), before a rest
        # the release, before a switch its cue and the words for the move: each is shown
        # from the moment it is named, its seconds only once it has begun.
        coming_span = next((e for e in spans if e["start"] >= end), None)
        named = span
        if span is None and coming_span is not None:
            # the release cue before a rest ("And release. Rest.") is the rest beginning
            cued = coming_span["kind"] in ("hold", "rest") and coming_span["start"] == end
            since = max((e["end"] for e in spans if e["end"] <= start), default=0.0)
            cued |= coming_span["kind"] == "switch" and any(since <= c <= start for c in switching)
            named = coming_span if cued else None
        readying = span is not None and any(span["start"] <= r <= middle for r in readies)
        title = chapter.title if chapter else ""
        main = _main(named, holds, words, readying) if named else title
        step = Step(
            start=start,
            end=end,
            main=main,
            until=float(span["end"]) if span else None,
            detail=_exercise(named, chapter) if named else "",
            next=words.next.replace("{name}", coming.title) if coming else "",
        )
        if shown and _same(shown[-1], step):
            shown[-1] = Step(**{**shown[-1].__dict__, "end": end})
        else:
            shown.append(step)
    return shown


def _times(event: Mapping[str, Any]) -> bool:
    start, end = event.get("start"), event.get("end")
    return isinstance(start, (int, float)) and isinstance(end, (int, float)) and start < end


def _main(
    span: Mapping[str, Any], holds: Sequence[Mapping[str, Any]], words: Labels, readying: bool
) -> str:
    """What ``span`` is shown as: a hold with its side, a rest, a switch to the side to
    come; a setup, and a rest or a switch once ``readying`` (its get-ready cue said), as
    getting ready for the side to come."""
    kind = span["kind"]
    if kind == "hold":
        return f"{words.hold} · {_side(span, words)}" if span.get("side") else words.hold
    if kind == "rest" and not readying:
        return words.rest
    after = next((h for h in holds if h["start"] >= span["end"]), None)
    side = _side(after, words) if after is not None and after.get("side") else None
    if kind == "switch" and side and not readying:
        return fill(words.switch, side)
    return f"{words.ready} · {side}" if side else words.ready


def _side_labels(document: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """``{(exercise, side): label}`` as the timeline's settings record how each side was
    said (``side_labels``), where they do."""
    settings = document.get("settings")
    recorded = settings.get("side_labels") if isinstance(settings, dict) else None
    if not isinstance(recorded, dict):
        return {}
    return {
        (exercise, side): label
        for exercise, sides in recorded.items()
        if isinstance(sides, dict)
        for side, label in sides.items()
        if isinstance(label, str) and label
    }


def _labelled(event: Mapping[str, Any], said: Mapping[tuple[str, str], str]) -> Mapping[str, Any]:
    """A hold ``event`` with its side's label, where the timeline records it."""
    label = said.get((str(event.get("exercise")), str(event.get("side"))))
    return {**event, "label": label} if event.get("kind") == "hold" and label else event


def _side(hold: Mapping[str, Any], words: Labels) -> str:
    """A hold's side as its start cue says it (the routine's own label: "правая нога",
    "right arm"); from a timeline without it, the phrasebook's label filled."""
    label = hold.get("label")
    return label if isinstance(label, str) and label else fill(words.side, hold["side"])


def _exercise(span: Mapping[str, Any], chapter: Any) -> str:
    exercise = span.get("exercise")
    if isinstance(exercise, str):
        return exercise
    return chapter.title if chapter is not None else ""


def _same(a: Step, b: Step) -> bool:
    return (a.main, a.until, a.detail, a.next) == (b.main, b.until, b.detail, b.next)


def shown_at(shown: list[Step], seconds: float, words: Labels) -> str:
    """The "now" line at ``seconds``, as the page shows it ("Hold · right leg · 12 s")."""
    step = next((s for s in shown if s.start <= seconds < s.end), shown[-1] if shown else None)
    if step is None:
        return ""
    if step.until is None:
        return step.main
    left = max(1, math.ceil(step.until - seconds - 1e-6))  # whole seconds left, rounded up
    return f"{step.main} · {words.seconds.replace('{n}', str(left))}"


def player_data(session: Session) -> dict[str, Any]:
    """Everything the player's script needs: the steps, the spoken words with their
    times, the chapters, the word for seconds and the words the script writes on the
    page (the play button's label, the line under the controls)."""
    words = labels(session.language)
    page = page_words(session.language)
    events = [e for e in session.document.get("events", []) if isinstance(e, dict)]
    return {
        "duration": session.duration,
        "seconds": words.seconds,
        "steps": [
            {
                "start": s.start,
                "end": s.end,
                "main": s.main,
                "until": s.until,
                "detail": s.detail,
                "next": s.next,
            }
            for s in steps(session, words)
        ],  # fmt: skip
        "captions": [
            [e["start"], e["end"], e["text"]]
            for e in events
            if e.get("kind") == "speech" and _times(e) and isinstance(e.get("text"), str)
        ],
        "chapters": [{"title": c.title, "start": c.start, "end": c.end} for c in session.chapters],
        "words": {key: page[key] for key in SCRIPT_WORDS},
    }
