"""The in-process MP3 encoder: the sounding parts of a session each encoded by a LAME of
its own, silent frames laid down between them, joined, and decoded back exactly, by two
different decoders (ffmpeg's and libmpg123's, the one most Linux players use)."""

from __future__ import annotations

import subprocess
import threading

import fastcrc
import lameenc
import numpy as np
import pytest
import soundfile
from mutagen.mp3 import MP3, BitrateMode

from voiceguide import ffmpeg, mp3, mp3frames, mp3lame
from voiceguide.errors import ExportError


def session(
    rate: int, seconds: int, every: float = 7.0
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A test session: a half-second tone burst every ``every`` seconds, each at its own
    pitch, digital silence between; and its quiet spans."""
    signal = np.zeros(rate * seconds, dtype=np.int16)
    quiet, now = [], 0
    length = rate // 2
    fade = np.minimum(1, np.minimum(np.arange(length), np.arange(length)[::-1]) / (rate / 100))
    for n, start in enumerate(range(rate, len(signal) - length, int(every * rate))):
        pitch = 300 + 37 * n
        t = np.arange(length) / rate
        signal[start : start + length] = 8000 * np.sin(2 * np.pi * pitch * t) * fade
        quiet.append((now, start))
        now = start + length
    quiet.append((now, len(signal)))
    return signal, quiet


def encode(path, signal, quiet, rate, parts, kbps=None):
    def render(start, end):
        for at in range(start, end, rate):
            yield signal[at : min(end, at + rate)].tobytes()

    with open(path, "wb") as out:
        mp3.encode(
            render,
            samples=len(signal),
            quiet=quiet,
            rate=rate,
            out=out,
            label=str(path),
            parts=parts,
            kbps=kbps,
        )


def decoded(path, rate) -> np.ndarray:
    return np.frombuffer(ffmpeg.decode_to_pcm(str(path), rate), dtype="<i2").astype(float)


def snr(reference: np.ndarray, other: np.ndarray) -> float:
    return 10 * np.log10((reference**2).sum() / ((reference - other) ** 2).sum())


def frames_of(path) -> list[bytes]:
    """The audio frames of a file we wrote (the info frame first, then the rest)."""
    data = path.read_bytes()
    rate = mp3frames.rate_of(int.from_bytes(data[:4], "big"))
    lengths = mp3frames.frame_lengths(data, rate)
    starts = np.cumsum([0, *lengths])
    return [data[a:b] for a, b in zip(starts[:-1], starts[1:])]


@pytest.mark.parametrize("rate", [16000, 22050, 44100])
def test_every_sound_decodes_exactly_where_it_belongs(tmp_path, rate):
    signal, quiet = session(rate, 100)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 2)
    heard = decoded(tmp_path / "s.mp3", rate)
    assert len(heard) == len(signal)  # not a sample more or less
    assert snr(signal.astype(float), heard) > 25
    # each burst at its own sample: shifted one sample either way, it matches worse
    for end in [s for s, _ in quiet[1:]]:
        burst = signal[end - rate // 2 : end].astype(float)
        at = end - rate // 2
        errors = [((heard[at + lag : end + lag] - burst) ** 2).sum() for lag in (-1, 0, 1)]
        assert errors[1] < min(errors[0], errors[2])
    # and away from the bursts (by more than LAME's and the decoder's overlap), zeros
    assert not heard[~near_sound(signal, 2 * mp3.samples_per_frame(rate))].any()


def near_sound(signal: np.ndarray, reach: int) -> np.ndarray:
    """Where ``signal`` has a non-zero sample within ``reach`` samples."""
    counts = np.concatenate([[0], np.cumsum(signal != 0)])
    at = np.arange(len(signal))
    return counts[np.minimum(at + reach + 1, len(signal))] > counts[np.maximum(at - reach, 0)]


@pytest.mark.parametrize("rate, kbps", [(16000, None), (22050, None), (44100, None), (22050, 64)])
def test_silence_laid_down_decodes_as_one_lame_over_the_whole_session(tmp_path, rate, kbps):
    """Parts begin in enough silence that each sound is encoded as a LAME running through
    the whole session encodes it: both decoders give the same samples, to the last bit."""
    signal, quiet = session(rate, 100, every=4.3)
    encode(tmp_path / "spliced.mp3", signal, quiet, rate, 2, kbps=kbps)
    encode(tmp_path / "whole.mp3", signal, [], rate, 2, kbps=kbps)  # no silence: one LAME
    assert len(mp3.plan(len(signal), quiet, rate).parts) > 10
    assert len(mp3.plan(len(signal), [], rate).parts) == 1
    for decode in (decoded, mpg123):
        spliced, whole = (
            decode(tmp_path / "spliced.mp3", rate),
            decode(tmp_path / "whole.mp3", rate),
        )
        assert len(spliced) == len(signal) and np.array_equal(spliced, whole)


def mpg123(path, rate) -> np.ndarray:
    heard, found_rate = soundfile.read(str(path), dtype="int16")
    assert found_rate == rate
    return heard.astype(float)


def test_libmpg123_decodes_the_joined_stream_to_the_same_samples(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 100)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 3)
    heard = mpg123(tmp_path / "s.mp3", rate)
    assert len(heard) == len(signal)
    assert snr(decoded(tmp_path / "s.mp3", rate), heard) > 60  # the two round differently
    assert not heard[~near_sound(signal, 2 * mp3.samples_per_frame(rate))].any()


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 32000, 44100, 48000])
def test_the_silent_frame_holds_nothing_and_borrows_nothing(rate):
    silent = mp3lame.silent_frame(mp3lame.Lame(rate))
    assert mp3frames.side_info(silent.plain, rate) == (0, (0, 0) if rate >= 32000 else (0,))
    header = int.from_bytes(silent.plain[:4], "big")
    assert mp3frames.frame_bytes(header, rate) == len(silent.plain)
    padded = int.from_bytes(silent.padded[:4], "big")
    assert mp3frames.frame_bytes(padded, rate) == len(silent.padded) == len(silent.plain) + 1


def test_silence_is_laid_down_not_encoded(tmp_path, monkeypatch):
    """LAME is given only the sounding parts (with their margins); every other frame of
    the stream is the silent frame."""
    rate = 22050
    signal, quiet = session(rate, 300, every=20)
    given = []
    real = mp3lame.Lame.encoder

    def counted(lame):
        encoder = real(lame)
        given.append(0)
        return CountingEncoder(encoder, given)

    mp3lame.silent_frame(mp3lame.Lame(rate))  # made before LAME is counted
    monkeypatch.setattr(mp3lame.Lame, "encoder", counted)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 2)
    stream = mp3.plan(len(signal), quiet, rate)
    assert sum(given) == sum(p.end - p.start for p in stream.parts) < len(signal) / 4
    frames = frames_of(tmp_path / "s.mp3")[1:]
    silent = mp3lame.silent_frame(mp3lame.Lame(rate)).plain
    laid = set(range(stream.frames)) - {
        f for p in stream.parts for f in range(p.first, p.first + p.frames)
    }
    assert len(frames) == stream.frames and len(laid) > 0.7 * stream.frames
    assert all(frames[f] == silent for f in laid)
    assert np.array_equal(decoded(tmp_path / "s.mp3", rate), signal_heard(tmp_path, signal, rate))


class CountingEncoder:
    """A LAME that counts the samples it is given (the silent frame's probe included)."""

    def __init__(self, encoder, given):
        self.encoder, self.given = encoder, given

    def encode(self, pcm):
        self.given[-1] += len(pcm) // 2
        return self.encoder.encode(pcm)

    def flush(self):
        return self.encoder.flush()


def signal_heard(tmp_path, signal, rate) -> np.ndarray:
    """The session as one LAME over all of it decodes it."""
    encode(tmp_path / "whole.mp3", signal, [], rate, 1)
    return decoded(tmp_path / "whole.mp3", rate)


def test_an_all_silent_session_is_all_silent_frames(tmp_path):
    rate = 22050
    signal = np.zeros(rate * 20, dtype=np.int16)
    encode(tmp_path / "s.mp3", signal, [(0, len(signal))], rate, 2)
    frames = frames_of(tmp_path / "s.mp3")[1:]
    assert set(frames) == {mp3lame.silent_frame(mp3lame.Lame(rate)).plain}
    assert len(frames) == mp3.frames_for(len(signal), rate)
    heard = decoded(tmp_path / "s.mp3", rate)
    assert len(heard) == len(signal) and not heard.any()


def test_the_info_frame_reads_as_lame_vbr_of_the_right_length(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 60)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 2)
    info = MP3(tmp_path / "s.mp3").info
    assert info.bitrate_mode == BitrateMode.VBR
    assert info.encoder_info.startswith("LAME 3.100") and info.encoder_settings == "-V 2"
    assert info.length == pytest.approx(len(signal) / rate, abs=1e-6)
    # ffmpeg names the encoder only when the LAME tag's own CRC is right
    said = subprocess.run(
        ffmpeg.base_command()[:2] + ["-i", str(tmp_path / "s.mp3")], capture_output=True, text=True
    ).stderr
    assert "encoder         : LAME3.100" in said
    # the LAME tag's music CRC is the CRC-16 of every audio frame after it
    data = (tmp_path / "s.mp3").read_bytes()
    frame = data[:4]
    info = mp3.frame_bytes(int.from_bytes(frame, "big"), rate)
    tag = data.index(b"LAME3.100")
    assert int.from_bytes(data[tag + 32 : tag + 34], "big") == fastcrc.crc16.arc(data[info:])


def test_a_constant_bit_rate_is_marked_info_and_keeps_its_rate(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 60)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 2, kbps=64)
    info = MP3(tmp_path / "s.mp3").info
    assert info.bitrate_mode == BitrateMode.CBR and info.bitrate == 64000
    assert len(decoded(tmp_path / "s.mp3", rate)) == len(signal)
    # silent frames padded as LAME pads: the audio keeps to 64 kbps to within a byte
    frames = frames_of(tmp_path / "s.mp3")[1:]
    exact = len(frames) * 72_000 * 64 / rate
    assert abs(sum(len(f) for f in frames) - exact) < 2
    assert {len(f) for f in frames} == {208, 209}


