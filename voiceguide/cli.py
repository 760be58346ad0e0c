"""The command line: parse, call the library, turn its errors into plain sentences.

Exit status: 0 done, 2 bad input (a usage error or an invalid routine), 1 a failure
while rendering, 130 interrupted. Errors are one or two lines on stderr; a traceback
only with ``--debug``.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import NoReturn

import click

from voiceguide import __version__, interrupts
from voiceguide.build import (
    DEFAULT_OUTPUT_DIR,
    VoiceSettings,
    build,
    preview,
    timeline_for,
    voice_script,
)
from voiceguide.errors import BadInput, OptionError, VoiceguideError
from voiceguide.export import DEFAULT_FORMAT, FORMATS, safe_name
from voiceguide.model import DEFAULT_ROUTINE, LIMITS, Routine
from voiceguide.plan import MAX_COUNTDOWN, Options, plan
from voiceguide.routine import builtin_names, load_file, resolve
from voiceguide.speech import DEFAULT_ENGINE, ENGINES, open_engine
from voiceguide.speech.cache import ClipCache, default_dir
from voiceguide.timeline import describe


def _option(param: click.Parameter | None) -> str:
    """How the user wrote the option: "--reps", "-j/--jobs"."""
    if param is None:
        return "a value"
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


def _refuse(message: str, ctx: click.Context | None) -> NoReturn:
    """A bad option value: exit status 2 and ``message`` as it is, in plain words."""
    raise click.UsageError(message, ctx)


class _Range(click.ParamType):
    """A number from ``low`` to ``high``; anything else is refused in plain words:
    "--reps takes a whole number from 1 to 20, got 'two'"."""

    def __init__(self, low: float, high: float, what: str, *, whole: bool = True):
        self.low, self.high, self.what, self.whole = low, high, what, whole
        self.name = "N" if whole else "SECONDS"

    def convert(self, value, param, ctx):
        number = value if isinstance(value, (int, float)) else _parse(value, self.whole)
        if number is None or not self.low <= number <= self.high:  # NaN is refused too
            shown = value if number is not None else f"'{value}'"
            _refuse(
                f"{_option(param)} takes {self.what} from {self.low:g} to {self.high:g},"
                f" got {shown}",
                ctx,
            )
        return number


def _parse(text: str, whole: bool) -> int | float | None:
    try:
        return int(text) if whole else float(text)
    except ValueError:
        return None


def _seconds(most: float) -> _Range:
    return _Range(LIMITS.min_duration, most, "seconds", whole=False)


class _Hold(click.ParamType):
    """``--hold 45`` (every exercise) or ``--hold "NAME=60"`` (one exercise)."""

    name = "SECONDS|NAME=SECONDS"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        name, _, seconds = value.rpartition("=")
        number = _parse(seconds, whole=False)
        if number is None:
            _refuse(
                f"--hold takes SECONDS or NAME=SECONDS (e.g. 45 or wall=60), got '{value}'", ctx
            )
        if "=" in value and not name.strip():
            _refuse(f"--hold '{value}' has no exercise name before '='", ctx)
        return (name.strip() or None, number)


class _OutputFolder(click.ParamType):
    """A folder that exists or can be made: not empty, not a file, not inside one."""

    name = "FOLDER"

    def convert(self, value, param, ctx):
        text = os.fspath(value)
        if not text.strip():
            _refuse(f"{_option(param)} is empty; give a folder, like -o output", ctx)
        folder = Path(text)
        blocker = _not_a_folder(folder)
        if blocker == folder:
            _refuse(f"{_option(param)} {text}: that is not a folder", ctx)
        if blocker is not None:
            _refuse(f"{_option(param)} {text}: {blocker} is not a folder", ctx)
        return folder


def _not_a_folder(path: Path) -> Path | None:
    """The first of ``path`` and the folders above it that exists but is not a folder
    (a file, a device, a broken link), or None when the folder exists or can be made."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return None
        if os.path.lexists(candidate):
            return candidate
    return None


