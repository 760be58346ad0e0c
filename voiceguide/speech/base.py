"""What every voice engine offers, and the clip it returns.

An engine turns texts into :class:`Clip` objects: 16-bit mono PCM at the engine's own
rate. Everything after this point (trimming, timing, rendering) sees only clips, so a
fake engine in tests and the real one in a build are used the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

SAMPLE_WIDTH = 2
"""Bytes per sample: every clip and the whole render are signed 16-bit."""


@dataclass(frozen=True)
class Clip:
    """Mono signed 16-bit little-endian PCM at ``rate`` samples a second."""

    pcm: bytes
    rate: int

    @property
    def samples(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def seconds(self) -> float:
        return self.samples / self.rate


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers, as ``voiceguide voices`` lists it."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


OnClip = Callable[[str, Clip], None]
"""Told each phrase as soon as it is voiced (from any thread): the cache keeps it."""


class Speaker(Protocol):
    """What voices a script: an engine, or an engine behind the cache."""

    def synthesize(
        self, texts: Iterable[str], on_clip: OnClip | None = None
    ) -> dict[str, Clip]: ...


class Engine(Protocol):
    """A voice: the only thing ``voiceguide`` needs from a speech engine."""

    name: str
    """The engine's name as ``--engine`` takes it (``pyttsx3``)."""
    rate: int
    """Speaking rate, words a minute."""
    voice: str
    """The voice in use, as the engine names it."""

    def synthesize(self, texts: Iterable[str], on_clip: OnClip | None = None) -> dict[str, Clip]:
        """One clip per distinct text, untrimmed, in the engine's sample rate; each is
        handed to ``on_clip`` as soon as it is voiced. Each phrase is voiced from the
        same engine state whatever was said before it, so a clip is the same whether it
        is voiced alone, in any batch, or comes from the cache."""
        ...

    def identity(self) -> dict[str, str]:
        """Everything that shapes its clips (engine, voice, rate, versions), known
        without starting it: the speech cache's key."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...
