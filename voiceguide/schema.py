"""JSON Schemas of the routine and programme files, generated from the same declarations
the loader uses (the settings, the keys, the limits), so the two cannot drift.

The schemas are draft-07, which yaml-language-server (VS Code's YAML extension and
others) reads: editors complete keys, show each key's description and flag mistakes
while typing. What a schema cannot say (duplicate names, ``{side}`` without sides,
tenths of a second, ...) the loader still checks; the README lists it.
"""

from __future__ import annotations

from typing import Any

from voiceguide.limits import LIMITS
from voiceguide.phrases import languages
from voiceguide.programme import (
    DAYS,
    MAX_TIMES_A_DAY,
    MAX_WEEKS,
    PROGRAMME_KEYS,
    STAGE_KEYS,
    STAGE_SETTINGS,
)
from voiceguide.routine.schema import EXERCISE_KEYS, ROUTINE_KEYS
from voiceguide.settings import BY_NAME, EXERCISE_SETTINGS, PAUSE, Setting

DRAFT = "http://json-schema.org/draft-07/schema#"
FILE_NAMES = {
    "routine": "voiceguide-routine.schema.json",
    "programme": "voiceguide-programme.schema.json",
}
"""Where ``voiceguide new`` writes each schema, beside the file it makes."""

Schema = dict[str, Any]


def _text(description: str, **more: Any) -> Schema:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": LIMITS.max_text_chars,
        "description": description,
        **more,
    }


def _texts(description: str, *, empty: bool = False, item: Schema | None = None) -> Schema:
    """A text, or a list of ``item`` (texts unless given)."""
    many = {"type": "array", "items": item or _text(description), "maxItems": LIMITS.max_texts}
    if not empty:
        many["minItems"] = 1
    return {"description": description, "anyOf": [_text(description), many]}


def _steps(description: str) -> Schema:
    """Texts, among which ``- pause: SECONDS`` (not first, not last, never two in a row:
    the loader checks the order)."""
    pause = {
        "type": "object",
        "additionalProperties": False,
        "required": [PAUSE.name],
        "properties": {PAUSE.name: setting_schema(PAUSE)},
        "description": PAUSE.help,
    }
    return _texts(description, item={"anyOf": [_text(description), pause]})


def setting_schema(setting: Setting) -> Schema:
    """One setting's schema, from its declaration."""
    out: Schema = {"description": setting.help}
    if setting.kind == "seconds" or setting.kind == "decibels":
        out.update(type="number", minimum=setting.low, maximum=setting.high)
    elif setting.kind == "whole":
        out.update(type="integer", minimum=int(setting.low), maximum=int(setting.high))
    elif setting.kind == "flag":
        out.update(type="boolean")
    elif setting.kind == "choice":
        out.update(enum=list(setting.choices))
    elif setting.kind == "language":
        out.update(type="string", pattern=_language_pattern(), examples=list(languages()))
    else:
        out.update(type="string", minLength=1)
    if setting.default is not None and setting.kind != "language":
        out["default"] = setting.default
        out["examples"] = [setting.default]
    return out


def _language_pattern() -> str:
    """The tags the loader reads as a supported language, in any case, ``_`` or ``-``:
    a base language with any region (``es-MX``), a language-region as written."""

    def anycase(text: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "[-_]" for c in text)

    bases = [anycase(t) for t in languages() if "-" not in t]
    regions = [anycase(t) for t in languages() if "-" in t]
    return f"^(?:(?:{'|'.join(bases)})(?:[-_][A-Za-z0-9]{{1,8}})*|{'|'.join(regions)})$"


def _timing(description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "properties": {s.name: setting_schema(s) for s in EXERCISE_SETTINGS},
    }


