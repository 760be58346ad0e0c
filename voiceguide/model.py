"""The routine model: what a routine says, validated, with its defaults.

Durations are seconds (``int`` or ``float``) exactly as the author wrote them; the
timeline turns them into samples. An exercise's own timing values override the
routine's defaults (:class:`~voiceguide.settings.Timing`), which fall back to each
setting's declared default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceguide.limits import LIMITS, Limits, on_step
from voiceguide.settings import DEFAULT_TIMING, Number, Timing

#: The built-in routine built when none is named.
DEFAULT_ROUTINE = "hamstring-relief"

#: The word every ``{side}`` placeholder is replaced with, per side.
SIDE_PLACEHOLDER = "{side}"

#: Replaced in an intro by the session's length in minutes.
MINUTES_PLACEHOLDER = "{minutes}"


@dataclass(frozen=True)
class Exercise:
    """One exercise: what to do, on which sides, and for how long."""

    name: str
    """Shown and spoken as the exercise's title; also its chapter title."""
    instructions: tuple[str, ...] = ()
    """Said before the first hold, with ``{side}`` filled for the first side (none: the
    name, announced, says what to do)."""
    sides: tuple[str, ...] = ()
    """The sides in order (``("right", "left")``), or empty for no sides."""
    switch_instructions: tuple[str, ...] = ()
    """Said after the side-switch cue, with ``{side}`` filled for the new side: how to
    move to the other side (none: the instructions are not repeated)."""
    pauses: tuple[tuple[int, Number], ...] = ()
    """Quiet after some instructions, for a move to make before the next is said: the
    instruction's index and the seconds (``((0, 30),)``: 30 s after the first)."""
    switch_pauses: tuple[tuple[int, Number], ...] = ()
    """The same after some of the :attr:`switch_instructions`."""
    cues: tuple[str, ...] = ()
    """Form reminders laid over the holds, never lengthening them; they take turns."""
    progression: str | None = None
    """Said between reps on the same side ("slide your hips closer to the wall")."""
    side_label: str | tuple[tuple[str, str], ...] | None = None
    """How a side is announced before a hold: a text with ``{side}`` ("{side} leg"), or
    each side's own words (``(("rechts", "rechtes Bein"), ...)``, for languages whose
    words agree); None for the phrasebook's."""
    own: tuple[tuple[str, Number], ...] = ()
    """The timing values this exercise sets itself (``(("hold", 45),)``), over the
    routine's defaults."""
    line: int | None = None
    """Line of the exercise in its file, for messages."""
    holds: bool = True
    """False for an exercise of words and quiet alone (``hold: none``: a breathing
    exercise): its instructions, said in turn with their pauses, are all it is."""

    def timing(self, defaults: Timing) -> Timing:
        """This exercise's timing: its own values over the routine's defaults."""
        return defaults.replace(dict(self.own))


@dataclass(frozen=True)
class Routine:
    """A whole routine, as loaded from YAML and validated."""

    name: str
    """Short name: the file's stem or the built-in's name; names the output files."""
    title: str
    exercises: tuple[Exercise, ...]
    description: str = ""
    language: str = "en"
    """The BCP 47 tag of its words (a supported one): its phrasebook and default voice."""
    intro: str = ""
    outro: tuple[str, ...] = ()
    """Said last, in turn (a text written alone is one)."""
    outro_pauses: tuple[tuple[int, Number], ...] = ()
    """Quiet after some of the :attr:`outro`'s texts: time to get up, as
    :attr:`Exercise.pauses`."""
    bed: str = ""
    """The ``bed:`` key as written: a generated bed's name or a file relative to
    :attr:`source`'s folder; empty for none."""
    bed_line: int | None = None
    """The line of the ``bed:`` key, for a message about the file it names."""
    defaults: Timing = field(default_factory=Timing)
    source: str = ""
    """Where it came from: a file path, or ``built-in:NAME``."""


__all__ = [
    "DEFAULT_ROUTINE",
    "DEFAULT_TIMING",
    "LIMITS",
    "Exercise",
    "Limits",
    "Routine",
    "MINUTES_PLACEHOLDER",
    "SIDE_PLACEHOLDER",
    "Timing",
    "on_step",
]
