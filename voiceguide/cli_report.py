"""How the command line reports: every error as a sentence and an exit status, and
what was built as lines and tables."""

from __future__ import annotations

import errno
import os
import signal
import sys
import traceback
from typing import TYPE_CHECKING, Any, TypeGuard

import click

from voiceguide import interrupts
from voiceguide.cli_options import flag_of
from voiceguide.errors import BadInput, OptionError, VoiceguideError
from voiceguide.settings import BY_NAME, clock, counted

if TYPE_CHECKING:  # what a build made: imported where it is reported, not on every start
    from voiceguide.batch import BatchInterrupted, Outcome
    from voiceguide.build import BuildResult
    from voiceguide.prescribe import ProgrammeResult


class Cli(click.Group):
    """Runs a command and turns every error into a sentence and an exit status."""

    debug = False

    def main(self, *args: Any, **extra: Any) -> Any:
        extra["standalone_mode"] = False
        try:
            code = super().main(*args, **extra)
        except click.UsageError as exc:
            click.echo(f"Error: {_usage_message(exc)}", err=True)
            if exc.ctx is not None:
                click.echo(f"Try '{exc.ctx.command_path} --help' for help.", err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except (click.Abort, KeyboardInterrupt) as exc:
            click.echo(f"Interrupted: {_written(exc)}", err=True)
            code = 130
        except interrupts.Stopped as exc:
            click.echo(f"Stopped by {signal.Signals(exc.signum).name}: {_written(exc)}", err=True)
            code = 128 + exc.signum
        except Exception as exc:  # noqa: BLE001 - ours, or a bug: say so plainly
            code = _interrupted(exc) if _batch_interrupted(exc) else self._failed(exc)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            code = _reader_left()
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # before click turns it into exit status 1
            return _reader_left()

    def _failed(self, exc: Exception) -> int:
        if self.debug:
            traceback.print_exc()
        if isinstance(exc, VoiceguideError):
            click.echo(f"Error: {said(exc)}", err=True)
            return exc.exit_code
        named = _bad_name(exc)
        if named is not None:  # the user's path, not the machine: bad input
            click.echo(f"Error: {named}", err=True)
            return 2
        full = _disk_full(exc)
        if full is not None:
            from voiceguide.outputs import visible_folder

            name = full.filename2 or full.filename
            where = f" to {visible_folder(name)}" if name else ""
            click.echo(f"Error: could not write{where}: {full.strerror}; nothing was changed."
                       " Free some space, then try again.", err=True)  # fmt: skip
            return 1
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc}", err=True)
        if not self.debug:
            click.echo("Run again with --debug to see the details.", err=True)
        return 1


FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
"""The errors of a disk (or a quota) with no room left."""


def _disk_full(exc: BaseException | None) -> OSError | None:
    """The OSError of a full disk behind ``exc`` (itself, or what it was raised from: a
    tagging library wraps it), if there is one."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError) and exc.errno in FULL:
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _bad_name(exc: BaseException) -> str | None:
    """What is wrong with a path the user gave, where the file system refused it: a name
    too long for it, or links that loop."""
    if not isinstance(exc, OSError) or exc.errno not in (errno.ENAMETOOLONG, errno.ELOOP):
        return None
    name = os.fsdecode(exc.filename) if isinstance(exc.filename, (str, bytes)) else "a path"
    shown = name if len(name) <= 80 else f"{name[:40]}…{name[-30:]}"
    if exc.errno == errno.ELOOP:
        return f"{shown}: its links lead round in a loop; give another path"
    return f"{shown}: a name in it is too long for the file system; choose a shorter one"


def refused(exc: BadInput) -> None:
    """One file of several refused, and the others still checked: its line (and with
    ``--debug`` the traceback too)."""
    if Cli.debug:
        traceback.print_exception(exc)
    click.echo(f"Error: {exc}", err=True)


def _reader_left() -> int:
    """Whoever read the output went away (``voiceguide show | head``): it had all it
    wanted. Later writes go nowhere, so Python's own last flush cannot fail either."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def said(exc: VoiceguideError) -> str:
    """The library's message, an option's named by its flag."""
    if isinstance(exc, OptionError) and exc.setting and not exc.path:
        flag = BY_NAME[exc.setting].flag if exc.setting in BY_NAME else f"--{exc.setting}"
        return exc.said_of(flag)
    return str(exc)


def _written(exc: BaseException) -> str:
    """What a build stopped by ``exc`` left: nothing, or (a signal that came as its files
    were committed, held until they were) all of them."""
    written = getattr(exc, "written", ())
    if not written:
        return "nothing was written."
    return (
        f"it came as the files were written, and they are complete: {written[0]}"
        + "".join(f", {path.name}" for path in written[1:])
        + "."
    )


def _batch_interrupted(exc: Exception) -> TypeGuard[BatchInterrupted]:
    """Whether ``exc`` is a :class:`~voiceguide.batch.BatchInterrupted`: only a batch
    raises one, so a command that never loaded the batch module has none to report."""
    batch = sys.modules.get("voiceguide.batch")
    return batch is not None and isinstance(exc, batch.BatchInterrupted)


