"""Routines from other tools' files: w2a workout YAML, audio-program-generator's
``phrase; seconds`` lines, and scripts with ``[PAUSE:X]`` markers.

Each reader returns the routine as data (what a routine file holds) and the list of
what it could not carry over; :func:`import_file` writes it as YAML that validates and
builds. Nothing in the imported file is ever run (a w2a custom TTS command is refused).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voiceguide.authoring import refuse_to_replace
from voiceguide.errors import BadInput, OptionError, RoutineError
from voiceguide.limits import LIMITS
from voiceguide.outputs import StagedOutputs, make_folder, not_a_folder
from voiceguide.routine import load_text
from voiceguide.routine.reading import read_text
from voiceguide.routine.yamlguard import check_stream

_GO_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?")
_APG_LINE = re.compile(r"(?P<text>[^;]+);\s*(?P<seconds>[^;]*?)\s*")
_PAUSE = re.compile(r"\[PAUSE:\s*([^\]]*)\]", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass
class Imported:
    """A routine read from another tool's file, and what did not come along."""

    kind: str
    routine: dict[str, Any]
    left_out: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """What came along in another shape (a pause made a hold, a name made unique)."""


def import_file(path: Path, out: Path, *, force: bool = False, holds: bool = False) -> Imported:
    """Read ``path`` (any of the three formats), check the routine it gives as a
    routine file would be checked, and write it to ``out``: never over an existing
    file unless ``force`` (refused before anything is written). A phrase script's pauses
    are quiet, as it has them, or with ``holds`` holds."""
    source = str(path)
    try:
        text = read_text(path)
    except RoutineError as err:
        err.path = source
        raise
    imported = read_any(text, source, holds=holds)
    if os.path.realpath(out) == os.path.realpath(path):  # realpath: a link loop is no error
        raise RoutineError(
            "the routine would be written over the file it is imported from; choose another "
            "name with -o",
            path=source,
        )
    blocker = not_a_folder(out.parent)
    if blocker is not None:  # as 'new' and 'build' refuse it: before anything is written
        kind = "a link that leads nowhere" if blocker.is_symlink() else "a file"
        raise OptionError(f"{blocker} is {kind}, not a folder, so {out.name} cannot go in it")
    refuse_to_replace(out, force, instead="choose another name with -o")
    written = yaml.safe_dump(imported.routine, sort_keys=False, allow_unicode=True, width=88)
    header = f"# Imported by voiceguide from {path.name} ({imported.kind}).\n"
    header += "".join(f"# Not carried over: {item}\n" for item in imported.left_out)
    header += "".join(f"# Changed: {item}\n" for item in imported.changed)
    _check(header + written, out, source)
    with StagedOutputs(make_folder(out.parent)) as staged:  # its folder made, as build's
        staged.stage(out).write_text(header + written, encoding="utf-8")
    return imported


def _check(routine: str, out: Path, source: str) -> None:
    """The routine written for ``out`` validates and plans as a routine file would (its
    session under the 3-hour cap); else an error naming the file imported, since the
    routine is not written."""
    from voiceguide.plan import plan

    try:
        plan(load_text(routine, source=str(out), name=out.stem))
    except BadInput as err:
        raise RoutineError(
            f"the routine made of it would not be valid: {err.message}", path=source
        ) from None


def read_any(text: str, source: str, *, holds: bool = False) -> Imported:
    """The routine in ``text``, whichever of the formats it is in (a phrase script's
    pauses made holds with ``holds``)."""
    if not text.strip():
        raise RoutineError("the file is empty; nothing to import", path=source)
    text = unicodedata.normalize("NFC", text)  # "Café" typed two ways is one name
    workout = _workout(text)
    if workout is not None:  # whatever its texts hold: "[PAUSE:4]" or "Plank; slow"
        return _w2a(text, source, workout)
    if _PAUSE.search(text):
        mixed = next(
            (n for n, line in enumerate(text.splitlines(), start=1) if _ends_in_seconds(line)),
            None,
        )
        if mixed is not None:  # its "; 4" would be said as words
            raise RoutineError(
                "this line ends in '; seconds' as an audio-program-generator line does, in a"
                " script with [PAUSE:X] markers: write the whole script one way or the other",
                path=source,
                line=mixed,
            )
        return _pauses(text, source, holds)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    phrases = sum(bool(_APG_LINE.fullmatch(line)) for line in lines)
    if lines and phrases * 2 >= len(lines):  # mostly "phrase; seconds": one, with mistakes
        return _apg(text, source, holds)
    return _w2a(text, source)


def _ends_in_seconds(line: str) -> bool:
    """Whether ``line`` is an audio-program-generator line, ``phrase; 4``."""
    return bool(_APG_LINE.fullmatch(line)) and bool(
        _NUMBER.fullmatch(line.rsplit(";", 1)[1].strip())
    )


