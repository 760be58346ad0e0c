"""The library's front door: ``build(routine, options, out_dir)`` runs the whole flow.

routine → plan → voice → trim → schedule → render → encode, writing ``STEM.mp3`` and
``STEM.timeline.json`` into ``out_dir`` together, or neither.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import __version__, mp3
from voiceguide.errors import ExportError, OptionError, SynthesisError
from voiceguide.export import (
    DEFAULT_FORMAT,
    FORMATS,
    VORBIS_CHAPTERS,
    Format,
    Pcm,
    StagedOutputs,
    Tags,
    encode,
    safe_name,
    tag_mp3,
    tag_vorbis_chapters,
    write_json,
    write_text,
)
from voiceguide.model import Routine
from voiceguide.plan import Options, Script, estimate_speech, plan
from voiceguide.speech import DEFAULT_ENGINE, Clip, Engine, open_engine
from voiceguide.speech.cache import CachedEngine, ClipCache
from voiceguide.speech.clips import resample
from voiceguide.timeline import Timeline, schedule, to_json, to_webvtt

if TYPE_CHECKING:
    from voiceguide.render import Voice

DEFAULT_OUTPUT_DIR = "output"
PREVIEW_RATE = 22050
"""Sample rate of a preview timeline (espeak's own)."""


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


def build(
    routine: Routine,
    options: Options = Options(),
    out_dir: str | Path = DEFAULT_OUTPUT_DIR,
    *,
    voice: VoiceSettings = VoiceSettings(),
    engine: Engine | None = None,
    cache: ClipCache | None = None,
    subtitles: bool = False,
    fmt: str = DEFAULT_FORMAT,
    bitrate: str | None = None,
    name: str | None = None,
    stop: threading.Event | None = None,
) -> BuildResult:
    """Render ``routine`` into ``out_dir``; ``engine`` replaces the voice (tests pass a
    fake one, and then ``voice`` is not used); ``cache`` keeps voiced phrases for the
    next build; ``subtitles`` adds ``STEM.vtt``; ``fmt`` is a name from
    :data:`~voiceguide.export.FORMATS`, ``bitrate`` (e.g. ``"96k"``) replaces its quality
    setting where it has one; ``name`` replaces the routine's name as the files' stem
    (either is made safe: :func:`~voiceguide.export.safe_name`). Setting ``stop`` (from
    another thread) interrupts the build as Ctrl-C would: nothing is written."""
    container = check_format(fmt, bitrate)
    stem = safe_name(name or routine.name)
    _load_in_background(LEVELLING)
    script = plan(routine, options)
    own_engine = engine is None
    engine = engine or open_engine(
        voice.engine, rate=voice.rate, voice=voice.voice, model=voice.model
    )
    speaker = CachedEngine(engine, cache, engine.identity()) if cache else engine
    try:
        voice = voice_script(script, speaker)
    finally:
        if own_engine:
            engine.close()
    clips = voice.clips
    voiced, cached = (speaker.misses, speaker.hits) if cache else (len(clips), 0)
    chimes = tones_for(script, _rate(clips))
    timeline = timeline_for(script, clips, chimes)
    folder = _output_folder(out_dir)
    audio = folder / f"{stem}.{container.name}"
    sheet = folder / f"{stem}.timeline.json"
    settings = _settings(script, engine)
    from voiceguide.render import master, quiet, render  # loaded since the build began

    mastered = master(timeline, clips, chimes, voice.squares)
    with StagedOutputs(folder) as staged:
        staged_audio = staged.stage(audio)
        tags = _tags(timeline, settings)
        pcm = Pcm(
            timeline.rate,
            timeline.duration,
            tuple(quiet(timeline)),
            lambda start, end: _until(stop, render(timeline, mastered.sounds, start, end)),
        )
        encode(pcm, path=staged_audio, label=str(audio), fmt=container, bitrate=bitrate, tags=tags)
        if container.name == "mp3":
            tag_mp3(staged_audio, tags)
        elif container.name in VORBIS_CHAPTERS:
            tag_vorbis_chapters(staged_audio, container, tags)
        write_json(to_json(timeline, audio=audio.name, settings=settings), staged.stage(sheet))
        if subtitles:
            write_text(to_webvtt(timeline), staged.stage(folder / f"{stem}.vtt"))
    return BuildResult(
        audio,
        sheet,
        timeline,
        timeline.warnings + _bitrate_note(container, bitrate, timeline.rate),
        tuple(staged.staged),
        voiced,
        cached,
    )


def _bitrate_note(container: Format, bitrate: str | None, rate: int) -> tuple[str, ...]:
    """A warning when MP3 has no such bit rate at ``rate`` and the nearest was used."""
    if container.name != "mp3" or not bitrate or rate not in mp3.RATES:
        return ()
    asked = int(bitrate[:-1])
    used = mp3.allowed_kbps(asked, rate)
    if used == asked:
        return ()
    return (f"MP3 at {rate} Hz has no {asked}k bit rate; {used}k was used",)


def _until(stop: threading.Event | None, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` until ``stop`` is set, then a KeyboardInterrupt, as from Ctrl-C."""
    for chunk in chunks:
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt
        yield chunk


def check_format(fmt: str, bitrate: str | None) -> Format:
    """The format named ``fmt``; refuses unknown ones and a bitrate where none applies."""
    if fmt not in FORMATS:
        raise OptionError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    container = FORMATS[fmt]
    if bitrate and not container.bitrate:
        raise OptionError(f"--bitrate does not apply to {fmt}, which is lossless")
    if bitrate and not re.fullmatch(r"[1-9]\d{0,2}k", bitrate):
        raise OptionError(f"--bitrate takes kilobits a second like 64k or 96k, got '{bitrate}'")
    return container


def voice_script(script: Script, engine: Engine) -> Voice:
    """Every phrase of the script, voiced once, at one rate, trimmed of silence."""
    raw = engine.synthesize(script.texts())
    from voiceguide.render import trimmed_voice

    rate = _rate(raw)
    voice = trimmed_voice({text: resample(clip, rate) for text, clip in raw.items()})
    silent = [text for text, clip in voice.clips.items() if clip.samples == 0]
    if silent:
        raise SynthesisError(f"the voice engine gave no sound for {silent[0]!r}")
    return voice


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


def preview(script: Script, *, rate: int = 150) -> Timeline:
    """The script laid out with estimated speech lengths: nothing is voiced."""
    speech = {t: round(estimate_speech(t, rate) * PREVIEW_RATE) for t in script.texts()}
    tones = {name: len(pcm) // 2 for name, pcm in tones_for(script, PREVIEW_RATE).items()}
    return schedule(script, speech, tones, PREVIEW_RATE)


def tones_for(script: Script, rate: int) -> dict[str, bytes]:
    """Every tone the script sounds, generated at ``rate``."""
    from voiceguide.tones import tone

    return {name: tone(name, rate) for name in script.tones()}


LEVELLING = "voiceguide.render"
"""The levelling and rendering code, with numpy: most of what a build imports."""


def _load_in_background(module: str) -> None:
    """Import ``module`` on another thread, so that it loads while the voice speaks
    (or the cache is read) rather than before: whoever needs it first waits for it."""
    threading.Thread(
        target=importlib.import_module, args=(module,), daemon=True, name=f"import {module}"
    ).start()


def _output_folder(out_dir: str | Path) -> Path:
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the output folder {folder}: {exc.strerror}") from exc
    return folder


def _settings(script: Script, engine: Engine) -> dict[str, object]:
    t = script.timing
    return {
        "hold": t.hold,
        "reps": t.reps,
        "rest": t.rest,
        "switch": t.switch,
        "setup": t.setup,
        "engine": engine.name,
        "voice": engine.voice,
        "rate": engine.rate,
        "countdown": script.countdown,
        "chimes": script.chimes,
        "halfway": script.halfway,
    }


def _tags(timeline: Timeline, settings: dict[str, object]) -> Tags:
    def ms(samples: int) -> int:
        return round(samples * 1000 / timeline.rate)

    built_with = ", ".join(f"{k}={v}" for k, v in settings.items())
    return Tags(
        title=timeline.title,
        album=timeline.title,
        artist="voiceguide",
        genre="Exercise",
        comment=f"voiceguide {__version__}: {built_with}",
        length_ms=ms(timeline.duration),
        chapters=tuple((c.title, ms(c.start), ms(c.end)) for c in timeline.chapters),
    )