def _output_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--name``: made safe (see :func:`~voiceguide.export.safe_name`), never empty."""
    if value is None:
        return None
    if not value.strip():
        _refuse("--name is empty; give the files a name, like --name morning", ctx)
    try:
        return safe_name(value)
    except OptionError as exc:
        _refuse(f"--name {exc.message}", ctx)


def timing_options(command):
    """The options that change a session's timing, shared by ``build`` and ``show``."""
    decorators = [
        click.option(
            "--hold",
            "holds",
            type=_Hold(),
            multiple=True,
            help="Seconds every hold lasts, or NAME=SECONDS for one exercise (NAME: "
            "any unique part of its name, any case). Repeatable.",
        ),
        click.option(
            "--reps",
            type=_Range(1, LIMITS.max_reps, "a whole number"),
            help=f"Holds per side (1 to {LIMITS.max_reps}).",
        ),
        click.option(
            "--rest",
            type=_seconds(LIMITS.max_pause),
            help="Seconds of rest between reps, from the release cue to the next start.",
        ),
        click.option(
            "--switch",
            type=_seconds(LIMITS.max_pause),
            help="Seconds to change sides, from the switch cue to the next start.",
        ),
        click.option(
            "--setup",
            type=_seconds(LIMITS.max_pause),
            help="Seconds to get into position after an exercise's instructions.",
        ),
        click.option(
            "--countdown",
            type=_Range(0, MAX_COUNTDOWN, "a whole number of seconds"),
            default=3,
            show_default=True,
            help="Seconds counted down aloud at the end of each hold (0 for none).",
        ),
        click.option(
            "--chimes/--no-chimes",
            default=True,
            show_default=True,
            help="Tones at the start and end of holds, at side switches and at the end.",
        ),
        click.option(
            "--halfway/--no-halfway",
            default=True,
            show_default=True,
            help='Say "Halfway" in the middle of holds of 10 seconds or more.',
        ),
    ]
    return functools.reduce(lambda f, d: d(f), reversed(decorators), command)


def voice_options(command):
    decorators = [
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default=DEFAULT_ENGINE,
            show_default=True,
            help="Speech engine.",
        ),
        click.option(
            "--rate",
            type=_Range(80, 300, "words a minute"),
            help="Speaking rate in words a minute, 80 to 300 [default: 150].",
        ),
        click.option("--voice", help="Voice id or name, from 'voiceguide voices'."),
        click.option(
            "--model",
            metavar="PATH",
            help="A Piper .onnx voice, its .onnx.json beside it (--engine piper only).",
        ),
    ]
    return functools.reduce(lambda f, d: d(f), reversed(decorators), command)


def _options(holds, reps, rest, switch, setup, countdown, chimes, halfway) -> Options:
    every = [_whole(s) for name, s in holds if name is None]
    return Options(
        hold=every[-1] if every else None,
        holds=tuple((name, _whole(s)) for name, s in holds if name is not None),
        reps=reps,
        rest=_whole(rest),
        switch=_whole(switch),
        setup=_whole(setup),
        countdown=countdown,
        chimes=chimes,
        halfway=halfway,
    )


def _whole(seconds: float | None) -> float | int | None:
    """45.0 → 45, so files say "hold": 45 as the user typed it; 2.5 stays."""
    return int(seconds) if seconds is not None and float(seconds).is_integer() else seconds


MAX_JOBS = 32
"""Most routines built at once (-j)."""


