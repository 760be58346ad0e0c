"""Load routines: read a YAML file safely, keep line numbers, and validate it.

The YAML is composed into nodes (never constructed as a whole), so duplicate keys,
tags and aliases can be refused and every error can name its line. Errors are
:class:`RoutineError` with ``path`` and ``line`` set, one line each, quoting the file
only briefly and with invisible characters escaped.

Hostile input is stopped early: only regular files are opened (a pipe or a device is
refused, never read), at most :attr:`~voiceguide.model.Limits.max_file_bytes` are read,
and the event stream is checked for tags (every one, even ``!!str``), aliases, extra
documents, depth and size before any node is built. Texts must have something to say
and nothing invisible; numbers are written in plain digits (YAML 1.1 reads ``010`` as 8
and ``1:30`` as 90). Syntax errors are reported where the mistake is, with a hint.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import math
import os
import re
import stat
import unicodedata
from importlib import resources
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voiceguide.errors import RoutineError
from voiceguide.model import (
    DEFAULT_TIMING,
    LIMITS,
    SIDE_PLACEHOLDER,
    TIMING_KEYS,
    Exercise,
    Routine,
    Timing,
    on_step,
)

ROUTINE_KEYS = ("title", "description", "defaults", "intro", "outro", "exercises")
EXERCISE_KEYS = ("name", "instructions", "sides", "cues", "progression", "side_label", *TIMING_KEYS)
MINUTES_PLACEHOLDER = "{minutes}"

_TAG = "tag:yaml.org,2002:"
_INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("int", "float", "bool", "null"))

_MERGE = _TAG + "merge"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: a 1 MB hostile file parses in under a second
(the pure-Python one takes twenty)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")
"""Characters YAML reads as line breaks though no editor shows one: next line (U+0085),
line separator (U+2028) and paragraph separator (U+2029)."""
_NO_SPACE_AFTER_COLON = re.compile(r"\s*(?:- +)?[A-Za-z_]\w*:(?![\s/:])\S")
"""A line starting ``title:Test``: YAML reads that as one word, not a key and a value."""
_NO_SPACE_AFTER_DASH = re.compile(r"\s*-[A-Za-z_]")
"""A line starting ``-name:``: YAML reads ``-name`` as a word, not a list item."""
_ITEM_NOUNS = {"sides": "side", "instructions": "instruction", "cues": "cue"}

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


# --- public API -----------------------------------------------------------------


def load_file(path: str | os.PathLike) -> Routine:
    """Read, parse and validate the routine file at ``path``."""
    source = os.fspath(path)
    if not source:
        raise RoutineError(
            "the path is empty (''); give the path of a routine file, like my-routine.yaml"
        )
    try:
        text = _read_text(Path(source))
    except RoutineError as err:
        err.path = source
        raise
    return load_text(text, source=source, name=Path(source).stem)


def load_text(text: str, *, source: str, name: str) -> Routine:
    """Parse and validate routine YAML ``text``; ``source`` names it in errors."""
    try:
        _check_characters(text)
        if _is_blank(text):
            raise RoutineError("the file is empty; a routine needs a 'title' and 'exercises'")
        return _routine(_compose(text), name=name, source=source)
    except RoutineError as err:
        err.path = source
        raise


def builtin_names() -> list[str]:
    """The names of the routines shipped with voiceguide, sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in _builtin_dir().iterdir()
        if entry.name.endswith(".yaml")
    )


