"""Joining two LAME encodings of the same sound where it is not silent (a session under
a bed): real encodings, decoded by ffmpeg and by libmpg123 (soundfile)."""

from __future__ import annotations

import io
import subprocess
from types import SimpleNamespace

import lameenc
import numpy as np
import pytest
import soundfile

from voiceguide import audio_check, ffmpeg, mp3, mp3plan
from voiceguide.bed.sources import generated
from voiceguide.mp3frames import info_frame, samples_per_frame, side_info
from voiceguide.mp3splice import WARM_FRAMES, Frames, join_at, repacked

RATE = 22050
SPF = samples_per_frame(RATE)


@pytest.fixture(scope="module")
def sound() -> np.ndarray:
    """40 s of a bed with words over it: brown noise at -35 dBFS and, every few seconds,
    a loud burst of harmonics (short blocks, a full reservoir, every kind of frame)."""
    bed = generated("brown", RATE).body[: 40 * RATE] * 0.04
    t = np.arange(len(bed)) / RATE
    bursts = (np.sin(2 * np.pi * t / 3.7) > 0.6) * 0.4
    voice = bursts * (np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 1270 * t))
    return (np.clip(bed + voice, -1, 1) * 32000).astype("<i2")


def encoded(samples: np.ndarray) -> bytes:
    lame = lameenc.Encoder()
    lame.set_channels(1)
    lame.set_in_sample_rate(RATE)
    lame.set_out_sample_rate(RATE)
    lame.set_vbr(4)
    lame.set_vbr_quality(2)
    lame.set_quality(2)
    lame.silence()
    return bytes(lame.encode(samples.tobytes()) + lame.flush())


def by_ffmpeg(data: bytes) -> np.ndarray:
    done = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le",
         "pipe:1"],
        input=data, capture_output=True, check=True,
    )  # fmt: skip
    assert not done.stderr, done.stderr.decode()
    return np.frombuffer(done.stdout, dtype="<i2")


def by_mpg123(data: bytes) -> np.ndarray:
    """libmpg123's decoding, told the frame count by an info frame in front as the
    stream voiceguide writes has (without one it guesses the length from the first)."""
    frames = len(Frames.of(data, RATE))
    info = info_frame(rate=RATE, vbr_quality=2, kbps=None, frames=frames + 1,
                      size=0, toc=bytes(100), padding=0, music_crc=0)  # fmt: skip
    return soundfile.read(io.BytesIO(info + data), dtype="int16")[0]


@pytest.fixture(scope="module")
def whole(sound) -> Frames:
    return Frames.of(encoded(sound), RATE)


@pytest.mark.parametrize("start", [40, 333, 700, 1200])
def test_a_join_anywhere_decodes_as_one_encoding(sound, whole, start):
    """The second encoding starts on frame ``start`` of the first; joined at the frame
    :func:`join_at` picks, the stream decodes to exactly the samples of the first
    encoding alone, by both decoders."""
    second = Frames.of(encoded(sound[start * SPF :]), RATE)
    j = join_at(whole, second, start)
    assert j is not None and j >= WARM_FRAMES
    joined = whole.data[: whole.starts[start + j]] + repacked(second, j)
    joined += second.data[second.starts[j + 1] :]
    for decode in (by_ffmpeg, by_mpg123):
        assert np.array_equal(decode(joined), decode(whole.data))


def test_a_repacked_frame_borrows_nothing_and_keeps_what_the_next_borrows(sound, whole):
    second = Frames.of(encoded(sound[500 * SPF :]), RATE)
    j = join_at(whole, second, 500)
    frame = repacked(second, j)
    assert side_info(second.frame(j), RATE)[0] > 0  # it did borrow: LAME's reservoir
    assert side_info(frame, RATE)[0] == 0
    assert side_info(frame, RATE)[1] == side_info(second.frame(j), RATE)[1]
    assert len(frame) > len(second.frame(j))  # a wider frame holds what it borrowed
    assert len(Frames.of(frame, RATE)) == 1  # a whole, valid frame
    nxt = side_info(second.frame(j + 1), RATE)[0]
    tail = second.frame(j)[-nxt:] if nxt <= len(second.frame(j)) - 13 else None
    if tail is not None:
        assert frame.endswith(tail)


def test_without_the_repacking_the_join_is_damaged(sound, whole):
    """The check above can fail: the second encoding's frame taken as it is borrows
    bytes that are not there, and the decoded sound differs."""
    second = Frames.of(encoded(sound[500 * SPF :]), RATE)
    j = join_at(whole, second, 500)
    naive = whole.data[: whole.starts[500 + j]] + second.data[second.starts[j] :]
    assert not np.array_equal(by_mpg123(naive), by_mpg123(whole.data))


# -- a whole stream encoded in pieces (mp3.encode with pieces) -------------------------------


def written(path, signal: np.ndarray, rate: int, pieces: bool) -> np.ndarray:
    """``signal`` encoded by :func:`voiceguide.mp3.encode` (no silence to cut in) into
    ``path``, and decoded by ffmpeg."""

    def render(start, end):
        for at in range(start, end, rate):
            yield signal[at : min(end, at + rate)].tobytes()

    with open(path, "wb") as out:
        mp3.encode(render, samples=len(signal), quiet=(), rate=rate, out=out, label=str(path),
                   parts=2, pieces=pieces)  # fmt: skip
    return audio_check.decode(path, rate)


