"""Any voice engine with its clips kept in the cache (:mod:`voiceguide.speech.cache`):
only the phrases the cache lacks are voiced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from voiceguide.errors import SynthesisError
from voiceguide.speech.base import Clip, Engine, OnClip, VoiceInfo

if TYPE_CHECKING:
    from voiceguide.speech.cache import ClipCache


class CachedEngine:
    """Any :class:`~voiceguide.speech.base.Engine`, with its clips kept in a cache.

    ``engine_id`` names everything that shapes a clip (engine, requested voice, rate,
    versions); it is built by the caller, not read from the engine, because an engine
    may only know its voice once it has started. The inner engine is asked only for
    missing texts, all in one call, and not at all when everything is cached.
    """

    def __init__(self, engine: Engine, cache: ClipCache, engine_id: Mapping[str, str]):
        self.engine = engine
        self.cache = cache
        self.engine_id = dict(engine_id)
        self.hits = 0
        """Distinct texts taken from the cache, over all calls."""
        self.misses = 0
        """Distinct texts the inner engine had to synthesise, over all calls."""

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def rate(self) -> int:
        return self.engine.rate

    @property
    def voice(self) -> str:
        return self.engine.voice

    def synthesize(self, texts: Iterable[str], on_clip: OnClip | None = None) -> dict[str, Clip]:
        """One clip per distinct text, in first-seen order, from the cache if possible;
        each handed to ``on_clip`` as it is found or voiced."""
        keys = {text: self.cache.key(self.engine_id, text) for text in dict.fromkeys(texts)}
        clips: dict[str, Clip] = {}
        missing: list[str] = []
        for text, key in keys.items():
            clip = self.cache.get(key)
            if clip is None:
                missing.append(text)
            else:
                clips[text] = clip
                if on_clip is not None:
                    on_clip(text, clip)
        self.hits += len(clips)
        self.misses += len(missing)
        if missing:
            # each phrase kept as soon as it is voiced: an interrupted build keeps them
            def keep(text: str, clip: Clip) -> None:
                self.cache.put(keys[text], clip)
                if on_clip is not None:
                    on_clip(text, clip)

            made = self.engine.synthesize(missing, on_clip=keep)
            for text in missing:
                if text not in made:
                    raise SynthesisError(f"the voice engine returned no clip for {text!r}")
                clips[text] = made[text]
            self.cache.trim()  # once a call, after its writes: the cap holds after a build
        return {text: clips[text] for text in keys}

    def voices(self) -> list[VoiceInfo]:
        return self.engine.voices()

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> CachedEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
