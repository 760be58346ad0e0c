"""The bed under the voice: its gain curve, its loop, its choice, and builds with the
real voice and encoder, decoded and measured (issue "A bed of sound under the voice")."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import VALID, invoke, load_sheet

from voiceguide import audio_check, ffmpeg
from voiceguide.bed import NONE, BedChoice, choose
from voiceguide.bed.curve import (
    ATTACK_SECONDS,
    DOWN_BEFORE_SECONDS,
    FADE_IN_SECONDS,
    FADE_OUT_SECONDS,
    MERGE_SECONDS,
    RELEASE_SECONDS,
    Curve,
    ducks,
)
from voiceguide.bed.sources import GRAIN, LOOP_SECONDS, generated, looped
from voiceguide.errors import BadInput

RATE = 22050


# -- the gain curve ------------------------------------------------------------------------


def curve(sounds, length=60 * RATE, duck=12.0) -> Curve:
    return Curve(1.0, duck, ducks(sounds, RATE), RATE, length)


def db(gain) -> np.ndarray:
    return 20 * np.log10(np.maximum(gain, 1e-12))


def test_the_bed_is_fully_down_while_a_sound_plays_and_up_far_from_it():
    c = curve([(20 * RATE, 23 * RATE)])
    during = c.at(np.arange(20 * RATE, 23 * RATE + 1))
    assert np.allclose(db(during), -12.0)
    far = c.at(np.array([10 * RATE, 23 * RATE + int((RELEASE_SECONDS + 0.01) * RATE)]))
    assert np.allclose(db(far), 0.0)


def test_the_duck_begins_ahead_of_the_sound_and_recovers_after_it():
    start, end = 20 * RATE, 23 * RATE
    c = curve([(start, end)])
    attack, release = int(ATTACK_SECONDS * RATE), int(RELEASE_SECONDS * RATE)
    assert db(c.at(np.array([start - attack - 1])))[0] == pytest.approx(0.0)
    lead = int(DOWN_BEFORE_SECONDS * RATE)
    assert db(c.at(np.array([start - (attack + lead) // 2])))[0] == pytest.approx(-6.0, abs=0.1)
    # fully down a little before the sound; over the 100 ms before it, 11 dB or more
    assert np.allclose(db(c.at(np.arange(start - lead, start))), -12.0)
    assert db(c.at(np.arange(start - RATE // 10, start))).max() <= -11.0
    assert db(c.at(np.array([end + release // 2])))[0] == pytest.approx(-6.0, abs=0.1)
    assert db(c.at(np.array([end + release + 1])))[0] == pytest.approx(0.0)


def test_the_curve_has_no_step_anywhere():
    """Smooth: from one sample to the next the gain never moves by more than a raised
    cosine's steepest slope allows (no click, no jump)."""
    sounds = [(5 * RATE, 6 * RATE), (9 * RATE, 9 * RATE + 300), (30 * RATE, 31 * RATE)]
    c = curve(sounds, length=40 * RATE)
    gain = c.at(np.arange(0, 40 * RATE))
    steepest = np.pi / 2 / ((ATTACK_SECONDS - DOWN_BEFORE_SECONDS) * RATE)  # depth/sample
    assert np.abs(np.diff(db(gain[RATE:-RATE]))).max() <= 12 * steepest * 1.01


