"""Load routines: read a YAML file safely, keep line numbers, and validate it.

Errors are :class:`~voiceguide.errors.RoutineError` with ``path`` and ``line`` set, one
line each, quoting the file only briefly and with invisible characters escaped. The
steps, each a module: :mod:`.reading` (the file's text, safely), :mod:`.yamlguard` (YAML
→ nodes, hostile input refused), :mod:`.scalars` (each value checked),
:mod:`.schema` (the structure, into the model), with :mod:`.pauses` (texts said in turn
and the quiet between them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import BadInput, OptionError, RoutineError

if TYPE_CHECKING:
    from importlib.abc import Traversable
from voiceguide.model import Routine
from voiceguide.phrases import DEFAULT_LANGUAGE, canonical
from voiceguide.routine.reading import check_characters, is_blank, read_text
from voiceguide.routine.schema import EXERCISE_KEYS, ROUTINE_KEYS, routine_of
from voiceguide.routine.yamlguard import compose
from voiceguide.settings import BY_NAME, SettingError


def load_file(path: str | os.PathLike) -> Routine:
    """Read, parse and validate the routine file at ``path``."""
    source = os.fspath(path)
    if not source:
        raise RoutineError(
            "the path is empty (''); give the path of a routine file, like my-routine.yaml"
        )
    try:
        text = read_text(Path(source))
    except RoutineError as err:
        err.path = source
        raise
    return load_text(text, source=source, name=Path(source).stem)


def load_text(text: str, *, source: str, name: str) -> Routine:
    """Parse and validate routine YAML ``text``; ``source`` names it in errors."""
    try:
        check_characters(text)
        if is_blank(text):
            raise RoutineError("the file is empty; a routine needs a 'title' and 'exercises'")
        return routine_of(compose(text, ROUTINE_KEYS + EXERCISE_KEYS), name=name, source=source)
    except RoutineError as err:
        err.path = source
        raise


def builtin_names() -> list[str]:
    """The names of the routines shipped with voiceguide, sorted."""
    return sorted({_split(entry)[0] for entry in _builtin_files()})


def builtin_languages(name: str) -> list[str]:
    """The languages the built-in ``name`` is written in, its default first."""
    found = [lang for base, lang in map(_split, _builtin_files()) if base == name]
    return sorted(found, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang))


def load_builtin(name: str, language: str | None = None) -> Routine:
    """Load the built-in routine ``name``, in ``language`` (its own when None). A
    translation is named ``NAME.LANG`` (its files too, so languages never overwrite
    each other)."""
    path = builtin_path(name, language)
    stem = path.name.removesuffix(".yaml")
    return load_text(path.read_text(encoding="utf-8"), source=f"{BUILT_IN}{stem}", name=stem)


def builtin_path(name: str, language: str | None = None) -> Traversable:
    """The file of the built-in ``name`` in ``language`` (its own when None)."""
    if name not in builtin_names():
        raise RoutineError(f"there is no built-in routine named '{name}' ({_builtins_hint()})")
    wanted = _language(language) if language else DEFAULT_LANGUAGE
    have = builtin_languages(name)
    if wanted not in have:
        raise OptionError(
            f"{wanted} has no translation of the built-in '{name}'; it is in: {', '.join(have)}",
            setting="language",
        )
    stem = name if wanted == DEFAULT_LANGUAGE else f"{name}.{wanted}"
    return _builtin_dir() / f"{stem}.yaml"


BUILT_IN = "built-in:"
"""How a built-in's ``source`` begins (``built-in:hamstring-relief.fr``): where messages
would name its file."""


def resolve(ref: str, language: str | None = None) -> Routine:
    """Load ``ref`` as a routine file if it looks like one, else as a built-in name;
    ``language`` picks a built-in's translation, and must be a file's own language."""
    if not ref or os.path.exists(ref) or ref.endswith((".yaml", ".yml")):
        routine = load_file(ref)
        if language and _language(language) != routine.language:
            raise OptionError(
                f"{_language(language)} does not match {ref}, which is written in "
                f"{routine.language}: a routine file's own 'language:' decides (the "
                "option picks a built-in's translation)",
                setting="language",
            )
        return routine
    if ref in builtin_names():
        return load_builtin(ref, language)
    name, _, tag = ref.rpartition(".")
    if name in builtin_names() and canonical(tag) in builtin_languages(name):
        raise RoutineError(
            f"'{ref}' is the built-in '{name}' in {canonical(tag)}: name '{name}' and choose"
            f" the language with --language {canonical(tag)} (in a programme, 'language:"
            f" {canonical(tag)}')"
        )
    raise RoutineError(f"no routine file or built-in routine named '{ref}' ({_builtins_hint()})")


def routine_files(refs: Iterable[str]) -> list[str]:
    """Routine references with each folder replaced by the routine files in it (sorted);
    refuses an empty folder."""
    found: list[str] = []
    for ref in refs:
        folder = Path(ref)
        if ref and _is_folder(folder):  # Path("") is the current folder
            inside = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
            if not inside:
                raise BadInput("no routine files (*.yaml) in this folder", path=ref)
            found += [str(p) for p in inside]
        else:
            found.append(ref)
    return found


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long to look up: its reading says so
        return False


def _language(tag: str) -> str:
    try:
        return str(BY_NAME["language"].check(tag))
    except SettingError as err:
        raise OptionError(err.message, setting="language") from None


def _builtin_files() -> list[str]:
    return [
        e.name.removesuffix(".yaml") for e in _builtin_dir().iterdir() if e.name.endswith(".yaml")
    ]


def _split(stem: str) -> tuple[str, str]:
    """``hamstring-relief.es`` → (``hamstring-relief``, ``es``); no tag is the default."""
    base, dot, tag = stem.rpartition(".")
    return (base, tag) if dot else (stem, DEFAULT_LANGUAGE)


def _builtin_dir() -> Traversable:
    return resources.files("voiceguide") / "routines"


def _builtins_hint() -> str:
    return "built-ins: " + ", ".join(builtin_names())
