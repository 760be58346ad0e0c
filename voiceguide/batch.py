"""Several routines at once: folders expanded, name clashes refused before anything is
voiced, builds run in parallel, and an interruption that says what was written.

The command line and any other front end (a script, a web page) call :func:`expand`
and :func:`build_all`; neither needs click.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from voiceguide import interrupts
from voiceguide.build import BuildResult, Output, VoiceSettings, build
from voiceguide.errors import BadInput, OptionError, VoiceguideError
from voiceguide.options import Options
from voiceguide.outputs import safe_name
from voiceguide.prescribe import ProgrammeResult, build_programme
from voiceguide.programme import is_programme, load_programme, programme_of, session_stem
from voiceguide.routine import resolve, routine_files
from voiceguide.speech.cache import ClipCache, default_dir

MAX_JOBS = 32
"""Most routines built at once."""
DEFAULT_JOBS = min(os.cpu_count() or 1, MAX_JOBS)
"""Routines built at once unless told: one a core."""

Outcome = BuildResult | ProgrammeResult | VoiceguideError
"""What became of one routine: its build, or why it failed."""


class BatchInterrupted(Exception):
    """Ctrl-C or a stopping signal arrived while several routines were being built. The
    builds under way were stopped and wrote nothing; ``built`` names the routines that
    had finished (their files were written), ``cause`` is the interruption."""

    def __init__(self, cause: BaseException, built: list[str]):
        super().__init__(f"interrupted after {len(built)} builds")
        self.cause = cause
        self.built = built


def expand(refs: Iterable[str], language: str | None = None) -> list[str]:
    """Routine references with each folder replaced by the routine files in it (sorted);
    refuses an empty folder, a routine named twice, and two routines that would write
    files of one name (a built-in in ``language`` writes ``NAME.LANG.*``)."""
    found = routine_files(refs)
    twice = next((ref for n, ref in enumerate(found) if ref in found[:n]), None)
    if twice is not None:
        raise BadInput(f"{twice} is named twice; build it once")
    writes: dict[str, str] = {}  # a stem of files, and the first routine writing them
    for ref in found:
        for stem in sorted(_stems(ref, language)):
            if stem in writes:
                raise BadInput(
                    f"{writes[stem]} and {ref} would both write {stem}.*; rename one of "
                    "them, or build them into different folders (-o)"
                )
            writes[stem] = ref
    return found


def _stems(ref: str, language: str | None = None) -> set[str]:
    """The stems of the files ``ref``'s build writes: a routine's own (a built-in's in
    ``language``: ``hamstring-desk.es``), or a programme's and each of its sessions'
    (``NAME.week-3``)."""
    stem = _stem(ref)
    if stem is None:
        return set()
    try:
        if ref.endswith((".yaml", ".yml")) and is_programme(ref):
            stages = load_programme(ref).stages
            return {stem, *(session_stem(stem, stage.first_week) for stage in stages)}
        return {safe_name(resolve(ref, language).name)}
    except VoiceguideError:  # its build says why
        return {stem}


def _stem(ref: str) -> str | None:
    """The stem a routine's files get, or None when it has none (its build says why)."""
    try:
        return safe_name(Path(ref).stem)
    except OptionError:
        return None


def build_one(
    ref: str,
    options: Options,
    output: Output,
    *,
    voice: VoiceSettings,
    cache: bool = True,
    stop: threading.Event | None = None,
) -> BuildResult | ProgrammeResult:
    """Build the routine ``ref`` (a file or a built-in's name, in the language the options
    ask for), or the programme file ``ref``."""
    store = ClipCache(default_dir()) if cache else None
    if ref.endswith((".yaml", ".yml")) and is_programme(ref):
        programme = load_programme(ref, _language(options))
        return build_programme(programme, options, output, voice=voice, cache=store, stop=stop)
    routine = resolve(ref, _language(options))
    _not_a_programme_s(output.folder, safe_name(output.name or routine.name))
    return build(routine, options, output, voice=voice, cache=store, stop=stop)


def _not_a_programme_s(folder: Path, stem: str) -> None:
    """Refuse to write a routine over a session of a programme built into ``folder``
    (``p.week-1`` beside ``p.m3u8``, which names it): its playlist, sheet and reminders
    would name a session that is no longer theirs."""
    programme = programme_of(stem)
    if programme is None:
        return
    playlist = folder / f"{programme}.m3u8"
    try:
        listed = playlist.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    if any(line.startswith(f"{stem}.") for line in listed):
        raise BadInput(
            f"{folder / stem}.* is a session of the programme {programme} ({playlist.name}"
            " names it); build this one under another name (--name) or into another folder"
        )


def _language(options: Options) -> str | None:
    value = options.get("language")
    return str(value) if value else None


def build_all(
    refs: list[str],
    options: Options,
    output: Output,
    *,
    voice: VoiceSettings,
    cache: bool = True,
    jobs: int = 1,
    on_done: Callable[[str, Outcome], None] | None = None,
) -> dict[str, Outcome]:
    """Build every routine, ``jobs`` at a time; each one's build or error, by reference
    (a bad routine fails alone). ``on_done`` hears of each as it ends. Each build's voice
    and encoder run in processes or threads that release the GIL, so threads are enough
    to keep ``jobs`` of them busy. An interruption (Ctrl-C, SIGTERM) stops the builds
    under way, which write nothing, starts no more, and is raised again as
    :class:`BatchInterrupted`."""
    if output.name is not None and len(refs) > 1:
        raise OptionError("names one routine's files; give one routine", setting="name")
    outcomes: dict[str, Outcome] = {}
    futures: dict[Future[BuildResult | ProgrammeResult], str] = {}
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, MAX_JOBS)))
    try:
        for ref in refs:
            future = pool.submit(
                build_one, ref, options, output, voice=voice, cache=cache, stop=stop
            )
            futures[future] = ref
        for future in interrupts.completed(futures):
            ref = futures[future]
            try:
                outcomes[ref] = future.result()
            except VoiceguideError as exc:
                outcomes[ref] = exc
            if on_done is not None:
                on_done(ref, outcomes[ref])
    except BaseException as exc:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        built = [  # some may have finished meanwhile
            ref
            for future, ref in futures.items()
            if future.done() and not future.cancelled() and future.exception() is None
        ]
        if isinstance(exc, Exception):
            raise
        raise BatchInterrupted(exc, built) from exc
    pool.shutdown()
    return outcomes
