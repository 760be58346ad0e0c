"""The in-process loudness meter and limiter, against ffmpeg's ebur128 and plain maths."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide import audio_check, loudness, peaks

RATE = 22050


def sine(frequency: float, seconds: float, amplitude: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * frequency * t + phase)


def speechlike(seconds: float, seed: int, level: float) -> np.ndarray:
    """Noise shaped into syllables: loud and quiet stretches, many frequencies."""
    rng = np.random.default_rng(seed)
    count = int(seconds * RATE)
    syllables = np.abs(np.sin(np.pi * np.arange(count) / (0.18 * RATE))) ** 2
    noise = np.convolve(rng.standard_normal(count), np.ones(4) / 4, mode="same")
    return level * noise * syllables


def laid_out(sounds: dict[str, np.ndarray], placements: list[tuple[str, int]], length: int):
    session = np.zeros(length)
    for name, start in placements:
        session[start : start + len(sounds[name])] += sounds[name]
    program = loudness.Program(placements, length, RATE)
    energy = {name: program.energy(loudness.k_weighted(x, RATE)) for name, x in sounds.items()}
    return session, program, energy


def test_a_sine_at_997_hz_measures_its_level():
    # BS.1770's reference: a 997 Hz sine at 0 dBFS in one channel is -3.01 LKFS; played
    # on two speakers (dual mono), 0.
    session, program, energy = laid_out({"s": sine(997, 5, 0.1)}, [("s", 0)], 5 * RATE)
    assert program.measure(energy) == pytest.approx(-20.0, abs=0.05)


def test_the_program_measures_what_ffmpeg_measures():
    sounds = {
        "a": speechlike(2.3, 1, 0.3),
        "b": speechlike(0.7, 2, 0.12),
        "c": sine(880, 0.32, 0.05),
        "d": speechlike(4.1, 3, 0.5),
    }
    grid = 441  # 20 ms, as the timeline places sounds
    placements = [
        ("a", 0),
        ("c", 120 * grid),
        ("b", 150 * grid),
        ("d", 400 * grid),
        ("a", 700 * grid),
        ("c", 1000 * grid),
        ("b", 1003 * grid),
    ]
    session, program, energy = laid_out(sounds, placements, 1200 * grid)
    expected, _ = audio_check.pcm_loudness(session, RATE)
    assert program.measure(energy) == pytest.approx(expected, abs=0.1)


def test_silence_between_sounds_does_not_change_the_loudness():
    sounds = {"a": speechlike(2.0, 4, 0.3), "b": speechlike(1.5, 5, 0.1)}
    near = loudness.Program([("a", 0), ("b", 3 * RATE)], 5 * RATE, RATE)
    far = loudness.Program([("a", 0), ("b", 300 * RATE)], 302 * RATE, RATE)
    energy = {k: near.energy(loudness.k_weighted(x, RATE)) for k, x in sounds.items()}
    assert near.measure(energy) == pytest.approx(far.measure(energy), abs=0.01)


def test_nothing_heard_measures_the_absolute_gate():
    program = loudness.Program([("quiet", 0)], RATE, RATE)
    quiet = program.energy(loudness.k_weighted(sine(440, 1, 1e-6), RATE))
    assert program.measure({"quiet": quiet}) == loudness.SILENT_LUFS
    assert program.measure({}) == loudness.SILENT_LUFS


def test_clips_one_after_another_measure_as_the_program_does():
    clips = [speechlike(1.2, 6, 0.2), speechlike(0.4, 7, 0.4)]
    session = np.concatenate([clips[0], np.zeros(RATE), clips[1], np.zeros(RATE)])
    expected, _ = audio_check.pcm_loudness(session, RATE)
    assert loudness.of_clips(clips, RATE) == pytest.approx(expected, abs=0.1)


# -- true peaks and the limiter ----------------------------------------------------------


def oversampled_peak(samples: np.ndarray, factor: int = 16) -> float:
    """The true peak by brute force: the whole signal band-limited-interpolated."""
    size = 2 * len(samples)
    spectrum = np.fft.rfft(samples, size)
    wide = np.zeros(size * factor // 2 + 1, dtype=complex)
    wide[: len(spectrum)] = spectrum
    return float(np.abs(np.fft.irfft(wide, size * factor) * factor).max())


def test_true_peaks_find_what_lies_between_samples():
    # A quarter-rate sine sampled 45 degrees off its crests: every sample is at 0.707
    # of the peak, which lies exactly between two samples.
    x = sine(RATE / 4, 0.05, 0.9, phase=np.pi / 4)
    at = np.arange(100, 200)
    assert np.abs(x[at]).max() == pytest.approx(0.9 * np.sqrt(0.5), rel=1e-3)
    assert peaks.true_peaks(x, at).max() == pytest.approx(0.9, rel=0.01)


def test_the_limiter_keeps_true_peaks_under_the_ceiling():
    x = np.concatenate(
        [speechlike(1.0, 8, 0.9), sine(RATE / 4, 0.2, 1.2, np.pi / 4), speechlike(1.0, 9, 1.5)]
    )
    limited = peaks.limit(x, RATE, -1.5)
    assert 20 * np.log10(oversampled_peak(limited)) <= -1.5 + 0.15
    assert 20 * np.log10(oversampled_peak(x)) > 0  # it had work to do


def test_the_limiter_leaves_quiet_stretches_alone():
    quiet, loud = speechlike(1.0, 10, 0.05), speechlike(0.5, 11, 2.0)
    x = np.concatenate([quiet, loud])
    limited = peaks.limit(x, RATE, -1.5)
    window = int(RATE * peaks.LIMITER_WINDOW_MS / 1000) * 2 + peaks.INTERPOLATION_TAPS
    np.testing.assert_array_equal(limited[: len(quiet) - window], quiet[: len(quiet) - window])
    assert np.abs(limited[len(quiet) :]).max() < np.abs(loud).max()


def test_a_quiet_sound_is_returned_as_it_is():
    x = speechlike(1.0, 12, 0.1)
    assert peaks.limit(x, RATE, -1.5) is x


def test_the_peak_map_serves_any_gain_up_to_its_level():
    x = speechlike(1.0, 13, 0.4)
    mapped = peaks.peak_map(x, 10 ** (-1.5 / 20) / 4)  # good up to 4x
    limited = {}
    for scale in (1.0, 2.0, 4.0):
        gain = peaks.limiter_gain(mapped, scale, RATE, -1.5)
        direct = peaks.limit(x * scale, RATE, -1.5)
        if gain is None:  # nothing over the ceiling: the limiter leaves it as it is too
            np.testing.assert_array_equal(direct, x * scale)
        else:
            np.testing.assert_allclose(x * scale * gain.dense(), direct, atol=1e-7)
        limited[scale] = gain is not None
    assert limited == {1.0: False, 2.0: True, 4.0: True}  # under the ceiling, then over it


def test_a_long_sound_weighted_in_chunks_measures_as_weighted_whole():
    sound = speechlike(2.5 * loudness.CHUNK_SECONDS + 0.37, 9, 0.3)
    whole = loudness.energy(loudness.k_weighted(sound, RATE), RATE)
    chunked = loudness.weighted_energy(sound, RATE)
    assert chunked.size == whole.size == len(sound) + int(loudness.FILTER_TAIL_SECONDS * RATE)
    cells, expected = np.diff(chunked.running), np.diff(whole.running)
    # both filter by FFT, so each is the filter's response sampled a little differently
    assert np.abs(cells - expected).max() < 1e-4 * expected.max()
    assert chunked.running[-1] == pytest.approx(whole.running[-1], rel=1e-6)


def _whole_gain(mapped, scale, ceiling_db):
    """The limiter's gain worked out over the whole sound at once, as it once was."""
    ceiling = 10 ** (ceiling_db / 20)
    loud = mapped.peaks * scale
    over = loud > ceiling
    need = np.ones(mapped.length, dtype=np.float32)
    need[mapped.at[over]] = ceiling / loud[over]
    half = int(RATE * peaks.LIMITER_WINDOW_MS / 1000)
    floor = -peaks._running_max(-np.pad(need, 2 * half, constant_values=1.0), 2 * half + 1)
    return np.minimum(peaks._running_mean(floor, 2 * half + 1), 1.0).astype(np.float32)


