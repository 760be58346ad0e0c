"""A programme becomes the whole prescription, written as one set: a session for each
stage (``NAME.week-K.mp3`` and its timeline), the playlist (``NAME.m3u8``), the handout
(``NAME.html``) and the reminders (``NAME.ics``). They come from the same text, so they
never disagree, and they appear together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil
import tempfile
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from voiceguide.build import BuildResult, Output, VoiceSettings, build, earlier_files
from voiceguide.errors import BadInput, OptionError, RoutineError
from voiceguide.formats import check_format
from voiceguide.handout import Row, render, schedule_row
from voiceguide.model import MINUTES_PLACEHOLDER, Routine
from voiceguide.options import Options, held_timings, times_said
from voiceguide.outputs import StagedOutputs, make_folder, safe_name
from voiceguide.phrases import phrasebook
from voiceguide.plan import TooLong, plan
from voiceguide.preview import estimated_seconds
from voiceguide.programme import DAYS, Programme, Stage
from voiceguide.reminders import Reminder, calendar, first_on
from voiceguide.script import Say
from voiceguide.settings import clock, counted
from voiceguide.speech import open_engine
from voiceguide.speech.cache import ClipCache

if TYPE_CHECKING:
    from babel import Locale

K = TypeVar("K", bound=Hashable)


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


def stage_routine(programme: Programme, stage: Stage) -> Routine:
    """The routine of ``stage``'s session: its exercises, its intro saying which week it
    is, and its title naming the stage as the reminders do ("Hamstring relief, four
    weeks: weeks 2–3"), so that a player or a podcast app tells the sessions apart."""
    routine = programme.session_routine(stage, week_sentence(programme, stage))
    return replace(routine, title=stage_title(programme, stage))


def stage_session(programme: Programme, week: int, options: Options) -> tuple[Routine, Options]:
    """The routine and options of the session of week ``week`` (its stage's), as
    ``build`` makes it; an error naming the weeks there are past the last."""
    stage = next((s for s in programme.stages if s.first_week <= week <= s.last_week), None)
    if stage is None:
        raise OptionError(
            f"{week}: {programme.source} has {counted(programme.weeks, 'week')}, so no week {week}",
            setting="week",
        )
    return stage_routine(programme, stage), stage_options(stage, options)


def stage_title(programme: Programme, stage: Stage) -> str:
    """The programme's title and the stage's weeks, in the routine's language."""
    colon = phrasebook(programme.routine.language).handout["colon"]
    return f"{programme.title}{colon}{_weeks(programme, stage)}"


NO_OPTIONS = Options()
"""No option from the command line: the stages' own settings."""


def check_stages(programme: Programme, options: Options) -> None:
    """Plan each stage's session with ``options`` (nothing is voiced): one that would be
    too long is refused naming the programme's file and the stage's line, not the
    routine it is built on."""
    for stage in programme.stages:
        routine = stage_routine(programme, stage)
        try:
            plan(routine, stage_options(stage, options))
        except TooLong as exc:
            weeks = f"week {stage.first_week}" if stage.weeks == 1 else (
                f"weeks {stage.first_week}-{stage.last_week}")  # fmt: skip
            said = exc.message.replace("this session", f"the session of {weeks}")
            if options.given and _fits(routine, stage_options(stage, Options())):
                # the command line's options did it, not the stage
                raise BadInput(
                    f"with the options given, {said}", path=programme.source or None
                ) from None
            raise RoutineError(said, path=programme.source or None, line=stage.line) from None


def _fits(routine: Routine, options: Options) -> bool:
    try:
        plan(routine, options)
    except TooLong:
        return False
    return True


def stage_options(stage: Stage, options: Options) -> Options:
    """The stage's settings (less those for exercises it leaves out), then the command
    line's, which win."""
    kept = tuple(g for g in stage.options.given if g[1] not in stage.leave_out)
    return Options(kept + options.given)


def week_sentence(programme: Programme, stage: Stage) -> str:
    """ "Week 1 of 4." or "Weeks 2 to 3 of 4.", in the routine's language."""
    book = phrasebook(programme.routine.language)
    total = str(programme.weeks)
    if stage.weeks == 1:
        return book.say("week", week=str(stage.first_week), weeks=total)
    which = "weeks_two" if stage.weeks == 2 else "weeks"  # "Weeks 2 and 3", "Weeks 2 to 4"
    return book.say(which, first=str(stage.first_week), last=str(stage.last_week), weeks=total)


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


def playlist(programme: Programme, files: list[str], seconds: list[float]) -> str:
    """The sessions in order, with titles and lengths (extended M3U, UTF-8)."""
    lines = ["#EXTM3U", f"#PLAYLIST:{programme.title}"]
    for stage, file, length in zip(programme.stages, files, seconds):
        lines += [f"#EXTINF:{round(length)},{stage_title(programme, stage)}", file]
    return "\n".join(lines) + "\n"


def _weeks(programme: Programme, stage: Stage) -> str:
    return _weeks_of(programme, [stage])


def _weeks_of(programme: Programme, stages: Sequence[Stage]) -> str:
    """The weeks of ``stages`` as the sheet writes them ("week 1", "weeks 2–4", or
    "week 1, weeks 3–4"): stages that follow each other as one span."""
    words = phrasebook(programme.routine.language).handout
    spans: list[list[int]] = []
    for stage in stages:
        if spans and stage.first_week == spans[-1][1] + 1:
            spans[-1][1] = stage.last_week
        else:
            spans.append([stage.first_week, stage.last_week])
    return ", ".join(
        words["week"].format(n=first)
        if first == last
        else words["week_span"].format(first=first, last=last)
        for first, last in spans
    )


def _by_weeks(programme: Programme, key: Callable[[Stage], K]) -> list[tuple[str, K, list[Stage]]]:
    """The stages grouped by what ``key`` gives them, each group with its weeks (""
    where every stage has the same)."""
    groups: dict[K, list[Stage]] = {}
    for stage in programme.stages:
        groups.setdefault(key(stage), []).append(stage)
    if len(groups) == 1:
        return [("", value, stages) for value, stages in groups.items()]
    return [(_weeks_of(programme, stages), value, stages) for value, stages in groups.items()]


def handout_of(
    programme: Programme,
    files: list[str],
    seconds: list[float],
    start: dt.date,
    *,
    estimated: bool = False,
    options: Options = NO_OPTIONS,
) -> str:
    """The printed sheet: the schedule from ``start`` (the sessions' lengths
    ``estimated``, or as built; their timings the stages' with ``options``, the command
    line's, over them), then every exercise, with the weeks it is in where it is not in
    all; the intro and the closing with their weeks where stages have their own."""
    rows = [
        _row(programme, stage, file, length, estimated, options)
        for stage, file, length in zip(programme.stages, files, seconds)
    ]
    only = phrasebook(programme.routine.language).handout["only"]
    return render(
        programme.routine,
        title=programme.title,
        rows=rows,
        notes=programme.notes,
        subtitle=programme.routine.title,
        described=False,
        intros=sheet_intros(programme, options),
        closings=[(weeks, said) for weeks, said, _ in _by_weeks(programme, programme.outro_of)],
        only={
            e.name: only.format(weeks=_weeks_of(programme, having))
            for e in programme.routine.exercises
            if len(having := [s for s in programme.stages if e.name not in s.leave_out])
            < len(programme.stages)
        },
        starts=starting(programme, start),
        often=how_often(programme),
        repeats=False,  # each stage's, in the table
    )


def how_often(programme: Programme) -> str:
    """How often the sessions are, as the sheet says it once for every stage: "2× a
    day (08:00, 18:00), Mon, Wed, Fri", the times as the reminders ring."""
    words = phrasebook(programme.routine.language).handout
    often = words["times_a_day"].format(n=programme.times_a_day)
    return f"{often} ({', '.join(programme.times())}), {_days(programme)}"


def sheet_intros(programme: Programme, options: Options = NO_OPTIONS) -> list[tuple[str, str]]:
    """The intros as the sessions say them, each with the weeks that say it where stages
    have their own: its ``{minutes}`` those stages' (``11–23`` where they differ), as
    each session reckons its own."""
    found = []
    for weeks, intro, stages in _by_weeks(programme, programme.intro_of):
        if MINUTES_PLACEHOLDER in intro:
            minutes = sorted(
                {plan(stage_routine(programme, s), stage_options(s, options)).minutes or 0
                 for s in stages}
            )  # fmt: skip
            said = str(minutes[0]) if len(minutes) == 1 else f"{minutes[0]}–{minutes[-1]}"
            intro = intro.replace(MINUTES_PLACEHOLDER, said)
        found.append((weeks, intro))
    return found


def _row(
    programme: Programme,
    stage: Stage,
    file: str,
    length: float,
    estimated: bool,
    given: Options = NO_OPTIONS,
) -> Row:
    routine = replace(
        programme.routine,
        exercises=tuple(e for e in programme.routine.exercises if e.name not in stage.leave_out),
    )
    options = stage_options(stage, given)
    timings = held_timings(routine, options)
    repeats = times_said(routine, options)  # words and quiet alone: said this many times
    number = {e.name: n for n, e in enumerate(programme.routine.exercises, start=1)}  # sheet's
    return schedule_row(
        programme.routine,
        _weeks(programme, stage),
        {number[name]: t.hold for name, t in timings.items()},
        {
            number[name]: times
            for name, times in ({n: t.reps for n, t in timings.items()} | repeats).items()
        },  # fmt: skip
        file,
        length,
        estimated=estimated,
    )


def _days(programme: Programme) -> str:
    """The days of the week, as the routine's language shortens them ("Mo., Mi., Fr.")."""
    if programme.days == DAYS:
        return str(phrasebook(programme.routine.language).handout["every_day"])
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=_locale(programme))
    return ", ".join(names[DAYS.index(day)] for day in programme.days)  # Monday is 0


