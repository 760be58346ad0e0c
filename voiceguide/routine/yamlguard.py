"""YAML → a node tree, with hostile input stopped before any node is built.

The event stream is checked first for tags (every one, even ``!!str``), aliases, extra
documents, depth and size; then the tree is composed (never constructed), so duplicate
keys can be refused and every error can name its line. Syntax errors are reported
where the mistake is, with a hint. Before any of that, spaces YAML does not take for
spaces (a non-breaking space pasted from a document) are refused where they would
change the file's structure; after it, plain values a comment cuts short are noted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import yaml
from yaml.nodes import CollectionNode, Node, ScalarNode

from voiceguide.errors import RoutineError
from voiceguide.limits import LIMITS
from voiceguide.routine.scalars import (
    NO_SPACE_AFTER_COLON,
    NO_SPACE_AFTER_DASH,
    TAG,
    note_cut,
    note_dashed,
    shown,
)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: a 1 MB hostile file parses in under a second
(the pure-Python one takes twenty)."""


_ODD_SPACES = "\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
"""Spaces YAML reads as letters: no-break (U+00A0, U+202F), figure, thin and the other
typographic spaces, zero-width ones (U+200B, and U+FEFF past the file's start)."""
_ODD_SPACE = re.compile(f"[{_ODD_SPACES}]")
_SPACE_NAMES = {
    "\u00a0": "a non-breaking space",
    "\u202f": "a narrow non-breaking space",
    "\u2007": "a figure space",
    "\u2009": "a thin space",
    "\u200b": "a zero-width space",
    "\ufeff": "an invisible zero-width space (U+FEFF)",
}
_LINE_BREAK = re.compile("\r\n|\r|\n")
"""Line breaks as YAML counts them (the others are refused before)."""


def compose(text: str, keys: Iterable[str] = ()) -> Node | None:
    """The YAML node tree of ``text`` (None when empty), after the safety checks.
    ``keys``: the file's keys, to find odd spaces around them."""
    try:
        _check_spaces(text, tuple(keys))
        _check_events(text)
        root = yaml.compose(text, Loader=_LOADER)
        if root is not None:
            _note_plain_texts(root, _LINE_BREAK.split(text))
        return root
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
        raise RoutineError(f"YAML syntax error: {shown(str(err), 80)}") from None