def load_builtin(name: str) -> Routine:
    """Load the built-in routine ``name``."""
    if name not in builtin_names():
        raise RoutineError(f"there is no built-in routine named '{name}' ({_builtins_hint()})")
    text = (_builtin_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    return load_text(text, source=f"built-in:{name}", name=name)


def resolve(ref: str) -> Routine:
    """Load ``ref`` as a routine file if it looks like one, else as a built-in name."""
    if not ref or os.path.exists(ref) or ref.endswith((".yaml", ".yml")):
        return load_file(ref)
    if ref in builtin_names():
        return load_builtin(ref)
    raise RoutineError(f"no routine file or built-in routine named '{ref}' ({_builtins_hint()})")


def _builtin_dir():
    return resources.files("voiceguide") / "routines"


def _builtins_hint() -> str:
    return "built-ins: " + ", ".join(builtin_names())


# --- reading and parsing --------------------------------------------------------


def _check_characters(text: str) -> None:
    """Refuse characters the YAML parser would misreport: unpaired surrogates, and
    line breaks no editor shows (the parser counts them as lines, so every line number
    after one would be wrong)."""
    bad = _SURROGATE.search(text)
    if bad:
        raise RoutineError(
            "the text contains an unpaired surrogate, which is not a character",
            line=text.count("\n", 0, bad.start()) + 1,
        )
    bad = _LINE_BREAKS.search(text)
    if bad:
        raise RoutineError(
            f"this line contains an invisible line-break character (U+{ord(bad.group()):04X}),"
            " which is not allowed; delete it",
            line=text.count("\n", 0, bad.start()) + 1,
        )


def _is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing but spaces, tabs and comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _read_text(path: Path) -> str:
    """The file's text, refusing folders, pipes, devices, huge, binary and non-UTF-8
    files. At most :attr:`~voiceguide.model.Limits.max_file_bytes` + 1 bytes are read."""
    if path.is_dir():
        raise RoutineError("this is a folder, not a routine file")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise RoutineError("file not found") from None
    except (OSError, ValueError) as err:
        raise RoutineError(f"could not read the file: {_os_reason(err)}") from None
    with open(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise RoutineError("this is a folder, not a routine file")
        if not stat.S_ISREG(mode):
            raise RoutineError(
                "this is not a regular file (a pipe, device or socket);"
                " give the path of a YAML file"
            )
        try:
            data = file.read(LIMITS.max_file_bytes + 1)
        except OSError as err:
            raise RoutineError(f"could not read the file: {_os_reason(err)}") from None
    if len(data) > LIMITS.max_file_bytes:
        raise RoutineError(
            f"the file is too large; a routine file can be at most {LIMITS.max_file_bytes:,} bytes"
        )
    wide = _wide_encoding(data)
    if wide:
        raise RoutineError(f"the file is saved as {wide} text; save it as UTF-8")
    if b"\0" in data:
        raise RoutineError("this is a binary file, not a YAML text file")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise RoutineError("the file is not UTF-8 text; save it as UTF-8", line=line) from None


def _os_reason(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err)


def _wide_encoding(data: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when ``data`` looks like text in one of them (by its byte
    order mark, or ASCII with every other byte zero), else None."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    head = data[:200]
    if len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2])) and any(head):
        return "UTF-16"
    return None


def _compose(text: str) -> Node | None:
    """The YAML node tree of ``text`` (None when empty), after the safety checks."""
    try:
        _check_events(text)
        return yaml.compose(text, Loader=_LOADER)
    except yaml.reader.ReaderError as err:
        # libyaml counts the position in UTF-8 bytes, PyYAML in characters.
        before = (
            text.encode("utf-8")[: err.position].decode("utf-8", "replace")
            if _LOADER is not yaml.SafeLoader
            else text[: err.position]
        )
        raise RoutineError(
            "the file contains an invisible control character, which is not allowed",
            line=before.count("\n") + 1,
        ) from None
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err, text) from None
    except yaml.YAMLError as err:
        raise RoutineError(f"YAML syntax error: {_shown(str(err), 80)}") from None


