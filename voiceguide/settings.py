"""Every setting of a session, declared once: its name, kind, bounds, default, unit and
help text.

Everything else derives from :data:`SETTINGS`: the routine keys (``defaults:`` and each
exercise's own), the command-line options and their help, the one check with its one
message (:meth:`Setting.check`), and the ``settings`` the timeline records. Adding a
setting is one declaration here, plus its behaviour where it acts.

Messages here speak of the setting, as a predicate ("must be between 0.1 and 600
seconds, got 0"); whoever shows one names the subject: the command line its flag
(``--hold``), the routine loader its key and line.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from voiceguide.limits import LIMITS, on_step
from voiceguide.phrases import DEFAULT_LANGUAGE, canonical, languages

Number = int | float
Value = int | float | bool | str | None

Kind = Literal["seconds", "whole", "decibels", "flag", "choice", "text", "language"]
Scope = Literal["exercise", "routine", "session", "voice"]
"""Where a setting applies. ``exercise``: a routine's ``defaults:`` and each exercise's
own keys, and on the command line ``VALUE`` or ``NAME=VALUE`` for one exercise.
``routine``: a key at the top of a routine, and an option that picks a built-in's
version. ``session``: the whole session, from the command line. ``voice``: which voice
speaks."""


class SettingError(ValueError):
    """A value a setting does not take; ``message`` is a predicate naming no subject."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Setting:
    """One setting, as every part of voiceguide knows it."""

    name: str
    help: str
    """One sentence for ``--help``, the README and the schema."""
    kind: Kind
    default: Value
    scope: Scope
    low: float = 0
    high: float = 0
    unit: str = ""
    """For whole numbers, what they count, as said after "a whole number" (" of seconds")."""
    choices: tuple[str, ...] = ()
    recorded: bool = True
    """Whether the timeline's ``settings`` records it."""
    metavar: str = ""
    shown_default: str = ""
    """The default as ``--help`` shows it, when :attr:`default` is None (decided later)."""

    @property
    def flag(self) -> str:
        """The command-line option: ``--hold``."""
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any, shown: str | None = None) -> Value:
        """``value`` as the setting keeps it (``45.0`` → ``45``), or :class:`SettingError`.
        ``shown`` is the value as the user wrote it, for the message."""
        said = shown if shown is not None else _shown(value)
        if self.kind == "seconds":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SettingError(f"{self.bounds()}, got {said}")
            if not (_finite(value) and self.low <= value <= self.high):
                raise SettingError(f"{self.bounds()}, got {said}")
            if not on_step(value):
                raise SettingError(f"goes in tenths of a second, got {said}")
            return int(value) if float(value).is_integer() else value
        if self.kind == "decibels":
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not (number and _finite(value) and self.low <= value <= self.high):
                raise SettingError(f"{self.bounds()}, got {said}")
            return int(value) if float(value).is_integer() else round(float(value), 1)
        if self.kind == "whole":
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or not self.low <= value <= self.high:
                raise SettingError(f"{self.bounds()}, got {said}")
            return value
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise SettingError(f"must be true or false, got {said}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise SettingError(f"{self.bounds()}, got {said}")
            return value
        if self.kind == "language":
            known = canonical(value) if isinstance(value, str) else None
            if known is None:
                raise SettingError(f"{self.bounds()}, got {said}")
            return known
        if not isinstance(value, str) or not value.strip():
            raise SettingError(f"must be text, got {said}")
        return value

    def parse(self, text: str) -> Value:
        """The value of ``text`` as typed on a command line, checked."""
        if self.kind in ("seconds", "whole", "decibels"):
            number = _number(text, int if self.kind == "whole" else float)
            return self.check(number, text.strip() if number is not None else f"'{text}'")
        if self.kind == "flag":
            words = {
                "true": True,
                "yes": True,
                "on": True,
                "false": False,
                "no": False,
                "off": False,
            }
            return self.check(words.get(text.strip().lower(), text))
        return self.check(text)

    def bounds(self) -> str:
        """What the setting takes, as a predicate: "must be between 0.1 and 600 seconds"."""
        if self.kind == "seconds":
            return f"must be between {self.low:g} and {self.high:g} seconds"
        if self.kind == "whole":
            return f"must be a whole number{self.unit} from {self.low:g} to {self.high:g}"
        if self.kind == "decibels":
            return f"must be between {self.low:g} and {self.high:g} dB"
        if self.kind == "choice":
            return "must be one of " + ", ".join(self.choices)
        if self.kind == "language":
            return "must be a language voiceguide speaks: " + ", ".join(languages())
        return "must be text"

    @property
    def placeholder(self) -> str:
        """How a value is written in help: SECONDS, N, a choice's name."""
        kinds = {"seconds": "SECONDS", "whole": "N", "decibels": "DB", "language": "LANG"}
        return self.metavar or kinds.get(self.kind, "TEXT")


def _number(text: str, kind: type) -> Number | None:
    try:
        return kind(text.strip())
    except (ValueError, TypeError):
        return None


def _finite(value: Number) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


ENGINES = ("pyttsx3", "piper")
"""The speech engines, the first the default."""

SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="hold", kind="seconds", default=30, scope="exercise",
        low=LIMITS.min_duration, high=LIMITS.max_hold,
        help="Seconds each hold lasts, from the end of its start cue to its release.",
    ),
    Setting(
        name="reps", kind="whole", default=2, scope="exercise", low=1, high=LIMITS.max_reps,
        help="Holds on each side.",
    ),
    Setting(
        name="rest", kind="seconds", default=10, scope="exercise",
        low=LIMITS.min_duration, high=LIMITS.max_pause,
        help="Seconds of rest between reps, from the release cue to the next start cue.",
    ),
    Setting(
        name="switch", kind="seconds", default=5, scope="exercise",
        low=LIMITS.min_duration, high=LIMITS.max_pause,
        help="Seconds to change sides, from the side-switch cue (and the words for moving) "
        "to the next start cue.",
    ),
    Setting(
        name="setup", kind="seconds", default=8, scope="exercise",
        low=LIMITS.min_duration, high=LIMITS.max_pause,
        help="Seconds to get into position, from an exercise's instructions to its first "
        "start cue.",
    ),
    Setting(
        name="ready", kind="seconds", default=5, scope="exercise", low=0, high=LIMITS.max_pause,
        help="Seconds before the start cue that a get-ready cue begins, after a rest, a side "
        "switch or the setup (0 for none).",
    ),
    Setting(
        name="language", kind="language", default=DEFAULT_LANGUAGE, scope="routine",
        help="The language of every word said (a BCP 47 tag such as es or pt-BR): a routine "
        "file's own; for a built-in, which translation.",
    ),
    Setting(
        name="announce_times", kind="flag", default=False, scope="session",
        help='Say how long each hold lasts ("Hold for 30 seconds.") and, between exercises, '
        "about how long is left.",
    ),
    Setting(
        name="engine", kind="choice", default=ENGINES[0], scope="voice", choices=ENGINES,
        metavar="[" + "|".join(ENGINES) + "]", help="Speech engine.",
    ),
    Setting(
        name="voice", kind="text", default=None, scope="voice", shown_default="the engine's",
        help="Voice id or name, from 'voiceguide voices'.",
    ),
    Setting(
        name="rate", kind="whole", default=None, scope="voice", low=80, high=300,
        unit=" of words a minute", shown_default="150", help="Speaking rate, in words a minute.",
    ),
    Setting(
        name="countdown", kind="whole", default=3, scope="session", low=0,
        high=LIMITS.max_countdown, unit=" of seconds",
        help="Seconds counted down aloud at the end of each hold (0 for none).",
    ),
    Setting(
        name="chimes", kind="flag", default=True, scope="session",
        help="Tones at the start and end of holds, at side switches and at the end.",
    ),
    Setting(
        name="halfway", kind="flag", default=True, scope="session",
        help='Say "Halfway" in the middle of holds of 10 seconds or more.',
    ),
    Setting(
        name="bed", kind="text", default=None, scope="session", recorded=False,
        metavar="NAME|FILE", shown_default="the routine's, else none",
        help="A soft sound under the voice: brown (noise), drone (a pad), or an audio file "
        "(MP3, OGG, M4A, WAV, FLAC), looped; --no-bed for none.",
    ),
    Setting(
        name="bed_level", kind="decibels", default=20, scope="session", low=6, high=40,
        recorded=False, help="How far the bed sits under the voice, dB.",
    ),
    Setting(
        name="duck", kind="decibels", default=12, scope="session", low=0, high=30,
        recorded=False, help="How much further the bed drops under each word and tone, dB.",
    ),
    Setting(
        name="model", kind="text", default=None, scope="voice", recorded=False, metavar="PATH",
        shown_default="the packaged voice",
        help="A Piper .onnx voice, its .onnx.json beside it (--engine piper only).",
    ),
)  # fmt: skip

