"""Every distinct sound of a session at its final level, decided once.

:func:`trimmed_voice` cuts each phrase where it becomes audible and K-weights it once;
:func:`master` finds one gain for the whole program so that it measures
:data:`TARGET_LUFS`, sets the tones a fixed distance under the voice, and limits (offline,
so with no latency) so that true peaks stay under the ceiling.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace

import numpy as np

from voiceguide import loudness, peaks
from voiceguide.bed.curve import Curve, ducks
from voiceguide.bed.mix import Bed, step_energies
from voiceguide.memory import Releaser, give_back
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
MAP_KEPT_UP_TO = 0.25
"""A sound's map of its loud peaks is kept from the measurement to the levelling only
while it takes at most this fraction of the sound's own size (for speech it takes
about a tenth; for a sound loud throughout, mapping it twice keeps memory bounded)."""

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
    bed: Curve | None = None
    """The bed's gain over the session, if it has a bed to hear."""


@dataclass(frozen=True)
class Voice:
    """The voiced phrases trimmed, and each one's K-weighted energy (measured once,
    before it was trimmed, and cut as it was: :func:`master` levels from it)."""

    clips: dict[str, Clip]
    energies: dict[str, loudness.Energy]


def trimmed_voice(
    clips: MutableMapping[str, Clip], known: Mapping[str, loudness.Energy] | None = None
) -> Voice:
    """``clips`` (all at one rate) trimmed where they become audible (:data:`AUDIBLE_DBFS`)
    at the gain the session will get, estimated from the clips alone (the silences
    between them are gated out of the measurement anyway; the tones and the limiter
    move the final gain by up to about half a dB). Trimming any lower let a voice that
    fades in softly start before it could be heard: with 1 dB to spare, Piper's "One."
    now and then started 30 ms early; with 2 dB, more often.

    ``clips`` is emptied as it is trimmed, and each clip is measured on its own and
    kept only as its :class:`~voiceguide.loudness.Energy`: the session's speech is held
    once, as 16-bit samples, however long it is. ``known`` gives the energies of
    clips already measured (as :func:`measured_clip` does, while the voice spoke)."""
    if not clips:
        return Voice({}, {})
    rate = next(iter(clips.values())).rate
    given = known or {}
    rest = [text for text in clips if text not in given]
    new = dict(zip(rest, loudness.on_cores(lambda t: measured_clip(clips[t]), rest)))
    measured = {text: given[text] if text in given else new[text] for text in clips}
    voice = loudness.of_energies(list(measured.values()), rate)
    gain = TARGET_LUFS - voice if voice > loudness.SILENT_LUFS else 0.0
    floor = AUDIBLE_DBFS - gain
    tail = int(loudness.FILTER_TAIL_SECONDS * rate)
    trimmed, energies, releaser = {}, {}, Releaser()
    for text in list(clips):
        clip = clips.pop(text)
        a, b = audible_span(clip, floor)
        trimmed[text] = Clip(clip.pcm[a * SAMPLE_WIDTH : b * SAMPLE_WIDTH], rate)
        energies[text] = replace(measured.pop(text), start=a, length=b - a + tail)
        releaser.freeing(len(clip.pcm))
    give_back()
    return Voice(trimmed, energies)


def measured_clip(clip: Clip) -> loudness.Energy:
    """The :class:`~voiceguide.loudness.Energy` of a voiced ``clip``, as
    :func:`trimmed_voice` needs it."""
    return _measured(clip.pcm, clip.rate)


def _measured(pcm: bytes, rate: int) -> loudness.Energy:
    """The :class:`~voiceguide.loudness.Energy` of 16-bit ``pcm``, K-weighted."""
    return loudness.weighted_energy(np.frombuffer(pcm, dtype="<i2"), rate)


