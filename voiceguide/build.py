"""The library's front door: ``build(routine, options, output)`` runs the whole flow.

routine → plan → voice → trim → schedule → render → encode, writing ``STEM.mp3`` and
``STEM.timeline.json`` into the output folder together, or neither (what an earlier
build left that no longer describes it, the stem's audio in another format or its
subtitles, goes as they are written). Also the exact
timeline alone (:func:`exact_timeline`), voiced but with no audio rendered; the
estimated one is :mod:`voiceguide.preview`'s.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide import __version__, interrupts
from voiceguide.bed import bed_settings, of_routine, ready_soon
from voiceguide.errors import BadInput, SynthesisError
from voiceguide.formats import (
    DEFAULT_FORMAT,
    FORMATS,
    Format,
    Pcm,
    bitrate_note,
    check_format,
    encode,
)
from voiceguide.limits import LIMITS
from voiceguide.memory import give_back
from voiceguide.model import Routine
from voiceguide.options import Options
from voiceguide.outputs import (
    StagedOutputs,
    make_folder,
    printable,
    safe_name,
    write_json,
    write_text,
)
from voiceguide.phrases import phrasebook
from voiceguide.plan import check_length, plan
from voiceguide.preview import PREVIEW_RATE
from voiceguide.script import Hold, Script
from voiceguide.settings import SETTINGS, Value, clock
from voiceguide.speech import DEFAULT_ENGINE, Clip, Engine, open_engine
from voiceguide.speech.base import Speaker
from voiceguide.speech.clips import resample
from voiceguide.tags import Tags, tag_file
from voiceguide.timeline import Key, Timeline, schedule, to_json, to_webvtt, with_bed

if TYPE_CHECKING:
    from voiceguide.bed.curve import Curve
    from voiceguide.bed.mix import Bed
    from voiceguide.levels import Voice
    from voiceguide.loudness import Energy
    from voiceguide.speech.cache import ClipCache

DEFAULT_OUTPUT_DIR = "output"


@dataclass(frozen=True)
class VoiceSettings:
    """Which voice says the script."""

    engine: str = DEFAULT_ENGINE
    rate: int | None = None
    """Words a minute; ``None`` for the engine's calm default."""
    voice: str | None = None
    """A voice id or name from ``voiceguide voices``; ``None`` for the default."""
    model: str | None = None
    """A Piper ``.onnx`` voice (``engine="piper"`` only); ``None`` for the packaged one."""


@dataclass(frozen=True)
class BuildResult:
    audio: Path
    timeline_file: Path
    timeline: Timeline
    warnings: tuple[str, ...]
    files: tuple[Path, ...]
    """Every file written, the audio first."""
    voiced: int
    """Phrases the engine had to say (the others came from the cache)."""
    cached: int
    removed: tuple[Path, ...] = ()
    """Files of an earlier build that no longer describe this one, removed with its
    commit: the stem's audio in other formats, its subtitles when none were asked for."""


@dataclass(frozen=True)
class Output:
    """Where and how a build writes its files."""

    folder: Path = Path(DEFAULT_OUTPUT_DIR)
    fmt: str = DEFAULT_FORMAT
    """A name from :data:`~voiceguide.formats.FORMATS`."""
    bitrate: str | None = None
    """Kilobits a second (``"96k"``) in place of the format's quality setting."""
    subtitles: bool = False
    """Also write ``STEM.vtt``."""
    name: str | None = None
    """The files' stem in place of the routine's name (made safe either way:
    :func:`~voiceguide.outputs.safe_name`)."""
    album: str | None = None
    """The album the audio is tagged with in place of its title (a programme's, for its
    sessions: one album in a music app)."""
    track: str = ""
    """Its track on that album (``"2/3"``), or none."""
    notes: str = ""
    """What the listener should know before starting (a programme's ``notes``), kept in
    the timeline for the phone's page and the feed."""


