"""The decode checks themselves: what they call on time, and what late."""

from __future__ import annotations

import wave

import numpy as np

from voiceguide import audio_check

RATE = 22050


def _session(path, sound_at: float) -> None:
    """One second of silence with a loud 0.2 s burst from ``sound_at``, as a WAV."""
    samples = np.zeros(RATE, dtype="<i2")
    start = int(round(sound_at * RATE))
    burst = np.sin(2 * np.pi * 440 * np.arange(int(0.2 * RATE)) / RATE)
    samples[start : start + len(burst)] = (burst * 16000).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples.tobytes())


def _timeline(start: float) -> dict:
    speech = {"kind": "speech", "start": start, "end": start + 0.23, "text": "Hold."}
    return {"sample_rate": RATE, "duration": 1.0, "events": [speech]}


def test_an_onset_exactly_the_tolerance_late_is_on_time_and_one_window_more_is_not(tmp_path):
    # 0.67 - 0.64 is a hair over 0.03 in floating point: the check counts milliseconds
    _session(tmp_path / "s.wav", 0.67)
    assert audio_check.check(tmp_path / "s.wav", _timeline(0.64)).problems == []
    late = audio_check.check(tmp_path / "s.wav", _timeline(0.63)).problems
    assert late == ["speech 'Hold.' starts at 0.670, timeline says 0.630"]