@pytest.mark.parametrize(
    "asked, rate, used",
    [(96, 22050, 96), (100, 22050, 96), (320, 22050, 160), (320, 44100, 320), (1, 16000, 8)],
)
def test_a_bit_rate_mp3_lacks_becomes_the_nearest_it_has(tmp_path, asked, rate, used):
    assert mp3.allowed_kbps(asked, rate) == used
    signal, quiet = session(rate, 40)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 1, kbps=asked)
    assert MP3(tmp_path / "s.mp3").info.bitrate == used * 1000


def xing_toc(path) -> bytes:
    data = path.read_bytes()
    at = data.index(b"Xing") + 16
    return data[at : at + 100]


def test_the_seek_table_matches_ffmpegs_for_the_same_audio(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 120, every=3.1)
    (tmp_path / "s.pcm").write_bytes(signal.tobytes())
    subprocess.run(
        ffmpeg.base_command()
        + [
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            "1",
            "-i",
            str(tmp_path / "s.pcm"),
            "-c:a",
            "libmp3lame",
            "-q:a",
            "2",
            str(tmp_path / "ffmpeg.mp3"),
        ],
        check=True,
    )
    encode(tmp_path / "ours.mp3", signal, quiet, rate, 2)
    ours, theirs = xing_toc(tmp_path / "ours.mp3"), xing_toc(tmp_path / "ffmpeg.mp3")
    assert ours[0] == 0 and list(ours) == sorted(ours)
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 2


