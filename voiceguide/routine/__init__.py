"""Load routines: read a YAML file safely, keep line numbers, and validate it.

Errors are :class:`~voiceguide.errors.RoutineError` with ``path`` and ``line`` set, one
line each, quoting the file only briefly and with invisible characters escaped. The
steps, each a module: :mod:`.reading` (the file's text, safely), :mod:`.yamlguard` (YAML
→ nodes, hostile input refused), :mod:`.scalars` (each value checked),
:mod:`.schema` (the structure, into the model).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from voiceguide.errors import RoutineError
from voiceguide.model import Routine
from voiceguide.routine.reading import check_characters, is_blank, read_text
from voiceguide.routine.schema import routine_of
from voiceguide.routine.yamlguard import compose


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
        return routine_of(compose(text), name=name, source=source)
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
