"""The command line's options, made from the setting declarations
(:data:`~voiceguide.settings.SETTINGS`): each setting's flag, type, help and check, and
the translation of what was typed into :class:`~voiceguide.options.Options`.

A bad value is refused with exit status 2 and one line in the setting's own words, after
its flag: "--rest must be between 0.1 and 600 seconds, got -1".
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from voiceguide.bed import NONE
from voiceguide.errors import OptionError
from voiceguide.options import Given, Options
from voiceguide.settings import SETTINGS, Setting, SettingError, Value, of_scope

if TYPE_CHECKING:
    from voiceguide.build import VoiceSettings

F = TypeVar("F", bound=Callable[..., Any])


def flag_of(param: click.Parameter | None) -> str:
    """How the user wrote the option: "--reps", "-j/--jobs"."""
    if param is None:
        return "a value"
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


def refuse(message: str, ctx: click.Context | None) -> NoReturn:
    """A bad option value: exit status 2 and ``message`` as it is, in plain words."""
    raise click.UsageError(message, ctx)


class SettingValue(click.ParamType):
    """A value of one setting, checked by the setting."""

    def __init__(self, setting: Setting):
        self.setting = setting
        self.name = setting.placeholder

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.setting.parse(value)
        except SettingError as exc:
            refuse(f"{flag_of(param)} {exc.message}", ctx)


class PerExercise(SettingValue):
    """``--hold 45`` (every exercise) or ``--hold wall=60`` (one exercise): a pair of
    (exercise pattern or None, value)."""

    def __init__(self, setting: Setting):
        super().__init__(setting)
        self.name = f"{setting.placeholder}|NAME={setting.placeholder}"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        name, equals, text = value.rpartition("=")
        if equals and not name.strip():
            refuse(f"{flag_of(param)} '{value}' has no exercise name before '='", ctx)
        if equals and not text.strip():
            refuse(f"{flag_of(param)} '{value}' has no value after '='", ctx)
        try:
            number = self.setting.parse(text)
        except SettingError as exc:
            if equals or _looks_numeric(text):
                refuse(f"{flag_of(param)} {exc.message}", ctx)
            word, example = self.setting.placeholder, self.setting.default
            refuse(
                f"{flag_of(param)} takes {word} or NAME={word} (e.g. {example} or "
                f"wall={example}), got '{value}'",
                ctx,
            )
        return (name.strip() or None, number)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class WholeRange(click.ParamType):
    """A whole number for an option that is not a session setting (``-j``)."""

    name = "N"

    def __init__(self, low: int, high: int | Callable[[], int]):
        self.low, self._high = low, high

    @property
    def high(self) -> int:
        """The upper bound, looked up when first needed if given as a function."""
        return self._high if isinstance(self._high, int) else self._high()

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            number = value if isinstance(value, int) else int(value)
        except ValueError:
            number, value = None, f"'{value}'"
        if number is None or not self.low <= number <= self.high:
            refuse(
                f"{flag_of(param)} must be a whole number from {self.low} to {self.high}, "
                f"got {value}",
                ctx,
            )
        return number


class OutputFolder(click.ParamType):
    """A folder that exists or can be made: not empty, not a file, not inside one."""

    name = "FOLDER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = os.fspath(value)
        if not text.strip():
            refuse(f"{flag_of(param)} is empty; give a folder, like -o output", ctx)
        from voiceguide.outputs import not_a_folder

        folder = Path(text)
        blocker = not_a_folder(folder)
        if blocker == folder:
            refuse(f"{flag_of(param)} {text}: that is not a folder", ctx)
        if blocker is not None:
            refuse(f"{flag_of(param)} {text}: {blocker} is not a folder", ctx)
        return folder


def output_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--name``: made safe (see :func:`~voiceguide.outputs.safe_name`), never empty."""
    from voiceguide.outputs import safe_name

    if value is None:
        return None
    if not value.strip():
        refuse("--name is empty; give the files a name, like --name morning", ctx)
    try:
        return safe_name(value)
    except OptionError as exc:
        refuse(f"--name {exc.message}", ctx)


