"""A routine's structure: which keys it has, what each holds, into the model."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TypedDict, TypeGuard

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voiceguide.errors import RoutineError
from voiceguide.limits import LIMITS
from voiceguide.model import MINUTES_PLACEHOLDER, SIDE_PLACEHOLDER, Exercise, Routine
from voiceguide.phrases import DEFAULT_LANGUAGE
from voiceguide.routine.scalars import (
    NULL,
    check_keys,
    items_of,
    kind_of,
    line_of,
    list_of,
    number,
    require,
    shown,
    spacing_hint,
    subject,
    text_of,
    timing_values,
    type_error,
)
from voiceguide.settings import BY_NAME, DEFAULT_TIMING, PAUSE, Number, SettingError, Timing
from voiceguide.settings import EXERCISE_KEYS as TIMING_KEYS

ROUTINE_KEYS = (
    "title", "language", "description", "defaults", "intro", "outro", "bed", "exercises",
)  # fmt: skip
EXERCISE_KEYS = (
    "name", "instructions", "sides", "switch_instructions", "cues", "progression",
    "side_label", *TIMING_KEYS,
)  # fmt: skip


def routine_of(root: Node | None, *, name: str, source: str) -> Routine:
    if root is None or (isinstance(root, ScalarNode) and root.tag == NULL):
        raise RoutineError("the file is empty; a routine needs a 'title' and 'exercises'")
    if not isinstance(root, MappingNode):
        raise RoutineError(
            f"a routine should be keys like 'title:' and 'exercises:', not {kind_of(root)}"
            f"{spacing_hint(root)}",
            line=line_of(root),
        )
    items = items_of(root, "")
    check_keys(items, ROUTINE_KEYS, "")
    title = text_of(require(items, "title", root, "the routine"), "'title'", "")
    exercises_node = require(items, "exercises", root, "the routine")

    if "intro" in items and kind_of(items["intro"][1]) == "a list":
        raise RoutineError(
            "'intro' should be one text, not a list: it is said in one go, before anything"
            " is done (pauses go among the first exercise's 'instructions', and the 'outro')",
            line=line_of(items["intro"][1]),
        )
    texts = {}
    for key in ("description", "intro", "bed"):
        if key in items:
            allowed = (MINUTES_PLACEHOLDER,) if key == "intro" else ()
            texts[key] = text_of(items[key][1], f"'{key}'", "", allowed, said=key != "bed")
    outro, outro_pauses = steps_of(items["outro"][1], "outro", "", _routine_text) \
        if "outro" in items else ((), ())  # fmt: skip

    defaults = _defaults(items["defaults"][1]) if "defaults" in items else DEFAULT_TIMING
    language = _language(items["language"][1]) if "language" in items else DEFAULT_LANGUAGE
    exercises = _exercises(exercises_node)
    bed_line = line_of(items["bed"][1]) if "bed" in items else None
    return Routine(
        name=name,
        title=title,
        exercises=exercises,
        defaults=defaults,
        language=language,
        source=source,
        bed_line=bed_line,
        outro=outro,
        outro_pauses=outro_pauses,
        **texts,
    )


def _routine_text(node: Node, key: str, number: int | None) -> str:
    """Item ``number`` of ``key`` (the key's one text when None): no placeholders."""
    return text_of(node, subject(key, number), "")


def _language(node: Node) -> str:
    """The routine's language: a supported BCP 47 tag, in its own spelling."""
    tag = text_of(node, "'language'", "", said=False)
    try:
        return str(BY_NAME["language"].check(tag, f"'{shown(tag)}'"))
    except SettingError as err:
        raise RoutineError(f"'language' {err.message}", line=line_of(node)) from None


def _defaults(node: Node) -> Timing:
    if not isinstance(node, MappingNode):
        raise type_error(node, "'defaults'", "", "a mapping like {hold: 30, reps: 2}")
    items = items_of(node, " in 'defaults'")
    check_keys(items, TIMING_KEYS, " in 'defaults'")
    return DEFAULT_TIMING.replace(timing_values(items, " in 'defaults'"))


def _exercises(node: Node) -> tuple[Exercise, ...]:
    items = list_of(node, "exercises", "", LIMITS.max_exercises, "a list of exercises")
    if not items:
        raise RoutineError("'exercises' is empty; a routine needs at least one", line=line_of(node))
    exercises: list[Exercise] = []
    first_line: dict[str, int | None] = {}
    for place, item in enumerate(items, start=1):
        exercise = _exercise(item, place)
        folded = exercise.name.casefold()
        if folded in first_line:
            raise RoutineError(
                f"two exercises are named '{shown(exercise.name)}'"
                f" (first at line {first_line[folded]})",
                line=exercise.line,
            )
        first_line[folded] = exercise.line
        exercises.append(exercise)
    return tuple(exercises)


class _Extra(TypedDict, total=False):
    """The keys an exercise may leave out, each given only when the file has it."""

    instructions: tuple[str, ...]
    cues: tuple[str, ...]
    switch_instructions: tuple[str, ...]
    pauses: tuple[tuple[int, Number], ...]
    switch_pauses: tuple[tuple[int, Number], ...]
    progression: str
    side_label: str | tuple[tuple[str, str], ...]


def _exercise(node: Node, number: int) -> Exercise:
    if not isinstance(node, MappingNode):
        raise RoutineError(
            f"exercise {number} should be keys like 'name:' and 'instructions:',"
            f" not {kind_of(node)}{spacing_hint(node)}",
            line=line_of(node),
        )
    where = f" in exercise {number}"
    items = items_of(node, where)
    name = text_of(items["name"][1], "'name'", where) if "name" in items else None
    if name is not None:
        where = f" in exercise '{shown(name)}'"
    if PAUSE.name in items:
        raise RoutineError(
            f"'{PAUSE.name}'{where} is not a key of an exercise; a pause goes among its"
            " 'instructions', as '- pause: 30' after an instruction",
            line=line_of(items[PAUSE.name][0]),
        )
    check_keys(items, EXERCISE_KEYS, where)
    require(items, "name", node, f"exercise {number}")
    assert name is not None  # 'name' is there, so it was read above
    sides = _sides(items["sides"][1], where) if "sides" in items else ()

    def exercise_text(text_node: Node, key: str, number: int | None = None) -> str:
        text = text_of(text_node, subject(key, number), where, (SIDE_PLACEHOLDER,))
        if not sides and SIDE_PLACEHOLDER in text:
            raise RoutineError(
                f"'{SIDE_PLACEHOLDER}' used but exercise '{shown(name)}' has no sides",
                line=line_of(text_node),
            )
        return text

    def exercise_steps(key: str) -> tuple[tuple[str, ...], tuple[tuple[int, Number], ...]]:
        return steps_of(items[key][1], key, where, exercise_text)

    extra: _Extra = {}
    if "instructions" in items:
        extra["instructions"], pauses = exercise_steps("instructions")
        if pauses:
            extra["pauses"] = pauses
    if "cues" in items:
        extra["cues"] = exercise_steps("cues")[0]
    if "switch_instructions" in items:
        if len(sides) < 2:
            one = sides[0].split() if len(sides) == 1 else []  # "[right left]": no comma
            commas = "a comma" if len(one) == 2 else "commas"
            hint = f" (its one side is '{shown(sides[0])}': for {len(one)} sides, put {commas}" \
                f" between them: [{', '.join(one)}])" if len(one) > 1 else ""  # fmt: skip
            raise RoutineError(
                f"'switch_instructions'{where} are said when the side changes, but the "
                f"exercise has fewer than two sides{hint}",
                line=line_of(items["switch_instructions"][1]),
            )
        switch, switch_pauses = exercise_steps("switch_instructions")
        extra["switch_instructions"] = switch
        if switch_pauses:
            extra["switch_pauses"] = switch_pauses
    if "progression" in items:
        extra["progression"] = exercise_text(items["progression"][1], "progression")
    if "side_label" in items:
        extra["side_label"] = _side_label(items["side_label"][1], sides, where, exercise_text)
    return Exercise(
        name=name,
        sides=sides,
        line=line_of(node),
        **extra,
        own=tuple(timing_values(items, where).items()),
    )


def steps_of(
    value: Node, key: str, where: str, read: Callable[[Node, str, int | None], str]
) -> tuple[tuple[str, ...], tuple[tuple[int, Number], ...]]:
    """The texts of ``key`` (one text, or a list), each read by ``read``, and the pauses
    (``- pause: 30``) after some of them: in the lists said in turn (:data:`PAUSED`),
    never in cues, which are laid over a hold."""
    if kind_of(value) == "text":
        return (_not_a_pause(value, key, None, where, read),), ()
    if _is_pause(value) or _pause_typo(value):  # "instructions:" then "  pause: 20"
        raise RoutineError(
            f"'{key}'{where} holds only a pause; a pause goes in the list, after the words"
            " it gives time for: '- Lie back.' and then '- pause: 20'",
            line=line_of(value),
        )
    nodes = list_of(value, key, where, LIMITS.max_texts, "text or a list of texts")
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
            texts.append(_not_a_pause(item, key, n, where, read))
    if pauses and pauses[-1][0] == len(texts) - 1:
        raise RoutineError(
            f"'{key}'{where} ends with a pause; {PAUSED[key].format(seconds=pauses[-1][1])}",
            line=line_of(nodes[-1]),
        )
    return tuple(texts), tuple(pauses)


PAUSED = {
    "instructions": "the time after the last of them is the exercise's 'setup': add the"
    " {seconds:g} seconds to 'setup' instead",
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
_SAID_PAUSE = re.compile(
    rf"[\[(]?\s*(?:{'|'.join(_QUIET_WORDS)})\s*[:=\uff1a]?\s*\(?\s*([0-9][0-9.,]*)\s*"
    r"(?:s|secs?|seconds?)?\s*\)?\s*[\])]?",
    re.IGNORECASE,
)
"""A text that is a pause written some other way (``pause 30``, ``pause:30``, ``wait
6``, ``pause (10 seconds)``, another tool's ``[PAUSE:30]``): the voice would say it, and
leave no quiet."""
_PAUSE_INSIDE = re.compile(
    r"\[\s*pause\s*[:=]?\s*([0-9][0-9.,]*)[^\]]{0,12}\]|(?:^|\s)-\s*pause\s*:\s*([0-9][0-9.,]*)",
    re.IGNORECASE,
)
"""A pause inside a longer text: another tool's ``[PAUSE:6]`` after the words, or a
``- pause: 6`` line kept as words by a block text (``|``, ``>``)."""
_PAUSE_LINE = re.compile(
    r"(?:^|[.!?]\s+|\n\s*)(pause\s*:\s*([0-9][0-9.,]*))(?=\s|$)", re.IGNORECASE
)
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
    block = isinstance(node, ScalarNode) and node.style in ("|", ">")
    line = _PAUSE_LINE.search(node.value) if block else None
    return (line.group(1), line.group(2)) if line else None


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


def _side_label(
    node: Node, sides: tuple[str, ...], where: str, read: Callable[[Node, str], str]
) -> str | tuple[tuple[str, str], ...]:
    """``side_label``: a text with ``{side}`` in it, or each side's own words, keyed by
    the sides as ``sides`` lists them (for languages whose words agree: German "rechtes
    Bein" but "linke Seite")."""
    if not isinstance(node, MappingNode):
        label = read(node, "side_label")
        if SIDE_PLACEHOLDER not in label:
            raise RoutineError(
                f"'side_label'{where} must contain '{SIDE_PLACEHOLDER}', or give each side "
                "its own words, like {right: right leg, left: left leg}",
                line=line_of(node),
            )
        return label
    labels = items_of(node, f" in 'side_label'{where}")
    if sorted(labels) != sorted(sides):
        raise RoutineError(
            f"'side_label'{where} must give words for each side, exactly: "
            f"{', '.join(sides) or 'the exercise has no sides'}",
            line=line_of(node),
        )
    return tuple((side, text_of(labels[side][1], f"side label '{shown(side)}'", where))
                 for side in sides)  # fmt: skip


def _sides(node: Node, where: str) -> tuple[str, ...]:
    texts = list_of(node, "sides", where, LIMITS.max_sides, "a list like [right, left]")
    if not texts:
        raise RoutineError(
            f"'sides'{where} is an empty list; leave 'sides' out for an exercise without sides",
            line=line_of(node),
        )
    sides: list[str] = []
    for place, text_node in enumerate(texts, start=1):
        side = text_of(text_node, subject("sides", place), where)
        if side.casefold() in (s.casefold() for s in sides):
            raise RoutineError(
                f"side '{shown(side)}'{where} is listed twice", line=line_of(text_node)
            )
        sides.append(side)
    return tuple(sides)
