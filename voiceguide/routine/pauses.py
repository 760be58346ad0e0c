"""Texts said in turn, with the quiet their author puts between them: an exercise's
``instructions`` and ``switch_instructions`` and the routine's ``outro``, each one text
or a list in which ``- pause: SECONDS`` follows the words it gives time for. And every
way a pause gets written by mistake (``pause 30``, ``wait: 6``, another tool's
``[PAUSE:6]``), refused with the way to write it: said, it would leave no quiet."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TypeGuard

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voiceguide.errors import RoutineError
from voiceguide.limits import LIMITS
from voiceguide.routine.scalars import kind_of, line_of, list_of, number, shown, subject
from voiceguide.settings import PAUSE, Number, SettingError


def steps_of(
    value: Node,
    key: str,
    where: str,
    read: Callable[[Node, str, int | None], str],
    *,
    quiet_last: bool = False,
) -> tuple[tuple[str, ...], tuple[tuple[int, Number], ...]]:
    """The texts of ``key`` (one text, or a list), each read by ``read``, and the pauses
    (``- pause: 30``) after some of them: in the lists said in turn (:data:`PAUSED`),
    never in cues, which are laid over a hold; one may end the list where ``quiet_last``
    (an exercise without a hold: the quiet before the next one)."""
    if kind_of(value) == "text":
        return (_not_a_pause(value, key, None, where, read),), ()
    if _is_pause(value) or _pause_typo(value):  # "instructions:" then "  pause: 20"
        raise RoutineError(
            f"'{key}'{where} holds only a pause; a pause goes in the list, after the words"
            " it gives time for: '- Lie back.' and then '- pause: 20'",
            line=line_of(value),
        )
    # at most max_texts texts, each with a pause after it: pauses are not counted
    nodes = list_of(value, key, where, 4 * LIMITS.max_texts, "text or a list of texts")
    if not nodes and key in PAUSED:
        raise RoutineError(
            f"'{key}'{where} is an empty list; write what is said, or leave '{key}' out",
            line=line_of(value),
        )
    texts: list[str] = []
    pauses: list[tuple[int, Number]] = []
    for n, item in enumerate(nodes, start=1):
        if _is_pause(item):
            pauses.append((len(texts) - 1, _pause(item, key, n, where, pauses, len(texts))))
        else:
            if len(texts) == LIMITS.max_texts:
                raise RoutineError(
                    f"'{key}'{where} has more than {LIMITS.max_texts} texts; at most"
                    f" {LIMITS.max_texts} are allowed (pauses are not counted"
                    + ("; for words said again, give the exercise 'reps')" if quiet_last else ")"),
                    line=line_of(item),
                )
            texts.append(_not_a_pause(item, key, n, where, read))
    if pauses and pauses[-1][0] == len(texts) - 1 and not quiet_last:
        raise RoutineError(
            f"'{key}'{where} ends with a pause; {PAUSED[key].format(seconds=pauses[-1][1])}",
            line=line_of(nodes[-1]),
        )
    return tuple(texts), tuple(pauses)


PAUSED = {
    "instructions": "the time after the last of them is the exercise's 'setup': add the"
    " {seconds:g} seconds to 'setup' instead (or, for words and quiet alone with no hold,"
    " write 'hold: none')",
    "switch_instructions": "the time after the last of them is the exercise's 'switch':"
    " add the {seconds:g} seconds to 'switch' instead",
    "outro": "nothing is said after it, so it would only make the file end later: leave it out",
}
"""The lists that may hold pauses, each with what to do about a pause at its end."""


def _is_pause(node: Node) -> TypeGuard[MappingNode]:
    """``- pause: 30`` (or ``- {pause: 30}``) among texts."""
    return isinstance(node, MappingNode) and any(
        isinstance(key, ScalarNode) and key.value == PAUSE.name for key, _ in node.value
    )


_QUIET_WORDS = (PAUSE.name, "wait", "rest", "hold", "silence", "quiet", "break")
"""Words a pause is written with by mistake (``- wait: 6``): in a list said in turn,
each would be said."""
_AFTER_WORDS = r"(?:pause|wait)"
"""The words of a pause written after the words it follows (``Breathe in. Pause 4``)."""
_SECONDS = r"([0-9][0-9.,]*)"
"""The seconds of a pause written some other way, as digits (a comma read later)."""
_UNIT = r"(?:s|secs?|seconds?)?"
_SAID_PAUSE = re.compile(
    rf"[\[(]?\s*(?:{'|'.join(_QUIET_WORDS)})\s*[:=\uff1a]?\s*\(?\s*{_SECONDS}\s*"
    rf"{_UNIT}\s*\)?\s*[\])]?",
    re.IGNORECASE,
)
"""A text that is a pause written some other way (``pause 30``, ``pause:30``, ``wait
6``, ``pause (10 seconds)``, another tool's ``[PAUSE:30]``): the voice would say it, and
leave no quiet."""
_PAUSE_INSIDE = re.compile(
    rf"\[\s*pause\s*[:=]?\s*{_SECONDS}[^\]]{{0,12}}\]|(?:^|\s)-\s*pause\s*:\s*{_SECONDS}",
    re.IGNORECASE,
)
"""A pause inside a longer text: another tool's ``[PAUSE:6]`` after the words, or a
``- pause: 6`` line kept as words by a block text (``|``, ``>``)."""
_PAUSE_AT_END = re.compile(
    rf"[.!?,;]\s*({_AFTER_WORDS}\s*[:=]?\s*\(?\s*{_SECONDS}\s*{_UNIT}\s*\)?)\s*\.?\s*$",
    re.IGNORECASE,
)
"""A pause written after the words, ending the text (``Breathe in. Pause 4``, ``Lie
down, wait 10 s``): said, it would leave no quiet."""
_PAUSE_LINE = re.compile(rf"(?:^|[.!?]\s+|\n\s*)(pause\s*:\s*{_SECONDS})(?=\s|$)", re.IGNORECASE)
"""A ``pause: 6`` line without its dash in a block text (``|``, ``>``): after a
sentence or on a line of its own."""


def _pause_typo(node: Node) -> str | None:
    """The key of ``- Pause: 30`` or ``- paus: 10``: one key like 'pause', not it, with a
    number or nothing after it (None for anything else)."""
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        return None
    key, value = node.value[0]
    if not isinstance(key, ScalarNode) or kind_of(value) not in ("a number", "empty"):
        return None
    near = key.value.casefold() in _QUIET_WORDS or difflib.get_close_matches(
        key.value.casefold()[:20], [PAUSE.name], cutoff=0.75
    )
    return str(key.value) if near and key.value != PAUSE.name else None


_WORDS_THEN_PAUSE = re.compile(rf"(?P<words>.*\S)\s+{_AFTER_WORDS}", re.IGNORECASE | re.DOTALL)


def _words_then_pause(node: Node) -> tuple[str, str, str] | None:
    """``- Breathe in. Pause: 4`` (a mapping of one key ending in "pause" to seconds): the
    words, the seconds and the item as written, or None."""
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        return None
    key, value = node.value[0]
    if not (isinstance(key, ScalarNode) and isinstance(value, ScalarNode)):
        return None
    found = _WORDS_THEN_PAUSE.fullmatch(str(key.value))
    seconds = str(value.value).strip().removesuffix("s").strip()
    if found is None or not seconds.replace(".", "", 1).isdigit():
        return None
    return found["words"], seconds, f"{key.value}: {value.value}"


def _not_a_pause(
    node: Node, key: str, n: int | None, where: str, read: Callable[[Node, str, int | None], str]
) -> str:
    """The text of item ``n`` of ``key``, refused if it is a pause mistyped: words that
    would be said where quiet was meant."""
    what = f"{subject(key, n)}{where}"
    typo = _pause_typo(node)
    if isinstance(node, MappingNode) and typo is not None:
        seconds = node.value[0][1].value or "30"
        case = " (in lowercase)" if typo.casefold() == PAUSE.name else ""
        raise RoutineError(
            f"{what} is '{shown(typo)}: {shown(seconds)}', neither words nor a pause; for"
            f" quiet, write '- pause: {shown(seconds)}'{case}; to have it said, put it in"
            " quotes",
            line=line_of(node),
        )
    words_then_pause = _words_then_pause(node)
    if words_then_pause is not None:  # - Breathe in. Pause: 4
        words, seconds, written = words_then_pause
        raise RoutineError(
            f"{what} has a pause after its words, which YAML reads as a key ('{shown(written)}'"
            f"); a pause goes on a line of its own, after the words: '- {shown(words)}' and"
            f" then '- pause: {shown(seconds)}'",
            line=line_of(node),
        )
    if isinstance(node, SequenceNode) and len(node.value) == 1:  # - [PAUSE:6]
        inner = node.value[0]
        said = _SAID_PAUSE.fullmatch(inner.value) if isinstance(inner, ScalarNode) else None
        if said:
            raise RoutineError(
                f"{what} is the list [{shown(inner.value)}], neither words nor a pause; for"
                f" quiet, {_pause_written(key, said.group(1))}",
                line=line_of(node),
            )
    text = read(node, key, n)
    plain = isinstance(node, ScalarNode) and not node.style
    said = _SAID_PAUSE.fullmatch(text)
    if said and (plain or text.startswith("[")):
        instead = _pause_written(key, said.group(1))
        if key in PAUSED and any(ch.isspace() and ch != " " for ch in node.value):
            instead += (
                ", with a plain space after the colon (the one there is another space, which"
                " YAML reads as a letter)"
            )
        elif key in PAUSED:
            colon = re.search("[:=\uff1a]", text)
            instead += ", with a space after the colon" if colon else ", with its colon"
        raise RoutineError(
            f"{what} would be said as the words '{shown(text)}'; for quiet, {instead}",
            line=line_of(node),
        )
    inside = _pause_inside(node, text)
    if inside:
        marker, seconds = inside
        split = "end the text before it, then " if key in PAUSED else ""
        raise RoutineError(
            f"{what} has '{shown(marker)}' in it, which the voice would say as words; for"
            f" quiet, {split}{_pause_written(key, seconds)}"
            + (" on a line of its own" if key in PAUSED else ""),
            line=line_of(node),
        )
    return text


def _pause_inside(node: Node, text: str) -> tuple[str, str] | None:
    """The pause written inside ``text`` (``node``'s, as read), and its seconds: another
    tool's marker or a ``- pause: 6`` line anywhere, a ``pause: 6`` line in a block."""
    found = _PAUSE_INSIDE.search(text)
    if found:
        return found.group(0).strip(), found.group(1) or found.group(2)
    last = _PAUSE_AT_END.search(text)
    if last:
        return last.group(1), last.group(2)
    block = isinstance(node, ScalarNode) and node.style in ("|", ">")
    line = _PAUSE_LINE.search(node.value) if block else None
    return (line.group(1), line.group(2)) if line else None


def no_pause_in(node: Node, text: str, what: str) -> None:
    """Refuse a pause written in ``text``, an intro's (said in one go, before anything is
    done: its quiet belongs among the first exercise's instructions)."""
    inside = _pause_inside(node, text)
    if inside:
        raise RoutineError(
            f"{what} has '{shown(inside[0])}' in it, which the voice would say as words; the"
            " intro is said in one go: quiet goes among the first exercise's 'instructions',"
            f" as '- pause: {inside[1]}'",
            line=line_of(node),
        )


def _pause_written(key: str, seconds: str) -> str:
    """How to write a pause of ``seconds`` meant among the texts of ``key``."""
    if key not in PAUSED:
        return f"a pause goes among 'instructions': '{key}' are said during the hold"
    return f"write '- pause: {seconds}'"


def _pause(
    node: MappingNode, key: str, n: int, where: str, pauses: list[tuple[int, Number]], said: int
) -> Number:
    """The seconds of the pause that is item ``n`` of ``key``, after ``said`` texts and
    the ``pauses`` before it."""
    what = f" (item {n} of '{key}'){where}"
    if key not in PAUSED:
        raise RoutineError(
            f"a pause{what}: '{key}' are laid over the hold, which no pause can lengthen;"
            " pauses go among 'instructions', 'switch_instructions' and 'outro'",
            line=line_of(node),
        )
    if len(node.value) > 1:
        raise RoutineError(
            f"a pause{what} has other keys beside 'pause'; write it on its own line, like"
            " '- pause: 30'",
            line=line_of(node),
        )
    if not said:
        raise RoutineError(
            f"a pause{what} comes before anything is said; a pause follows an instruction,"
            " as the time to do it",
            line=line_of(node),
        )
    value = node.value[0][1]
    try:
        seconds = number(value, PAUSE.name, what, "a number of seconds", "30 or 2.5")
        checked: Number = PAUSE.check(seconds, shown(value.value))  # type: ignore[assignment]
    except SettingError as err:
        raise RoutineError(f"'{PAUSE.name}'{what} {err.message}", line=line_of(value)) from None
    except RoutineError as err:
        if kind_of(value) == "text" and not value.style:  # "- pause: take a breath"
            err.message += f'; to have it said, put it in quotes: "pause: {shown(value.value)}"'
        elif kind_of(value) == "empty":
            err.message += "; write the seconds, like pause: 30"
        raise
    if pauses and pauses[-1][0] == said - 1:
        raise RoutineError(
            f"two pauses in a row{what}; write one pause of {pauses[-1][1] + checked:g} seconds",
            line=line_of(node),
        )
    return checked