def _note_plain_texts(root: Node, lines: list[str]) -> None:
    """Note (:func:`~voiceguide.routine.scalars.note_cut`) each plain value whose line
    goes on with a comment, and (:func:`~voiceguide.routine.scalars.note_dashed`) each
    that goes on over lines starting with '- ', which YAML folds into the text."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CollectionNode):
            for item in node.value:
                stack.extend(item if isinstance(item, tuple) else (item,))
        elif isinstance(node, ScalarNode) and not node.style and node.value:  # plain
            end = node.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            if rest[:1] in (" ", "\t") and rest.lstrip(" \t").startswith("#"):
                note_cut(node, rest.strip(" \t"))
            going_on = range(node.start_mark.line + 1, min(end.line + 1, len(lines)))
            dashed = next(
                (n + 1 for n in going_on if _begins_an_item(lines[n - 1], lines[n])), None
            )
            if dashed is not None:
                note_dashed(node, dashed)


_ITEM = re.compile(r"[ \t]*-[ \t]+(\S)")


def _begins_an_item(before: str, line: str) -> bool:
    """Whether ``line``, in a plain text that goes on over it, looks like a list item
    left under a text on its key's line: '- ' and a sentence begun, after a sentence
    ended. (A YAML writer folds a long text where it likes, so a line of its may start
    with the ' - ' of "slowly - then slowly", in the middle of a sentence.)"""
    item = _ITEM.match(line)
    if item is None:
        return False
    return not item.group(1).islower() and before.rstrip().endswith((".", "!", "?", ":", ";"))


def _check_spaces(text: str, keys: tuple[str, ...]) -> None:
    """Refuse a space YAML reads as a letter (:data:`_ODD_SPACES`) where it would change
    the file's structure: in the indentation, after a list's '-', between a key and its
    colon or its value. In a text it is fine: French puts U+00A0 or U+202F before ':',
    '?' and '!'."""
    if not _ODD_SPACE.search(text):
        return
    space = f"[ \\t{_ODD_SPACES}]"
    key = "|".join(sorted(map(re.escape, keys), key=len, reverse=True)) or "(?!)"
    structure = re.compile(
        rf"(?P<lead>{space}*)(?P<dashes>(?:-{space}+)*)"
        rf"(?:(?P<key>{key})(?P<before>{space}*):(?P<after>{space}*))?"
    )
    lines = _LINE_BREAK.split(text)
    found = []
    for number, line in enumerate(lines):
        if number == 0:
            line = line.removeprefix("\ufeff")  # a byte order mark: YAML allows it here
        if _ODD_SPACE.search(line):
            match = structure.match(line)
            assert match is not None  # every part of the pattern may be empty
            odd = _odd_space(match)
            if odd:
                column = odd[0] + len(lines[number]) - len(line)
                found.append((number, column, odd[1]))
    if not found:
        return
    inside = _inside_texts(text, found[-1][0])
    for number, column, where in found:
        if column >= inside.get(number, 0):
            char = lines[number][column]
            name = _SPACE_NAMES.get(char, f"an unusual space (U+{ord(char):04X})")
            advice = "type an ordinary space in its place"
            if char in "\u200b\ufeff" and lines[number][column - 1 : column] not in (":", "-"):
                advice = "delete it"
            raise RoutineError(
                f"{name} (from copying text out of a document?) {where}; {advice}",
                line=number + 1,
            )


def _odd_space(match: re.Match[str]) -> tuple[int, str] | None:
    """(column, where) of the first odd space in the structure of a line, if any."""
    lead, dashes, key = match["lead"], match["dashes"], match["key"]
    for column, char in enumerate(lead):
        if _ODD_SPACE.match(char):
            return column, "in the indentation at the start of the line"
    for offset, char in enumerate(dashes):
        if _ODD_SPACE.match(char) and (dashes[offset - 1] == "-" or key):
            where = "after '-'" if dashes[offset - 1] == "-" else f"before '{key}'"
            return match.start("dashes") + offset, where
    if not key:
        return None
    for offset, char in enumerate(match["before"]):
        if _ODD_SPACE.match(char):
            return match.start("before") + offset, f"between '{key}' and its colon"
    after, value = match["after"], match.string[match.end() :]
    # Before a text it does no harm (a text's spaces are tidied), unless it is the only
    # space after the colon; before a number, a list or nothing it makes the value text.
    harmful = _ODD_SPACE.match(after[:1]) or re.match(r"[-+.0-9\[{#]|$", value)
    for offset, char in enumerate(after):
        if _ODD_SPACE.match(char) and harmful:
            return match.start("after") + offset, f"after '{key}:'"
    return None


def _inside_texts(text: str, last_line: int) -> dict[int, float]:
    """``{line: column}``: each line (numbered from 0) that goes on a quoted or block
    text begun on an earlier line, up to the column where that text ends there; only
    texts begun by ``last_line``, and as far as the file scans."""
    inside: dict[int, float] = {}
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            start, end = token.start_mark, token.end_mark
            if start.line > last_line:
                break
            if isinstance(token, yaml.ScalarToken) and token.style and end.line > start.line:
                inside.update(dict.fromkeys(range(start.line + 1, end.line), math.inf))
                inside[end.line] = end.column
    except yaml.YAMLError:
        pass  # a syntax error after the odd space, most likely because of it
    return inside


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
    return RoutineError(f"YAML syntax error: {shown(problem, 80)}{hint}", line=line)


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
        if NO_SPACE_AFTER_COLON.match(here):
            return number, f"put a space after the colon in '{shown(here.strip(), 30)}'"
        if NO_SPACE_AFTER_DASH.match(here):
            return number, f"put a space after '-' in '{shown(here.strip(), 30)}'"
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
    if re.search(r"(?:^|:\s+|-\s+)\{\s*(?:side|minutes)\s*\}", here.strip()):  # begins a value
        return "; text with {side} or {minutes} in it needs quotes, e.g. '{side} leg'"
    body = here.strip().removeprefix("- ")
    if len(body.split(": ", 1)[0]) > 1024 and ": " in body:
        return "; a key can be at most 1024 characters long"
    if "mapping values are not allowed" in problem:
        keys = re.fullmatch(r"(\w+: [^,:]+, )+\w+: [^,:]+", body)  # "weeks: 1, hold: 15"
        if keys:
            return f"; several keys on one line go in braces: {{{body}}}"
        if body.count(": ") + body.endswith(":") >= 2:
            return "; text with ': ' in it needs quotes, e.g. 'Tip: breathe out'"
        return (
            _key_under_text(lines, line)
            or "; check the indentation of this line and the one before"
        )
    if "expected ',' or ']'" in problem or "expected ',' or '}'" in problem:
        close = "]" if "']'" in problem else "}"
        return f"; the list or mapping opened on this line needs its closing '{close}'"
    quoted = body.split(": ", 1)[-1]
    if quoted.startswith("'") and quoted.count("'") >= 3:
        whole = quoted.endswith("'") and quoted.count("'") == 3 and len(quoted) <= 80
        if whole and '"' not in quoted:  # 'Don't lock your knee.': the fix, to copy
            return (
                f"; the apostrophe ends the text in single quotes: put it in double quotes, "
                f'"{quoted[1:-1]}", or write the apostrophe twice'
            )
        word = re.search(r"\w+'\w+", quoted)
        twice = f" ({word[0].replace(chr(39), chr(39) * 2)})" if word else ""
        return (
            "; an apostrophe ends a text in single quotes: put the text in double quotes"
            f" instead, or write the apostrophe twice{twice}"
        )
    if "expected key" in problem and (under := _key_under_text(lines, line)):
        return under
    return _indent_hint(lines, line) or general


def _key_under_text(lines: list[str], line: int) -> str:
    """A ': ' where a text goes on over several lines, which YAML cannot read: a pause
    without its dash under a text item (``  - Bend both knees.`` then ``    pause: 6``),
    a list under a text on its key's line (``outro: Done.`` then ``  - pause: 6``), or a
    text's second line with ': ' in it. Empty when the line is none of these."""
    here = lines[line - 1]
    indent = len(here) - len(here.lstrip(" "))
    above = [b for b in reversed(lines[: line - 1]) if b.strip() and not b.lstrip().startswith("#")]
    if here.lstrip().startswith("- "):
        key = next((b for b in above if not b.lstrip().startswith("- ")), "")
        text = _KEY_AND_TEXT.match(key)
        if text and len(text["indent"]) <= indent:  # a list may sit at its key's indentation
            return (
                f"; '{text['key']}' has a text on its line and a list under it, which YAML"
                f" cannot read: put that text on a '- ' line of its own under"
                f" '{text['key']}:', as the others are"
            )
        return ""
    before = above[0] if above else ""
    first = before.split(maxsplit=1)
    if (":" not in before and len(first) == 2 and first[0].isidentifier()
            and before == before.lstrip() and indent == 0):  # "title Test" at the top  # fmt: skip
        return f"; the line before has no ':' after its key: write '{first[0]}: {first[1]}'"
    item = before.lstrip()[2:] if before.lstrip().startswith("- ") else None
    text = _KEY_AND_TEXT.match(before)
    start = len(before) - len(before.lstrip(" "))
    if item is not None and ": " not in item and indent > start:
        parent = next((b.strip() for b in above[1:] if len(b) - len(b.lstrip(" ")) < start), "")
        if parent == "exercises:":  # "- Slow breathing" then "hold: none"
            return (
                f"; an exercise's first line is its name: write '{' ' * start}- name:"
                f" {item.strip()}'"
            )
        if re.fullmatch(r"\w+: *[0-9][0-9.]*", here.strip()):
            return (
                f"; a new list item starts with '- ', at the same indentation as the one"
                f" before: write '{' ' * start}- {here.strip()}'"
            )
        return (
            "; this line goes on with the text above, and its ': ' needs the whole text in quotes"
        )
    if text and indent > start:
        return (
            f"; this line goes on with the text of '{text['key']}', and its ': ' needs the"
            " whole text in quotes"
        )
    return ""


