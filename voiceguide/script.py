"""The script: a session as steps (what is said, sounded, held and waited), in order,
before anything is voiced or timed. :mod:`voiceguide.plan` writes it;
:mod:`voiceguide.timeline` gives it exact times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from voiceguide.settings import Timing, Value

Role = Literal[
    "intro", "next", "instruction", "start", "release", "switch", "move", "time", "outro"
]
"""What a thing said in sequence is for (``move``: how to get to the other side;
``time``: how long is left)."""
OverlayKind = Literal["countdown", "halfway", "cue", "ready"]
"""What a thing said over a hold (or, ``ready``, over a rest, switch or setup) is for."""
ToneName = Literal["start", "release", "switch", "end"]
WaitKind = Literal["pause", "rest", "switch", "setup"]
"""``rest``, ``switch`` and ``setup`` are timed events; a ``pause`` is breathing room."""


@dataclass(frozen=True)
class Say:
    """Speech, said in sequence; the next step starts when it ends."""

    text: str
    role: Role
    """What it is for."""


@dataclass(frozen=True)
class Tone:
    """A generated chime."""

    name: ToneName


@dataclass(frozen=True)
class Overlay:
    """Speech laid over a hold or a wait: it never lengthens it, and is dropped (with a
    warning) when it does not fit."""

    text: str
    kind: OverlayKind
    at: float
    """Seconds after the hold's (or wait's) start where it should begin."""
    priority: int
    """Lower is kept first when not everything fits."""
    slide: bool = False
    """Whether it may move to the nearest free moment if its own is taken (form cues
    may; the countdown and "halfway" mean a moment and may not)."""


@dataclass(frozen=True)
class Wait:
    """Silence. ``rest``, ``switch`` and ``setup`` are timed events the listener
    lives through (a get-ready cue may be laid over their end); a ``pause`` is just
    breathing room between two things said."""

    seconds: float
    kind: WaitKind
    overlays: tuple[Overlay, ...] = ()


@dataclass(frozen=True)
class Hold:
    """A stretch held for exactly ``seconds``, from the end of its start cue."""

    seconds: float
    exercise: str
    side: str | None
    rep: int
    overlays: tuple[Overlay, ...] = ()
    label: str = ""
    """The side as its start cue says it ("right leg", "правая нога"); "" without sides."""


@dataclass(frozen=True)
class Chapter:
    """Marks where a chapter starts (the intro, each exercise, the closing)."""

    title: str


Step = Say | Tone | Wait | Hold | Chapter


@dataclass(frozen=True)
class Script:
    """The whole session as steps, before anything is voiced or timed."""

    routine: str
    title: str
    steps: tuple[Step, ...]
    timing: Timing
    """The session-wide timing after options: the routine's defaults, overridden."""
    session: Mapping[str, Value]
    """The whole-session settings it was planned with (countdown, chimes, ...)."""
    language: str = "en"
    """The language of its words."""
    exercises: Mapping[str, Timing] = field(default_factory=dict)
    """Each exercise's timing, by name, where it differs from :attr:`timing`."""
    minutes: int | None = None
    """The session's length in minutes as its intro says it (``{minutes}``), or None
    where the intro says none."""

    def texts(self) -> list[str]:
        """Every distinct phrase to voice, in order of first use."""
        found: dict[str, None] = {}
        for step in self.steps:
            if isinstance(step, Say):
                found.setdefault(step.text)
            elif isinstance(step, (Hold, Wait)):
                for overlay in step.overlays:
                    found.setdefault(overlay.text)
        return list(found)

    def tones(self) -> list[str]:
        return list(dict.fromkeys(s.name for s in self.steps if isinstance(s, Tone)))
