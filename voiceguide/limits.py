"""Every bound on a routine and its settings, kept in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Every bound on a routine and its options, kept in one place.

    They are generous for any real routine and stop the absurd ones (a typo of
    3000 for 30, a pasted novel) before anything is synthesised.
    """

    max_hold: float = 600.0
    """Longest hold, seconds (ten minutes)."""
    max_pause: float = 600.0
    """Longest rest, switch or setup time, seconds."""
    min_duration: float = 0.1
    """Shortest hold, rest, switch or setup that is not zero, seconds."""
    duration_step: float = 0.1
    """Durations go in tenths of a second: always a whole number of samples and of
    milliseconds (at 22050 Hz, only multiples of 20 ms are both)."""
    max_reps: int = 20
    """Most repetitions per side."""
    max_exercises: int = 50
    """Most exercises in one routine."""
    max_texts: int = 30
    """Most instructions or cues in one exercise."""
    max_text_chars: int = 1000
    """Longest single text (one instruction, cue, intro or outro)."""
    max_sides: int = 4
    """Most sides for one exercise."""
    max_countdown: int = 10
    """Most seconds counted down aloud at the end of a hold."""
    max_session_seconds: float = 3 * 3600.0
    """Longest session, seconds, speech included. Checked when the session is planned,
    with the options applied, on an estimate (before anything is voiced); while voicing
    (the phrases alone may not outlast it, which bounds the clips' memory); and on the
    exact timeline, before any audio is rendered."""
    max_speech_seconds: float = 2.5 * 3600.0
    """Longest the phrases of one session may last together, as voiced (each once). The
    voice's clips are held in memory, once, until the session is written: 2.5 hours of
    16-bit speech at 22.05 kHz is 397 MB, which keeps the largest build under 600 MB
    (about 450 MB, measured by ``scripts/bench.py --largest``). Voicing stops as soon as
    the phrases pass it; no exercise routine comes near it."""
    max_phrase_timeout: float = 3600.0
    """Longest wait for one phrase that ``VOICEGUIDE_TTS_TIMEOUT`` may ask for, seconds."""
    max_cache_entry_bytes: int = 64 << 20
    """Largest speech-cache entry read, bytes: more than any phrase the limits allow
    (1,000 characters said slowly at 48 kHz is about 13 MB); a larger one is damaged."""
    max_file_bytes: int = 1_000_000
    """Largest routine file read; only this many bytes (plus one) are ever read, so a
    device like ``/dev/zero`` cannot fill the memory. Only regular files are read at all
    (a pipe could block forever)."""
    max_depth: int = 10
    """Deepest nesting of YAML collections accepted (a routine needs four)."""
    max_nodes: int = 100_000
    """Most YAML values (scalars, lists and mappings) in one file. The largest routine
    the other limits allow has about 5,000; this bounds the memory and time spent on a
    hostile file, and is checked while parsing, before the values are built."""


LIMITS = Limits()


def on_step(seconds: float) -> bool:
    """Whether ``seconds`` is a whole number of :attr:`Limits.duration_step`."""
    steps = seconds / LIMITS.duration_step
    return abs(steps - round(steps)) < 1e-6