def _interrupted(exc: BatchInterrupted) -> int:
    built = f"only {', '.join(exc.built)} had been built; nothing else was written."
    what = built if exc.built else "nothing was written."
    if isinstance(exc.cause, interrupts.Stopped):
        click.echo(f"Stopped by {signal.Signals(exc.cause.signum).name}: {what}", err=True)
        return 128 + exc.cause.signum
    click.echo(f"Interrupted: {what}", err=True)
    return 130


def _usage_message(exc: click.UsageError) -> str:
    """Click's message without its "Invalid value for '--x':" wording."""
    if type(exc) is click.BadParameter and exc.param is not None:
        return f"{flag_of(exc.param)}: {exc.message}"
    return exc.format_message()


def summary(refs: list[str], outcomes: dict[str, Outcome]) -> None:
    """Errors and warnings on stderr, then a table of what was built on stdout, and a
    line for each file of an earlier build removed."""
    rows = []
    for ref in refs:
        outcome = outcomes[ref]
        if isinstance(outcome, VoiceguideError):
            click.echo(f"Error: {said(outcome)}", err=True)
            rows.append((ref, "-", "-", "failed"))
        else:
            warn(outcome)
            rows += [(str(r.audio), length(r), megabytes(r), "ok") for r in sessions(outcome)]
    width = max(len(r[0]) for r in rows)
    click.echo(f"{'file':<{width}}  {'length':>8}  {'size':>8}  result")
    for name, long, size, result in rows:
        click.echo(f"{name:<{width}}  {long:>8}  {size:>8}  {result}")
    for outcome in (outcomes[ref] for ref in refs):
        if not isinstance(outcome, VoiceguideError):
            removals(outcome)


def sessions(result: BuildResult | ProgrammeResult) -> tuple[BuildResult, ...]:
    from voiceguide.prescribe import ProgrammeResult

    return result.sessions if isinstance(result, ProgrammeResult) else (result,)


def warn(result: BuildResult | ProgrammeResult) -> None:
    from voiceguide.prescribe import ProgrammeResult

    if isinstance(result, ProgrammeResult):
        for note in result.notes:
            click.echo(f"Warning: {note}", err=True)
    for session in sessions(result):
        for warning in session.warnings:
            click.echo(f"Warning: {session.audio.stem}: {warning}", err=True)


def removals(result: BuildResult | ProgrammeResult) -> None:
    """A line for each file of an earlier build that a build removed, and why."""
    for session in sessions(result):
        for path in session.removed:
            if path.suffix == ".vtt":
                why = "this build made no subtitles (--subtitles makes them)"
            else:
                why = (f"{session.timeline_file.name} now describes {session.audio.name}"
                       " (to keep both, build one with another --name)")  # fmt: skip
            click.echo(f"Removed {path}: {why}.")


def length(result: BuildResult) -> str:
    return clock(result.timeline.duration / result.timeline.rate)


def megabytes(result: BuildResult) -> str:
    return f"{result.audio.stat().st_size / 1e6:.1f} MB"


def built(result: BuildResult | ProgrammeResult) -> None:
    """One build's warnings on stderr, then a line of what it wrote on stdout (a line a
    session, and one for a programme's playlist, handout and reminders), and a line for
    each file of an earlier build it removed."""
    from voiceguide.prescribe import ProgrammeResult

    warn(result)
    for session in sessions(result):
        others = ", ".join(p.name for p in session.files[1:])
        click.echo(
            f"{session.audio} ({length(session)}, {megabytes(session)}), {others}; "
            f"{counted(session.voiced, 'phrase')} voiced, {session.cached} from the cache"
        )
    if isinstance(result, ProgrammeResult):
        sheets = [p for p in result.files if p.suffix in (".m3u8", ".html", ".ics")]
        click.echo(f"{sheets[0].parent}/: " + ", ".join(p.name for p in sheets))
    removals(result)


def checked(path: str) -> str:
    """What a valid routine or programme file holds, in a few words."""
    from voiceguide.bed import of_routine
    from voiceguide.options import Options
    from voiceguide.outputs import safe_name
    from voiceguide.preview import estimated_seconds
    from voiceguide.programme import is_programme, load_programme
    from voiceguide.routine import load_file

    if path and is_programme(path):
        from voiceguide.stages import check_stages

        programme = load_programme(path)
        check_stages(programme, Options())  # a stage's session too long fails here
        for note in programme.warnings():
            click.echo(f"Warning: {note}", err=True)
        stages = counted(len(programme.stages), "stage")
        weeks = f"{counted(programme.weeks, 'week')} of {programme.routine.name}"
        return f"{programme.title}, {stages} over {weeks}"
    from voiceguide.routine import builtin_names

    if path in builtin_names() and not os.path.lexists(path):
        raise BadInput(f"{path} is a built-in, not a file: validate checks routine files "
                       f"('voiceguide show {path}' shows the built-in)")  # fmt: skip
    routine = load_file(path)
    safe_name(routine.name)  # a name too long for the file system fails here, not at build
    bed = of_routine(routine, Options())  # a bed file that is not there fails here too
    exercises = counted(len(routine.exercises), "exercise")
    return f"{routine.title}, {exercises}, about {clock(estimated_seconds(routine))}" + (
        f", over {bed.name}" if bed else ""
    )