_KEY_AND_TEXT = re.compile(r"(?P<indent> *)(?P<key>\w+): +(?P<text>[^\s|>\[{'\"&*!#-][^:]*)$")
"""A key with a plain text after it on its line (no ': ' in the text)."""


def _indent_hint(lines: list[str], line: int) -> str:
    """What a wrong indentation most likely is, from this line and the one before: a
    new list item without its '- ', or a key indented unlike its neighbours."""
    here = lines[line - 1]
    before = next(
        (b for b in reversed(lines[: line - 1]) if b.strip() and not b.lstrip().startswith("#")), ""
    )
    indent = len(here) - len(here.lstrip(" "))
    above = len(before) - len(before.lstrip(" "))
    items = [len(b) - len(b.lstrip(" ")) for b in lines[: line - 1] if b.lstrip().startswith("- ")]
    key = here.strip().split(":", 1)[0]
    keys = above + (2 if before.lstrip().startswith("- ") else 0)
    if items and indent == items[-1] and not here.lstrip().startswith("- ") and ":" in here:
        if before.lstrip().startswith("- ") and ": " in before and above == indent:
            # "  - name: Calf" then "  sides: [...]": a key of that item, or a new item
            return (
                f"; '{key}' is indented {_spaces(indent)}, but the keys of the item above are"
                f" indented {keys}: line them up (a new item would start with '- ')"
            )
        return f"; a new list item starts with '- ': write '{' ' * indent}- {here.strip()}'"
    if indent != keys and ":" in here:
        return (
            f"; '{key}' is indented {_spaces(indent)}, but the keys beside it are "
            f"indented {keys}: line them up"
        )
    return ""


