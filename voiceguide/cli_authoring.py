"""The commands for writing routines and programmes and for the sheet to print: the
handout, the JSON Schema, a new routine to fill in, and routines imported from other
tools' files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from voiceguide.cli_options import OutputFolder, SettingValue
from voiceguide.model import DEFAULT_ROUTINE
from voiceguide.settings import BY_NAME, counted

# What each command calls is imported inside it: the handout's brings the build with it.

_LANGUAGE = click.option(
    "--language", type=SettingValue(BY_NAME["language"]), help="For a built-in, which translation."
)


def _force(what: str):
    """The ``--force`` option of a command that writes ``what``: without it, an existing
    file is never replaced."""
    return click.option("--force", is_flag=True, help=f"Replace {what} if it exists.")


@click.command()
@click.argument("subject", metavar="[ROUTINE|PROGRAMME]", required=False, default=DEFAULT_ROUTINE)
@click.option(
    "-o",
    "--output-dir",
    type=OutputFolder(),
    default="output",
    show_default=True,
    help="Folder for the handout.",
)
@_LANGUAGE
def handout(subject: str, output_dir: Path, language: str | None) -> None:
    """Write the handout alone: OUTPUT_DIR/NAME.html, one page to print and take home.

    For a programme, its schedule and every exercise; for a routine, its exercises. The
    words are the words the voice says. (Building a programme writes it too.)

    \b
    Examples:
      voiceguide handout
      voiceguide handout four-weeks.yaml -o ~/patients/smith
      voiceguide handout --language es
    """
    from voiceguide.programme import load_any
    from voiceguide.sheets import write_handout

    click.echo(str(write_handout(load_any(subject, language), output_dir)))


@click.command("schema")
@click.argument("kind", type=click.Choice(["routine", "programme"]), default="routine")
def schema_command(kind: str) -> None:
    """Print the JSON Schema of routine (or programme) files.

    Editors that read JSON Schema for YAML (VS Code's YAML extension and others that use
    yaml-language-server) then complete keys, describe them and flag mistakes while you
    type. It is made from the same declarations the loader checks.

    \b
    Examples:
      voiceguide schema > voiceguide-routine.schema.json
      voiceguide schema programme
    """
    from voiceguide.schema import schema

    click.echo(json.dumps(schema(kind), indent=2, ensure_ascii=False))


@click.command()
@click.argument("name")
@click.option("--from", "copy_of", metavar="BUILTIN", help="Start from a copy of a built-in.")
@_LANGUAGE
@click.option(
    "-o",
    "--output-dir",
    type=OutputFolder(),
    default=".",
    show_default=True,
    help="Folder for NAME.yaml and the schema.",
)
@_force("NAME.yaml")
def new(
    name: str, copy_of: str | None, language: str | None, output_dir: Path, force: bool
) -> None:
    """Write NAME.yaml, a routine to fill in (or a copy of a built-in), with the schema
    beside it: its first line points editors at the schema. It builds as written.
    NAME may name a folder too (routines/calf writes routines/calf.yaml).

    \b
    Examples:
      voiceguide new my-stretches
      voiceguide new ~/patients/smith/calves
      voiceguide new evening --from hamstring-relief
      voiceguide new tarde --from hamstring-relief --language es
    """
    from voiceguide.authoring import build_hint, new_routine

    routine, schema_file = new_routine(
        name, output_dir, copy_of=copy_of, language=language, force=force
    )
    click.echo(f"{routine} (and {schema_file.name} beside it): {build_hint(routine)}")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    help="The routine file to write [default: beside FILE, named after it: phrases.txt "
    "gives phrases.yaml, and w2.yaml gives w2.voiceguide.yaml].",
)
@click.option(
    "--holds",
    is_flag=True,
    help="Make each pause of a phrase script a hold ('Hold.', a tone, a countdown) "
    "[default: quiet after the words, as the script has it].",
)
@_force("the routine file")
def import_command(file: Path, out: Path | None, holds: bool, force: bool) -> None:
    """Turn another tool's file into a routine: a w2a workout (YAML), an
    audio-program-generator script (lines of 'phrase; seconds'), or a script with
    [PAUSE:X] markers. Says what it could not carry over; the routine it writes
    validates and builds. An existing routine file is kept unless --force.

    A phrase script (audio-program-generator, [PAUSE:X]) is said as it is written:
    each phrase, then its seconds of quiet, in an exercise with 'hold: none'. With
    --holds each pause is a hold instead, started with 'Hold.' and a tone and
    counted down.

    \b
    Examples:
      voiceguide import workout.yaml -o my-workout.yaml
      voiceguide import phrases.txt
      voiceguide import meditation.txt -o evening.yaml
      voiceguide import stretches.txt --holds
    """
    from voiceguide.authoring import build_hint
    from voiceguide.importers import import_file

    target = out or file.with_name(
        f"{file.stem}.yaml" if file.suffix != ".yaml" else f"{file.stem}.voiceguide.yaml"
    )
    imported = import_file(file, target, force=force, holds=holds)
    for item in imported.left_out:
        click.echo(f"Note: not carried over: {item}", err=True)
    for item in imported.changed:
        click.echo(f"Note: changed: {item}", err=True)
    click.echo(
        f"{target}: {counted(len(imported.routine['exercises']), 'exercise')} from "
        f"{imported.kind}; {build_hint(target)}"
    )