def _syntax_error(err: yaml.MarkedYAMLError, text: str) -> RoutineError:
    """The parser's complaint as a message on the line where the mistake is."""
    problem = str(err.problem or err.context or "not valid YAML")
    context = str(err.context or "")
    mark = err.problem_mark or err.context_mark
    hint = ""
    if err.context_mark and "flow" in context:
        mark = err.context_mark  # an unclosed [ or {: name the line that opened it
    elif err.context_mark and "quoted scalar" in context and "unexpected" in problem:
        mark = err.context_mark  # ran off the end of the file or into a '---'
        hint = "; this quote is never closed"
    line = mark.line + 1 if mark else None
    column = mark.column if mark else 0
    if "maximum nesting depth" in problem:  # libyaml's own bound
        return RoutineError(
            f"the file is nested too deeply (more than {LIMITS.max_depth} levels)", line=line
        )
    missing = _missing_space(text, line)
    if missing:
        line, advice = missing
        return RoutineError(f"YAML syntax error: {advice}", line=line)
    hint = hint or _syntax_hint(text, line, column, problem)
    return RoutineError(f"YAML syntax error: {_shown(problem, 80)}{hint}", line=line)


def _missing_space(text: str, line: int | None) -> tuple[int, str] | None:
    """(line, advice) when line ``line``, or the last line written before it, starts
    ``title:Test`` or ``-name:``: YAML reads those as plain words, and only complains
    further down."""
    lines = text.splitlines()
    if not line:
        return None
    for number in range(min(line, len(lines)), 0, -1):
        here = lines[number - 1]
        if number < line and (not here.strip() or here.lstrip().startswith("#")):
            continue
        if _NO_SPACE_AFTER_COLON.match(here):
            return number, f"put a space after the colon in '{_shown(here.strip(), 30)}'"
        if _NO_SPACE_AFTER_DASH.match(here):
            return number, f"put a space after '-' in '{_shown(here.strip(), 30)}'"
        if number < line:
            return None
    return None


def _syntax_hint(text: str, line: int | None, column: int, problem: str) -> str:
    """A likely cause of a syntax error, from the text of its line; at least a
    general pointer."""
    lines = text.splitlines()
    general = "; check the quotes and indentation on this line"
    if not line or line > len(lines):
        return general
    here = lines[line - 1]
    if "\t" in here:
        return "; indent with spaces, not tabs"
    if here.startswith("%YAML"):
        return "; routine files need no '%YAML' version line: delete it"
    if "cannot start any token" in problem:
        start = here[column : column + 1] or here.split(": ", 1)[-1].lstrip()[:1]
        if start in ("@", "`"):
            return f"; text starting with {start} needs quotes, e.g. '{start}home'"
    if "{" in here:
        return "; text with {side} or {minutes} in it needs quotes, e.g. '{side} leg'"
    body = here.strip().removeprefix("- ")
    if len(body.split(": ", 1)[0]) > 1024 and ": " in body:
        return "; a key can be at most 1024 characters long"
    if "mapping values are not allowed" in problem:
        if body.count(": ") + body.endswith(":") >= 2:
            return "; text with ': ' in it needs quotes, e.g. 'Tip: breathe out'"
        return "; check the indentation of this line and the one before"
    return general