def _workout(text: str) -> dict[str, Any] | None:
    """``text`` read as YAML when it is a mapping with an ``exercises`` list (a w2a
    workout, or something its reader will say is not one); else None."""
    try:
        check_stream(text, aliases=True)
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RoutineError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("exercises"), list) else None


def _title(source: str) -> str:
    return Path(source).stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Imported"


def _seconds(value: str, source: str, text: str, what: str, line: int | None = None) -> float:
    """Seconds as voiceguide takes them (tenths, 0.1 to 600) from ``value``, found on
    ``line`` of ``text`` (where ``value`` first appears in it when None)."""

    def error(message: str) -> RoutineError:
        if line is None:
            return _error(message, value, source, text)
        return RoutineError(message, path=source, line=line)

    try:
        seconds = float(value)
    except ValueError:
        comma = re.fullmatch(r"\d+,\d+", value.strip())
        hint = f"; write {value.strip().replace(',', '.')}, with a point" if comma else ""
        raise error(f"{what} '{value}' is not a number of seconds{hint}") from None
    if not 0.1 <= seconds <= LIMITS.max_hold:
        raise error(f"{what} {value} must be between 0.1 and {LIMITS.max_hold:g} seconds")
    return round(seconds, 1)


def _unique(name: str, names: set[str]) -> str:
    """``name``, or ``name (2)``, ``(3)``... if one of ``names`` has it; added to them."""
    unique, count = name, 2
    while unique.casefold() in names:
        unique, count = f"{name} ({count})", count + 1
    names.add(unique.casefold())
    return unique


def _error(message: str, near: str, source: str, text: str) -> RoutineError:
    at = text.find(near) if near else -1
    return RoutineError(message, path=source, line=text.count("\n", 0, at) + 1 if at >= 0 else None)


PHRASES_A_PART = LIMITS.max_texts
"""Phrases in one exercise of words and quiet (each with its pause): a list's most."""


def _phrases(
    steps: list[tuple[str, float]], source: str, text: str, quiet: str, holds: bool
) -> tuple[dict[str, Any], list[str]]:
    """The routine of a script of phrases, each with its ``quiet`` after it (a pause, a
    silence), and the notes on what changed: said as the script has it
    (:func:`_as_written`), or with ``holds`` a hold a phrase (:func:`_as_holds`)."""
    if not steps:
        raise RoutineError("no phrase found to import", path=source)
    limit = LIMITS.max_exercises * (1 if holds else PHRASES_A_PART)
    if len(steps) > limit:
        raise _error(f"{len(steps)} phrases; a routine holds at most {limit}", "", source, text)
    return (_as_holds if holds else _as_written)(steps, _title(source), quiet)


def _as_written(
    steps: list[tuple[str, float]], title: str, quiet: str
) -> tuple[dict[str, Any], list[str]]:
    """The phrases said in turn with their quiet, in an exercise of words and quiet alone
    (``hold: none``), one a :data:`PHRASES_A_PART`, named after the file."""
    parts = [steps[i : i + PHRASES_A_PART] for i in range(0, len(steps), PHRASES_A_PART)]
    exercises = [
        {
            "name": title if len(parts) == 1 else f"{title}, part {n}",
            "hold": "none",
            "instructions": [
                item for said, seconds in part for item in (said, {"pause": _plain(seconds)})
            ],
        }
        for n, part in enumerate(parts, start=1)
    ]
    said_as = (f"each {quiet} is quiet after the words before it, as the script has it"
               " ('hold: none'); import --holds makes each a hold, with 'Hold.', a tone"
               " and a countdown")  # fmt: skip
    named = (f"the phrases are an exercise named after the file, '{title}', which is said"
             " first: rename it in the routine") if len(parts) == 1 else (
             f"the phrases are {len(parts)} exercises of {PHRASES_A_PART} at most, named"
             f" '{title}, part 1' and on, each said as it begins: rename them in the"
             " routine")  # fmt: skip
    return {"title": title, "exercises": exercises}, [said_as, named]


def _as_holds(
    steps: list[tuple[str, float]], title: str, quiet: str
) -> tuple[dict[str, Any], list[str]]:
    """An exercise a phrase, named by it (announced, it is said once) and held for its
    seconds (a phrase that comes again is named and said with "(2)", as each exercise
    has a name of its own)."""
    names: set[str] = set()
    exercises = []
    again: list[str] = []
    for said, seconds in steps:
        name = said.rstrip(".,;:!? ") or said
        unique = _unique(name, names)
        exercises.append({"name": unique, "hold": _plain(seconds), "reps": 1})
        if unique != name:
            again.append(unique)
    routine = {"title": title, "defaults": {"setup": 0.5, "ready": 0}, "exercises": exercises}
    changed = [
        f"each {quiet} is a hold: voiceguide says 'Hold.' with a tone before it and counts"
        " down its end",
        *_renamed(again, "phrases that come again"),
    ]
    return routine, changed


