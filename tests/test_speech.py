"""The real voice: pyttsx3 with espeak-ng from the espeakng-loader wheel."""

from __future__ import annotations

import numpy as np
import pytest

from voiceguide.errors import OptionError, SynthesisError
from voiceguide.speech import open_engine
from voiceguide.speech.base import Clip
from voiceguide.speech.clips import EDGE_MS, SILENCE_DBFS, WINDOW_MS, trim
from voiceguide.speech.pyttsx3_engine import PARALLEL_FROM, Pyttsx3Engine


@pytest.fixture(scope="module")
def engine():
    with open_engine() as speaker:
        yield speaker


def test_the_same_text_twice_has_the_same_length_within_a_few_samples(engine):
    first = engine.synthesize(["Breathe out slowly."])["Breathe out slowly."]
    second = engine.synthesize(["Breathe out slowly."])["Breathe out slowly."]
    assert abs(first.samples - second.samples) <= 50


def test_trim_removes_the_engines_silence_and_keeps_the_speech(engine):
    raw = engine.synthesize(["Switch sides."])["Switch sides."]
    cut = trim(raw)
    assert cut.samples < raw.samples
    whole = np.frombuffer(raw.pcm, "<i2").astype(np.float64) / 32768
    kept = np.frombuffer(cut.pcm, "<i2").astype(np.float64) / 32768
    start = next(i for i in range(len(whole)) if np.array_equal(whole[i : i + len(kept)], kept))
    window = 22050 * WINDOW_MS // 1000
    reach = 22050 * EDGE_MS // 1000 + 2 * window

    def loudest(part: np.ndarray) -> float:
        """RMS of the loudest stretch of WINDOW_MS (or of all of a shorter part), dBFS."""
        if len(part) == 0:
            return -np.inf
        stretches = np.lib.stride_tricks.sliding_window_view(part, min(window, len(part)))
        return 10 * np.log10(max((stretches**2).mean(axis=1).max(), 1e-20))

    assert loudest(whole[:start]) < SILENCE_DBFS + 3  # only silence was cut before
    assert loudest(whole[start + len(kept) :]) < SILENCE_DBFS + 3  # and after
    assert loudest(kept[:reach]) > SILENCE_DBFS and loudest(kept[-reach:]) > SILENCE_DBFS
    assert np.abs(kept).max() == np.abs(whole).max()


def test_a_blip_too_short_to_be_heard_does_not_start_the_speech():
    rate = 22050
    t = np.arange(rate) / rate
    wave = np.zeros(rate)
    speech = (t >= 0.5) & (t < 0.8)
    wave[speech] = 0.1 * np.sqrt(2) * np.sin(2 * np.pi * 440 * t[speech])  # -20 dBFS
    blip = (t >= 0.301) & (t < 0.303)  # 2 ms at -44 dBFS: -48 over 5 ms, -51 over 10
    wave[blip] = 10 ** (-44 / 20) * np.sqrt(2) * np.sin(2 * np.pi * 2000 * t[blip])
    cut = trim(Clip((wave * 32767).astype("<i2").tobytes(), rate))
    assert 0.3 * rate < cut.samples < 0.35 * rate  # from the blip on, it would be 0.5 s


def test_trim_of_silence_is_empty():
    assert trim(Clip(bytes(2000), 22050)).samples == 0


def test_voices_lists_english(engine):
    ids = {v.id for v in engine.voices()}
    assert "gmw/en" in ids and "gmw/en-us" in ids


def test_rate_changes_the_pace():
    with open_engine(rate=100) as slow, open_engine(rate=250) as fast:
        text = "Slide your hips a little closer to the wall."
        assert slow.synthesize([text])[text].samples > 1.5 * fast.synthesize([text])[text].samples


def test_chosen_voice_is_used_and_reported():
    with open_engine(voice="gmw/en-us") as speaker:
        speaker.synthesize(["Hello."])
        assert speaker.voice == "gmw/en-us"


def test_unknown_voice_is_bad_input():
    with open_engine(voice="no-such-voice") as speaker, pytest.raises(OptionError, match="voices"):
        speaker.synthesize(["Hello."])


def test_a_phrase_that_takes_too_long_fails_clearly(monkeypatch):
    monkeypatch.setenv("VOICEGUIDE_TTS_TIMEOUT", "0.001")
    with open_engine() as speaker, pytest.raises(SynthesisError, match="did not answer within"):
        speaker.synthesize(["A sentence long enough to take more than a millisecond to say."])