class _Cli(click.Group):
    """Runs a command and turns every error into a sentence and an exit status."""

    debug = False

    def main(self, args=None, prog_name=None, **extra):
        extra.pop("standalone_mode", None)
        interrupts.install()
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"Error: {_usage_message(exc)}", err=True)
            if exc.ctx is not None:
                click.echo(f"Try '{exc.ctx.command_path} --help' for help.", err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except (click.Abort, KeyboardInterrupt) as exc:
            click.echo(f"Interrupted: {_what_was_written(exc)}", err=True)
            code = 130
        except interrupts.Stopped as exc:
            click.echo(
                f"Stopped by {signal.Signals(exc.signum).name}: {_what_was_written(exc)}", err=True
            )
            code = 128 + exc.signum
        except VoiceguideError as exc:
            if self.debug:
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            code = exc.exit_code
        except Exception as exc:  # noqa: BLE001 - a bug: say so plainly
            if self.debug:
                traceback.print_exc()
            click.echo(f"Error: unexpected {type(exc).__name__}: {exc}", err=True)
            if not self.debug:
                click.echo("Run again with --debug to see the details.", err=True)
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: click.UsageError) -> str:
    """Click's message without its "Invalid value for '--x':" wording."""
    if type(exc) is click.BadParameter and exc.param is not None:
        return f"{_option(exc.param)}: {exc.message}"
    return exc.format_message()


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="voiceguide")
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
def cli(debug):
    """Turn exercise routines into spoken, timed audio sessions you follow with your
    eyes closed.

    \b
    Example:
      voiceguide build                      # the built-in session into ./output
      voiceguide build my-routine.yaml --hold 45 --reps 3
    """
    _Cli.debug = debug


@cli.command()
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@click.option(
    "-o",
    "--output-dir",
    type=_OutputFolder(),
    default=DEFAULT_OUTPUT_DIR,
    show_default=True,
    help="Folder for the MP3 and its timeline.",
)
@click.option(
    "--name",
    callback=_output_name,
    help="Name the output files NAME.mp3 etc. instead of after the routine (one routine only).",
)
@click.option(
    "-j",
    "--jobs",
    type=_Range(1, MAX_JOBS, "a whole number"),
    default=min(os.cpu_count() or 1, MAX_JOBS),
    show_default="the number of cores",
    help="Routines built at once.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=DEFAULT_FORMAT,
    show_default=True,
    help="Audio format of the session file.",
)
@click.option(
    "--bitrate",
    help="Bit rate for lossy formats, e.g. 96k (default: a quality setting made for speech).",
)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep voiced phrases for the next build (see 'voiceguide cache').",
)
@click.option(
    "--subtitles",
    is_flag=True,
    help="Also write NAME.vtt: every spoken line with its time, for players that show subtitles.",
)
@timing_options
@voice_options
def build_command(
    routines,
    output_dir,
    name,
    jobs,
    fmt,
    bitrate,
    cache,
    subtitles,
    holds,
    reps,
    rest,
    switch,
    setup,
    countdown,
    chimes,
    halfway,
    engine,
    rate,
    voice,
    model,
):
    """Render each ROUTINE (a YAML file, a folder of them, or a built-in name).

    Writes OUTPUT_DIR/NAME.mp3 and OUTPUT_DIR/NAME.timeline.json, where NAME is the
    file's stem or the built-in's name. With no ROUTINE, builds the built-in
    'hamstring-relief'. A failed build leaves earlier files as they were; with several
    routines, a bad one fails alone and the others are still built.

    \b
    Examples:
      voiceguide build
      voiceguide build --hold 45 --reps 3
      voiceguide build --hold wall=60 --rest 15 -o ~/stretches
      voiceguide build my-routine.yaml --rate 140 --voice gmw/en-us
      voiceguide build routines/ -j 2 --format m4a
    """
    options = _options(holds, reps, rest, switch, setup, countdown, chimes, halfway)
    settings = VoiceSettings(engine=engine, rate=rate, voice=voice, model=model)
    refs = _expand(routines or (DEFAULT_ROUTINE,))
    if name is not None and len(refs) > 1:
        raise click.UsageError("--name names one routine's files; give one routine")

    def one(ref: str, stop: threading.Event | None = None):
        return build(
            resolve(ref),
            options,
            output_dir,
            voice=settings,
            subtitles=subtitles,
            cache=ClipCache(default_dir()) if cache else None,
            fmt=fmt,
            bitrate=bitrate,
            name=name,
            stop=stop,
        )

    if len(refs) == 1:
        result = one(refs[0])
        _warn(result)
        click.echo(
            f"{result.audio} ({_length(result)}, {_megabytes(result)}), "
            f"{', '.join(p.name for p in result.files[1:])}; "
            f"{result.voiced} phrases voiced, {result.cached} from the cache"
        )
        return
    outcomes = _in_parallel(one, refs, jobs)
    _summary(refs, outcomes)
    failures = [o for o in outcomes.values() if isinstance(o, VoiceguideError)]
    if failures:
        raise click.exceptions.Exit(max(f.exit_code for f in failures))