def _plain(seconds: float) -> float | int:
    """Seconds as a routine file writes them: 5, not 5.0."""
    return int(seconds) if float(seconds).is_integer() else seconds


def _renamed(again: list[str], what: str) -> list[str]:
    """The note for exercises renamed so that each has a name of its own: every one."""
    if not again:
        return []
    shown = ", ".join(f"'{name}'" for name in again[:6])
    more = f" and {len(again) - 6} more" if len(again) > 6 else ""
    return [
        f"{what}: each exercise needs a name of its own, so they are named (and said) {shown}{more}"
    ]


def _pauses(text: str, source: str, holds: bool) -> Imported:
    """A script with ``[PAUSE:X]`` markers: what comes before each marker is said, then
    X seconds of quiet (as a hold)."""
    steps: list[tuple[str, float]] = []
    start, before = 0, 0.0  # quiet before anything is said
    for marker in _PAUSE.finditer(text):
        said = " ".join(text[start : marker.start()].split())
        line = text.count("\n", 0, marker.start()) + 1
        seconds = _seconds(marker.group(1).strip().rstrip("sS"), source, text, "[PAUSE]", line)
        if said:
            steps.append((said, seconds))
        elif steps:  # two markers in a row: one quiet, as long as both
            both = round(steps[-1][1] + seconds, 1)
            if both > LIMITS.max_hold:
                raise RoutineError(
                    f"[PAUSE] markers in a row make {both:g} seconds of quiet, more than the"
                    f" {LIMITS.max_hold:g} a hold may last",
                    path=source,
                    line=line,
                )
            steps[-1] = (steps[-1][0], both)
        else:
            before += seconds
        start = marker.end()
    tail = " ".join(text[start:].split())
    routine, changed = _phrases(steps, source, text, "pause", holds)
    if tail:
        routine["outro"] = tail
    left = [f"the {before:g} s of quiet before anything is said (the session starts with its"
            " own words)"] if before else []  # fmt: skip
    return Imported("a [PAUSE:X] script", routine, left, changed)


def _apg(text: str, source: str, holds: bool) -> Imported:
    """audio-program-generator's lines: ``phrase; seconds of silence after it``."""
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _APG_LINE.fullmatch(line)
        if not match:
            raise RoutineError(
                f"'{line.strip()[:60]}' is not a phrase and its seconds of silence, as the other"
                " lines are: write it like 'Breathe in slowly; 4'",
                path=source,
                line=number,
            )
        if not match["seconds"]:
            raise RoutineError(
                "no seconds after the ';': write how long the silence is, like"
                " 'Breathe in slowly; 4'",
                path=source,
                line=number,
            )
        said = " ".join(match["text"].split())
        steps.append((said, _seconds(match["seconds"], source, text, "the silence", number)))
    routine, changed = _phrases(steps, source, text, "silence", holds)
    # apg takes a background sound on its command line, never in this file: nothing to say
    return Imported("an audio-program-generator script", routine, [], changed)


