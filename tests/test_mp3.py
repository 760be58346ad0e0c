"""The in-process MP3 encoder: a session cut into parts where it is silent, each part
encoded by its own LAME, joined, and decoded back exactly, by two different decoders
(ffmpeg's and libmpg123's, the one most Linux players use)."""

from __future__ import annotations

import subprocess
import threading

import fastcrc
import lameenc
import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.mp3 import MP3, BitrateMode

from voiceguide import ffmpeg, mp3
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


@pytest.mark.parametrize("rate", [16000, 22050, 44100])
@pytest.mark.parametrize("parts", [1, 2, 3])
def test_every_part_decodes_exactly_where_it_belongs(tmp_path, rate, parts):
    signal, quiet = session(rate, 100)
    plan = mp3.plan_parts(len(signal), quiet, rate, parts)
    assert len(plan) == parts
    encode(tmp_path / "s.mp3", signal, quiet, rate, parts)
    heard = decoded(tmp_path / "s.mp3", rate)
    assert len(heard) == len(signal)  # not a sample more or less
    assert snr(signal.astype(float), heard) > 25
    # each burst at its own sample: shifted one sample either way, it matches worse
    for end in [s for s, _ in quiet[1:]]:
        burst = signal[end - rate // 2 : end].astype(float)
        at = end - rate // 2
        errors = [((heard[at + lag : end + lag] - burst) ** 2).sum() for lag in (-1, 0, 1)]
        assert errors[1] < min(errors[0], errors[2])
    # and the silence around every join is silence
    for part in plan[:-1]:
        after = part.start + part.frames * mp3.samples_per_frame(rate)
        assert np.abs(heard[part.end - 2000 : after + 2000]).max() < 20


def test_libmpg123_decodes_the_joined_stream_to_the_same_samples(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 100)
    encode(tmp_path / "s.mp3", signal, quiet, rate, 3)
    heard, found_rate = soundfile.read(str(tmp_path / "s.mp3"), dtype="int16")
    assert found_rate == rate and len(heard) == len(signal)
    assert snr(decoded(tmp_path / "s.mp3", rate), heard.astype(float)) > 60


def test_parts_sound_like_one_encoding(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 100)
    encode(tmp_path / "one.mp3", signal, quiet, rate, 1)
    encode(tmp_path / "three.mp3", signal, quiet, rate, 3)
    # cut where it is silent, the parts decode to the very samples one encoding gives
    assert (
        np.abs(decoded(tmp_path / "one.mp3", rate) - decoded(tmp_path / "three.mp3", rate)).max()
        <= 1
    )


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


def test_stopping_one_part_stops_them_all(tmp_path):
    rate = 22050
    signal, quiet = session(rate, 300)
    rendered = {0: 0, 1: 0}
    first_started = threading.Event()
    second: list[threading.Thread] = []  # the thread of the part that fails
    second_failed = threading.Event()
    guard = 30  # seconds: a hang guard, not a timing

    def render(start, end):
        part = 0 if start == 0 else 1
        for at in range(start, end, rate):
            rendered[part] += 1
            if part == 0 and rendered[part] == 2:  # the first chunk went to the encoder
                first_started.set()
                assert second_failed.wait(guard), "the second part never failed"
                second[0].join(guard)  # its failure handed over: every part told to stop
                assert not second[0].is_alive(), "the second part's thread never ended"
            elif part == 1 and rendered[part] == 5:
                assert first_started.wait(guard), "the first part never got going"
                second.append(threading.current_thread())
                second_failed.set()
                raise KeyboardInterrupt  # as the build's stop event does
            yield signal[at : min(end, at + rate)].tobytes()

    with open(tmp_path / "s.mp3", "wb") as out, pytest.raises(KeyboardInterrupt):
        mp3.encode(
            render, samples=len(signal), quiet=quiet, rate=rate, out=out, label="s.mp3", parts=2
        )
    # the first part, under way when the second failed, took no chunk after that
    assert rendered[0] == 2 and rendered[1] == 5


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


# -- where the parts are cut ----------------------------------------------------------------

RATE = 22050
SPF = mp3.samples_per_frame(RATE)


@st.composite
def sessions(draw):
    """A session length and sorted, disjoint quiet spans inside it."""
    samples = draw(st.integers(1, 3 * 3600 * RATE))
    cuts = sorted(draw(st.lists(st.integers(0, samples), max_size=40)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b > a]
    return samples, spans


@settings(max_examples=300, deadline=None)
@given(sessions(), st.integers(1, 8))
def test_parts_cover_the_session_and_join_only_in_silence(session_, parts):
    samples, quiet = session_
    plan = mp3.plan_parts(samples, quiet, RATE, parts)
    assert 1 <= len(plan) <= parts
    assert plan[0].start == 0 and plan[-1].end == samples
    margin = mp3.MARGIN_FRAMES * SPF
    for part, following in zip(plan, plan[1:]):
        assert following.start == part.start + part.frames * SPF
        assert part.end - part.start >= mp3.MIN_PART_SECONDS * RATE
        # everything the join touches lies in one quiet span
        assert any(
            begin <= part.end - margin and following.start + margin <= end for begin, end in quiet
        )
    for part in plan:
        assert part.frames == mp3.frames_for(part.end - part.start, RATE)
    assert plan[-1].end - plan[-1].start >= (mp3.MIN_PART_SECONDS * RATE if len(plan) > 1 else 0)


def test_parts_come_near_equal_when_the_silence_allows():
    minute = 60 * RATE
    quiet = [(k * minute // 2, k * minute // 2 + 10 * RATE) for k in range(40)]  # 20 minutes
    plan = mp3.plan_parts(20 * minute, quiet, RATE, 4)
    lengths = [p.end - p.start for p in plan]
    assert len(plan) == 4 and max(lengths) - min(lengths) < 0.05 * 20 * minute / 4


def test_no_silence_long_enough_means_one_part():
    plan = mp3.plan_parts(600 * RATE, [(k * RATE, k * RATE + 2000) for k in range(600)], RATE, 4)
    assert [(p.start, p.end) for p in plan] == [(0, 600 * RATE)]