@pytest.mark.slow
def test_many_phrases_are_voiced_by_two_workers_as_one_would():
    texts = [f"This is phrase number {n}, said once." for n in range(PARALLEL_FROM)]
    with Pyttsx3Engine(workers=2) as together:
        shared = together.synthesize(texts + texts[:3])
        assert all(worker._process is not None for worker in together._workers)
    with Pyttsx3Engine(workers=1) as alone:
        single = alone.synthesize(texts)
    assert list(shared) == texts
    for text in texts:  # each phrase voiced from one state, whatever was said before it
        assert shared[text] == single[text], text


PLAIN_PYTTSX3 = r"""
import os
import sys
import time
import wave

from voiceguide.speech.pyttsx3_worker import prepare_espeak

prepare_espeak()
import pyttsx3
from pyttsx3.drivers import _espeak

GUARD = 30  # seconds: a hang guard, not a timing


def idle():
    # Wait until espeak's queue thread has done all it was asked: a runAndWait while
    # it is busy Cancels what is queued (a setting, an utterance).
    deadline = time.monotonic() + GUARD
    while _espeak.IsPlaying():
        if time.monotonic() > deadline:
            sys.exit(f"espeak was still busy after {GUARD} s")
        time.sleep(0.01)


def frames(path):
    try:
        with wave.open(path) as wav:
            return wav.getnframes()
    except (FileNotFoundError, EOFError, wave.Error):
        return 0


def written(path):
    # runAndWait may return before espeak's thread has written the file: wait until it
    # holds audio and stays the same over two looks, then until espeak is idle.
    deadline = time.monotonic() + GUARD
    seen = None
    while True:
        look = (frames(path), os.path.getsize(path) if os.path.exists(path) else 0)
        if look[0] > 0 and look == seen:
            break
        if time.monotonic() > deadline:
            sys.exit(f"no audio in {path} after {GUARD} s (last seen {look})")
        seen = look
        time.sleep(0.05)
    idle()


folder = sys.argv[1]
engine = pyttsx3.init()
idle()  # its own settings applied: a Cancel now leaves the next text silent
engine.save_to_file("Ready.", f"{folder}/warm-up.wav")  # the first runAndWait returns
engine.runAndWait()  # before its file is written: not a real text
written(f"{folder}/warm-up.wav")
engine.setProperty("voice", "gmw/en")  # done at once, now that the first loop has run
engine.setProperty("rate", 150)
idle()
for n, text in enumerate(sys.argv[2:]):
    engine.save_to_file(text, f"{folder}/{n}.wav")
    engine.runAndWait()
    written(f"{folder}/{n}.wav")
"""


def test_polling_sooner_changes_nothing_that_is_said(engine, tmp_path):
    """The worker looks for the end of each utterance every millisecond, not every 10:
    the phrases come out as pyttsx3 left alone makes them."""
    import subprocess
    import sys
    import wave

    texts = ["Bring your right knee toward your chest.", "Halfway.", "Three."]
    reference = subprocess.run(
        [sys.executable, "-c", PLAIN_PYTTSX3, str(tmp_path), *texts],
        capture_output=True,
        text=True,
    )
    assert reference.returncode == 0, reference.stderr
    ours = engine.synthesize(texts)
    for n, text in enumerate(texts):
        with wave.open(str(tmp_path / f"{n}.wav")) as plain:
            theirs = np.frombuffer(plain.readframes(plain.getnframes()), "<i2").astype(float)
        mine = np.frombuffer(ours[text].pcm, "<i2").astype(float)
        assert abs(len(mine) - len(theirs)) <= 50, text
        level = 10 * np.log10((mine**2).mean() / (theirs**2).mean())
        assert abs(level) < 0.2, text


def test_espeak_crashing_on_a_text_is_named_and_the_worker_lives_on(tmp_path, monkeypatch):
    # espeak-ng overruns a buffer on some texts (1,000 characters of "W.W.W…"): the
    # phrase is said in a forked child, so the crash is the child's alone
    import faulthandler
    import os
    import signal

    from voiceguide.speech.pyttsx3_worker import EspeakSpeaker

    # the speaker sets ESPEAK_DATA_PATH for this process: put back as it was after the test
    monkeypatch.delenv("ESPEAK_DATA_PATH", raising=False)
    speaker = EspeakSpeaker(150, None)
    said = speaker._synth

    def crash(text):  # in the child: as espeak-ng dies, without pytest's crash report
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)

    monkeypatch.setattr(speaker, "_synth", crash)
    with pytest.raises(RuntimeError, match=r"espeak-ng crashed \(SIGSEGV\) saying 'W\.W\."):
        speaker.save("W.W.W.", str(tmp_path / "crash.wav"))
    monkeypatch.setattr(speaker, "_synth", said)
    speaker.save("Breathe in.", str(tmp_path / "after.wav"))
    assert (tmp_path / "after.wav").stat().st_size > 1000