def test_a_stream_shorter_than_its_seek_table_still_gets_a_whole_one(tmp_path):
    signal = (3000 * np.sin(np.arange(22050) / 5)).astype(np.int16)  # 1 s: 41 frames
    encode(tmp_path / "s.mp3", signal, [], 22050, 1)
    toc = xing_toc(tmp_path / "s.mp3")
    assert toc[0] == 0 and list(toc) == sorted(toc) and toc[99] > 200
    assert len(decoded(tmp_path / "s.mp3", 22050)) == len(signal)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 32000, 44100, 48000])
def test_frames_for_is_what_lame_makes(rate):
    """The join depends on knowing, before encoding, how many frames a part becomes."""
    spf = mp3.samples_per_frame(rate)
    for samples in (1, spf - 1, spf, spf + 1, 3 * spf - 1, 10_000, 54_321):
        lame = lameenc.Encoder()
        lame.set_channels(1)
        lame.set_in_sample_rate(rate)
        lame.set_out_sample_rate(rate)
        lame.set_vbr(4)
        lame.set_vbr_quality(2)
        lame.silence()
        tone = (3000 * np.sin(np.arange(samples) / 7)).astype("<i2").tobytes()
        data = lame.encode(tone) + lame.flush()
        at = frames = 0
        while at < len(data):
            at += mp3.frame_bytes(int.from_bytes(data[at : at + 4], "big"), rate)
            frames += 1
        assert at == len(data) and frames == mp3.frames_for(samples, rate)


