"""Every distinct sound of a session at its final level, decided once.

:func:`trimmed_voice` cuts each phrase where it becomes audible and K-weights it once;
:func:`master` finds one gain for the whole program so that it measures
:data:`TARGET_LUFS`, sets the tones a fixed distance under the voice, and limits (offline,
so with no latency) so that true peaks stay under the ceiling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from voiceguide import loudness
from voiceguide.speech.base import SAMPLE_WIDTH, Clip
from voiceguide.speech.clips import audible_span
from voiceguide.timeline import Key, Timeline

TARGET_LUFS = -16.0
"""Integrated loudness of the finished session, measured dual-mono (as heard on two
speakers; about -19 LUFS measured as plain mono): the usual target for spoken word."""
TONE_BELOW_VOICE = 6.0
"""How far under the voice the tones sit, LU: clear, never startling."""
CEILING_DBTP = -1.5
"""True-peak ceiling before encoding; MP3 encoding can add about half a dB, and the
finished file must stay at or under -1 dBTP."""
LEVEL_PASSES = 1
"""Times the program's gain is measured and corrected (once leaves it within 0.05 LU)."""
HEADROOM_DB = 1.0
"""How far above the gain it is first asked for a sound's peak map reaches (the
corrections that follow are a fraction of a dB; a larger one maps again)."""

AUDIBLE_DBFS = -45.0
"""Sound above this (RMS over 10 ms) is audible: the line between a speech event and
the silence around it."""


@dataclass(frozen=True)
class Mastered:
    sounds: dict[Key, bytes]
    """Each distinct sound at its final level, 16-bit mono PCM."""
    gain_db: float
    """The one gain applied to the whole program."""
    tone_db: float
    """The tones' own level change, before the program gain."""


@dataclass(frozen=True)
class Voice:
    """The voiced phrases trimmed, and each one's K-weighted signal squared (measured
    once, before it was trimmed, and cut as it was: :func:`master` levels from it)."""

    clips: dict[str, Clip]
    squares: dict[str, np.ndarray]


def trimmed_voice(clips: Mapping[str, Clip]) -> Voice:
    """``clips`` (all at one rate) trimmed where they become audible (:data:`AUDIBLE_DBFS`)
    at the gain the session will get, estimated from the clips alone (the silences
    between them are gated out of the measurement anyway; the tones and the limiter
    move the final gain by up to about half a dB). Trimming any lower let a voice that
    fades in softly start before it could be heard: with 1 dB to spare, Piper's "One."
    now and then started 30 ms early; with 2 dB, more often."""
    if not clips:
        return Voice({}, {})
    rate = next(iter(clips.values())).rate
    weighted = dict(
        zip(
            clips, loudness.k_weighted_all([loudness.to_float(c.pcm) for c in clips.values()], rate)
        )
    )
    voice = loudness.of_weighted(list(weighted.values()), rate)
    gain = TARGET_LUFS - voice if voice > loudness.SILENT_LUFS else 0.0
    floor = AUDIBLE_DBFS - gain
    tail = int(loudness.FILTER_TAIL_SECONDS * rate)
    spans = {text: audible_span(clip, floor) for text, clip in clips.items()}
    return Voice(
        {
            t: Clip(clips[t].pcm[a * SAMPLE_WIDTH : b * SAMPLE_WIDTH], rate)
            for t, (a, b) in spans.items()
        },
        {t: np.square(weighted[t][a : b + tail]) for t, (a, b) in spans.items()},
    )