def test_sounds_close_together_share_one_duck():
    """No pumping: between two words closer than MERGE_SECONDS the bed stays down."""
    gap = int((MERGE_SECONDS - 0.1) * RATE)
    c = curve([(10 * RATE, 11 * RATE), (11 * RATE + gap, 12 * RATE + gap)])
    between = db(c.at(np.arange(11 * RATE, 11 * RATE + gap)))
    assert np.allclose(between, -12.0)
    apart = curve([(10 * RATE, 11 * RATE), (11 * RATE + 3 * RATE, 15 * RATE)])
    assert db(apart.at(np.array([12 * RATE + RATE // 2])))[0] == pytest.approx(0.0)


def test_the_bed_fades_in_and_out():
    c = curve([], length=60 * RATE)
    assert c.at(np.array([0]))[0] == 0.0
    assert c.at(np.array([60 * RATE]))[0] == 0.0
    assert c.at(np.array([int(FADE_IN_SECONDS * RATE), 60 * RATE - int(FADE_OUT_SECONDS * RATE)]))[
        0
    ] == pytest.approx(1.0)


# -- the loop ------------------------------------------------------------------------------


def jump_at_seam(samples: np.ndarray) -> float:
    """The step from the loop's last sample to its first, against the steps inside it
    (the 99.9th percentile: 1 or less is a step like any other)."""
    inside = np.percentile(np.abs(np.diff(samples)), 99.9)
    return abs(float(samples[0]) - float(samples[-1])) / inside


@pytest.mark.parametrize("name", ["brown", "drone"])
def test_a_generated_bed_loops_without_a_seam(name):
    loop = generated(name, RATE)
    assert len(loop.body) % GRAIN == 0 and abs(len(loop.body) / RATE - LOOP_SECONDS) < 0.1
    assert jump_at_seam(loop.body) <= 1.0
    assert 0.2 < loop.peak <= 0.5


def test_a_generated_bed_is_the_same_every_time():
    assert np.array_equal(generated("drone", RATE).body, generated("drone", RATE).body)


def test_a_file_loops_with_a_crossfade_not_a_click():
    """A sine whose length is not a whole number of periods clicks when simply
    repeated; crossfaded, the join is no steeper than the sine itself."""
    t = np.arange(int(3.37 * RATE)) / RATE
    sine = (0.5 * np.sin(2 * np.pi * 220.3 * t)).astype(np.float32)
    assert jump_at_seam(sine) > 3  # repeated as it is, it would click
    loop = looped(sine.copy(), RATE)
    assert jump_at_seam(loop.body) <= 1.0
    assert len(loop.body) % GRAIN == 0  # whole MP3 frames: encoded once where it is alone
    # the first pass is the file as it is; later passes run through the crossfade
    first = loop.at(0, len(loop.body))
    assert np.array_equal(first[: len(loop.head)], sine[: len(loop.head)])
    assert np.array_equal(first[len(loop.head) :], sine[len(loop.head) : len(loop.body)])
    again = loop.at(len(loop.body), 100)
    assert np.array_equal(again, loop.body[:100])
    assert np.abs(np.diff(loop.at(len(loop.body) - 50, 100))).max() < 0.05


# -- which bed -----------------------------------------------------------------------------


def test_the_option_wins_over_the_routine_and_none_drops_it(tmp_path):
    source = str(tmp_path / "r.yaml")
    assert choose(None, "drone", source, 20, 12) == BedChoice("drone", None, 20, 12)
    assert choose("brown", "drone", source, 20, 12).name == "brown"
    assert choose(NONE, "drone", source, 20, 12) is None
    assert choose(None, "", source, 20, 12) is None


def test_a_routine_bed_file_is_found_beside_the_routine(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "rain.ogg").write_bytes(b"x")
    chosen = choose(None, "rain.ogg", str(tmp_path / "sub" / "r.yaml"), 20, 12)
    assert chosen.path == tmp_path / "sub" / "rain.ogg"
    with pytest.raises(BadInput, match="no such bed file"):
        choose(None, "rain.ogg", str(tmp_path / "r.yaml"), 20, 12)


# -- bad beds: exit 2, one line naming the file, nothing written --------------------------


def write_wav(path: Path, samples: np.ndarray, rate: int = 44100, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def long_mp3(path: Path, seconds: float) -> Path:
    """An MP3 whose info frame says it lasts ``seconds``, holding 4 s of silence: what a
    file's own header claims is all that is read to refuse it."""
    import lameenc

    lame = lameenc.Encoder()
    lame.set_channels(1)
    lame.set_in_sample_rate(22050)
    lame.set_bit_rate(32)
    data = bytes(lame.encode(bytes(22050 * 4)) + lame.flush())
    # an MPEG-2 layer III frame at 32 kbps, 22.05 kHz: 104 bytes (plus its padding bit)
    size = 72 * 32000 // 22050 + ((data[2] >> 1) & 1)
    info = bytearray(data[:4] + bytes(size - 4))
    info[13:25] = b"Xing" + struct.pack(">II", 1, int(seconds * 22050 / 576))  # frames
    path.write_bytes(bytes(info) + data)
    return path


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def folder(path: Path) -> Path:
    path.mkdir()
    return path


ONE_PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
"""A valid picture of one pixel: ffmpeg opens it, and finds no sound in it."""

BAD_BEDS = {
    "missing": (lambda d: d / "nowhere.ogg", "no such bed file"),
    "empty": (lambda d: written(d / "empty.mp3", b""), "is empty"),
    "a folder": (lambda d: folder(d / "beds"), "is a folder"),
    "not audio": (
        lambda d: written(d / "notes.txt", b"rain, softly\n" * 50),
        "not an audio file",
    ),
    "a picture": (
        lambda d: written(d / "cover.png", base64.b64decode(ONE_PIXEL_PNG)),
        "it holds no audio",
    ),
    "corrupt": (
        lambda d: written(d / "broken.ogg", b"OggS" + bytes(range(256)) * 40),
        "not an audio file",
    ),
    "too long": (lambda d: long_mp3(d / "long.mp3", 3 * 3600 + 60), "longer than"),
    "too short": (
        lambda d: write_wav(d / "blip.wav", np.full(2000, 0.1)),
        "at least 1 s",
    ),
}


@pytest.mark.parametrize("make, said", list(BAD_BEDS.values()), ids=list(BAD_BEDS))
def test_a_bad_bed_is_refused_before_anything_is_written(tmp_path, make, said):
    bed = make(tmp_path)
    out = tmp_path / "out"
    run = invoke("build", "--bed", str(bed), "-o", str(out))
    assert run.code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and "Traceback" not in run.stderr
    assert str(bed) in lines[0] and said in lines[0], lines
    assert not out.exists() or not any(out.iterdir())


def test_bed_and_no_bed_together_is_a_usage_error(tmp_path):
    run = invoke("build", "--bed", "brown", "--no-bed", "-o", str(tmp_path))
    assert run.code == 2 and "contradict" in run.stderr


@pytest.mark.parametrize("flag, value", [("--bed-level", "3"), ("--duck", "-1"), ("--duck", "x")])
def test_bed_levels_out_of_bounds_are_refused(tmp_path, flag, value):
    run = invoke("build", "--bed", "brown", flag, value, "-o", str(tmp_path))
    assert run.code == 2 and flag in run.stderr


def test_a_routine_bed_must_be_text(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(VALID + "bed: [brown]\n")
    run = invoke("validate", str(path))
    assert run.code == 2 and "r.yaml:7" in run.stderr and "'bed'" in run.stderr


# -- real builds, decoded and measured -------------------------------------------------------


def odd_ogg(folder: Path) -> Path:
    """A 7.3-second OGG (a soft chord over noise, stereo, 44.1 kHz): it loops about a
    hundred times under a session, mid-hold and mid-word."""
    rate = 44100
    t = np.arange(int(7.3 * rate)) / rate
    noise = np.random.default_rng(3).standard_normal(len(t))
    x = 0.2 * np.sin(2 * np.pi * 196 * t) + 0.1 * np.sin(2 * np.pi * 294 * t) + 0.05 * noise
    wav = write_wav(folder / "chord.wav", np.stack([x, np.roll(x, 99)], 1).ravel() * 0.8, rate, 2)
    ogg = folder / "chord.ogg"
    subprocess.run(
        ffmpeg.base_command() + ["-y", "-i", str(wav), "-c:a", "libvorbis", "-q:a", "3", str(ogg)],
        check=True,
    )
    return ogg


def mid_hold_levels(samples: np.ndarray, sheet: dict) -> list[float]:
    """RMS (dBFS) of a second in each hold, at least a second from any sound."""
    rate = sheet["sample_rate"]
    sounds = [e for e in sheet["events"] if e["kind"] in ("speech", "tone")]
    found = []
    for hold in (e for e in sheet["events"] if e["kind"] == "hold"):
        for t in np.arange(hold["start"] + 1, hold["end"] - 2, 0.25):
            if all(t + 2 < s["start"] or t - 1 > s["end"] for s in sounds):
                part = samples[int(t * rate) : int((t + 1) * rate)]
                found.append(10 * np.log10(np.mean(part**2)))
                break
    return found


def before_words(samples: np.ndarray, sheet: dict) -> list[float]:
    """RMS (dBFS) of the 100 ms before each spoken word that the bed leads into (after
    the fade in; not those that follow another sound straight on)."""
    rate = sheet["sample_rate"]
    found, last_end = [], 0.0
    for e in (e for e in sheet["events"] if e["kind"] in ("speech", "tone")):
        if e["kind"] == "speech" and e["start"] > 5 and e["start"] - 0.1 >= last_end:
            part = samples[int((e["start"] - 0.1) * rate) : int(e["start"] * rate)]
            found.append(10 * np.log10(np.mean(part**2)))
        last_end = e["end"]
    return found


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A short routine, built without a bed and with each bed."""
    folder = tmp_path_factory.mktemp("bed-small")
    routine = folder / "short.yaml"
    routine.write_text(VALID.replace("hold: 20", "hold: 12") + "defaults: {rest: 4, switch: 4}\n")
    beds = {"none": [], "brown": ["--bed", "brown"], "drone": ["--bed", "drone"],
            "ogg": ["--bed", str(odd_ogg(folder))]}  # fmt: skip
    for name, args in beds.items():
        run = invoke("build", str(routine), "-o", str(folder / name), *args)
        assert run.code == 0, run.stderr
    return folder


def assert_heard_under_the_voice(plain: Path, bedded: Path, stem: str) -> None:
    """What a bed must be, measured in the decoded file: no event moved, speech where the
    timeline says, the bed audible mid-hold and ducked before each word, the loudness."""
    alone, sheet = load_sheet(plain, stem), load_sheet(bedded, stem)
    assert sheet["events"][0]["kind"] == "bed"
    assert sheet["events"][0]["start"] == 0 and sheet["events"][0]["end"] == sheet["duration"]
    assert sheet["events"][1:] == alone["events"]
    assert sheet["duration"] == alone["duration"]
    assert sheet["settings"]["bed_level"] == 20 and sheet["settings"]["duck"] == 12
    audio = bedded / f"{stem}.mp3"
    report = audio_check.check(audio, sheet)
    assert report, report.problems
    assert max(abs(e) for e in report.onset_errors) <= audio_check.ONSET_TOLERANCE
    samples = audio_check.decode(audio, sheet["sample_rate"])
    mid = mid_hold_levels(samples, sheet)
    assert mid and all(-45 <= level <= -28 for level in mid), mid
    before = before_words(samples, sheet)
    assert len(before) >= 8 and max(before) <= np.median(mid) - 6, (before, mid)
    lufs, peak = audio_check.loudness(audio)
    assert abs(lufs - -16) <= 1 and peak <= -1.0


@pytest.mark.parametrize("bed", ["brown", "drone", "ogg"])
def test_a_bed_changes_no_event_and_sits_under_the_voice(small, bed):
    assert_heard_under_the_voice(small / "none", small / bed, "short")


@pytest.mark.slow
@pytest.mark.parametrize("bed", ["brown", "drone", "ogg"])
def test_the_built_in_session_with_a_bed(small, tmp_path, bed):
    """The built-in session (13 minutes, the OGG looping about a hundred times)."""
    source = {"brown": "brown", "drone": "drone", "ogg": str(small / "chord.ogg")}[bed]
    for folder, args in ((tmp_path / "none", []), (tmp_path / bed, ["--bed", source])):
        run = invoke("build", "-o", str(folder), *args)
        assert run.code == 0, run.stderr
    assert_heard_under_the_voice(tmp_path / "none", tmp_path / bed, "hamstring-relief")


def test_a_file_bed_is_recorded_by_name_and_content(small):
    sheet = load_sheet(small / "ogg", "short")
    ogg = small / "chord.ogg"
    import hashlib

    assert sheet["settings"]["bed"] == "chord.ogg"
    assert sheet["settings"]["bed_sha256"] == hashlib.sha256(ogg.read_bytes()).hexdigest()
    assert sheet["events"][0]["name"] == "chord.ogg"


def test_the_voice_is_as_loud_with_a_bed_as_without(small):
    """The bed sits under the voice: the words themselves measure the same."""
    plain = load_sheet(small / "none", "short")
    rate = plain["sample_rate"]
    words = [e for e in plain["events"] if e["kind"] == "speech"]
    alone = audio_check.events_loudness(
        audio_check.decode(small / "none" / "short.mp3", rate), rate, words
    )
    under = audio_check.events_loudness(
        audio_check.decode(small / "brown" / "short.mp3", rate), rate, words
    )
    assert abs(under - alone) <= 0.5


def test_the_check_tells_speech_from_the_bed(small):
    """The decode check under a bed can fail: speech the timeline puts 200 ms early,
    and speech it leaves out, are both caught."""
    sheet = load_sheet(small / "brown", "short")
    late = json.loads(json.dumps(sheet))
    word = next(e for e in late["events"] if e["kind"] == "speech" and e["start"] > 10)
    word["start"] -= 0.2
    report = audio_check.check(small / "brown" / "short.mp3", late)
    assert any("starts at" in p for p in report.problems), report.problems
    missing = json.loads(json.dumps(sheet))
    missing["events"].remove(next(e for e in missing["events"] if e["kind"] == "speech"))
    report = audio_check.check(small / "brown" / "short.mp3", missing)
    assert any("outside every event" in p for p in report.problems), report.problems


def test_a_routine_bed_is_used_and_no_bed_drops_it(tmp_path):
    routine = tmp_path / "r.yaml"
    routine.write_text(VALID.replace("hold: 20", "hold: 5") + "bed: drone\n")
    assert invoke("build", str(routine), "-o", str(tmp_path / "a")).code == 0
    assert load_sheet(tmp_path / "a", "r")["settings"]["bed"] == "drone"
    assert invoke("build", str(routine), "--no-bed", "-o", str(tmp_path / "b")).code == 0
    sheet = load_sheet(tmp_path / "b", "r")
    assert "bed" not in sheet["settings"] and sheet["events"][0]["kind"] != "bed"


def test_a_silent_bed_is_accepted_with_a_warning(tmp_path):
    silent = write_wav(tmp_path / "hush.wav", np.zeros(3 * 44100))
    routine = tmp_path / "r.yaml"
    routine.write_text(VALID.replace("hold: 20", "hold: 5"))
    run = invoke("build", str(routine), "--bed", str(silent), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    assert "silent" in run.stderr and "hush.wav" in run.stderr
    sheet = load_sheet(tmp_path / "out", "r")
    assert audio_check.check(tmp_path / "out" / "r.mp3", sheet), "nothing but the voice"


def test_the_curve_read_in_stretches_is_the_curve():
    """``over`` (what the mix uses: a number where the gain holds still, straight lines
    between points elsewhere) gives the curve itself, to a ten-thousandth."""
    c = curve([(5 * RATE, 6 * RATE), (20 * RATE, 20 * RATE + 500)], length=30 * RATE)
    for start in range(0, 30 * RATE, RATE // 3):
        count = min(RATE, 30 * RATE - start)
        exact = c.at(np.arange(start, start + count))
        read = c.over(start, count)
        assert np.abs(np.broadcast_to(read, exact.shape) - exact).max() < 1e-4
    assert isinstance(c.over(12 * RATE, RATE), float)  # mid-hold: one number


def test_the_bed_under_a_3_hour_session_is_metered_in_bounded_memory():
    """Its energy in each 100 ms meter step, read from the gain curve at ten points a step:
    a few blocks at a time (all of a 3-hour session's points at once took 80 MB, the
    peak of such a build), and the same values as reading them all at once."""
    import tracemalloc
    from types import SimpleNamespace

    from voiceguide.bed.mix import POINTS_PER_STEP, step_energies

    length, step = 3 * 3600 * RATE, RATE // 10
    c = curve([(s, s + RATE) for s in range(20 * RATE, length - 20 * RATE, 10 * RATE)], length)
    steps = length // step
    tracemalloc.start()
    try:
        energies = step_energies(SimpleNamespace(power=2.0), c, steps, step)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * energies.nbytes, f"{peak / 2**20:.0f} MB"
    points = (np.arange(POINTS_PER_STEP) + 0.5) * step / POINTS_PER_STEP
    for k in (0, 1234, steps // 2, steps - 1):  # each step: its ten points' mean square
        expected = 2.0 * step * np.mean(np.square(c.at(k * step + points)))
        assert energies[k] == pytest.approx(expected, rel=1e-12)
    assert energies.min() < energies.max()  # ducked and faded somewhere, up elsewhere


def test_the_loop_read_across_its_end_wraps_round():
    loop = looped(np.arange(10_000, dtype=np.float32) / 10_000, RATE)
    size = len(loop.body)
    assert np.array_equal(loop.at(size - 5, 10), np.concatenate([loop.body[-5:], loop.body[:5]]))
    assert np.array_equal(loop.at(3 * size + 7, 2 * size)[:3], loop.body[7:10])
    assert len(loop.at(0, 5 * size + 3)) == 5 * size + 3


def test_validate_checks_that_a_routine_bed_is_there(tmp_path):
    routine = tmp_path / "r.yaml"
    routine.write_text(VALID + "bed: rain.ogg\n")
    run = invoke("validate", str(routine))
    assert run.code == 2 and str(tmp_path / "rain.ogg") in run.stderr
    assert f"{routine}:7: 'bed' names" in run.stderr  # the routine's file and line
    (tmp_path / "rain.ogg").write_bytes(b"OggS")
    run = invoke("validate", str(routine))
    assert run.code == 0 and "over rain.ogg" in run.stdout


class SixteenKilohertz:
    """A voice at another rate than espeak's: each text a half-second hum at 16 kHz."""

    name = "hum"
    rate = 150
    voice = "hum/en"

    def synthesize(self, texts, on_clip=None):
        from voiceguide.speech.base import Clip

        t = np.arange(8000) / 16000
        hum = (np.sin(2 * np.pi * 220 * t) * np.hanning(len(t)) * 12000).astype("<i2")
        clips = {text: Clip(hum.tobytes(), 16000) for text in dict.fromkeys(texts)}
        for text, clip in clips.items():
            if on_clip is not None:
                on_clip(text, clip)
        return clips

    def identity(self):
        return {"engine": "hum"}

    def close(self):
        pass


def test_a_bed_follows_a_voice_at_another_rate(tmp_path):
    """The bed is made while the voice speaks at espeak's rate, and made again when the
    voice turns out to have another: the session is all at the voice's 16 kHz."""
    from voiceguide.build import Output, build
    from voiceguide.options import Options
    from voiceguide.routine import load_file

    routine = tmp_path / "r.yaml"
    routine.write_text(VALID.replace("hold: 20", "hold: 12"))
    done = build(load_file(str(routine)), Options.of(bed="drone"), Output(tmp_path / "out"),
                 engine=SixteenKilohertz())  # fmt: skip
    sheet = load_sheet(tmp_path / "out", "r")
    assert done.timeline.rate == sheet["sample_rate"] == 16000
    assert sheet["settings"]["bed"] == "drone"
    report = audio_check.check(tmp_path / "out" / "r.mp3", sheet)
    assert report and -45 <= report.bed_db <= -28, (report.problems, report.bed_db)
    # the drone's lowest note is still A2: a bed made for 22.05 kHz would sound at 80 Hz
    samples = audio_check.decode(tmp_path / "out" / "r.mp3", 16000)
    hold = next(e for e in sheet["events"] if e["kind"] == "hold")
    part = samples[int((hold["start"] + 2) * 16000) : int((hold["start"] + 6) * 16000)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1 / 16000)
    low = (freqs > 50) & (freqs < 150)
    assert abs(freqs[low][spectrum[low].argmax()] - 110) < 2