def test_a_damaged_frame_header_is_an_export_error():
    with pytest.raises(ExportError, match="damaged frame"):
        mp3.frame_bytes(0x12345678, 22050)


def test_a_part_that_fails_stops_the_others_and_no_more_start(tmp_path, monkeypatch):
    rate = 22050
    signal = np.zeros(rate * 200, dtype=np.int16)
    starts = range(10 * rate, len(signal) - 20 * rate, 30 * rate)  # ten-second sounds
    for start in starts:
        signal[start : start + 10 * rate] = 3000
    quiet = list(zip([0, *[s + 10 * rate for s in starts]], [*starts, len(signal)]))
    parts = [p.start for p in mp3.plan(len(signal), quiet, rate).parts]
    assert len(parts) == len(starts)
    events: list[threading.Event] = []

    class Recorded(threading.Event):
        def __init__(self):
            super().__init__()
            events.append(self)

    monkeypatch.setattr(mp3, "Event", Recorded)
    rendered = dict.fromkeys(parts, 0)
    first_started, second_failed = threading.Event(), threading.Event()
    guard = 30  # seconds: a hang guard, not a timing

    def render(start, end):
        for at in range(start, end, rate):
            rendered[start] += 1
            if start == parts[0] and rendered[start] == 2:  # the first chunk went to LAME
                first_started.set()
                assert second_failed.wait(guard), "the second part never failed"
                assert events[0].wait(guard), "the parts were never told to stop"
            elif start == parts[1] and rendered[start] == 5:
                assert first_started.wait(guard), "the first part never got going"
                second_failed.set()
                raise KeyboardInterrupt  # as the build's stop event does
            yield signal[at : min(end, at + rate)].tobytes()

    with open(tmp_path / "s.mp3", "wb") as out, pytest.raises(KeyboardInterrupt):
        mp3.encode(
            render, samples=len(signal), quiet=quiet, rate=rate, out=out, label="s.mp3", parts=2
        )
    # the first part, under way when the second failed, took no chunk after that; the
    # parts waiting their turn never started
    assert list(rendered.values()) == [2, 5] + [0] * (len(parts) - 2)


def test_a_sample_rate_mp3_lacks_is_refused(tmp_path):
    with open(tmp_path / "s.mp3", "wb") as out, pytest.raises(ExportError, match="no 22000 Hz"):
        mp3.encode(
            lambda a, b: iter(()),
            samples=100,
            quiet=[],
            rate=22000,
            out=out,
            label="s.mp3",
            parts=1,
        )
