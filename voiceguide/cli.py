"""The command line: parse, call the library, turn its errors into plain sentences.

Exit status: 0 done, 2 bad input (a usage error or an invalid routine), 1 a failure
while rendering, 130 interrupted, 128 + N stopped by signal N. Errors are one or two
lines on stderr; a traceback only with ``--debug``. The options come from the setting
declarations (:mod:`voiceguide.cli_options`); the work is the library's.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from voiceguide import __version__, interrupts
from voiceguide.cli_authoring import handout, import_command, new, schema_command
from voiceguide.cli_options import (
    options_from,
    output_options,
    timing_options,
    voice_from,
    voice_options,
)
from voiceguide.cli_report import Cli, built, checked, refused, summary
from voiceguide.cli_serve import feed_command, serve_command
from voiceguide.errors import BadInput, ExportError, VoiceguideError
from voiceguide.model import DEFAULT_ROUTINE
from voiceguide.settings import ENGINES, clock

if TYPE_CHECKING:
    from voiceguide.speech.cache import CacheInfo

# The library's building, voicing and audio modules are imported inside the commands
# that use them: --help, list and validate load no audio code and start quickly.


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="voiceguide")
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
def cli(debug: bool) -> None:
    """Turn exercise routines into spoken, timed audio sessions you follow with your
    eyes closed.

    \b
    Example:
      voiceguide build                      # the built-in session into ./output
      voiceguide build my-routine.yaml --hold 45 --reps 3
    """
    Cli.debug = debug


@cli.command("build")
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@output_options
@timing_options
@voice_options
def build_command(routines: tuple[str, ...], jobs: int, cache: bool, **params: Any) -> None:
    """Render each ROUTINE (a YAML file, a folder of them, or a built-in name), or a
    programme (a YAML file with 'programme:' at the top).

    Writes OUTPUT_DIR/NAME.mp3 and OUTPUT_DIR/NAME.timeline.json, where NAME is the
    file's stem or the built-in's name. With no ROUTINE, builds the built-in
    'hamstring-relief'. A failed build leaves earlier files as they were; with several
    routines, a bad one fails alone and the others are still built. Timing options take
    a value for every exercise, or NAME=VALUE for one (NAME: any unique part of its
    name, any case); they are repeatable, and the last one wins. A programme writes a
    session per stage (NAME.week-K.mp3), NAME.m3u8, NAME.html and NAME.ics, as one set.

    \b
    Examples:
      voiceguide build
      voiceguide build --hold 45 --reps 3
      voiceguide build --hold wall=60 --setup wall=45 --rest 15 -o ~/stretches
      voiceguide build my-routine.yaml --rate 140 --voice gmw/en-us
      voiceguide build --bed brown
      voiceguide build --bed ~/sounds/rain.ogg --bed-level 24 --duck 15
      voiceguide build routines/ -j 2 --format m4a
      voiceguide build four-weeks.yaml -o ~/patients/smith   # a programme
    """
    from voiceguide.batch import build_all, build_one, expand
    from voiceguide.build import Output

    options, voice = options_from(params), voice_from(params)
    output = Output(
        params["output_dir"], params["fmt"], params["bitrate"], params["subtitles"], params["name"]
    )
    language = options.get("language")
    refs = expand(routines or (DEFAULT_ROUTINE,), str(language) if language else None)
    if len(refs) == 1:
        built(build_one(refs[0], options, output, voice=voice, cache=cache))
        return
    with click.progressbar(length=len(refs), label="Building", file=sys.stderr) as bar:
        outcomes = build_all(
            refs,
            options,
            output,
            voice=voice,
            cache=cache,
            jobs=jobs,
            on_done=lambda ref, outcome: bar.update(1),
        )
    summary(refs, outcomes)
    failures = [o for o in outcomes.values() if isinstance(o, VoiceguideError)]
    if failures:
        raise click.exceptions.Exit(max(f.exit_code for f in failures))


@cli.command("list")
def list_command() -> None:
    """List the built-in routines: length, title, what each is, and its languages.

    \b
    Example:
      voiceguide list
    """
    from voiceguide.preview import estimated_seconds
    from voiceguide.routine import builtin_languages, builtin_names, resolve

    names = builtin_names()
    column = max(len(name) for name in names) + 2
    width = max(60, min(shutil.get_terminal_size().columns, 100))
    for name in names:
        routine = resolve(name)
        languages = ", ".join(builtin_languages(name))
        length = clock(estimated_seconds(routine))
        click.echo(f"{name:<{column}}about {length:>5}  {routine.title}")
        indent = " " * column
        click.echo(click.wrap_text(routine.description, width, indent, indent))
        click.echo(click.wrap_text(f"In: {languages}.", width, indent, indent))


@cli.command()
@click.argument("routine", required=False, default=DEFAULT_ROUTINE)
@click.option(
    "--exact", is_flag=True, help="Voice the phrases to time them exactly (renders no audio file)."
)
@click.option(
    "--week",
    callback=lambda _ctx, _param, value: _week(value),
    metavar="N",
    help="Of a programme: the session of the stage week N is in, as a timed table "
    "[default: the stages, as a table].",
)
@timing_options
@voice_options
def show(routine: str, exact: bool, week: int | None, **params: Any) -> None:
    """Print the session ROUTINE would become, as a timed table (mm:ss); of a
    programme, its stages, or with --week N the session of week N.

    Nothing is rendered. Speech lengths are estimated unless --exact is given.

    \b
    Examples:
      voiceguide show
      voiceguide show my-routine.yaml --hold 20 --reps 1
      voiceguide show --exact --rate 130
      voiceguide show four-weeks.yaml --week 1
    """
    from voiceguide.bed import of_routine
    from voiceguide.build import exact_timeline
    from voiceguide.plan import plan
    from voiceguide.prescribe import describe_programme
    from voiceguide.preview import preview
    from voiceguide.programme import Programme, load_any
    from voiceguide.stages import stage_session
    from voiceguide.timeline import describe, with_bed

    options, voice = options_from(params), voice_from(params)
    language = options.get("language")
    loaded = load_any(routine, str(language) if language else None)
    if isinstance(loaded, Programme) and week is None:
        table = describe_programme(loaded, options)  # too long: refused before a line
        click.echo(f"{loaded.title} ({loaded.name}): {loaded.routine.title}")
        for line in table:
            click.echo(line)
        for note in loaded.warnings():
            click.echo(f"Warning: {note}", err=True)
        return
    if isinstance(loaded, Programme):
        assert week is not None  # the stages' table was printed above without it
        loaded, options = stage_session(loaded, week, options)
    elif week is not None:
        raise click.UsageError(f"--week is for a programme; {routine} is a routine")
    if exact:
        timeline, note = exact_timeline(loaded, options, voice), "exact timing"
    else:
        timeline = preview(plan(loaded, options), rate=voice.rate or 150)
        note = "speech lengths estimated; --exact times them"
    bed = of_routine(loaded, options)
    if bed is not None:
        timeline = with_bed(timeline, bed.name)
    length = clock(timeline.duration / timeline.rate)
    click.echo(f"{loaded.title} ({loaded.name}), {length}, {note}")
    width = max(60, shutil.get_terminal_size((100, 24)).columns - 1)
    for line in describe(timeline, width):
        click.echo(line)
    for warning in timeline.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _week(value: str | None) -> int | None:
    """``--week``'s number: a whole number from 1."""
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise click.BadParameter(f"takes a week's number, 1 or more, like 2; got '{value}'")
    return int(value)


