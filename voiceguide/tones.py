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

from pydub import AudioSegment
from pydub.generators import Sine

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
NOTE_GAP_MS = 60
"""Silence between the notes of one tone."""
LEVEL_DBFS = -12.0
"""Peak level of a note before the session's gain (about 6 dB under the voice's peaks)."""


def tone(name: str, rate: int) -> bytes:
    """The tone ``name`` as mono 16-bit PCM at ``rate``."""
    pieces = []
    for index, (frequency, length) in enumerate(NOTES[name]):
        if index:
            pieces.append(AudioSegment.silent(NOTE_GAP_MS, frame_rate=rate).raw_data)
        pieces.append(_note(frequency, length, rate).raw_data)
    return b"".join(pieces)


def _note(frequency: float, length_ms: int, rate: int) -> AudioSegment:
    fundamental = Sine(frequency, sample_rate=rate).to_audio_segment(length_ms, LEVEL_DBFS)
    harmonic = Sine(2 * frequency, sample_rate=rate).to_audio_segment(length_ms, LEVEL_DBFS - 14)
    note = fundamental.overlay(harmonic).set_channels(1)
    return note.fade_in(ATTACK_MS).fade_out(int(length_ms * 0.7))