PAUSE = Setting(
    name="pause", kind="seconds", default=None, scope="exercise",
    low=LIMITS.min_duration, high=LIMITS.max_pause,
    help="Seconds of quiet after an instruction (or a step of the closing), to make one"
    " move before the next is said.",
)  # fmt: skip
"""Not a setting of the session (no option sets it): an item among an exercise's
instructions or the routine's outro, ``- pause: 30``, checked as the timings are."""

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def of_scope(scope: Scope) -> tuple[Setting, ...]:
    """The settings of one scope, in declaration order."""
    return tuple(s for s in SETTINGS if s.scope == scope)


EXERCISE_SETTINGS = of_scope("exercise")
EXERCISE_KEYS = tuple(s.name for s in EXERCISE_SETTINGS)
"""The timing keys of a routine's ``defaults:`` and of each exercise."""


class Timing(Mapping[str, Number]):
    """A value for every exercise-scope setting (hold, reps, rest, ...): the defaults
    where none is given. Read as attributes (``timing.hold``) or as a mapping."""

    __slots__ = ("_values",)
    _values: dict[str, Number]

    def __init__(self, values: Mapping[str, Number] | None = None, **given: Number):
        merged: dict[str, Number] = {s.name: s.default for s in EXERCISE_SETTINGS}  # type: ignore[misc]
        for key, value in {**(values or {}), **given}.items():
            if key not in merged:
                raise TypeError(f"{key!r} is not a timing setting ({', '.join(merged)})")
            merged[key] = value
        object.__setattr__(self, "_values", merged)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Timing is immutable; use replace()")

    def __getitem__(self, key: str) -> Number:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timing) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        return f"Timing({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Timing, (self._values,))

    def replace(self, changes: Mapping[str, Number] | None = None, **more: Number) -> Timing:
        """A copy with ``changes`` applied."""
        return Timing({**self._values, **(changes or {}), **more})


DEFAULT_TIMING = Timing()


def clock(seconds: float) -> str:
    """A length as people read it: ``648`` → "10:48"; ``9266`` → "2:34:26"."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def counted(count: int, noun: str) -> str:
    """``count`` of ``noun`` in English: ``1, "phrase"`` → "1 phrase"; ``2`` → "2 phrases"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