@cli.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check routine or programme FILES (or every one in a folder) without rendering
    anything.

    Prints one line per file; exits 2 if any file is invalid.

    \b
    Examples:
      voiceguide validate my-routine.yaml other.yaml
      voiceguide validate routines/
    """
    from voiceguide.routine import routine_files

    bad = 0
    for given in files:
        try:
            for path in routine_files([given]):
                try:
                    click.echo(f"ok: {path}: {checked(path)}")
                except BadInput as exc:
                    refused(exc)
                    bad += 1
        except BadInput as exc:  # a folder with no routine in it
            refused(exc)
            bad += 1
    if bad:
        raise click.exceptions.Exit(2)


@cli.command()
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=ENGINES[0],
    show_default=True,
    help="The engine whose voices to list.",
)
@click.option("--model", metavar="PATH", help="A Piper .onnx voice to list too (--engine piper).")
@click.option("--language", "-l", help="Only voices whose language starts with this (e.g. en).")
def voices(engine: str, model: str | None, language: str | None) -> None:
    """List the voices an engine offers (use the id with --voice).

    \b
    Examples:
      voiceguide voices
      voiceguide voices --language en
      voiceguide voices --engine piper
    """
    from voiceguide.speech import open_engine

    with open_engine(engine, model=model) as speaker:
        found = speaker.voices()
    wanted = (language or "").strip().replace("_", "-").casefold()  # "pt-BR" is espeak's pt-br
    shown = [v for v in found if any(lang.casefold().startswith(wanted) for lang in v.languages)]
    if not shown:
        raise click.UsageError(
            f"no {engine} voice speaks a language starting with "
            f"'{language}'; 'voiceguide voices' lists them all"
        )
    for info in shown:
        click.echo(f"{info.id:<28} {info.name:<32} {','.join(info.languages)}")


@cli.command("cache")
@click.argument("action", type=click.Choice(["info", "clear", "trim"]), default="info")
def cache_command(action: str) -> None:
    """Show (info), empty (clear) or trim (trim) the cache of voiced phrases.

    Builds keep every voiced phrase here, keyed by everything that shapes it (engine,
    voice, rate, text, versions), so a rebuild with other timings voices nothing; and
    each part of an MP3 they encode, keyed by its samples, so it is encoded once.
    The folder is the user's cache folder, or $VOICEGUIDE_CACHE_DIR. It holds at most
    500 MB, or $VOICEGUIDE_CACHE_MAX (bytes, or with a unit: 200M, 1G, 2GiB; 0 keeps
    nothing): after each build that added to it, the entries used least recently are
    dropped until it fits. 'trim' does that now (after lowering the cap).

    \b
    Examples:
      voiceguide cache
      voiceguide cache clear
      VOICEGUIDE_CACHE_MAX=100M voiceguide cache trim
    """
    from voiceguide.speech.cache import ClipCache, default_dir
    from voiceguide.speech.sizes import size_text

    store = ClipCache(default_dir())
    if action == "clear":
        held = store.info()
        store.clear()
        left = store.info()
        gone = replace(held, entries=held.entries - left.entries, parts=held.parts - left.parts)
        click.echo(f"removed {_held(gone)} from {store.folder}")
        if left.entries or left.parts:  # a read-only folder, or files not ours to remove
            raise ExportError(f"could not remove {_held(left)} from {store.folder}")
        return
    if action == "trim":
        dropped = store.trim()
        click.echo(f"dropped {dropped:,} entr{'y' if dropped == 1 else 'ies'} used least recently")
    info = store.info()
    if action == "trim" and info.bytes > info.max_bytes:
        raise ExportError(
            f"{store.folder} is still over its cap ({size_text(info.bytes)} of "
            f"{size_text(info.max_bytes)}): its entries could not be removed"
        )
    phrases = _held(info)
    if info.max_bytes == 0:
        click.echo(f"{size_text(info.bytes)}, {phrases}, in {info.folder}; "
                   "caching is off ($VOICEGUIDE_CACHE_MAX is 0)")  # fmt: skip
        return
    click.echo(
        f"{size_text(info.bytes)} of {size_text(info.max_bytes)}, {phrases}, in {info.folder}"
    )


def _held(info: CacheInfo) -> str:
    """ "33 phrases", and ", 61 encoded parts" if it holds any."""
    phrases = f"{info.entries:,} phrase{'' if info.entries == 1 else 's'}"
    if not info.parts:
        return phrases
    return f"{phrases}, {info.parts:,} encoded part{'' if info.parts == 1 else 's'}"


for command in (handout, schema_command, new, import_command, serve_command, feed_command):
    cli.add_command(command)


STOPPED = (130, 128 + signal.SIGTERM, 128 + signal.SIGHUP)
"""The exit statuses of a command stopped by a signal."""


def main() -> None:
    """The ``voiceguide`` command: stopping signals unwind a build cleanly."""
    interrupts.install()
    try:
        cli()
    except SystemExit as done:
        if done.code in STOPPED:
            # All is undone and said. Python's own shutdown after a Ctrl-C now and then
            # ended the process by SIGINT rather than with status 130 (2 runs in 16 on a
            # busy machine): there is nothing left for it to do, so leave at once.
            sys.stderr.flush()
            os._exit(int(done.code))
        raise