def _expand(refs) -> list[str]:
    """Folders become the routine files in them; names are kept as given."""
    found: list[str] = []
    for ref in refs:
        folder = Path(ref)
        if ref and folder.is_dir():  # Path("") is the current folder
            inside = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
            if not inside:
                raise BadInput("no routine files (*.yaml) in this folder", path=ref)
            found += [str(p) for p in inside]
        else:
            found.append(ref)
    stems = [_stem(ref) for ref in found]
    twice = sorted({stem for stem in stems if stem and stems.count(stem) > 1})
    if twice:
        raise BadInput(f"two routines would both write {twice[0]}.*; rename one of them")
    return found


def _stem(ref: str) -> str | None:
    """The stem a routine's files get, or None when it has none (its build says why)."""
    try:
        return safe_name(Path(ref).stem)
    except OptionError:
        return None


def _what_was_written(exc: BaseException) -> str:
    """After an interruption: the routines finished before it, if there were any."""
    built = getattr(exc, "built", None)
    if built:
        return f"only {', '.join(built)} had been built; nothing else was written."
    return "nothing was written."


def _in_parallel(one, refs: list[str], jobs: int) -> dict:
    """Build every routine, ``jobs`` at a time, with a progress bar on stderr; each
    result or error, by routine. Each build's voice and encoder run in processes of
    their own, so threads are enough to keep ``jobs`` of them busy. Ctrl-C (or SIGTERM)
    stops the builds under way, which write nothing, and starts no more."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    outcomes: dict = {}
    futures: dict = {}
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        with click.progressbar(length=len(refs), label="Building", file=sys.stderr) as bar:
            futures.update({pool.submit(one, ref, stop): ref for ref in refs})
            for future in as_completed(futures):
                ref = futures[future]
                try:
                    outcomes[ref] = future.result()
                except VoiceguideError as exc:
                    outcomes[ref] = exc
                bar.update(1)
    except BaseException as exc:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        exc.built = [
            ref
            for future, ref in futures.items()  # some may finish meanwhile
            if future.done() and not future.cancelled() and future.exception() is None
        ]
        raise
    pool.shutdown()
    return outcomes


def _summary(refs: list[str], outcomes: dict) -> None:
    """Errors and warnings on stderr, then a table of what was built on stdout."""
    rows = []
    for ref in refs:
        outcome = outcomes[ref]
        if isinstance(outcome, VoiceguideError):
            click.echo(f"Error: {outcome}", err=True)
            rows.append((ref, "-", "-", "failed"))
        else:
            _warn(outcome)
            rows.append((str(outcome.audio), _length(outcome), _megabytes(outcome), "ok"))
    width = max(len(r[0]) for r in rows)
    click.echo(f"{'file':<{width}}  {'length':>8}  {'size':>8}  result")
    for name, length, size, result in rows:
        click.echo(f"{name:<{width}}  {length:>8}  {size:>8}  {result}")


def _warn(result) -> None:
    for warning in result.warnings:
        click.echo(f"Warning: {result.audio.stem}: {warning}", err=True)


def _length(result) -> str:
    return _clock(result.timeline.duration / result.timeline.rate)


def _megabytes(result) -> str:
    return f"{result.audio.stat().st_size / 1e6:.1f} MB"


build_command.name = "build"


@cli.command("list")
def list_command():
    """List the built-in routines with their length.

    \b
    Example:
      voiceguide list
    """
    for name in builtin_names():
        routine = resolve(name)
        seconds = _estimated_seconds(routine)
        click.echo(f"{name:<24} about {_clock(seconds)}  {routine.title}")


@cli.command()
@click.argument("routine", required=False, default=DEFAULT_ROUTINE)
@click.option(
    "--exact", is_flag=True, help="Voice the phrases to time them exactly (renders no audio file)."
)
@timing_options
@voice_options
def show(
    routine,
    exact,
    holds,
    reps,
    rest,
    switch,
    setup,
    countdown,
    chimes,
    halfway,
    engine,
    rate,
    voice,
    model,
):
    """Print the session ROUTINE would become, as a timed table (mm:ss).

    Nothing is rendered. Speech lengths are estimated unless --exact is given.

    \b
    Examples:
      voiceguide show
      voiceguide show my-routine.yaml --hold 20 --reps 1
      voiceguide show --exact --rate 130
    """
    loaded = resolve(routine)
    script = plan(loaded, _options(holds, reps, rest, switch, setup, countdown, chimes, halfway))
    if exact:
        with open_engine(engine, rate=rate, voice=voice, model=model) as speaker:
            timeline = timeline_for(script, voice_script(script, speaker).clips)
        note = "exact timing"
    else:
        timeline = preview(script, rate=rate or 150)
        note = "speech lengths estimated; --exact times them"
    click.echo(
        f"{loaded.title} ({loaded.name}), {_clock(timeline.duration / timeline.rate)}, {note}"
    )
    for line in describe(timeline):
        click.echo(line)
    for warning in timeline.warnings:
        click.echo(f"Warning: {warning}", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True)
def validate(files):
    """Check routine FILES without rendering anything.

    Prints one line per file; exits 2 if any file is invalid.

    \b
    Example:
      voiceguide validate my-routine.yaml other.yaml
    """
    bad = 0
    for path in files:
        try:
            routine = load_file(path)
            seconds = _estimated_seconds(routine)
        except BadInput as exc:
            click.echo(f"Error: {exc}", err=True)
            bad += 1
            continue
        count = len(routine.exercises)
        click.echo(
            f"ok: {path}: {routine.title}, {count} exercise{'s' if count > 1 else ''}, "
            f"about {_clock(seconds)}"
        )
    if bad:
        raise click.exceptions.Exit(2)


@cli.command()
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True)
@click.option("--model", metavar="PATH", help="A Piper .onnx voice to list too (--engine piper).")
@click.option("--language", "-l", help="Only voices whose language starts with this (e.g. en).")
def voices(engine, model, language):
    """List the voices an engine offers (use the id with --voice).

    \b
    Examples:
      voiceguide voices
      voiceguide voices --language en
      voiceguide voices --engine piper
    """
    with open_engine(engine, model=model) as speaker:
        found = speaker.voices()
    shown = [
        v for v in found if not language or any(lang.startswith(language) for lang in v.languages)
    ]
    if not shown:
        raise click.UsageError(
            f"no {engine} voice speaks a language starting with "
            f"'{language}'; 'voiceguide voices' lists them all"
        )
    for info in shown:
        click.echo(f"{info.id:<28} {info.name:<32} {','.join(info.languages)}")


@cli.command("cache")
@click.argument("action", type=click.Choice(["info", "clear"]), default="info")
def cache_command(action):
    """Show (info) or empty (clear) the cache of voiced phrases.

    Builds keep every voiced phrase here, keyed by everything that shapes it (engine,
    voice, rate, text, versions), so a rebuild with other timings voices nothing.
    The folder is the user's cache folder, or $VOICEGUIDE_CACHE_DIR.

    \b
    Examples:
      voiceguide cache
      voiceguide cache clear
    """
    store = ClipCache(default_dir())
    if action == "clear":
        click.echo(f"removed {store.clear()} phrases from {store.folder}")
        return
    info = store.info()
    click.echo(f"{info.folder}: {info.entries} phrases, {info.bytes / 1e6:.1f} MB")


def _estimated_seconds(routine: Routine) -> float:
    timeline = preview(plan(routine))
    return timeline.duration / timeline.rate


def _clock(seconds: float) -> str:
    """``648`` → "10:48"; ``9266`` → "2:34:26"."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def main() -> None:
    cli()