def routine_schema() -> Schema:
    """The schema of a routine file."""
    side = "{side}"
    exercise: Schema = {
        "type": "object",
        "description": "One exercise: what to say, on which sides, how long.",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": _text(
                "Said as the exercise's title; its chapter; unique in the routine.",
                examples=["Wall hamstring stretch"],
            ),
            "instructions": _steps(
                f"Said before the first hold; {side} is the first side. A '{PAUSE.name}: "
                "SECONDS' item between two leaves quiet for the move the one before asks for."
            ),
            "sides": {
                "type": "array",
                "minItems": 1,
                "maxItems": LIMITS.max_sides,
                "uniqueItems": True,
                "items": _text("A side, as {side} says it."),
                "description": "The sides in order; leave out for no sides.",
                "examples": [["right", "left"]],
            },
            "switch_instructions": _steps(
                f"Said after the side-switch cue; {side} is the new side. '{PAUSE.name}: "
                "SECONDS' items as in instructions."
            ),
            "cues": _texts("Form reminders laid over the holds, taking turns.", empty=True),
            "progression": _text("Said between reps on the same side."),
            "side_label": {
                "description": "How a side is said wherever it is named ('Right leg. Hold.', "
                "'Switch to your left leg.'): a text with {side} in it, or each side's own "
                "words; a name, not an action.",
                "anyOf": [
                    _text("A text with {side}.", pattern="\\{side\\}"),
                    {"type": "object", "additionalProperties": _text("A side's words.")},
                ],
            },
            **{s.name: setting_schema(s) for s in EXERCISE_SETTINGS},
        },
    }
    exercise["properties"]["hold"] = {
        "anyOf": [
            exercise["properties"]["hold"],
            {
                "const": "none",
                "description": "No hold: the instructions, said in turn with their pauses,"
                " are all the exercise is (a breathing exercise); a pause may end them.",
            },
        ]
    }
    routine: Schema = {
        "$schema": DRAFT,
        "$id": FILE_NAMES["routine"],
        "title": "voiceguide routine",
        "description": "An exercise routine that voiceguide turns into a spoken, timed session.",
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "exercises"],
        "properties": {
            "title": _text("The session's title.", examples=["Hamstring stretches"]),
            "language": setting_schema(BY_NAME["language"]),
            "description": _text("What the routine is for, in a sentence or two."),
            "defaults": _timing("Timing for every exercise that does not set its own."),
            "intro": _text("Said first; {minutes} becomes the session's length."),
            "outro": _steps(
                "Said last: one text, or texts in turn with '- pause: SECONDS' between"
                " them, time to get up."
            ),
            "bed": _text(
                "A soft sound under the voice: brown, drone, or an audio file (relative to "
                "this file), looped; --bed and --no-bed win over it.",
                examples=["brown", "drone", "rain.ogg"],
            ),
            "exercises": {
                "type": "array",
                "minItems": 1,
                "maxItems": LIMITS.max_exercises,
                "items": exercise,
                "description": "The exercises, in order.",
            },
        },
    }
    assert set(routine["properties"]) == set(ROUTINE_KEYS)
    assert set(exercise["properties"]) == set(EXERCISE_KEYS)
    return routine


def programme_schema() -> Schema:
    """The schema of a programme file."""
    stage_settings = [BY_NAME[name] for name in STAGE_SETTINGS]
    stage: Schema = {
        "type": "object",
        "description": "Some weeks of the programme, with their own timing.",
        "additionalProperties": False,
        "required": ["weeks"],
        "properties": {
            "weeks": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_WEEKS,
                "description": "How many weeks the stage lasts.",
            },
            "leave_out": {
                "type": "array",
                "items": _text("An exercise (any unique part of its name)."),
                "description": "Exercises this stage leaves out.",
            },
            "intro": _text(
                "Said first in this stage's sessions, in place of the routine's intro (after"
                " which week it is); {minutes} becomes the session's length."
            ),
            "outro": _steps(
                "Said last in this stage's sessions, in place of the routine's outro: one"
                " text, or texts in turn with '- pause: SECONDS' between them."
            ),
            **{
                s.name: (_per_exercise(s) if s.scope == "exercise" else setting_schema(s))
                for s in stage_settings
            },
        },
    }
    programme: Schema = {
        "$schema": DRAFT,
        "$id": FILE_NAMES["programme"],
        "title": "voiceguide programme",
        "description": "A routine prescribed over weeks: sessions, a handout and reminders.",
        "type": "object",
        "additionalProperties": False,
        "required": ["programme", "routine", "stages"],
        "properties": {
            "programme": _text("The programme's title."),
            "routine": _text("A built-in routine's name, or a routine file relative to this one."),
            "language": setting_schema(BY_NAME["language"]),
            "times_a_day": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_TIMES_A_DAY,
                "default": 1,
                "description": "Sessions a day.",
            },
            "at": {
                "type": "array",
                "items": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                "description": "Reminder times, HH:MM, one a session of the day.",
            },
            "days": {
                "type": "array",
                "uniqueItems": True,
                "minItems": 1,
                "items": {"enum": list(DAYS)},
                "description": "Days for the sessions.",
            },
            "start": {
                "type": "string",
                "format": "date",
                "pattern": "^\\d{4}-\\d{2}-\\d{2}$",
                "description": "The first day (YYYY-MM-DD); default the build day.",
            },
            "notes": _text(
                "Printed in a box on the handout, put in the reminders, and shown with "
                "each session on the phone (its page and the feed)."
            ),
            "stages": {
                "type": "array",
                "minItems": 1,
                "items": stage,
                "description": "The stages, in order.",
            },
        },
    }
    assert set(programme["properties"]) == set(PROGRAMME_KEYS)
    assert set(stage["properties"]) == set(STAGE_KEYS)
    return programme


def _per_exercise(setting: Setting) -> Schema:
    one = setting_schema(setting)
    return {
        "description": f"{setting.help} A value for every exercise, or {{NAME: VALUE}}.",
        "anyOf": [one, {"type": "object", "additionalProperties": one}],
    }


def schema(kind: str) -> Schema:
    """The schema of ``routine`` or ``programme`` files."""
    return routine_schema() if kind == "routine" else programme_schema()