def _locale(programme: Programme) -> Locale:
    """The routine's language as babel knows it (``pt-BR`` → ``pt_BR``)."""
    from babel import Locale

    return Locale.parse(programme.routine.language, sep="-")


def starting(programme: Programme, start: dt.date) -> str:
    """ "From December 1, 2026.", in the routine's language: the first day from
    ``start`` on with a session, as the reminders begin."""
    from voiceguide.phrases.dates import written

    language = programme.routine.language
    date = written(first_on(start, programme.days), "long", language)  # "1er décembre"
    return str(phrasebook(language).handout["starts"]).format(date=date)


def reminders_of(
    programme: Programme, files: list[str], seconds: list[float], start: dt.date, place: str
) -> bytes:
    """The calendar: each stage's sessions, every chosen day, at each time; ``place``
    (:func:`_place`) makes their UIDs the programme's own."""
    items = []
    for stage, file, length in zip(programme.stages, files, seconds):
        first = start + dt.timedelta(weeks=stage.first_week - 1)
        last = first + dt.timedelta(weeks=stage.weeks, days=-1)
        summary = stage_title(programme, stage)
        for index, time in enumerate(programme.times()):
            about = f"{file} ({clock(length)})" + (
                f"\n{programme.notes}" if programme.notes else ""
            )
            items.append(
                Reminder(
                    f"{programme.name}-week-{stage.first_week}-{index + 1}-{place}@voiceguide",
                    summary,
                    about,
                    first,
                    last,
                    time,
                    math.ceil(length / 60),
                )
            )
    return calendar(programme.title, items, programme.days, dt.datetime.now(dt.timezone.utc))


