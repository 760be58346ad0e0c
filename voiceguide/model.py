"""The routine model: what a routine says, validated, with its defaults and limits.

Durations are seconds (``int`` or ``float``) exactly as the author wrote them; the
timeline turns them into samples. ``None`` on an exercise means "use the routine's
default" (and the routine's defaults fall back to :data:`DEFAULT_TIMING`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The built-in routine built when none is named.
DEFAULT_ROUTINE = "hamstring-relief"

#: The word every ``{side}`` placeholder is replaced with, per side.
SIDE_PLACEHOLDER = "{side}"


@dataclass(frozen=True)
class Limits:
    """Every bound on a routine and its options, kept in one place.

    They are generous for any real routine and stop the absurd ones (a typo of
    3000 for 30, a pasted novel) before anything is synthesised.
    """

    max_hold: float = 600.0
    """Longest hold, seconds (ten minutes)."""
    max_pause: float = 600.0
    """Longest rest, switch or setup time, seconds."""
    min_duration: float = 0.1
    """Shortest hold, rest, switch or setup that is not zero, seconds."""
    duration_step: float = 0.1
    """Durations go in tenths of a second: always a whole number of samples and of
    milliseconds (at 22050 Hz, only multiples of 20 ms are both)."""
    max_reps: int = 20
    """Most repetitions per side."""
    max_exercises: int = 50
    """Most exercises in one routine."""
    max_texts: int = 30
    """Most instructions or cues in one exercise."""
    max_text_chars: int = 1000
    """Longest single text (one instruction, cue, intro or outro)."""
    max_sides: int = 4
    """Most sides for one exercise."""
    max_session_seconds: float = 3 * 3600.0
    """Longest session, seconds, speech included (estimated). Checked when the session
    is planned, with the options applied, before anything is voiced."""
    max_file_bytes: int = 1_000_000
    """Largest routine file read; only this many bytes (plus one) are ever read, so a
    device like ``/dev/zero`` cannot fill the memory. Only regular files are read at all
    (a pipe could block forever)."""
    max_depth: int = 10
    """Deepest nesting of YAML collections accepted (a routine needs four)."""
    max_nodes: int = 100_000
    """Most YAML values (scalars, lists and mappings) in one file. The largest routine
    the other limits allow has about 5,000; this bounds the memory and time spent on a
    hostile file, and is checked while parsing, before the values are built."""


LIMITS = Limits()


def on_step(seconds: float) -> bool:
    """Whether ``seconds`` is a whole number of :attr:`Limits.duration_step`."""
    steps = seconds / LIMITS.duration_step
    return abs(steps - round(steps)) < 1e-6


@dataclass(frozen=True)
class Timing:
    """The timing knobs of a routine; each is also a command-line option."""

    hold: float = 30
    """Seconds each hold lasts, from the end of its start cue to its release cue."""
    reps: int = 2
    """Holds per side."""
    rest: float = 10
    """Seconds from the end of a release cue to the next start cue (same side)."""
    switch: float = 5
    """Seconds from the end of the side-switch cue to the next start cue."""
    setup: float = 8
    """Seconds from the end of an exercise's instructions to its first start cue."""


DEFAULT_TIMING = Timing()

#: The keys of :class:`Timing`, in the order they are shown.
TIMING_KEYS = ("hold", "reps", "rest", "switch", "setup")


@dataclass(frozen=True)
class Exercise:
    """One exercise: what to do, on which sides, and for how long."""

    name: str
    """Shown and spoken as the exercise's title; also its chapter title."""
    instructions: tuple[str, ...]
    """Said before the first hold, with ``{side}`` filled for the first side."""
    sides: tuple[str, ...] = ()
    """The sides in order (``("right", "left")``), or empty for no sides."""
    cues: tuple[str, ...] = ()
    """Form reminders laid over each hold, never lengthening it."""
    progression: str | None = None
    """Said between reps on the same side ("slide your hips closer to the wall")."""
    side_label: str = "{side} leg"
    """How a side is announced before a hold ("right leg")."""
    hold: float | None = None
    reps: int | None = None
    rest: float | None = None
    switch: float | None = None
    setup: float | None = None
    line: int | None = None
    """Line of the exercise in its file, for messages."""

    def timing(self, defaults: Timing) -> Timing:
        """This exercise's timing: its own values over the routine's defaults."""
        own = {k: getattr(self, k) for k in TIMING_KEYS if getattr(self, k) is not None}
        return Timing(**{**{k: getattr(defaults, k) for k in TIMING_KEYS}, **own})


@dataclass(frozen=True)
class Routine:
    """A whole routine, as loaded from YAML and validated."""

    name: str
    """Short name: the file's stem or the built-in's name; names the output files."""
    title: str
    exercises: tuple[Exercise, ...]
    description: str = ""
    intro: str = ""
    outro: str = ""
    defaults: Timing = field(default_factory=Timing)
    source: str = ""
    """Where it came from: a file path, or ``built-in:NAME``."""