def _check_events(text: str) -> None:
    """Refuse extra documents, aliases, tags and %TAG lines, deep nesting and too many
    values.

    Works on the event stream, which needs no recursion and holds nothing, so it runs
    before the (recursive) composer ever sees a deeply nested, huge or hostile file.
    """
    depth = 0
    documents = 0
    nodes = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise RoutineError(
                    "the file holds more than one YAML document (a second '---')", line=line
                )
            if event.tags:
                handle, prefix = next(iter(event.tags.items()))
                raise RoutineError(
                    f"YAML tags like '{_shown(f'%TAG {handle} {prefix}')}' are not allowed",
                    line=line,
                )
        elif isinstance(event, yaml.AliasEvent):
            raise RoutineError(
                f"YAML aliases like '*{_shown(event.anchor)}' are not allowed;"
                " write the value out in full",
                line=line,
            )
        elif isinstance(event, yaml.NodeEvent) and event.tag is not None:
            tag = event.tag.replace(_TAG, "!!", 1)
            raise RoutineError(f"YAML tags like '{_shown(tag)}' are not allowed", line=line)
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > LIMITS.max_nodes:
                raise RoutineError(
                    f"the file holds too many values (more than {LIMITS.max_nodes:,});"
                    " this is not a routine",
                    line=line,
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > LIMITS.max_depth:
                raise RoutineError(
                    f"the file is nested too deeply (more than {LIMITS.max_depth} levels)",
                    line=line,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _shown(value: str, limit: int = _SHOWN_CHARS) -> str:
    """``value`` as quoted back in a message: one line, invisible characters escaped
    (``\\n``, ``\\u202e``), at most ``limit`` characters."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in value[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


# --- node helpers ---------------------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _kind(node: Node) -> str:
    """What the node is, in words: "text", "a number", "a list"..."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {_INT: "a number", _FLOAT: "a number", _BOOL: "true/false", _NULL: "empty"}.get(
        node.tag, "text"
    )


def _type_error(node: Node, what: str, where: str, expected: str) -> RoutineError:
    """``what`` (a quoted key, or an item of one) is not of the ``expected`` kind."""
    if _kind(node) == "empty":
        return RoutineError(f"{what}{where} is empty", line=_line(node))
    return RoutineError(
        f"{what}{where} should be {expected}, not {_kind(node)}{_spacing_hint(node)}",
        line=_line(node),
    )


def _spacing_hint(node: Node) -> str:
    """ "; put a space after ..." when ``node`` is what ``-name: X`` or ``name:X`` read
    as: a mapping with a key starting with '-', or text starting with ``word:``."""
    if isinstance(node, MappingNode) and any(
        isinstance(key, ScalarNode) and _NO_SPACE_AFTER_DASH.match(key.value)
        for key, _ in node.value
    ):
        return "; put a space after '-' to start a list item"
    if isinstance(node, ScalarNode) and _NO_SPACE_AFTER_COLON.match(node.value):
        return "; put a space after the colon"
    return ""


def _subject(key: str, number: int | None = None) -> str:
    """How a message names a key, or item ``number`` of a list: "'title'",
    "side 1 of 'sides'"."""
    return f"'{key}'" if number is None else f"{_ITEM_NOUNS[key]} {number} of '{key}'"


def _items(node: MappingNode, where: str) -> dict[str, tuple[Node, Node]]:
    """The mapping's ``{key: (key node, value node)}``, refusing duplicate keys."""
    items: dict[str, tuple[Node, Node]] = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            raise RoutineError(f"a key{where} should be a word, not {_kind(key)}", line=_line(key))
        if key.tag == _MERGE:
            raise RoutineError(
                f"YAML merge keys ('<<'){where} are not allowed; write the keys out in full",
                line=_line(key),
            )
        if not key.value.strip():
            raise RoutineError(f"a key{where} is empty", line=_line(key))
        if key.value in items:
            first = _line(items[key.value][0])
            raise RoutineError(
                f"duplicate key '{_shown(key.value)}'{where} (first at line {first})",
                line=_line(key),
            )
        items[key.value] = (key, value)
    return items


def _check_keys(items: dict[str, tuple[Node, Node]], valid: tuple[str, ...], where: str) -> None:
    """Refuse keys not in ``valid``, suggesting the nearest valid one."""
    for name, (key, _) in items.items():
        if name not in valid:
            close = difflib.get_close_matches(name[:100], valid, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "valid keys are " + ", ".join(valid)
            raise RoutineError(f"unknown key '{_shown(name)}'{where}; {hint}", line=_line(key))


def _require(items: dict, key: str, owner: Node, what: str) -> Node:
    if key not in items:
        raise RoutineError(f"{what} has no '{key}'", line=_line(owner))
    return items[key][1]


def _text(node: Node, what: str, where: str, placeholders: tuple[str, ...] = ()) -> str:
    """A text value: stripped, whitespace collapsed, bounded, placeholders checked,
    something to say in it, nothing invisible. ``what`` names it: :func:`_subject`."""
    if _kind(node) != "text":
        error = _type_error(node, what, where, "text")
        if _kind(node) in ("a number", "true/false"):
            error.message += f"; put it in quotes: '{_shown(node.value)}'"
        raise error
    if _CONTROL.search(node.value):
        raise RoutineError(
            f"{what}{where} contains an invisible control character, which is not allowed",
            line=_line(node),
        )
    text = " ".join(node.value.split())
    if not text:
        raise RoutineError(f"{what}{where} is empty", line=_line(node))
    if len(text) > LIMITS.max_text_chars:
        raise RoutineError(
            f"{what}{where} is too long ({len(text)} characters; at most {LIMITS.max_text_chars})",
            line=_line(node),
        )
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            raise RoutineError(
                f"{what}{where} contains an unpaired surrogate ({ascii(char)[1:-1]}),"
                " which is not a character",
                line=_line(node),
            )
        if (
            category == "Cf"
            and char not in _FORMAT_ALLOWED
            and not "\U000e0020" <= char <= "\U000e007f"
        ):
            raise RoutineError(
                f"{what}{where} contains an invisible character (U+{ord(char):04X}),"
                " which is not allowed",
                line=_line(node),
            )
    text = unicodedata.normalize("NFC", text)
    for found in _PLACEHOLDER.findall(text):
        if found not in placeholders:
            usable = " and ".join(f"'{p}'" for p in placeholders) or "no placeholders"
            bare = "{" + found[1:-1].strip().casefold() + "}"
            meant = [p for p in placeholders if p.casefold() == bare]
            hint = f"; write it as '{meant[0]}'" if meant else f"; {usable} can be used there"
            raise RoutineError(
                f"unknown placeholder '{_shown(found)}' in {what}{where}{hint}",
                line=_line(node),
            )
    if "{{" in text or "}}" in text:
        example = f"'{placeholders[0]}'" if placeholders else "no braces at all"
        raise RoutineError(
            f"{what}{where} has doubled braces; write placeholders with single"
            f" braces, like {example}",
            line=_line(node),
        )
    if re.search(r"[{}]", _PLACEHOLDER.sub("", text)):
        raise RoutineError(
            f"{what}{where} has a '{{' or '}}' without its partner", line=_line(node)
        )
    if not any(char.isalnum() for char in text):  # a placeholder left here is a word
        raise RoutineError(
            f"{what}{where} has no letters or digits, so nothing to say", line=_line(node)
        )
    return text


def _number(node: Node, key: str, where: str, expected: str, example: str) -> int | float:
    """A number as a person writes it (see :data:`_DECIMAL`), with a hint when it is
    written some other way."""
    kind = _kind(node)
    plain = isinstance(node, ScalarNode) and not node.style
    if kind in ("a number", "text") and plain and _CLOCK.fullmatch(node.value):
        raise RoutineError(
            f"'{key}'{where} should be {expected}, not a time like {_shown(node.value)}"
            + _clock_hint(node.value, expected),
            line=_line(node),
        )
    if kind == "text" and plain and _other_notation(node.value):
        raise RoutineError(
            f"'{key}'{where} should be written in plain digits, like {example},"
            f" got {_shown(node.value)}",
            line=_line(node),
        )
    if kind != "a number":
        error = _type_error(node, f"'{key}'", where, expected)
        if kind == "text" and node.style and _DECIMAL.fullmatch(node.value.strip()):
            error.message += "; write it without quotes"
        elif kind == "text" and re.match(r"[-+.]?[0-9]", node.value):
            error.message += f"; write just the number, in plain digits, like {example}"
        raise error
    if re.match(r"[-+]?0[0-9_]", node.value):
        raise RoutineError(
            f"'{key}'{where} should be written without leading zeros, got {_shown(node.value)}",
            line=_line(node),
        )
    if not _DECIMAL.fullmatch(node.value) and re.match(r"[-+.]?[0-9]", node.value):
        raise RoutineError(
            f"'{key}'{where} should be written in plain digits, like {example},"
            f" got {_shown(node.value)}",
            line=_line(node),
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


def _duration(node: Node, key: str, where: str) -> float:
    """A hold, rest, switch or setup time in seconds, within the limits."""
    maximum = LIMITS.max_hold if key == "hold" else LIMITS.max_pause
    seconds = _number(node, key, where, "a number of seconds", "30 or 2.5")
    if not (math.isfinite(seconds) and LIMITS.min_duration <= seconds <= maximum):
        raise RoutineError(
            f"'{key}'{where} must be between {LIMITS.min_duration:g} and {maximum:g} seconds,"
            f" got {_shown(node.value)}",
            line=_line(node),
        )
    if not on_step(seconds):
        raise RoutineError(
            f"'{key}'{where} goes in tenths of a second, got {_shown(node.value)}", line=_line(node)
        )
    return seconds


def _reps(node: Node, where: str) -> int:
    reps = _number(node, "reps", where, "a whole number", "2")
    if isinstance(reps, float) or not 1 <= reps <= LIMITS.max_reps:
        raise RoutineError(
            f"'reps'{where} must be a whole number from 1 to {LIMITS.max_reps},"
            f" got {_shown(node.value)}",
            line=_line(node),
        )
    return reps


def _timing_values(items: dict, where: str) -> dict[str, int | float]:
    """The timing keys present in ``items``, validated."""
    values: dict[str, int | float] = {}
    for key in TIMING_KEYS:
        if key in items:
            node = items[key][1]
            values[key] = _reps(node, where) if key == "reps" else _duration(node, key, where)
    return values


def _list(node: Node, key: str, where: str, limit: int, expected: str) -> list[Node]:
    """The items of a list value, at most ``limit`` of them."""
    if not isinstance(node, SequenceNode):
        raise _type_error(node, f"'{key}'", where, expected)
    if len(node.value) > limit:
        raise RoutineError(
            f"'{key}'{where} has {len(node.value)} items; at most {limit} are allowed",
            line=_line(node.value[limit]),
        )
    return node.value


# --- the schema -----------------------------------------------------------------


def _routine(root: Node | None, *, name: str, source: str) -> Routine:
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL):
        raise RoutineError("the file is empty; a routine needs a 'title' and 'exercises'")
    if not isinstance(root, MappingNode):
        raise RoutineError(
            f"a routine should be keys like 'title:' and 'exercises:', not {_kind(root)}"
            f"{_spacing_hint(root)}",
            line=_line(root),
        )
    items = _items(root, "")
    _check_keys(items, ROUTINE_KEYS, "")
    title = _text(_require(items, "title", root, "the routine"), "'title'", "")
    exercises_node = _require(items, "exercises", root, "the routine")

    texts = {}
    for key in ("description", "intro", "outro"):
        if key in items:
            allowed = (MINUTES_PLACEHOLDER,) if key == "intro" else ()
            texts[key] = _text(items[key][1], f"'{key}'", "", allowed)

    defaults = _defaults(items["defaults"][1]) if "defaults" in items else DEFAULT_TIMING
    exercises = _exercises(exercises_node)
    return Routine(
        name=name,
        title=title,
        exercises=exercises,
        defaults=defaults,
        source=source,
        **texts,
    )


def _defaults(node: Node) -> Timing:
    if not isinstance(node, MappingNode):
        raise _type_error(node, "'defaults'", "", "a mapping like {hold: 30, reps: 2}")
    items = _items(node, " in 'defaults'")
    _check_keys(items, TIMING_KEYS, " in 'defaults'")
    return dataclasses.replace(DEFAULT_TIMING, **_timing_values(items, " in 'defaults'"))


def _exercises(node: Node) -> tuple[Exercise, ...]:
    items = _list(node, "exercises", "", LIMITS.max_exercises, "a list of exercises")
    if not items:
        raise RoutineError("'exercises' is empty; a routine needs at least one", line=_line(node))
    exercises: list[Exercise] = []
    first_line: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        exercise = _exercise(item, number)
        folded = exercise.name.casefold()
        if folded in first_line:
            raise RoutineError(
                f"two exercises are named '{_shown(exercise.name)}'"
                f" (first at line {first_line[folded]})",
                line=exercise.line,
            )
        first_line[folded] = exercise.line
        exercises.append(exercise)
    return tuple(exercises)


def _exercise(node: Node, number: int) -> Exercise:
    if not isinstance(node, MappingNode):
        raise RoutineError(
            f"exercise {number} should be keys like 'name:' and 'instructions:',"
            f" not {_kind(node)}{_spacing_hint(node)}",
            line=_line(node),
        )
    where = f" in exercise {number}"
    items = _items(node, where)
    name = _text(items["name"][1], "'name'", where) if "name" in items else None
    if name is not None:
        where = f" in exercise '{_shown(name)}'"
    _check_keys(items, EXERCISE_KEYS, where)
    _require(items, "name", node, f"exercise {number}")
    _require(items, "instructions", node, f"exercise '{_shown(name)}'")
    sides = _sides(items["sides"][1], where) if "sides" in items else ()

    def exercise_text(text_node: Node, key: str, number: int | None = None) -> str:
        text = _text(text_node, _subject(key, number), where, (SIDE_PLACEHOLDER,))
        if not sides and SIDE_PLACEHOLDER in text:
            raise RoutineError(
                f"'{SIDE_PLACEHOLDER}' used but exercise '{_shown(name)}' has no sides",
                line=_line(text_node),
            )
        return text

    def exercise_texts(key: str, allow_empty: bool) -> tuple[str, ...]:
        value = items[key][1]
        if _kind(value) == "text":
            return (exercise_text(value, key),)
        texts = _list(value, key, where, LIMITS.max_texts, "text or a list of texts")
        if not texts and not allow_empty:
            raise RoutineError(f"'{key}'{where} is an empty list", line=_line(value))
        return tuple(exercise_text(text, key, n) for n, text in enumerate(texts, start=1))

    instructions = exercise_texts("instructions", allow_empty=False)
    extra = {}
    if "cues" in items:
        extra["cues"] = exercise_texts("cues", allow_empty=True)
    for key in ("progression", "side_label"):
        if key in items:
            extra[key] = exercise_text(items[key][1], key)
    if "side_label" in extra and SIDE_PLACEHOLDER not in extra["side_label"]:
        raise RoutineError(
            f"'side_label'{where} must contain '{SIDE_PLACEHOLDER}'",
            line=_line(items["side_label"][1]),
        )
    return Exercise(
        name=name,
        instructions=instructions,
        sides=sides,
        line=_line(node),
        **extra,
        **_timing_values(items, where),
    )


def _sides(node: Node, where: str) -> tuple[str, ...]:
    texts = _list(node, "sides", where, LIMITS.max_sides, "a list like [right, left]")
    if not texts:
        raise RoutineError(
            f"'sides'{where} is an empty list; leave 'sides' out for an exercise without sides",
            line=_line(node),
        )
    sides: list[str] = []
    for number, text_node in enumerate(texts, start=1):
        side = _text(text_node, _subject("sides", number), where)
        if side.casefold() in (s.casefold() for s in sides):
            raise RoutineError(
                f"side '{_shown(side)}'{where} is listed twice", line=_line(text_node)
            )
        sides.append(side)
    return tuple(sides)
