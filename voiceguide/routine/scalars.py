"""The values of a routine file, read from YAML nodes: texts, numbers, settings,
lists and mappings, each checked, every error naming its line.

Texts must have something to say and nothing invisible; numbers are written in plain
digits (YAML 1.1 reads ``010`` as 8 and ``1:30`` as 90).
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voiceguide.errors import RoutineError
from voiceguide.limits import LIMITS
from voiceguide.settings import EXERCISE_SETTINGS, Number, Setting, SettingError

TAG = "tag:yaml.org,2002:"
INT, FLOAT, BOOL, NULL = (TAG + t for t in ("int", "float", "bool", "null"))

MERGE = TAG + "merge"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
NO_SPACE_AFTER_COLON = re.compile(r"\s*(?:- +)?[A-Za-z_]\w*:(?![\s/:])\S")
"""A line starting ``title:Test``: YAML reads that as one word, not a key and a value."""
NO_SPACE_AFTER_DASH = re.compile(r"\s*-[A-Za-z_]")
"""A line starting ``-name:``: YAML reads ``-name`` as a word, not a list item."""
_ITEM_NOUNS = {
    "sides": "side",
    "instructions": "instruction",
    "switch_instructions": "instruction",
    "cues": "cue",
    "outro": "text",
}
_FORMAT_ALLOWED = frozenset("\u200c\u200d\u200e\u200f\u061c")
"""Invisible format characters that real text needs: zero-width (non-)joiners (emoji
sequences, Persian, Indic scripts) and the left-to-right/right-to-left marks. Every
other format character (category Cf) is refused: zero-width spaces, soft hyphens and
word joiners make two names that look the same differ, and bidi embeddings, overrides
and isolates (U+202A-U+202E, U+2066-U+2069) make text read differently from what is
shown. Tag characters (U+E0020-U+E007F) are allowed for flag emoji."""
_DECIMAL = re.compile(
    r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
"""Numbers as people write them: ``30``, ``2.5``, ``.5``. YAML 1.1 also reads ``010``
(8, in base 8), ``0x1E``, ``0b11``, ``30_000`` and ``1:30`` (90, base 60); those are
refused, since the number read is not always the number meant."""
_CLOCK = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?")
_SHOWN_CHARS = 40
"""Longest piece of the file quoted back in a message."""
_QUOTED_CHARS = 80
"""Longest text a message gives back whole, in quotes, for copying as the fix: one cut
short would lose words."""
_CUT_BY = "voiceguide_cut_by"
"""The attribute :func:`note_cut` gives a node."""
_DASHED_AT = "_voiceguide_dashed_at"
"""The attribute :func:`note_dashed` gives a node."""


def note_cut(node: Node, comment: str) -> None:
    """Note that the plain (unquoted) value ``node``'s line goes on with ``comment``:
    ``- Breathe out slowly #2 times`` is the text "Breathe out slowly" to YAML. Noted by
    :func:`voiceguide.routine.yamlguard.compose`, read by :func:`text_of`."""
    setattr(node, _CUT_BY, comment)


def note_dashed(node: Node, line: int) -> None:
    """Note that the plain value ``node`` goes on at ``line`` with a line starting with
    '- ': ``outro: Done.`` and then ``  - Roll over.`` is the one text "Done. - Roll
    over." to YAML. Noted by :func:`voiceguide.routine.yamlguard.compose`, read by
    :func:`text_of`."""
    setattr(node, _DASHED_AT, line)


def cut_by(node: Node) -> str | None:
    """The comment after the plain value ``node`` on its line, if :func:`note_cut` saw one."""
    return getattr(node, _CUT_BY, None)


def shown(value: str, limit: int = _SHOWN_CHARS) -> str:
    """``value`` as quoted back in a message: one line, invisible characters escaped
    (``\\n``, ``\\u202e``), at most ``limit`` characters."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in value[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def kind_of(node: Node) -> str:
    """What the node is, in words: "text", "a number", "a list"..."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {INT: "a number", FLOAT: "a number", BOOL: "true/false", NULL: "empty"}.get(
        node.tag, "text"
    )


def type_error(node: Node, what: str, where: str, expected: str) -> RoutineError:
    """``what`` (a quoted key, or an item of one) is not of the ``expected`` kind."""
    if kind_of(node) == "empty":
        return RoutineError(f"{what}{where} is empty", line=line_of(node))
    block = isinstance(node, MappingNode) and not node.flow_style  # "- Tip: look ahead."
    if expected.startswith("text") and block and len(node.value) == 1:
        key, value = node.value[0]
        if isinstance(key, ScalarNode) and isinstance(value, ScalarNode):
            said = f"{key.value}: {value.value}"
            whole = len(said) <= _QUOTED_CHARS and '"' not in said and "\\" not in said
            fix = f'"{said}"' if whole else "the whole text, in double quotes"  # to copy: all
            return RoutineError(
                f"{what}{where} should be text, but the ': ' after '{shown(key.value)}' made "
                f"it a key; put the text in quotes: {fix}",
                line=line_of(node),
            )
    return RoutineError(
        f"{what}{where} should be {expected}, not {kind_of(node)}{spacing_hint(node)}",
        line=line_of(node),
    )


def spacing_hint(node: Node) -> str:
    """ "; put a space after ..." when ``node`` is what ``-name: X`` or ``name:X`` read
    as: a mapping with a key starting with '-', or text starting with ``word:``."""
    if isinstance(node, MappingNode) and any(
        isinstance(key, ScalarNode) and NO_SPACE_AFTER_DASH.match(key.value)
        for key, _ in node.value
    ):
        return "; put a space after '-' to start a list item"
    if isinstance(node, ScalarNode) and NO_SPACE_AFTER_COLON.match(node.value):
        return "; put a space after the colon"
    return ""


def subject(key: str, number: int | None = None) -> str:
    """How a message names a key, or item ``number`` of a list: "'title'",
    "side 1 of 'sides'"."""
    return f"'{key}'" if number is None else f"{_ITEM_NOUNS[key]} {number} of '{key}'"


def items_of(node: MappingNode, where: str) -> dict[str, tuple[Node, Node]]:
    """The mapping's ``{key: (key node, value node)}``, refusing duplicate keys."""
    items: dict[str, tuple[Node, Node]] = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            raise RoutineError(
                f"a key{where} should be a word, not {kind_of(key)}", line=line_of(key)
            )
        if key.tag == MERGE:
            raise RoutineError(
                f"YAML merge keys ('<<'){where} are not allowed; write the keys out in full",
                line=line_of(key),
            )
        if not key.value.strip():
            raise RoutineError(f"a key{where} is empty", line=line_of(key))
        if key.value in items:
            first = line_of(items[key.value][0])
            if key.value == "name" and "exercise" in where:
                raise RoutineError(
                    f"a second 'name'{where} (first at line {first}): a new exercise starts "
                    f"with '- ', like '  - name: {shown(str(value.value), 30)}'",
                    line=line_of(key),
                )
            raise RoutineError(
                f"duplicate key '{shown(key.value)}'{where} (first at line {first})",
                line=line_of(key),
            )
        items[key.value] = (key, value)
    return items