def master(
    timeline: Timeline,
    speech: MutableMapping[str, Clip],
    tones: Mapping[str, bytes],
    energies: Mapping[str, loudness.Energy] | None = None,
    bed: Bed | None = None,
    ceiling: float = CEILING_DBTP,
) -> Mastered:
    """Every sound of ``timeline`` at its final level (see the module's docstring);
    ``energies`` gives speech already measured (:attr:`Voice.energies`); ``ceiling`` is
    the true peak the sounds are limited to, dBTP (lower for an encoder whose output
    peaks higher than its input). ``speech`` is
    emptied as its clips are levelled, so the session's speech is held once.

    The tones are set against the voice as measured alone; then the whole program is
    measured and its gain corrected (:data:`LEVEL_PASSES` times), since the limiter
    takes some loudness back and the tones' short blocks pull the gated average down.
    A ``bed`` is set :attr:`~voiceguide.bed.BedChoice.level` LU under the voice, its
    loudness ducked and faded counted in the program's, and the limiter keeps room for
    the bed under every sound (see :func:`_bed_room`).

    Each distinct sound is analysed once (K-weighted, its loud peaks mapped); at any
    gain its loudness follows from that (the limiter's slow gain is applied to the
    K-weighted sound rather than weighting the limited one again).
    """
    rate = timeline.rate
    program = loudness.Program(
        ((e.sound, e.start) for e in timeline.audible()), timeline.duration, rate
    )
    pcm = {
        k: speech[k[1]].pcm if k[0] == "speech" else tones[k[1]]
        for k in dict.fromkeys(e.sound for e in timeline.audible())
    }
    given = energies or {}
    measured = {k: given[k[1]] for k in pcm if k[0] == "speech" and k[1] in given}
    rest = [k for k in pcm if k not in measured]
    measured.update(zip(rest, loudness.on_cores(lambda k: _measured(pcm[k], rate), rest)))
    shape = _bed_shape(timeline, bed)
    ceiling = _bed_room(bed, shape, ceiling)
    sounds = {k: _Sound(pcm.pop(k), measured.pop(k), rate, ceiling) for k in list(pcm)}
    voice = program.measure({k: s.energy for k, s in sounds.items() if k[0] == "speech"})
    if voice <= loudness.SILENT_LUFS:
        speech.clear()
        return Mastered({k: s.pcm for k, s in sounds.items()}, 0.0, 0.0)
    tone_db = 0.0
    if any(k[0] == "tone" for k in sounds):
        tone_db = (voice - TONE_BELOW_VOICE) - program.measure(
            {k: s.energy for k, s in sounds.items() if k[0] == "tone"}
        )
    gain_db = TARGET_LUFS - voice
    bed_db = 0.0  # the bed's gain over the program's
    under = np.zeros(program.steps)
    if bed is not None and shape is not None:
        bed_db = TARGET_LUFS - bed.choice.level - bed.lufs - gain_db
        under = step_energies(bed, shape, program.steps, program.step)
    for _ in range(LEVEL_PASSES):
        heard = ((k, s.energy_at(_scale(k, gain_db, tone_db))) for k, s in sounds.items())
        steps = program.energies(heard) + under * 10 ** ((gain_db + bed_db) / 10)
        gain_db += TARGET_LUFS - loudness.integrated(steps, program.step)  # one at a time
    final, releaser = {}, Releaser()
    for k in list(sounds):
        s = sounds.pop(k)  # each sound's samples go as soon as it is done
        if k[0] == "speech":
            speech.pop(k[1], None)
        scale = _scale(k, gain_db, tone_db)
        final[k] = peaks.levelled(s.pcm, scale, s.limiter(scale))
        releaser.freeing(len(s.pcm))
    speech.clear()
    give_back()
    if shape is not None:
        # to a hundredth of a dB: a rebuild with other holds, whose gain moves in the
        # fourth decimal, then lays the same bed, and its MP3 frames come from the cache
        shape = replace(shape, level=10 ** (round(gain_db + bed_db, 2) / 20))
    return Mastered(final, gain_db, tone_db, shape)


def _bed_shape(timeline: Timeline, bed: Bed | None) -> Curve | None:
    """The bed's gain curve at unit level (None without a bed to hear): ducked under
    every sound of ``timeline``, faded in and out."""
    if bed is None or bed.silent:
        return None
    spans = [(e.start, e.end) for e in timeline.audible()]
    return Curve(1.0, bed.choice.duck, ducks(spans, timeline.rate), timeline.rate,
                 timeline.duration)  # fmt: skip


BED_ROOM_MARGIN_DB = 1.0
"""How much louder than first asked the bed's level is allowed for when room is kept
under the ceiling for it (the program's gain moves by a fraction of a dB after)."""


def _bed_room(bed: Bed | None, shape: Curve | None, ceiling: float = CEILING_DBTP) -> float:
    """The true-peak ceiling the sounds are limited to, dBTP: ``ceiling``
    (:data:`CEILING_DBTP` unless given), less the bed's loudest sample under a sound
    (fully ducked there, at its level, with :data:`BED_ROOM_MARGIN_DB` to spare), so
    that the two added never pass it."""
    if bed is None or shape is None:
        return ceiling
    level_db = TARGET_LUFS - bed.choice.level - bed.lufs + BED_ROOM_MARGIN_DB
    under = bed.loop.peak * 10 ** ((level_db - bed.choice.duck) / 20)
    room = 10 ** (ceiling / 20) - under
    return 20 * float(np.log10(max(room, 0.5)))


def _scale(sound: Key, gain_db: float, tone_db: float) -> float:
    """The linear gain of ``sound``: the program's, and the tones' own on top."""
    return 10 ** ((gain_db + (tone_db if sound[0] == "tone" else 0.0)) / 20)


class _Sound:
    """One distinct sound, analysed once for levelling: its 16-bit samples, its
    K-weighted :class:`~voiceguide.loudness.Energy`, and the map of its loud peaks
    (made when first needed, from the samples as floats, which are then let go)."""

    def __init__(self, pcm: bytes, energy: loudness.Energy, rate: int, ceiling: float):
        self.pcm = pcm
        self.rate = rate
        self.ceiling = ceiling
        """True-peak ceiling, dBTP."""
        self.energy = energy
        self.peaks: peaks.PeakMap | None = None
        self.mapped_up_to = 0.0

    def limiter(self, scale: float) -> peaks.Gain | None:
        """The limiter's gain for the sound at ``scale``, or None if it has none."""
        if self.peaks is None or scale > self.mapped_up_to:
            self.mapped_up_to = scale * 10 ** (HEADROOM_DB / 20)
            self.peaks = peaks.peak_map(
                np.frombuffer(self.pcm, dtype="<i2"), 10 ** (self.ceiling / 20) / self.mapped_up_to
            )
        return peaks.limiter_gain(self.peaks, scale, self.rate, self.ceiling)

    def energy_at(self, scale: float) -> loudness.Energy:
        """The sound's energy at ``scale``, limited: the limiter's gain changes slowly,
        so it is applied to the K-weighted sound rather than weighting the limited one
        again."""
        gain = self.limiter(scale)
        if self.peaks is not None and self.peaks.nbytes > MAP_KEPT_UP_TO * len(self.pcm):
            self.peaks = None  # made again when the sound is levelled
        return (self.energy if gain is None else self.energy.with_gain(gain)).scaled(scale * scale)
