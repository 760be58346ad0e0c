"""Writing routines without reading the source: the JSON Schema agrees with the loader,
`new` writes a routine that builds as written."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import test_hostile_input
import test_routine
import yaml
from conftest import invoke, load_sheet

from voiceguide import audio_check
from voiceguide.errors import RoutineError
from voiceguide.plan import plan
from voiceguide.routine import (
    builtin_languages,
    builtin_names,
    builtin_path,
    load_builtin,
    load_file,
    load_text,
)
from voiceguide.schema import schema

CANNOT_TELL = (
    # What a JSON Schema cannot express; the README lists the same.
    "duplicate key", "a second 'name'", "two exercises are named", "used but exercise",
    "tenths of a second",
    "placeholder", "invisible", "control character", "no letters or digits", "hour limit",
    "plain digits", "leading zeros", "YAML tags", "YAML aliases", "merge keys", "surrogate",
    "nested too deeply", "too many values", "a time like", "fewer than two sides",
    "must give words for each side", "is listed twice", "doubled braces", "without its partner",
    "the file is empty", "more than one YAML document", "is too long", "is empty",
    "has no 'title'", "put it in quotes", "YAML syntax error",
    "comes before anything is said", "ends with a pause", "two pauses in a row",
    "would be said as the words", "which the voice would say as words", "goes on at line",
)  # fmt: skip


def cannot_tell(message: str) -> bool:
    """Whether the loader refused for a reason a JSON Schema cannot express (to JSON
    Schema, 1.0 is an integer)."""
    return any(r in message for r in CANNOT_TELL) or bool(re.search(r"got -?\d+\.0$", message))


def core(text: str):
    """``text`` read as YAML 1.2's core schema reads it, as yaml-language-server does (no
    dates, no 1:30 or 010 as numbers); None when it is not YAML at all."""
    try:
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)):
            return None  # aliases would be expanded here (a billion laughs): not a routine
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None

    def value(node):
        if isinstance(node, yaml.MappingNode):
            return {str(k.value): value(v) for k, v in node.value}  # JSON keys are text
        if isinstance(node, yaml.SequenceNode):
            return [value(v) for v in node.value]
        raw = node.value
        if node.style:  # quoted: always text
            return raw
        if re.fullmatch(r"[-+]?[0-9]+", raw):
            return int(raw)
        if re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", raw):
            return float(raw)
        if raw in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return raw.lower() == "true"
        if raw in ("", "~", "null", "Null", "NULL"):
            return None
        return raw

    return None if root is None else value(root)


def schema_says(text: str, kind: str = "routine") -> bool | None:
    data = core(text)
    if data is None:
        return None
    return not list(jsonschema.Draft7Validator(schema(kind)).iter_errors(data))


def loader_says(text: str) -> tuple[bool, str]:
    try:
        load_text(text, source="t.yaml", name="t")
    except RoutineError as err:
        return False, err.message
    return True, ""


@pytest.mark.parametrize("kind", ["routine", "programme"])
def test_the_schema_is_a_draft_7_schema_printed_by_the_command(kind):
    run = invoke("schema", kind)
    assert run.code == 0
    printed = json.loads(run.stdout)
    jsonschema.Draft7Validator.check_schema(printed)
    assert printed == schema(kind)
    described = [k for k, v in printed["properties"].items() if not v.get("description")]
    assert described == []


def test_every_built_in_in_every_language_is_valid_to_both():
    for name in builtin_names():
        for language in builtin_languages(name):
            text = builtin_path(name, language).read_text(encoding="utf-8")
            assert schema_says(text), (name, language)
            assert load_builtin(name, language)


def corpus() -> list[str]:
    texts = [text for text, _, _ in test_routine.BROKEN.values()]
    texts += [test_routine.VALID]
    for table in (test_hostile_input.BAD, test_hostile_input.GOOD):
        texts += [t[0] for t in table.values() if isinstance(t[0], str)]
    return [t for t in texts if len(t) < 10_000]  # the huge ones test the loader's bounds


def test_the_schema_agrees_with_the_loader_wherever_it_can_tell():
    """Valid to the loader ⇒ valid to the schema, always; refused by the loader ⇒
    refused by the schema, except for what a schema cannot express (CANNOT_TELL)."""
    checked = 0
    for text in corpus():
        by_schema = schema_says(text)
        if by_schema is None:
            continue  # not YAML: the editor shows the syntax error itself
        ok, message = loader_says(text)
        if ok:
            assert by_schema, text
        elif not cannot_tell(message):
            assert not by_schema, (message, text)
        checked += 1
    assert checked > 80


def test_a_new_routine_builds_as_written(tmp_path):
    run = invoke("new", "my-stretches", "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    text = (tmp_path / "my-stretches.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=voiceguide-routine.schema.json\n")
    assert json.loads((tmp_path / "voiceguide-routine.schema.json").read_text()) == schema(
        "routine"
    )
    assert schema_says(text)
    run = invoke("build", str(tmp_path / "my-stretches.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path / "out", "my-stretches")
    assert audio_check.check(tmp_path / "out" / "my-stretches.mp3", sheet).problems == []
    again = invoke("new", "my-stretches", "-o", str(tmp_path))
    assert again.code == 2 and "exists already" in again.stderr  # never overwritten


@pytest.mark.parametrize("language", [None, "es"])
def test_a_copy_of_a_built_in_is_the_same_session(tmp_path, language):
    args = ["new", "evening", "--from", "hamstring-relief", "-o", str(tmp_path)]
    run = invoke(*args, *(["--language", language] if language else []))
    assert run.code == 0, run.stderr
    copy = load_file(tmp_path / "evening.yaml")
    original = load_builtin("hamstring-relief", language)
    assert plan(copy).steps == plan(original).steps
    assert copy.language == original.language


def test_a_new_routine_says_how_to_build_itself(tmp_path):
    run = invoke("new", "my-stretches", "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    text = (tmp_path / "my-stretches.yaml").read_text()
    assert "# A routine for voiceguide. Build it with: voiceguide build my-stretches.yaml\n" in text
    assert "NAME" not in text
    assert invoke("new", "evening stretch", "-o", str(tmp_path)).code == 0
    said = (tmp_path / "evening stretch.yaml").read_text()
    assert "Build it with: voiceguide build 'evening stretch.yaml'\n" in said  # as typed


def test_the_command_printed_to_build_a_new_routine_works_when_pasted(tmp_path):
    import shlex

    run = invoke("new", "Mrs Smith calves", "-o", str(tmp_path / "my routines"))
    assert run.code == 0, run.stderr
    command = shlex.split(run.stdout.split(": ", 1)[1])
    written = tmp_path / "my routines" / "Mrs Smith calves.yaml"
    assert command == ["voiceguide", "build", str(written)]
    assert invoke(*command[1:], "-o", str(tmp_path / "out"), "--hold", "2", "--reps", "1").code == 0


@pytest.mark.parametrize("name", ["my-stretches", "my stretches", "My.Stretches"])
def test_a_new_routine_is_named_as_written(tmp_path, name):
    run = invoke("new", name, "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    written = tmp_path / f"{name}.yaml"
    assert run.stdout.startswith(f"{written} (and voiceguide-routine.schema.json beside it): ")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [written.name, "voiceguide-routine.schema.json"]
    )


@pytest.mark.parametrize("name", ["calf-wall.yaml", "calf-wall.YML"])
def test_a_name_given_with_its_extension_names_that_file(tmp_path, name):
    assert invoke("new", name, "-o", str(tmp_path)).code == 0
    assert (tmp_path / "calf-wall.yaml").is_file() and not list(tmp_path.glob("*.y*ml.y*ml"))
    again = invoke("new", name, "-o", str(tmp_path))  # the file it names is there: kept
    assert again.code == 2 and "exists already" in again.stderr


def test_a_name_with_a_folder_is_written_in_that_folder(tmp_path):
    """'new /tmp/x/calf.yaml' wrote tmp-x-calf.yaml in the current folder."""
    run = invoke("new", "routines/calf", "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    written = tmp_path / "routines" / "calf.yaml"
    assert sorted(p.name for p in written.parent.iterdir()) == [
        "calf.yaml", "voiceguide-routine.schema.json"
    ]  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["routines"]
    absolute = tmp_path / "elsewhere" / "neck.yaml"
    run = invoke("new", str(absolute), "-o", str(tmp_path / "ignored"))
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"{absolute} (and voiceguide-routine.schema.json beside it)")
    assert load_file(absolute).title == "My stretches"
    assert not (tmp_path / "ignored").exists()


def test_a_name_whose_folder_cannot_be_is_one_plain_line(tmp_path):
    """A folder through a file ended in 'unexpected FileExistsError' (exit 1); a name
    ending in '/' wrote brown.yaml beside the folder meant."""
    (tmp_path / "calves.yaml").write_text("title: Mine\n")
    run = invoke("new", str(tmp_path / "calves.yaml" / "x"))
    assert (run.code, run.stderr) == (2, f"Error: {tmp_path / 'calves.yaml'} is a file, not a"
                                         f" folder, so the routine cannot go in"
                                         f" {tmp_path / 'calves.yaml'}\n")  # fmt: skip
    run = invoke("new", f"{tmp_path / 'brown'}/")
    assert run.code == 2
    assert run.stderr == (
        f"Error: {tmp_path / 'brown'}/ names a folder; give the routine's name after it,"
        f" like {tmp_path / 'brown'}/calves\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["calves.yaml"]
    # '.' was "'' cannot name a file"; a home of no one was "unexpected RuntimeError"
    run = invoke("new", ".", "-o", str(tmp_path))
    assert (run.code, run.stderr) == (2, "Error: . names a folder; give the routine's name "
                                         "after it, like ./calves\n")  # fmt: skip
    run = invoke("new", " ", "-o", str(tmp_path))
    assert (run.code, run.stderr) == (
        2,
        "Error: NAME is empty; give the routine a name, like calves\n",
    )
    run = invoke("new", "~no-such-user-here/calves", "-o", str(tmp_path))
    assert run.code == 2 and "no user named 'no-such-user-here'" in run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["calves.yaml"]


def test_an_existing_routine_is_kept_unless_forced(tmp_path):
    (tmp_path / "mine.yaml").write_text("title: Mine\n")
    run = invoke("new", "mine", "-o", str(tmp_path))
    assert run.code == 2
    assert run.stderr == (
        f"Error: {tmp_path / 'mine.yaml'} exists already; choose another name, or --force "
        "to replace it\n"
    )
    assert (tmp_path / "mine.yaml").read_text() == "title: Mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.yaml"]  # no schema either
    assert invoke("new", "mine", "-o", str(tmp_path), "--force").code == 0
    assert load_file(tmp_path / "mine.yaml").title == "My stretches"


def test_a_language_the_blank_routine_is_not_in_is_refused(tmp_path):
    run = invoke("new", "tarde", "--language", "es", "-o", str(tmp_path))
    assert run.code == 2
    assert run.stderr == (
        "Error: --language es picks a built-in's translation, and the blank routine is in "
        "en: add --from BUILTIN for a built-in in es (hamstring-desk, hamstring-quick, "
        "hamstring-relief, hamstring-wall), or leave --language out, then set "
        "'language: es' in tarde.yaml and write its words in es\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing written
    same = invoke("new", "evening", "--language", "en-GB", "-o", str(tmp_path))
    assert same.code == 0, same.stderr  # the blank routine's own language
    assert load_file(tmp_path / "evening.yaml").language == "en"


def test_the_template_s_breathing_example_validates_once_uncommented(tmp_path):
    assert invoke("new", "mine", "-o", str(tmp_path)).code == 0
    text = (tmp_path / "mine.yaml").read_text()
    start = text.index("  # - name: Slow breathing")
    block = text[start : text.index("# Said last")]
    opened = "".join(line.replace("  # ", "  ", 1) + "\n" for line in block.splitlines())
    (tmp_path / "mine.yaml").write_text(text.replace(block, opened))
    run = invoke("validate", str(tmp_path / "mine.yaml"))
    assert run.code == 0 and "3 exercises" in run.stdout, run.stderr
