"""Writing routines without reading the source: a new routine to fill in (or a copy of
a built-in), with the JSON Schema beside it for the editor."""

from __future__ import annotations

import json
import os
import re
import shlex
from importlib import resources
from pathlib import Path

import yaml

from voiceguide.errors import OptionError
from voiceguide.outputs import StagedOutputs, not_a_folder, safe_name
from voiceguide.phrases import canonical
from voiceguide.routine import builtin_languages, builtin_names, builtin_path
from voiceguide.schema import FILE_NAMES, schema

MODELINE = "# yaml-language-server: $schema={schema}\n"
"""The first line yaml-language-server reads to find a file's schema."""

BUILD_HINT = "voiceguide build NAME.yaml"
"""The blank routine's comment on how to build it, with the file's name put in."""


def refuse_to_replace(target: Path, force: bool, *, instead: str = "choose another name") -> None:
    """Raise :class:`OptionError` when ``target`` exists and not ``force``: a routine the
    user may have edited is never replaced by surprise. ``instead`` says how to name
    another file."""
    if target.is_dir():  # --force or not: a folder is not replaced by a file
        raise OptionError(f"{target} is a folder; {instead}")
    if os.path.lexists(target) and not force:  # a link to nothing is not replaced unasked
        raise OptionError(f"{target} exists already; {instead}, or --force to replace it")


def new_routine(
    name: str,
    folder: Path,
    *,
    copy_of: str | None = None,
    language: str | None = None,
    force: bool = False,
) -> tuple[Path, Path]:
    """Write ``folder/NAME.yaml`` (a commented routine to fill in, or a copy of the
    built-in ``copy_of``, in ``language``) and the routine schema beside it; both paths.
    A ``name`` with a folder in it (``routines/calf``) is written in that folder, taken
    from ``folder`` unless it is absolute.
    An existing routine file is kept unless ``force``. The blank routine is in one
    language only: another ``language`` without ``copy_of`` is refused."""
    # "routines/calf" is calf.yaml in the folder routines (not routines-calf.yaml here)
    if not name.strip():
        raise OptionError("NAME is empty; give the routine a name, like calves")
    try:
        given = Path(name.strip()).expanduser()
    except RuntimeError:  # "~bob/calves" with no user bob
        user = name.strip()[1:].split("/")[0].split(os.sep)[0]
        raise OptionError(
            f"{name.strip()}: there is no user named {user!r} here to write it for; give "
            "the folder's path instead"
        ) from None
    if name.strip().endswith(("/", os.sep)) or given.name in ("", ".", ".."):
        raise OptionError(
            f"{name.strip()} names a folder; give the routine's name after it, like"
            f" {name.strip().rstrip('/' + os.sep)}/calves"
        )
    folder, name = folder / given.parent, given.name
    blocker = not_a_folder(folder)
    if blocker is not None:
        raise OptionError(
            f"{blocker} is a file, not a folder, so the routine cannot go in {folder}"
        )
    # "calf.yaml" names calf.yaml, not calf.yaml.yaml
    stem = re.sub(r"\.ya?ml$", "", name, flags=re.IGNORECASE) or name
    target = folder / f"{safe_name(stem)}.yaml"
    if copy_of is None:
        text = _blank(target, language)
    else:
        text = builtin_path(copy_of, language).read_text(encoding="utf-8")
    refuse_to_replace(target, force)
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


def _blank(target: Path, language: str | None) -> str:
    """The blank routine's text, its comment naming ``target``; refused in a
    ``language`` it is not written in (its words would be read in the wrong one)."""
    text = (resources.files("voiceguide") / "templates" / "routine.yaml").read_text("utf-8")
    own = str(yaml.safe_load(text)["language"])
    wanted = (canonical(language) or language) if language else own
    if wanted != own:
        have = ", ".join(name for name in builtin_names() if wanted in builtin_languages(name))
        copy = f"add --from BUILTIN for a built-in in {wanted} ({have}), or " if have else ""
        raise OptionError(
            f"{wanted} picks a built-in's translation, and the blank routine is in {own}: "
            f"{copy}leave --language out, then set 'language: {wanted}' in {target.name} "
            f"and write its words in {wanted}",
            setting="language",
        )
    return text.replace(BUILD_HINT, build_hint(target.name))


def build_hint(routine: Path | str) -> str:
    """The command that builds ``routine``, quoted for a shell where its path needs it."""
    return f"voiceguide build {shlex.quote(str(routine))}"
