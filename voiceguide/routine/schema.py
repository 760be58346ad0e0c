"""A routine's structure: which keys it has, what each holds, into the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from yaml.nodes import MappingNode, Node, ScalarNode

from voiceguide.errors import RoutineError
from voiceguide.limits import LIMITS
from voiceguide.model import MINUTES_PLACEHOLDER, SIDE_PLACEHOLDER, Exercise, Routine
from voiceguide.phrases import DEFAULT_LANGUAGE
from voiceguide.routine.pauses import no_pause_in, steps_of
from voiceguide.routine.scalars import (
    NULL,
    check_keys,
    items_of,
    kind_of,
    line_of,
    list_of,
    require,
    setting_value,
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
    for key, (key_node, _) in items.items():  # "hold: 20" at the left edge, under exercises
        if key not in ROUTINE_KEYS and key in EXERCISE_KEYS:
            raise RoutineError(
                f"'{key}' is a key of an exercise, not of the routine: indent it under its"
                " exercise, lined up with its 'name:'",
                line=line_of(key_node),
            )
    check_keys(items, ROUTINE_KEYS, "")
    title = text_of(require(items, "title", root, "the routine"), "'title'", "")
    exercises_node = require(items, "exercises", root, "the routine")

    texts: dict[str, str] = {}
    for key in ("description", "bed"):
        if key in items:
            texts[key] = text_of(items[key][1], f"'{key}'", "", said=key != "bed")
    if "intro" in items:
        texts["intro"] = intro_of(items["intro"][1], "")
    outro, outro_pauses = outro_of(items["outro"][1], "") if "outro" in items else ((), ())

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


def intro_of(node: Node, where: str) -> str:
    """An ``intro`` (a routine's, or a programme stage's): one text, which may say the
    session's ``{minutes}``."""
    if kind_of(node) == "a list":
        raise RoutineError(
            f"'intro'{where} should be one text, not a list: it is said in one go, before"
            " anything is done (pauses go among the first exercise's 'instructions', and"
            " the 'outro')",
            line=line_of(node),
        )
    text = text_of(node, "'intro'", where, (MINUTES_PLACEHOLDER,))
    no_pause_in(node, text, f"'intro'{where}")
    return text


def outro_of(node: Node, where: str) -> tuple[tuple[str, ...], tuple[tuple[int, Number], ...]]:
    """An ``outro`` (a routine's, or a programme stage's): one text, or texts said in
    turn with pauses between them; no placeholders. Its texts and its pauses."""

    def read(item: Node, key: str, number: int | None) -> str:
        return text_of(item, subject(key, number), where)

    return steps_of(node, "outro", where, read)


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
    holds = not ("hold" in items and _is_none(items["hold"][1]))
    if not holds:
        _no_hold(items, node, where)
    elif "hold" in items:  # first: "hold: 0" meant no hold, and its words may show it
        try:
            setting_value(items["hold"][1], BY_NAME["hold"], where)
        except RoutineError as err:
            err.message += f"; for an exercise of words and quiet alone, write 'hold: {NO_HOLD}'"
            raise
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
        return steps_of(items[key][1], key, where, exercise_text, quiet_last=not holds)

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
    timed = {key: value for key, value in items.items() if holds or key != "hold"}
    return Exercise(
        name=name,
        sides=sides,
        line=line_of(node),
        **extra,
        own=tuple(timing_values(timed, where).items()),
        holds=holds,
    )


NO_HOLD = "none"
"""``hold: none``: an exercise of words and quiet alone."""
WITH_A_HOLD = ("sides", "side_label", "cues", "progression", "switch_instructions",
               *(key for key in TIMING_KEYS if key not in ("hold", "reps")))  # fmt: skip
"""What an exercise has only around its holds (``reps`` it may have: its words said that
many times, a breath in and out twelve times)."""


def _is_none(node: Node) -> bool:
    return isinstance(node, ScalarNode) and str(node.value).strip().casefold() == NO_HOLD


def _no_hold(items: dict[str, tuple[Node, Node]], node: Node, where: str) -> None:
    """An exercise with ``hold: none``: its instructions are all it is, so it has some,
    and nothing that lives around a hold (sides, cues, reps, rest, ...)."""
    line = line_of(items["hold"][1])
    for key in WITH_A_HOLD:
        if key in items:
            raise RoutineError(
                f"'{key}'{where} is for an exercise with holds, and 'hold: none' (line"
                f" {line}) gives it none: leave '{key}' out, or give the exercise a hold",
                line=line_of(items[key][0]),
            )
    if "instructions" not in items:
        raise RoutineError(
            f"exercise{where.removeprefix(' in exercise')} has 'hold: none', so its"
            " 'instructions' (what is said, with '- pause: SECONDS' between) are all it is;"
            " give it some",
            line=line_of(node),
        )


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