def _option_for(setting: Setting) -> Callable[[F], F]:
    """The click option of one setting, its help from the declaration."""
    shown = setting.shown_default or _default_text(setting.default)
    if setting.kind == "flag":
        return click.option(
            f"{setting.flag}/--no-{setting.flag[2:]}",
            setting.name,
            default=None,
            help=f"{setting.help} [default: {shown}]",
        )
    if setting.scope == "exercise":
        return click.option(
            setting.flag,
            setting.name,
            type=PerExercise(setting),
            multiple=True,
            help=f"{setting.help} NAME={setting.placeholder} for one exercise. "
            f"[default: the routine's, else {shown}]",
        )
    kind = click.Choice(setting.choices) if setting.kind == "choice" else SettingValue(setting)
    return click.option(
        setting.flag,
        setting.name,
        type=kind,
        default=None,
        metavar=setting.metavar or None,
        help=f"{setting.help} [default: {shown}]",
    )


def _default_text(value: Value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _options(scopes: tuple[str, ...]) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        chosen = [s for s in SETTINGS if s.scope in scopes]
        for setting in reversed(chosen):
            if setting.name == "bed":
                command = NO_BED(command)
            command = _option_for(setting)(command)
        return command

    return decorate


NO_BED = click.option("--no-bed", is_flag=True, help="No bed, even if the routine has one.")


timing_options = _options(("exercise", "routine", "session"))
"""The options that shape a session: every exercise-, routine- and session-scope setting."""
voice_options = _options(("voice",))
"""The options that choose the voice."""


def options_from(params: dict[str, Any]) -> Options:
    """Take the timing options out of a command's ``params`` as :class:`Options`."""
    given: list[Given] = []
    if params.pop("no_bed", False):
        if params.get("bed") is not None:
            raise click.UsageError("--bed and --no-bed contradict each other; give one")
        params["bed"] = NONE
    for setting in SETTINGS:
        if setting.scope == "voice" or setting.name not in params:
            continue
        value = params.pop(setting.name)
        if setting.scope == "exercise":
            given += [(setting.name, pattern, number) for pattern, number in value]
        elif value is not None:
            given.append((setting.name, None, value))
    return Options(tuple(given))


def voice_from(params: dict[str, Any]) -> VoiceSettings:
    """Take the voice options out of a command's ``params``."""
    from voiceguide.build import VoiceSettings

    chosen = {s.name: params.pop(s.name) for s in of_scope("voice") if s.name in params}
    return VoiceSettings(**{k: v for k, v in chosen.items() if v is not None})


def output_options(command: F) -> F:
    """Where and how ``build`` writes: folder, name, format, jobs, cache, subtitles."""
    from voiceguide.formats import DEFAULT_FORMAT, FORMATS

    decorators = [
        click.option(
            "-o",
            "--output-dir",
            type=OutputFolder(),
            default="output",
            show_default=True,
            help="Folder for the audio and its timeline.",
        ),
        click.option(
            "--name",
            callback=output_name,
            help="Name the files NAME.mp3 etc., not after the routine (one routine).",
        ),
        click.option(
            "-j",
            "--jobs",
            type=WholeRange(1, lambda: _jobs()[1]),
            default=lambda: _jobs()[0],
            show_default="the number of cores",
            help="Routines built at once.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(list(FORMATS)),
            default=DEFAULT_FORMAT,
            show_default=True,
            help="Audio format of the session file.",
        ),
        click.option(
            "--bitrate",
            help="Bit rate for lossy formats, e.g. 96k (default: a quality made for speech).",
        ),
        click.option(
            "--cache/--no-cache",
            default=True,
            show_default=True,
            help="Keep voiced phrases for the next build (see 'voiceguide cache').",
        ),
        click.option(
            "--subtitles",
            is_flag=True,
            help="Also write NAME.vtt: every spoken line with its time.",
        ),
    ]
    return functools.reduce(lambda f, d: d(f), reversed(decorators), command)


def _jobs() -> tuple[int, int]:
    """The batch's default and most jobs, from :mod:`voiceguide.batch`, which is imported
    only when ``build`` runs or shows its help (it brings the whole build with it)."""
    from voiceguide.batch import DEFAULT_JOBS, MAX_JOBS

    return DEFAULT_JOBS, MAX_JOBS