def handout_only(subject: Programme | Routine) -> tuple[str, str]:
    """(file name, HTML) of the handout alone, with estimated session lengths."""
    if isinstance(subject, Programme):
        check_stages(subject, Options())
        files, seconds = [], []
        for stage in subject.stages:
            routine = stage_routine(subject, stage)
            files.append(f"{routine.name}.mp3")
            seconds.append(estimated_seconds(routine, stage_options(stage, Options())))
        start = subject.start or dt.date.today()
        return f"{subject.name}.html", handout_of(subject, files, seconds, start, estimated=True)
    timings = held_timings(subject, Options())
    repeats = times_said(subject, Options())  # words and quiet alone: said this many times
    number = {e.name: n for n, e in enumerate(subject.exercises, start=1)}  # the sheet's
    row = schedule_row(
        subject,
        "–",
        {number[name]: t.hold for name, t in timings.items()},
        {
            number[name]: times
            for name, times in ({n: t.reps for n, t in timings.items()} | repeats).items()
        },  # fmt: skip
        f"{subject.name}.mp3",
        estimated_seconds(subject),
        estimated=True,
    )
    said = next((s.text for s in plan(subject).steps if isinstance(s, Say) and s.role == "intro"),
                "")  # fmt: skip
    return f"{subject.name}.html", render(
        subject, title=subject.title, rows=[row], intros=[("", said)]
    )


def write_handout(subject: Programme | Routine, folder: Path) -> Path:
    """Write the handout alone into ``folder`` (atomically); its path."""
    name, html = handout_only(subject)
    target = make_folder(folder) / name
    with StagedOutputs(target.parent) as staged:
        staged.stage(target).write_text(html, encoding="utf-8")
    return target


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
