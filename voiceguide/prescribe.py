"""A programme becomes the whole prescription, written as one set: a session for each
stage (``NAME.week-K.mp3`` and its timeline), the playlist (``NAME.m3u8``), the handout
(``NAME.html``) and the reminders (``NAME.ics``). They come from the same text, so they
never disagree, and they appear together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from voiceguide.build import BuildResult, Output, VoiceSettings, build, earlier_files
from voiceguide.formats import check_format
from voiceguide.options import Options, held_timings
from voiceguide.outputs import StagedOutputs, make_folder, safe_name
from voiceguide.preview import estimated_seconds
from voiceguide.programme import DAYS, Programme, Stage
from voiceguide.reminders import first_on
from voiceguide.settings import clock, counted
from voiceguide.sheets import handout_of, playlist, reminders_of
from voiceguide.speech import open_engine
from voiceguide.speech.cache import ClipCache
from voiceguide.stages import NO_OPTIONS, check_stages, stage_options, stage_routine


@dataclass(frozen=True)
class ProgrammeResult:
    """What a programme's build wrote."""

    files: tuple[Path, ...]
    """Every file, the sessions' first, then the playlist, handout and calendar."""
    sessions: tuple[BuildResult, ...]
    notes: tuple[str, ...] = ()
    """The programme's own warnings (:meth:`Programme.warnings`), each naming its file
    and line; its sessions' are theirs."""

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for s in self.sessions for w in s.warnings))

    @property
    def seconds(self) -> float:
        return sum(s.timeline.duration / s.timeline.rate for s in self.sessions)


def build_programme(
    programme: Programme,
    options: Options | None = None,
    output: Output = Output(),
    *,
    voice: VoiceSettings = VoiceSettings(),
    cache: ClipCache | None = None,
    stop: threading.Event | None = None,
    today: dt.date | None = None,
) -> ProgrammeResult:
    """Build every stage's session and the playlist, handout and calendar into
    ``output.folder``, all or nothing. ``options`` (the command line's) win over the
    stages' settings; ``today`` is the start when the programme gives none."""
    programme = replace(programme, name=safe_name(output.name or programme.name))
    check_stages(programme, options or Options())  # before anything is voiced
    folder = make_folder(output.folder)
    work = Path(tempfile.mkdtemp(prefix=f".{programme.name}.", suffix=".programme", dir=folder))
    try:
        sessions = _sessions(programme, options or Options(), output, work, voice, cache, stop)
        start = programme.start or today or dt.date.today()
        _write_sheets(programme, sessions, work, output, start, options or Options())
        container = check_format(output.fmt, output.bitrate)
        others = {s.audio.name: earlier_files(folder / s.audio.stem, container) for s in sessions}
        retired = [path for paths in others.values() for path in paths]
        with StagedOutputs(folder, retired=retired) as staged:
            for made in sorted(work.iterdir(), key=_order):  # into the staged (locked) file
                shutil.copyfile(made, staged.stage(folder / made.name))
        files = tuple(sorted(staged.staged, key=_order))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    moved = [
        replace(s, audio=folder / s.audio.name, timeline_file=folder / s.timeline_file.name,
                files=tuple(folder / p.name for p in s.files),
                removed=tuple(p for p in staged.removed if p in others[s.audio.name]))
        for s in sessions
    ]  # fmt: skip
    return ProgrammeResult(files, tuple(moved), programme.warnings())


def _order(path: Path) -> tuple[int, str]:
    """Sessions first (by week), then the playlist, handout and calendar."""
    kinds = {".m3u8": 1, ".html": 2, ".ics": 3}
    return (kinds.get(path.suffix, 0), path.name)