def _w2a(text: str, source: str, data: Any = None) -> Imported:
    """w2a's workout YAML (anchors and merge keys allowed, as w2a allows them), ``data``
    where it has been read already."""
    try:
        if data is None:
            check_stream(text, aliases=True)  # tags, depth, size: before anything is built
            data = yaml.safe_load(text)
    except RoutineError as err:
        err.path = source
        raise
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else None
        tabbed = [n for n, each in enumerate(text.splitlines(), 1) if re.match(" *\t", each)]
        if tabbed:  # YAML refuses tabs in indentation, wherever it stumbles on one
            raise RoutineError(
                "a w2a workout is YAML, which is indented with spaces, not tabs",
                path=source,
                line=tabbed[0],
            ) from None
        raise RoutineError(
            "not a w2a workout, an audio-program-generator script (phrase; seconds) or a "
            "[PAUSE:X] script",
            path=source,
            line=line,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list):
        raise RoutineError(
            "not a w2a workout (no 'exercises' list), an audio-program-generator script "
            "(phrase; seconds) or a [PAUSE:X] script",
            path=source,
        )
    ours = {"instructions", "hold", "sides", "cues"}
    if any(
        isinstance(e, dict) and ours & e.keys() and "duration" not in e for e in data["exercises"]
    ):
        raise RoutineError(
            "this is a voiceguide routine already, not another tool's: build it as it is "
            f"(voiceguide build {source})",
            path=source,
        )
    tts: dict[str, Any] = data["tts"] if isinstance(data.get("tts"), dict) else {}
    if "custom_command" in tts:
        raise _error(
            "a custom TTS command is a program to run: voiceguide imports no commands; delete it",
            "custom_command",
            source,
            text,
        )
    exercises: list[dict[str, Any]] = []
    names: set[str] = set()
    raw = data["exercises"]
    if len(raw) > LIMITS.max_exercises:
        raise RoutineError(
            f"{len(raw)} exercises; a routine holds at most {LIMITS.max_exercises}", path=source
        )
    pause = _go(_duration(data, "pause", "10s", source, text), source, text)
    switch = _go(_duration(data, "half_time", "5s", source, text), source, text)
    again = []
    cut = []
    for number, item in enumerate(raw, start=1):
        name_of = item.get("name") if isinstance(item, dict) else None
        named = f" '{name_of}'" if _scalar(name_of) and str(name_of).strip() else ""
        if not named or not _scalar(item.get("duration")) or item.get("duration") == "":
            raise _error(
                f"w2a exercise {number}{named} needs a name and a duration (like 30s)",
                str(name_of) if named else "",
                source,
                text,
            )
        written = " ".join(str(name_of).split())
        name = _unique(written, names)
        if name != written:
            again.append(name)
        seconds = _go(str(item["duration"]), source, text)
        texts = _texts(item.get("texts"), written, source, text)
        if len(texts) > LIMITS.max_texts:
            cut.append(f"'{written}': its texts after the first {LIMITS.max_texts}")
            texts = texts[: LIMITS.max_texts]
        exercise: dict[str, Any] = {"name": name}
        if texts:  # else its name, announced, says what to do
            exercise["instructions"] = texts
        if item.get("half_time"):  # w2a's two halves: one side each
            exercise.update(
                sides=["right", "left"],
                side_label="{side} side",
                hold=round(seconds / 2, 1),
                switch=switch,
            )
        else:
            exercise["hold"] = seconds
        exercises.append(exercise)
    # w2a's announcements before and after, where they are plain words (its templates,
    # "{{ .WorkoutDuration }}", are its own to fill), are the intro and the outro
    announced = {"intro": "before_workout_announce", "outro": "after_workout_announce"}
    carried = {}
    for key, w2a in announced.items():
        words = data.get(w2a)
        if isinstance(words, str) and words.strip() and "{{" not in words:
            carried[key] = " ".join(words.split())
    routine: dict[str, Any] = {"title": _title(source)}
    if "intro" in carried:
        routine["intro"] = carried["intro"]
    routine["defaults"] = {"reps": 1, "setup": pause, "rest": 10, "ready": 0}
    routine["exercises"] = exercises
    if "outro" in carried:
        routine["outro"] = carried["outro"]
    kept = {announced[key] for key in carried}
    left = [
        f"'{key}'"
        for key in (
            "tts",
            "audio_format",
            "i18n",
            "before_workout_announce",
            "after_workout_announce",
            "exercise_beginning",
            "log_level",
        )
        if key in data and key not in kept
    ]
    left += ["the pause and half-time words (voiceguide says its own)"]
    left += [f"{item} (an exercise says at most {LIMITS.max_texts})" for item in cut]
    return Imported("a w2a workout", routine, left, _renamed(again, "exercises that come again"))


def _scalar(value: object) -> bool:
    """Whether ``value`` is one plain value (text or a number), not a list or a mapping."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _duration(data: dict[str, Any], key: str, default: str, source: str, text: str) -> str:
    """w2a's ``KEY: {duration: 10s}`` (``default`` where it is not given)."""
    given = data.get(key)
    if given is None:
        return default
    duration = given.get("duration", default) if isinstance(given, dict) else None
    if not _scalar(duration):
        raise _error(
            f"w2a's '{key}' is written '{key}: {{duration: {default}}}'", f"{key}:", source, text
        )
    return str(duration)


def _texts(given: object, name: str, source: str, text: str) -> list[str]:
    """An exercise's ``texts``: a list of texts (one text alone is taken as one)."""
    if given is None:
        return []
    if _scalar(given):
        return [str(given)]
    if not isinstance(given, list) or not all(_scalar(t) for t in given):
        raise _error(
            f"w2a exercise '{name}': 'texts' should be a list of texts, one a line after '- '",
            "texts:",
            source,
            text,
        )
    return [str(t) for t in given]


def _go(value: str, source: str, text: str) -> float:
    """A Go duration as w2a writes it (``30s``, ``2m``, ``1m30s``) in seconds."""
    match = _GO_DURATION.fullmatch(value.strip())
    if not value.strip() or not match or not any(match.groups()):
        raise _error(
            f"'{value}' is not a duration voiceguide can read (like 30s, 2m or 1m30s)",
            value,
            source,
            text,
        )
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    try:
        return _seconds(str(hours * 3600 + minutes * 60 + seconds), source, value, "the duration")
    except RoutineError as err:  # on the line of the duration as written ("600.5s")
        raise _error(err.message, value, source, text) from None