SAID_OTHERWISE = {
    "repeat": "reps",
    "repeats": "reps",
    "repetitions": "reps",
    "times": "reps",
    "duration": "hold",
    "seconds": "hold",
    "side": "sides",
    "text": "instructions",
}
"""Keys written for what a valid one means, in other words (``repeat: 8`` for ``reps``):
their "did you mean" is that one, not the nearest in spelling."""


def check_keys(items: dict[str, tuple[Node, Node]], valid: tuple[str, ...], where: str) -> None:
    """Refuse keys not in ``valid``, suggesting the nearest valid one."""
    for name, (key, _) in items.items():
        if name not in valid:
            meant = SAID_OTHERWISE.get(name.casefold())
            close = [meant] if meant in valid else difflib.get_close_matches(name[:100], valid, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "valid keys are " + ", ".join(valid)
            raise RoutineError(f"unknown key '{shown(name)}'{where}; {hint}", line=line_of(key))


def require(items: dict, key: str, owner: Node, what: str) -> Node:
    if key not in items:
        raise RoutineError(f"{what} has no '{key}'", line=line_of(owner))
    return items[key][1]


def text_of(
    node: Node, what: str, where: str, placeholders: tuple[str, ...] = (), *, said: bool = True
) -> str:
    """A text value: stripped, whitespace collapsed, bounded, placeholders checked,
    something to say in it, nothing invisible. ``what`` names it: :func:`subject`.
    ``said``: a text the voice says or the sheet prints, which a comment after it on its
    line would cut short (a language or a file name may have a comment after it)."""
    if kind_of(node) != "text":
        error = type_error(node, what, where, "text")
        if kind_of(node) in ("a number", "true/false"):
            error.message += f"; put it in quotes: '{shown(node.value)}'"
        raise error
    comment = cut_by(node) if said else None
    if comment is not None:
        raise _cut_by_comment(node, comment, what, where)
    dashed = getattr(node, _DASHED_AT, None) if said else None
    if dashed is not None:
        raise RoutineError(
            f"{what}{where} is one text that goes on at line {dashed} with '- ', so the"
            " voice would say the dashes; for texts said in turn, put each on a '- ' line"
            " of its own under the key, the first too (for one text with a dash in it, put"
            " it in quotes)",
            line=line_of(node),
        )
    if _CONTROL.search(node.value):
        raise RoutineError(
            f"{what}{where} contains an invisible control character, which is not allowed",
            line=line_of(node),
        )
    text = " ".join(node.value.split())
    if not text:
        raise RoutineError(f"{what}{where} is empty", line=line_of(node))
    if len(text) > LIMITS.max_text_chars:
        raise RoutineError(
            f"{what}{where} is too long ({len(text)} characters; at most {LIMITS.max_text_chars})",
            line=line_of(node),
        )
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            raise RoutineError(
                f"{what}{where} contains an unpaired surrogate ({ascii(char)[1:-1]}),"
                " which is not a character",
                line=line_of(node),
            )
        if (
            category == "Cf"
            and char not in _FORMAT_ALLOWED
            and not "\U000e0020" <= char <= "\U000e007f"
        ):
            raise RoutineError(
                f"{what}{where} contains an invisible character (U+{ord(char):04X}),"
                " which is not allowed",
                line=line_of(node),
            )
    text = unicodedata.normalize("NFC", text)
    for found in _PLACEHOLDER.findall(text):
        if found not in placeholders:
            usable = " and ".join(f"'{p}'" for p in placeholders) or "no placeholders"
            bare = "{" + found[1:-1].strip().casefold() + "}"
            meant = [p for p in placeholders if p.casefold() == bare]
            hint = f"; write it as '{meant[0]}'" if meant else f"; {usable} can be used there"
            raise RoutineError(
                f"unknown placeholder '{shown(found)}' in {what}{where}{hint}",
                line=line_of(node),
            )
    if "{{" in text or "}}" in text:
        example = f"'{placeholders[0]}'" if placeholders else "no braces at all"
        raise RoutineError(
            f"{what}{where} has doubled braces; write placeholders with single"
            f" braces, like {example}",
            line=line_of(node),
        )
    if re.search(r"[{}]", _PLACEHOLDER.sub("", text)):
        raise RoutineError(
            f"{what}{where} has a '{{' or '}}' without its partner", line=line_of(node)
        )
    if not any(char.isalnum() for char in text):  # a placeholder left here is a word
        nothing = "so nothing to say" if said else "so it names nothing"
        raise RoutineError(f"{what}{where} has no letters or digits, {nothing}", line=line_of(node))
    return text


def _cut_by_comment(node: Node, comment: str, what: str, where: str) -> RoutineError:
    """``- Breathe out slowly #2 times``: YAML ends the text at ' #'. Refused, not
    warned about: the voice would say half a sentence and the sheet print it."""
    whole = f"{node.value} {comment}"
    one_line = node.start_mark.line == node.end_mark.line
    short = one_line and len(whole) <= 60 and not set(whole) & set('"\\') and whole.isprintable()
    example = f': "{whole}"' if short else ""
    return RoutineError(
        f"{what}{where} stops at '#': YAML reads '{shown(comment, 30)}' as a comment;"
        f" put the whole text in quotes to keep it{example}"
        " (a note of your own goes on a line by itself)",
        line=node.end_mark.line + 1,  # the line the '#' is on
    )


def number(node: Node, key: str, where: str, expected: str, example: str) -> int | float:
    """A number as a person writes it (see :data:`_DECIMAL`), with a hint when it is
    written some other way."""
    kind = kind_of(node)
    plain = isinstance(node, ScalarNode) and not node.style
    if kind in ("a number", "text") and plain and _CLOCK.fullmatch(node.value):
        raise RoutineError(
            f"'{key}'{where} should be {expected}, not a time like {shown(node.value)}"
            + _clock_hint(node.value, expected),
            line=line_of(node),
        )
    if kind == "text" and plain and _other_notation(node.value):
        raise RoutineError(
            f"'{key}'{where} should be written in plain digits, like {example},"
            f" got {shown(node.value)}",
            line=line_of(node),
        )
    if kind != "a number":
        error = type_error(node, f"'{key}'", where, expected)
        if (
            kind == "text"
            and isinstance(node, ScalarNode)
            and node.style
            and _DECIMAL.fullmatch(node.value.strip())
        ):
            error.message += "; write it without quotes"
        elif kind == "text" and re.match(r"[-+.]?[0-9]", node.value):
            error.message += f"; write just the number, in plain digits, like {example}"
        elif kind == "text":
            error.message += f"; write it in digits, like {key}: {example.split(' or ')[0]}"
        raise error
    if re.match(r"[-+]?0[0-9_]", node.value):
        raise RoutineError(
            f"'{key}'{where} should be written without leading zeros, got {shown(node.value)}",
            line=line_of(node),
        )
    if not _DECIMAL.fullmatch(node.value) and re.match(r"[-+.]?[0-9]", node.value):
        raise RoutineError(
            f"'{key}'{where} should be written in plain digits, like {example},"
            f" got {shown(node.value)}",
            line=line_of(node),
        )
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except ValueError:  # more digits than int() takes: huge
        return float(node.value)


def _other_notation(value: str) -> bool:
    """Whether YAML read ``value`` as text though it is a number written some other
    way: ``1e308`` (YAML 1.1 wants a dot), ``0o17``, ``1_0``."""
    if not re.match(r"[-+.]?[0-9]", value):
        return False
    for read in (float, lambda text: int(text, 0)):
        try:
            read(value)
            return True
        except ValueError:
            pass
    return False


def _clock_hint(value: str, expected: str) -> str:
    """ "; write 90" for a duration written as minutes:seconds like 1:30."""
    if "seconds" not in expected:
        return ""
    sign = -1 if value.startswith("-") else 1
    try:
        seconds = 0.0
        for part in value.replace("_", "").lstrip("+-").split(":"):
            seconds = seconds * 60 + float(part)
    except ValueError:
        return ""
    seconds *= sign
    return f"; write {seconds:g}" if math.isfinite(seconds) and seconds < 1e9 else ""


def setting_value(node: Node, setting: Setting, where: str) -> Number:
    """The value of an exercise-scope setting (hold, reps, ...), checked by the setting."""
    if setting.kind == "seconds":
        value = number(node, setting.name, where, "a number of seconds", "30 or 2.5")
    elif setting.kind == "decibels":
        value = number(node, setting.name, where, "a number of decibels", "20 or 12.5")
    else:
        value = number(node, setting.name, where, "a whole number", "2")
    try:
        return setting.check(value, shown(node.value))  # type: ignore[return-value]
    except SettingError as err:
        raise RoutineError(f"'{setting.name}'{where} {err.message}", line=line_of(node)) from None


def timing_values(items: dict, where: str) -> dict[str, Number]:
    """The timing settings present in ``items``, checked."""
    return {
        s.name: setting_value(items[s.name][1], s, where)
        for s in EXERCISE_SETTINGS
        if s.name in items
    }


def list_of(node: Node, key: str, where: str, limit: int, expected: str) -> list[Node]:
    """The items of a list value, at most ``limit`` of them."""
    if not isinstance(node, SequenceNode):
        raise type_error(node, f"'{key}'", where, expected)
    if len(node.value) > limit:
        raise RoutineError(
            f"'{key}'{where} has {len(node.value)} items; at most {limit} are allowed",
            line=line_of(node.value[limit]),
        )
    return node.value
