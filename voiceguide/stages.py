"""A programme's stages as sessions: each one's routine (its exercises, its intro naming
its week), its options over the routine's, its title and its weeks as the sheet writes
them; and each stage's session planned, so that one too long is refused naming the
programme's file and the stage's line."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import TypeVar

from voiceguide.errors import BadInput, OptionError, RoutineError
from voiceguide.model import Routine
from voiceguide.options import Options
from voiceguide.phrases import phrasebook
from voiceguide.plan import TooLong, plan
from voiceguide.programme import Programme, Stage
from voiceguide.settings import counted

K = TypeVar("K", bound=Hashable)


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
    return f"{programme.title}{colon}{stage_weeks(programme, stage)}"


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


def stage_weeks(programme: Programme, stage: Stage) -> str:
    return weeks_of(programme, [stage])


def weeks_of(programme: Programme, stages: Sequence[Stage]) -> str:
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


def by_weeks(programme: Programme, key: Callable[[Stage], K]) -> list[tuple[str, K, list[Stage]]]:
    """The stages grouped by what ``key`` gives them, each group with its weeks (""
    where every stage has the same)."""
    groups: dict[K, list[Stage]] = {}
    for stage in programme.stages:
        groups.setdefault(key(stage), []).append(stage)
    if len(groups) == 1:
        return [("", value, stages) for value, stages in groups.items()]
    return [(weeks_of(programme, stages), value, stages) for value, stages in groups.items()]
