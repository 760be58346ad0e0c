"""Timeline + clips → the session's PCM: loudness set once, then streamed in chunks.

:func:`master` decides the level of every distinct sound: one gain for the whole
program so that it measures :data:`TARGET_LUFS`, tones a fixed distance under the voice,
and a limiter (offline, so with no latency) that keeps true peaks under the ceiling.

:func:`render` then lays the sounds out. The session is mostly silence, so it is never
held whole: silence is produced a chunk at a time and each sound is yielded where it
starts; joining happens once, in the encoder's pipe, so assembly is linear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from voiceguide import loudness
from voiceguide.speech.base import SAMPLE_WIDTH, Clip
from voiceguide.timeline import Event, Timeline

CHUNK_SECONDS = 1
"""Longest run of silence produced at once."""
TARGET_LUFS = -16.0
"""Integrated loudness of the finished session, measured dual-mono (as heard on two
speakers; about -19 LUFS measured as plain mono): the usual target for spoken word."""
TONE_BELOW_VOICE = 6.0
"""How far under the voice the tones sit, LU: clear, never startling."""
CEILING_DBTP = -1.5
"""True-peak ceiling before encoding; MP3 encoding can add about half a dB, and the
finished file must stay at or under -1 dBTP."""
LEVEL_PASSES = 2
"""Times the program's gain is measured and corrected."""
MEASURE_SILENCE = 0.8
"""Silence kept between sounds when measuring loudness. Gating drops silent 400 ms
blocks anyway; 0.8 s keeps the blocks at each sound's edges as they are in the session,
and makes the measurement cost the length of the speech, not of the session."""

AUDIBLE_DBFS = -45.0
"""Sound above this (RMS over 10 ms) is audible: the line between a speech event and
the silence around it."""
TRIM_MARGIN_DB = 2.0
"""How far under the audible line, after the session's gain, trimming cuts: so that
speech starts when it can be heard, and what is cut stays inaudible even if the final
gain comes out a little higher than estimated."""

Key = tuple[str, str]
"""A distinct sound: ``("speech", text)`` or ``("tone", name)``."""


def key(event: Event) -> Key:
    return ("speech", event.text) if event.kind == "speech" else ("tone", event.name)


@dataclass(frozen=True)
class Mastered:
    sounds: dict[Key, bytes]
    """Each distinct sound at its final level, 16-bit mono PCM."""
    gain_db: float
    """The one gain applied to the whole program."""
    tone_db: float
    """The tones' own level change, before the program gain."""


def silence_floor(clips: Mapping[str, Clip]) -> float:
    """The level (dBFS, before gain) under which the clips' edges are trimmed: the
    audible line less the gain the voice will get, estimated from the clips alone (the
    silences between them are gated out of the measurement anyway)."""
    if not clips:
        return AUDIBLE_DBFS
    rate = next(iter(clips.values())).rate
    gap = bytes(int(MEASURE_SILENCE * rate) * 2)
    voice = loudness.integrated((piece for c in clips.values() for piece in (c.pcm, gap)), rate)
    gain = TARGET_LUFS - voice if voice > loudness.SILENT_LUFS else 0.0
    return AUDIBLE_DBFS - gain - TRIM_MARGIN_DB


def master(timeline: Timeline, speech: Mapping[str, Clip], tones: Mapping[str, bytes]) -> Mastered:
    """Every sound of ``timeline`` at its final level (see the module's docstring).

    The tones are set against the voice as measured alone; then the whole program is
    measured and its gain corrected (:data:`LEVEL_PASSES` times), since the limiter
    takes some loudness back and the tones' short blocks pull the gated average down.
    Every measurement shortens the silences (:data:`MEASURE_SILENCE`).
    """
    rate = timeline.rate
    raw = {k: loudness.to_float(speech[k[1]].pcm if k[0] == "speech" else tones[k[1]])
           for k in map(key, timeline.audible())}
    envelopes = {k: loudness.peak_envelope(x) for k, x in raw.items()}

    def level(gains: Mapping[str, float]) -> dict[Key, bytes]:
        out = {}
        for k, x in raw.items():
            scale = 10 ** (gains.get(k[0], 0.0) / 20)
            out[k] = loudness.to_pcm(loudness.limit(x * scale, rate, CEILING_DBTP,
                                                    envelopes[k] * scale))
        return out

    def measure(sounds: Mapping[Key, bytes], kinds: tuple[str, ...]) -> float:
        return loudness.integrated(render(timeline, sounds, kinds=kinds,
                                          max_silence=MEASURE_SILENCE), rate)

    unchanged = {k: loudness.to_pcm(x) for k, x in raw.items()}
    voice = measure(unchanged, ("speech",))
    if voice <= loudness.SILENT_LUFS:
        return Mastered(unchanged, 0.0, 0.0)
    tone_db = 0.0
    if any(k[0] == "tone" for k in raw):
        tone_db = (voice - TONE_BELOW_VOICE) - measure(unchanged, ("tone",))
    gain_db = TARGET_LUFS - voice
    for _ in range(LEVEL_PASSES):
        program = measure(level({"speech": gain_db, "tone": gain_db + tone_db}),
                          ("speech", "tone"))
        gain_db += TARGET_LUFS - program
    return Mastered(level({"speech": gain_db, "tone": gain_db + tone_db}), gain_db, tone_db)


def render(timeline: Timeline, sounds: Mapping[Key, bytes], *,
           kinds: Iterable[str] = ("speech", "tone"),
           max_silence: float | None = None) -> Iterator[bytes]:
    """The session as 16-bit mono PCM chunks at ``timeline.rate``: every sound of the
    given ``kinds`` starting exactly at its sample. ``max_silence`` (seconds) shortens
    every silence to at most that, for measuring (the result is then not the session)."""
    kinds = tuple(kinds)
    cap = None if max_silence is None else int(max_silence * timeline.rate)
    silence = bytes(timeline.rate * CHUNK_SECONDS * SAMPLE_WIDTH)
    now = 0
    for event in timeline.audible():
        if event.kind not in kinds:
            continue
        gap = event.start - now
        if gap < 0:
            raise ValueError(f"sounds overlap at sample {event.start}")
        yield from _silence(gap if cap is None else min(gap, cap), silence)
        pcm = sounds[key(event)]
        if len(pcm) > (event.end - event.start) * SAMPLE_WIDTH:
            raise ValueError(f"sound longer than its slot at sample {event.start}")
        yield pcm
        now = event.start + len(pcm) // SAMPLE_WIDTH
    tail = timeline.duration - now
    yield from _silence(tail if cap is None else min(tail, cap), silence)


def _silence(samples: int, chunk: bytes) -> Iterator[bytes]:
    left = samples * SAMPLE_WIDTH
    while left > 0:
        piece = min(left, len(chunk))
        yield chunk[:piece]
        left -= piece