def test_a_long_sound_is_mapped_limited_and_levelled_as_if_whole(monkeypatch):
    # loud bursts here and there in a long quiet sound: the gain is 1 between them
    x = speechlike(2.2 * loudness.CHUNK_SECONDS, 14, 0.05)
    chunk = loudness.CHUNK_SECONDS
    for second in (3.0, 3.004, chunk - 0.001, chunk, 1.58 * chunk, 2 * chunk + 0.01):
        at = int(second * RATE)
        x[at : at + 300] = sine(1000 + second, 300 / RATE, 2.5)
    pcm = loudness.to_pcm(x / 3)
    ints = np.frombuffer(pcm, dtype="<i2")
    floor = 10 ** (-1.5 / 20) / 4
    mapped = peaks.peak_map(ints, floor)
    monkeypatch.setattr(peaks, "CHUNK_SECONDS", 1000.0)  # the whole sound in one go
    whole = peaks.peak_map(ints, floor)
    np.testing.assert_array_equal(mapped.at, whole.at)
    np.testing.assert_allclose(mapped.peaks, whole.peaks, rtol=1e-6)
    gain = peaks.limiter_gain(mapped, 3.0, RATE, -1.5)
    assert gain is not None and len(gain.spans) >= 4
    assert sum(len(v) for _, v in gain.spans) < 0.05 * len(ints)  # little room
    np.testing.assert_allclose(gain.dense(), _whole_gain(mapped, 3.0, -1.5), atol=1e-6)
    monkeypatch.undo()
    levelled = np.frombuffer(peaks.levelled(pcm, 3.0, gain), dtype="<i2")
    expected = np.frombuffer(
        loudness.to_pcm(loudness.to_float(pcm) * (3.0 * gain.dense())), dtype="<i2"
    )
    assert np.abs(levelled.astype(int) - expected).max() <= 1
    assert (
        peaks.true_peaks(levelled / 32768, np.arange(len(levelled))).max()
        <= 10 ** (-1.5 / 20) * 1.02
    )