@pytest.mark.parametrize("rate", [22050, 44100])
def test_a_stream_without_silence_is_encoded_in_pieces_and_decodes_as_one(tmp_path, rate):
    """Two and a half minutes of bed and bursts, in pieces on two workers: the stream
    decodes to every sample of the session, by both decoders, and to what one LAME
    over the whole makes, but for LAME's noise at a few joins (measured: at most 63
    LSB, in under 0.1% of the samples of a 13-minute session under a bed)."""
    bed = generated("brown", rate).body * 0.04
    seconds = 150
    t = np.arange(seconds * rate) / rate
    under = np.tile(bed, -(-len(t) // len(bed)))[: len(t)]
    bursts = (np.sin(2 * np.pi * t / 3.7) > 0.6) * 0.4 * np.sin(2 * np.pi * 180 * t)
    signal = (np.clip(under + bursts, -1, 1) * 32000).astype("<i2")
    stream = mp3plan.plan(len(signal), (), rate, pieces=True)
    assert len(stream.parts) >= 3 and all(p.joined for p in stream.parts[1:])
    pieces = written(tmp_path / "pieces.mp3", signal, rate, True)
    whole = written(tmp_path / "whole.mp3", signal, rate, False)
    assert len(pieces) == len(whole) == len(signal)
    differ = np.abs(pieces - whole) * 32768
    assert differ.max() <= 128 and np.count_nonzero(differ) <= 0.005 * len(signal)
    heard = soundfile.read(tmp_path / "pieces.mp3", dtype="int16")[0] / 32768
    assert len(heard) == len(signal) and np.abs(heard - pieces).max() <= 2 / 32768
    frames = len(Frames.of((tmp_path / "pieces.mp3").read_bytes(), rate))
    assert frames == stream.frames + 1  # the info frame, then every frame of the row


# -- where a loop sounds alone, its frames taken from one time round ---------------------------


def test_where_a_loop_sounds_alone_its_frames_are_encoded_once(tmp_path):
    """A 2.1-second loop (a whole number of frames) under bursts, alone for 20 s at a
    time: those runs go round the loop ten times, taking the frames of its one time
    round, encoded once; the stream decodes to the session's every sample, by both
    decoders, and to what one LAME over the whole makes, but for LAME's noise."""
    rate = 22050
    period = 80 * SPF
    loop = (generated("drone", rate).body[:period] * 0.2 * 32000).astype(np.float32)
    seconds = 120
    signal = np.tile(loop, -(-seconds * rate // period))[: seconds * rate].copy()
    alone, now = [], 0
    for start in range(5 * rate, len(signal) - 5 * rate, 25 * rate):
        burst = np.sin(2 * np.pi * 440 * np.arange(3 * rate) / rate) * 12000
        signal[start : start + len(burst)] += burst
        alone.append((now, start))
        now = start + len(burst)
    alone.append((now, len(signal)))
    pcm = signal.astype("<i2")

    def render(start, end):
        for at in range(start, end, rate):
            yield pcm[at : min(end, at + rate)].tobytes()

    def rendered_loop(start, end):  # the loop alone, anywhere
        for at in range(start, end, rate):
            where = np.arange(at, min(end, at + rate)) % period
            yield loop.take(where).astype("<i2").tobytes()

    spans = tuple((a + rate, b - rate) for a, b in alone if b - a > 2 * rate)
    found = SimpleNamespace(period=period, since=0, spans=spans, render=rendered_loop)
    runs = mp3plan.repeating(spans, 0, rate)
    stream = mp3plan.plan(len(pcm), (), rate, pieces=True, repeats=runs)
    repeated = [p for p in stream.parts if p.repeat]
    assert len(repeated) >= 4 and max(p.frames for p in repeated) > 3 * period // SPF
    with open(tmp_path / "loop.mp3", "wb") as out:
        used = mp3.encode(render, samples=len(pcm), quiet=(), rate=rate, out=out, label="x",
                          parts=2, pieces=True, loop=found)  # fmt: skip
    assert used.encoded == len(stream.parts) - len(repeated) + 1  # the loop once
    heard = audio_check.decode(tmp_path / "loop.mp3", rate)
    whole = written(tmp_path / "whole.mp3", pcm, rate, False)
    assert len(heard) == len(pcm)
    differ = np.abs(heard - whole) * 32768
    assert differ.max() <= 128 and np.count_nonzero(differ) <= 0.01 * len(pcm)
    by_mpg = soundfile.read(tmp_path / "loop.mp3", dtype="int16")[0] / 32768
    assert len(by_mpg) == len(pcm) and np.abs(by_mpg - heard).max() <= 2 / 32768


@pytest.mark.parametrize("seed", range(6))
def test_every_join_with_a_loops_frames_falls_where_the_session_is_the_loop(seed):
    """A run's frames are the loop's, which are the session's only inside the run: past
    its end the bed ducks and a word begins. Each join next to a run must be looked for
    inside it (regression: the piece after a run was placed at the run's end, so a join
    found a few frames on took the loop's frames over the start of "Three.", and the
    word was lost under a drone bed)."""
    rng = np.random.default_rng(seed)
    spans, now = [], 4 * RATE
    while now < 600 * RATE:  # bed alone for 3 to 40 s, then a word or two
        alone = int(rng.uniform(3, 40) * RATE)
        spans.append((now, now + alone))
        now += alone + int(rng.uniform(0.5, 6) * RATE)
    runs = mp3plan.repeating(spans, 0, RATE)
    stream = mp3plan.plan(now + 4 * RATE, (), RATE, pieces=True, repeats=runs)
    parts = stream.parts
    checked = 0
    for k, part in enumerate(parts):
        if not part.repeat:
            continue
        a, b = next(r for r in runs if r[0] <= part.first + WARM_FRAMES < r[1])
        joins_from = part.first + WARM_FRAMES  # where the stream may go over to the run
        assert a <= joins_from
        if k + 1 < len(parts):  # where it may go over to the next piece, at the latest
            after = parts[k + 1]
            assert after.joined and after.first + WARM_FRAMES + mp3plan.SEARCH_FRAMES <= b
        checked += 1
    assert checked >= 5