def build(
    routine: Routine,
    options: Options | None = None,
    output: Output = Output(),
    *,
    voice: VoiceSettings = VoiceSettings(),
    engine: Engine | None = None,
    cache: ClipCache | None = None,
    stop: threading.Event | None = None,
) -> BuildResult:
    """Render ``routine`` with ``options`` as ``output`` says; ``engine`` replaces the
    voice (tests pass a fake one, and then ``voice`` is not used); ``cache`` keeps voiced
    phrases for the next build. Setting ``stop`` (from another thread) interrupts the
    build as Ctrl-C would: nothing is written."""
    container = check_format(output.fmt, output.bitrate)
    stem = safe_name(output.name or routine.name)  # a name that cannot be written: now
    routine = printable(routine)
    _load_in_background(LEVELLING)
    script = plan(routine, options)
    chosen = of_routine(routine, options or Options())  # a missing bed file: now
    making = ready_soon(chosen, PREVIEW_RATE)  # a file that is not audio: now
    own_engine = engine is None
    engine = engine or open_engine(
        voice.engine, rate=voice.rate, voice=voice.voice, model=voice.model,
        language=routine.language,
    )  # fmt: skip
    from voiceguide.speech.cache import CachedEngine  # not for a preview or an estimate

    speaker = CachedEngine(engine, cache, engine.identity()) if cache else None
    try:
        spoken = voice_script(script, speaker if speaker is not None else engine)
    finally:
        if own_engine:
            engine.close()
    chimes = tones_for(script, _rate(spoken.clips))
    timeline = timeline_for(script, spoken.clips, chimes)
    seconds = timeline.duration / timeline.rate  # exact: checked before any audio is made
    check_length(seconds, routine, exact=True, limit=LIMITS.max_session_seconds)
    folder = make_folder(output.folder)
    from voiceguide.levels import CEILING_DBTP, master  # loaded since the build began

    voiced, cached = (speaker.misses, speaker.hits) if speaker else (len(spoken.clips), 0)
    settings = _settings(script, engine)
    bed = None
    if chosen is not None:
        from voiceguide.bed.mix import prepare

        assert making is not None  # started whenever a bed is chosen
        bed = making.result()
        if bed.rate != timeline.rate:  # a voice at another rate than espeak's
            bed = prepare(chosen, timeline.rate)
        timeline = with_bed(timeline, chosen.name)
        settings.update(bed_settings(chosen))
    ceiling = CEILING_DBTP - container.overshoot_db  # the file's peaks at -1 dBTP or under
    # master takes the clips
    mastered = master(timeline, spoken.clips, chimes, spoken.energies, bed, ceiling)
    under = (bed, mastered.bed) if bed is not None and mastered.bed is not None else None
    files, removed = _write(timeline, mastered.sounds, settings, folder / stem, container,
                            output, stop, under, cache)  # fmt: skip
    warnings = timeline.warnings + bitrate_note(container, output.bitrate, timeline.rate)
    warnings += bed.warning() if bed is not None else ()
    return BuildResult(files[0], files[1], timeline, warnings, files, voiced, cached, removed)


