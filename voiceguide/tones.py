"""Generated chimes, one meaning each: no sound files, no clicks.

Each tone is one or more notes of a sine with its first harmonic, a soft attack and
a long decay, so it sounds like a small bell rather than a beep. They differ in
pitch and pattern, so they can be told apart with eyes closed:

- ``start``: one bright note (A5), rising into the hold;
- ``release``: one lower note (D5), the hold is over;
- ``switch``: two quick notes (F#5, F#5), change sides;
- ``end``: three falling notes (A5, F#5, D5), the session is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where a tone is made: its length needs none
    import numpy as np

A5, FS5, D5 = 880.0, 740.0, 587.33

NOTES: dict[str, tuple[tuple[float, int], ...]] = {
    "start": ((A5, 320),),
    "release": ((D5, 320),),
    "switch": ((FS5, 140), (FS5, 200)),
    "end": ((A5, 220), (FS5, 220), (D5, 420)),
}
"""Each tone's notes as (frequency in Hz, length in ms)."""
NAMES = tuple(NOTES)
ATTACK_MS = 8
"""Fade-in of every note: long enough that no note starts with a click."""
DECAY_SHARE = 0.7
"""The share of each note over which it fades out."""
HARMONIC_DB = -14.0
"""The octave's level against the fundamental: enough to ring, not to buzz."""
NOTE_GAP_MS = 60
"""Silence between the notes of one tone."""
LEVEL_DBFS = -12.0
"""Peak level of a note's fundamental before the session's gain (about 6 dB under the
voice's peaks)."""


def samples(name: str, rate: int) -> int:
    """How many samples :func:`tone` makes for ``name`` at ``rate``, without making it."""
    notes = NOTES[name]
    gaps = (len(notes) - 1) * _samples(NOTE_GAP_MS, rate)
    return gaps + sum(_samples(length, rate) for _, length in notes)


def tone(name: str, rate: int) -> bytes:
    """The tone ``name`` as mono 16-bit PCM at ``rate``."""
    import numpy as np

    gap = np.zeros(_samples(NOTE_GAP_MS, rate))
    pieces = []
    for index, (frequency, length) in enumerate(NOTES[name]):
        if index:
            pieces.append(gap)
        pieces.append(_note(frequency, length, rate))
    samples = np.round(np.concatenate(pieces) * 32767)
    return samples.astype("<i2").tobytes()


def _note(frequency: float, length_ms: int, rate: int) -> np.ndarray:
    """One note, -1 to 1: the sine and its octave, a linear attack and decay."""
    import numpy as np

    count = _samples(length_ms, rate)
    phase = 2 * np.pi * frequency * np.arange(count) / rate
    peak = 10 ** (LEVEL_DBFS / 20)
    wave = peak * (np.sin(phase) + 10 ** (HARMONIC_DB / 20) * np.sin(2 * phase))
    envelope = np.ones(count)
    attack = min(count, _samples(ATTACK_MS, rate))
    envelope[:attack] = np.arange(attack) / attack
    decay = int(count * DECAY_SHARE)
    envelope[count - decay :] *= np.linspace(1.0, 0.0, decay)
    return wave * envelope


def _samples(ms: float, rate: int) -> int:
    return int(rate * ms / 1000)
