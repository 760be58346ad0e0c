"""Voices: engines behind one protocol (:mod:`.base`), chosen by name."""

from __future__ import annotations

import sys

from voiceguide.errors import OptionError
from voiceguide.phrases import phrasebook
from voiceguide.speech.base import Clip, Engine, VoiceInfo

ENGINES = ("pyttsx3", "piper")
"""Engine names ``--engine`` accepts; the first is the default."""
DEFAULT_ENGINE = ENGINES[0]


def open_engine(
    name: str = DEFAULT_ENGINE,
    *,
    rate: int | None = None,
    voice: str | None = None,
    model: str | None = None,
    language: str | None = None,
) -> Engine:
    """A ready engine by name (it starts lazily, on first use); ``model`` is the path of
    a Piper ``.onnx`` voice, for the piper engine only. ``language`` (a supported tag)
    chooses the default voice: espeak-ng's voice of that language, and for Piper a check
    that the model speaks it."""
    if name == "pyttsx3":
        from voiceguide.speech.pyttsx3_engine import DEFAULT_RATE, Pyttsx3Engine

        if model is not None:
            raise OptionError("is for --engine piper", setting="model")
        if voice is None and language and sys.platform.startswith("linux"):
            voice = phrasebook(language).voices.get("pyttsx3")
        return Pyttsx3Engine(rate=rate or DEFAULT_RATE, voice=voice)
    if name == "piper":
        from voiceguide.speech.piper_engine import PiperEngine

        return PiperEngine(rate=rate, voice=voice, model=model, language=language)
    raise OptionError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINES)}")


__all__ = ["Clip", "Engine", "VoiceInfo", "ENGINES", "DEFAULT_ENGINE", "open_engine"]