def _write(
    timeline: Timeline,
    sounds: Mapping[Key, bytes],
    settings: dict[str, Value],
    stem: Path,
    container: Format,
    output: Output,
    stop: threading.Event | None,
    bed: tuple[Bed, Curve] | None = None,
    cache: ClipCache | None = None,
) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Encode and tag the audio, write the timeline (and subtitles), all or nothing;
    the files written, the audio first, and those of an earlier build removed with them
    (the stem's audio in other formats, its subtitles when none are made). A ``bed``
    is laid under the sounds (and then nothing is silent, so the encoder has nowhere to
    cut)."""
    from voiceguide.render import Placed, quiet

    placed = Placed(timeline, sounds)

    def pcm(start: int, end: int) -> Iterator[bytes]:
        chunks = placed.pcm(start, end)
        if bed is not None:
            from voiceguide.bed.mix import laid_under

            chunks = laid_under(chunks, start, *bed)
        return _until(stop, chunks)

    loop = None
    if bed is not None:  # between the ducks the bed sounds alone: its loop, encoded once
        from voiceguide.bed.mix import repeating

        loop = repeating(*bed, lambda chunks: _until(stop, chunks))

    audio = stem.with_name(f"{stem.name}.{container.name}")
    subtitles = stem.with_name(f"{stem.name}.vtt")
    with StagedOutputs(stem.parent, retired=earlier_files(stem, container)) as staged:
        staged_audio = staged.stage(audio)
        tags = _tags(timeline, settings, output)
        silent = () if bed else tuple(quiet(timeline))
        session = Pcm(timeline.rate, timeline.duration, silent, pcm, bed is not None, loop)
        encode(session, path=staged_audio, label=str(audio), fmt=container, bitrate=output.bitrate,
               tags=tags, cache=cache)  # fmt: skip
        tag_file(staged_audio, container.name, tags)
        sheet = stem.with_name(f"{stem.name}.timeline.json")
        document = to_json(timeline, audio=audio.name, settings=settings, notes=output.notes)
        write_json(document, staged.stage(sheet))
        if output.subtitles:
            write_text(to_webvtt(timeline), staged.stage(subtitles))
    return tuple(staged.staged), tuple(staged.removed)


def earlier_files(stem: Path, container: Format) -> list[Path]:
    """What an earlier build of ``stem`` may have left that would not describe a build in
    ``container``, to be removed with its commit (a file this build writes is replaced
    instead): its subtitles, and its audio in every other format (a folder of that name
    is not audio, and is left alone)."""
    named = (stem.with_name(f"{stem.name}.{name}") for name in FORMATS if name != container.name)
    audio = [path for path in named if path.is_symlink() or not path.is_dir()]
    return [stem.with_name(f"{stem.name}.vtt"), *audio]


def _until(stop: threading.Event | None, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` until ``stop`` is set, then a KeyboardInterrupt, as from Ctrl-C."""
    for chunk in chunks:
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt
        yield chunk


def voice_script(script: Script, engine: Speaker) -> Voice:
    """Every phrase of the script, voiced once, at one rate, trimmed of silence. Voicing
    stops (:class:`BadInput`) as soon as the phrases alone outlast
    :attr:`~voiceguide.limits.Limits.max_speech_seconds`, which bounds the memory the
    clips take. Each clip is measured as it comes (:class:`_Measuring`)."""
    voiced = [0.0]
    measuring = _Measuring()

    def tally(text: str, clip: Clip) -> None:
        voiced[0] += clip.seconds
        if voiced[0] > LIMITS.max_speech_seconds:
            raise BadInput(
                f"the spoken phrases alone last more than {clock(LIMITS.max_speech_seconds)}, "
                "the most speech one session may hold; shorten the texts"
            )
        measuring.add(text, clip)

    with measuring:
        raw = engine.synthesize(script.texts(), on_clip=tally)
        give_back()  # what the voice's threads read the clips through
        from voiceguide.levels import trimmed_voice

        rate = _rate(raw)
        for text, clip in raw.items():  # in place: the speech is held once
            raw[text] = resample(clip, rate)
        voice = trimmed_voice(raw, measuring.energies(raw))
    silent = [text for text, clip in voice.clips.items() if clip.samples == 0]
    if silent:
        raise SynthesisError(f"the voice engine gave no sound for {silent[0]!r}")
    return voice


class _Measuring:
    """Voiced clips K-weighted as they come, on a thread of their own: the voice (espeak
    speaks in another process) leaves this one's cores idle while it speaks, so the
    measuring :func:`~voiceguide.levels.trimmed_voice` needs is done by the time the
    last phrase is. Adding a clip never waits (the levelling code may still be loading);
    leaving the block stops what has not begun."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(MEASURING_THREADS, thread_name_prefix="measure")
        self._started: dict[str, tuple[Clip, Future[Energy]]] = {}

    def add(self, text: str, clip: Clip) -> None:
        self._started[text] = (clip, self._pool.submit(_measure, clip))

    def energies(self, clips: Mapping[str, Clip]) -> dict[str, Energy]:
        """The energy of each of ``clips`` measured as it came, where it is that very
        clip (not one resampled since). Those not yet begun are left to be measured on
        every core (clips read from the cache come faster than one thread measures).
        The clips are let go here, so that trimming frees each as it goes."""
        started, self._started = self._started, {}
        for _, future in started.values():
            future.cancel()
        return {
            text: interrupts.result(future)
            for text, (clip, future) in started.items()
            if clips.get(text) is clip and not future.cancelled()
        }

    def __enter__(self) -> _Measuring:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


MEASURING_THREADS = 1
"""Threads measuring clips as they are voiced. One keeps up with espeak; a second took
the cores espeak and the thread reading its clips needed (voicing and trimming the
built-in routine, medians of 14: 0.53 s measured after the voice, 0.47 s with one
thread measuring as it spoke, 0.48 s with two)."""


def _measure(clip: Clip) -> Energy:
    from voiceguide.levels import measured_clip  # loading since the build began

    return measured_clip(clip)


def timeline_for(
    script: Script, clips: dict[str, Clip], chimes: dict[str, bytes] | None = None
) -> Timeline:
    """The script laid out in time with the voiced clips' real lengths (and the tones',
    generated here unless given)."""
    rate = _rate(clips)
    chimes = chimes if chimes is not None else tones_for(script, rate)
    return schedule(
        script,
        {t: c.samples for t, c in clips.items()},
        {name: len(pcm) // 2 for name, pcm in chimes.items()},
        rate,
    )


def _rate(clips: dict[str, Clip]) -> int:
    """The session's sample rate: the voice's own (its first clip's)."""
    return next(iter(clips.values())).rate if clips else PREVIEW_RATE


def exact_timeline(
    routine: Routine, options: Options | None = None, voice: VoiceSettings = VoiceSettings()
) -> Timeline:
    """The session's timeline with every phrase voiced to time it exactly;
    no audio is rendered."""
    script = plan(routine, options)
    with open_engine(voice.engine, rate=voice.rate, voice=voice.voice, model=voice.model,
                     language=routine.language) as s:  # fmt: skip
        return timeline_for(script, voice_script(script, s).clips)


def tones_for(script: Script, rate: int) -> dict[str, bytes]:
    """Every tone the script sounds, generated at ``rate``."""
    from voiceguide.tones import tone

    return {name: tone(name, rate) for name in script.tones()}


LEVELLING = "voiceguide.levels"
"""The levelling and rendering code, with numpy: most of what a build imports."""


def _load_in_background(module: str) -> None:
    """Import ``module`` on another thread, so that it loads while the voice speaks
    (or the cache is read) rather than before: whoever needs it first waits for it."""
    threading.Thread(
        target=importlib.import_module, args=(module,), daemon=True, name=f"import {module}"
    ).start()


def _settings(script: Script, engine: Engine) -> dict[str, Any]:
    """What the timeline records of how it was built: every recorded setting, in the
    order declared; the voice's as the engine resolved them."""
    values: dict[str, Value] = {**script.timing, **script.session, "language": script.language}
    values.update(engine=engine.name, voice=engine.voice, rate=engine.rate)
    settings: dict[str, Any] = {s.name: values[s.name] for s in SETTINGS if s.recorded}
    if script.exercises:  # what one exercise has of its own (the wall's longer switch)
        settings["exercises"] = {
            name: {k: v for k, v in timing.items() if v != script.timing[k]}
            for name, timing in script.exercises.items()
        }
    sides: dict[str, dict[str, str]] = {}
    for step in script.steps:  # how each side was said, for the player ("правая нога")
        if isinstance(step, Hold) and step.side is not None and step.label:
            sides.setdefault(step.exercise, {})[step.side] = step.label
    if sides:
        settings["side_labels"] = sides
    return settings


def _tags(timeline: Timeline, settings: Mapping[str, Value], output: Output) -> Tags:
    def ms(samples: int) -> int:
        return round(samples * 1000 / timeline.rate)

    built_with = ", ".join(f"{k}={v}" for k, v in settings.items())
    return Tags(
        title=timeline.title,
        album=output.album or timeline.title,
        track=output.track,
        artist="voiceguide",
        genre="Exercise",
        comment=f"voiceguide {__version__}: {built_with}",
        length_ms=ms(timeline.duration),
        chapters=tuple((c.title, ms(c.start), ms(c.end)) for c in timeline.chapters),
        language=timeline.language,
        iso639_2=phrasebook(timeline.language).iso639_2,
    )