def _sessions(
    programme: Programme,
    options: Options,
    output: Output,
    work: Path,
    voice: VoiceSettings,
    cache: ClipCache | None,
    stop: threading.Event | None,
) -> list[BuildResult]:
    """One session a stage, built into ``work`` with one engine for them all."""
    results = []
    engine = open_engine(
        voice.engine,
        rate=voice.rate,
        voice=voice.voice,
        model=voice.model,
        language=programme.routine.language,
    )
    count = len(programme.stages)
    with engine:
        for number, stage in enumerate(programme.stages, start=1):
            routine = stage_routine(programme, stage)
            settings = stage_options(stage, options)
            # one album in a music app, the stages its tracks in order
            album = replace(output, folder=work, name=None, album=programme.title,
                            track=f"{number}/{count}", notes=programme.notes)  # fmt: skip
            results.append(
                build(
                    routine,
                    settings,
                    album,
                    engine=engine,
                    cache=cache,
                    stop=stop,
                )
            )
    return results


def _write_sheets(
    programme: Programme,
    sessions: list[BuildResult],
    work: Path,
    output: Output,
    start: dt.date,
    options: Options,
) -> None:
    name = programme.name
    seconds = [s.timeline.duration / s.timeline.rate for s in sessions]
    files = [s.audio.name for s in sessions]
    (work / f"{name}.m3u8").write_text(playlist(programme, files, seconds), encoding="utf-8")
    html = handout_of(programme, files, seconds, start, options=options)  # as the sessions
    (work / f"{name}.html").write_text(html, encoding="utf-8")
    place = _place(output.folder)
    (work / f"{name}.ics").write_bytes(reminders_of(programme, files, seconds, start, place))


def _place(folder: Path) -> str:
    """A short mark of the folder a programme is written to, for its reminders' UIDs: two
    patients' programmes of one name, each in its own folder, are two sets of events in
    one calendar, where a rebuild into the same folder updates its own."""
    return hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:12]


def _other_settings(stage: Stage) -> str:
    """What a stage sets besides holds and reps ("rest 20 s for Wall hamstring stretch,
    countdown 5, no chimes")."""
    from voiceguide.settings import BY_NAME

    shown = []
    for name, pattern, value in stage.options.given:
        if name in ("hold", "reps"):
            continue
        words = name.replace("_", " ")
        if isinstance(value, bool):
            shown.append(words if value else f"no {words}")
            continue
        number = f"{value:g}" if isinstance(value, float) else str(value)
        unit = " s" if BY_NAME[name].kind == "seconds" else ""
        shown.append(f"{words} {number}{unit}" + (f" for {pattern}" if pattern else ""))
    return ", ".join(shown)


def describe_programme(programme: Programme, given: Options = NO_OPTIONS) -> list[str]:
    """The stages as a table: weeks, holds, reps, what is left out, the session's file
    and its estimated length, and under a stage what else it sets; each stage's timing
    with ``given`` (the command line's options) over it, as ``build`` makes it."""
    check_stages(programme, given)
    lines = [f"{'weeks':<8} {'hold':>9} {'reps':>5}  {'length':>6}  session"]
    for stage in programme.stages:
        routine = stage_routine(programme, stage)
        options = stage_options(stage, given)
        timings = held_timings(routine, options).values()
        holds, reps = sorted({t.hold for t in timings}), sorted({t.reps for t in timings})
        weeks = (
            f"{stage.first_week}" if stage.weeks == 1 else f"{stage.first_week}-{stage.last_week}"
        )
        hold = "/".join(f"{h:g}" for h in holds) + " s" if holds else "-"
        length = clock(estimated_seconds(routine, options))
        left = f" (without {', '.join(stage.leave_out)})" if stage.leave_out else ""
        lines.append(
            f"{weeks:<8} {hold:>9} {'/'.join(map(str, reps)) or '-':>5}  {length:>6}  "
            f"{routine.name}.mp3{left}"
        )
        if also := _other_settings(stage):
            lines.append(f"{'':<8} also {also}")
    times = ", ".join(programme.times())
    days = "every day" if programme.days == DAYS else ", ".join(programme.days)
    lines.append(
        f"{programme.times_a_day} a day at {times}, {days}; "
        f"{counted(programme.weeks, 'week')} from "
        # its first day with a session, as the sheet and the reminders have it
        f"{first_on(programme.start, programme.days) if programme.start else 'the day it is built'}"
    )
    return lines
