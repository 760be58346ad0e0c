"""Writing routines without reading the source: a new routine to fill in (or a copy of
a built-in), with the JSON Schema beside it for the editor."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from voiceguide.errors import OptionError
from voiceguide.outputs import StagedOutputs, safe_name
from voiceguide.routine import builtin_path
from voiceguide.schema import FILE_NAMES, schema

MODELINE = "# yaml-language-server: $schema={schema}\n"
"""The first line yaml-language-server reads to find a file's schema."""


def new_routine(
    name: str,
    folder: Path,
    *,
    copy_of: str | None = None,
    language: str | None = None,
    force: bool = False,
) -> tuple[Path, Path]:
    """Write ``folder/NAME.yaml`` (a commented routine to fill in, or a copy of the
    built-in ``copy_of``) and the routine schema beside it; both paths. An existing
    routine file is kept unless ``force``."""
    target = folder / f"{safe_name(name)}.yaml"
    if target.exists() and not force:
        raise OptionError(f"{target} exists already; choose another name, or --force to replace it")
    if copy_of is None:
        text = (resources.files("voiceguide") / "templates" / "routine.yaml").read_text("utf-8")
    else:
        text = builtin_path(copy_of, language).read_text(encoding="utf-8")
    schema_file = folder / FILE_NAMES["routine"]
    folder.mkdir(parents=True, exist_ok=True)
    with StagedOutputs(folder) as staged:
        staged.stage(target).write_text(
            MODELINE.format(schema=schema_file.name) + text, encoding="utf-8"
        )
        staged.stage(schema_file).write_text(
            json.dumps(schema("routine"), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return target, schema_file