def _spaces(count: int) -> str:
    return f"{count} space{'' if count == 1 else 's'}"


def check_stream(text: str, *, aliases: bool = False) -> None:
    """The checks made before composing (see :func:`_check_events`), for a reader that
    constructs the YAML itself (another tool's format, whose ``aliases`` may be allowed).
    A syntax error is PyYAML's, for the reader to explain."""
    _check_events(text, aliases=aliases)


def _check_events(text: str, *, aliases: bool = False) -> None:
    """Refuse extra documents, aliases (unless ``aliases``), tags and %TAG lines, deep
    nesting and too many values.

    Works on the event stream, which needs no recursion and holds nothing, so it runs
    before the (recursive) composer ever sees a deeply nested, huge or hostile file.
    """
    depth = 0
    documents = 0
    nodes = 0
    for event in yaml.parse(text, Loader=_LOADER):
        assert event.start_mark is not None  # the parser marks every event
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
                    f"YAML tags like '{shown(f'%TAG {handle} {prefix}')}' are not allowed",
                    line=line,
                )
        elif isinstance(event, yaml.AliasEvent) and not aliases:
            assert event.anchor is not None  # an alias is always '*name'
            raise RoutineError(
                f"YAML aliases like '*{shown(event.anchor)}' are not allowed;"
                " write the value out in full",
                line=line,
            )
        # Scalars and collection starts: the node events besides aliases, which have tags.
        elif (
            isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent))
            and event.tag is not None
        ):
            tag = event.tag.replace(TAG, "!!", 1)
            raise RoutineError(f"YAML tags like '{shown(tag)}' are not allowed", line=line)
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