def master(
    timeline: Timeline,
    speech: Mapping[str, Clip],
    tones: Mapping[str, bytes],
    squares: Mapping[str, np.ndarray] | None = None,
) -> Mastered:
    """Every sound of ``timeline`` at its final level (see the module's docstring);
    ``squares`` gives speech already K-weighted and squared (:attr:`Voice.squares`).

    The tones are set against the voice as measured alone; then the whole program is
    measured and its gain corrected (:data:`LEVEL_PASSES` times), since the limiter
    takes some loudness back and the tones' short blocks pull the gated average down.
    Each distinct sound is analysed once (K-weighted, its loud peaks mapped); at any
    gain its loudness follows from that (the limiter's slow gain is applied to the
    K-weighted sound rather than weighting the limited one again).
    """
    rate = timeline.rate
    program = loudness.Program(
        ((e.sound, e.start) for e in timeline.audible()), timeline.duration, rate
    )
    samples = {
        k: loudness.to_float(speech[k[1]].pcm if k[0] == "speech" else tones[k[1]])
        for k in dict.fromkeys(e.sound for e in timeline.audible())
    }
    given = squares or {}
    weighed = {k: given[k[1]] for k in samples if k[0] == "speech" and k[1] in given}
    rest = [k for k in samples if k not in weighed]
    weighed.update(
        zip(rest, map(np.square, loudness.k_weighted_all([samples[k] for k in rest], rate)))
    )
    sounds = {k: _Sound(samples[k], weighed.pop(k), program) for k in samples}
    voice = program.measure({k: s.energy for k, s in sounds.items() if k[0] == "speech"})
    if voice <= loudness.SILENT_LUFS:
        return Mastered({k: loudness.to_pcm(s.samples) for k, s in sounds.items()}, 0.0, 0.0)
    tone_db = 0.0
    if any(k[0] == "tone" for k in sounds):
        tone_db = (voice - TONE_BELOW_VOICE) - program.measure(
            {k: s.energy for k, s in sounds.items() if k[0] == "tone"}
        )
    gain_db = TARGET_LUFS - voice
    for _ in range(LEVEL_PASSES):
        energies: dict[object, np.ndarray] = {}
        for k, s in sounds.items():
            scale = _scale(k, gain_db, tone_db)
            energies[k] = s.energy_at(scale, s.limiter(scale))
        gain_db += TARGET_LUFS - program.measure(energies)
    final = {}
    for k in list(sounds):
        s = sounds.pop(k)  # each sound's arrays go as soon as it is done
        scale = _scale(k, gain_db, tone_db)
        gain = s.limiter(scale)
        final[k] = loudness.to_pcm(s.samples * (scale if gain is None else scale * gain))
    return Mastered(final, gain_db, tone_db)


def _scale(sound: Key, gain_db: float, tone_db: float) -> float:
    """The linear gain of ``sound``: the program's, and the tones' own on top."""
    return 10 ** ((gain_db + (tone_db if sound[0] == "tone" else 0.0)) / 20)


class _Sound:
    """One distinct sound, analysed once for levelling: its K-weighted energy (as the
    program sums it, from ``squares``: :func:`~voiceguide.loudness.k_weighted`, squared), and
    the map of its loud peaks (made when first needed)."""

    def __init__(self, samples: np.ndarray, squares: np.ndarray, program: loudness.Program):
        self.samples = samples
        self.program = program
        self.squares = squares
        self.energy = self._energy(None)
        self.peaks: loudness.PeakMap | None = None
        self.mapped_up_to = 0.0

    def _energy(self, gain: np.ndarray | None) -> np.ndarray:
        squares = self.squares
        if gain is not None:
            squares = squares * np.pad(
                gain * gain, (0, len(squares) - len(gain)), constant_values=1.0
            )
        return self.program.energy_of_squares(squares)

    def limiter(self, scale: float) -> np.ndarray | None:
        """The limiter's gain for the sound at ``scale``, or None if it has none."""
        if self.peaks is None or scale > self.mapped_up_to:
            self.mapped_up_to = scale * 10 ** (HEADROOM_DB / 20)
            self.peaks = loudness.peak_map(
                self.samples, 10 ** (CEILING_DBTP / 20) / self.mapped_up_to
            )
        return loudness.limiter_gain(self.peaks, scale, self.program.rate, CEILING_DBTP)

    def energy_at(self, scale: float, gain: np.ndarray | None) -> np.ndarray:
        """The sound's energy (as :meth:`~voiceguide.loudness.Program.energy`) at
        ``scale`` and limited by ``gain``: the limiter's gain changes slowly, so it is
        applied to the K-weighted sound rather than weighting the limited one again."""
        return (self.energy if gain is None else self._energy(gain)) * (scale * scale)
