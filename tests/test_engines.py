"""What every voice engine promises, checked on each real engine."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from voiceguide.speech import ENGINES, open_engine


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    with open_engine(request.param) as speaker:
        yield speaker


def test_each_distinct_text_gets_one_clip_with_sound(engine):
    clips = engine.synthesize(["Hold for 30 seconds.", "Three.", "Hold for 30 seconds."])
    assert list(clips) == ["Hold for 30 seconds.", "Three."]
    for clip in clips.values():
        assert clip.rate == 22050
        assert clip.samples > 22050 * 0.2
        assert np.abs(np.frombuffer(clip.pcm, "<i2")).max() > 3000
    assert clips["Hold for 30 seconds."].samples > clips["Three."].samples


def test_identity_names_what_shapes_a_clip_and_nothing_else(engine):
    """The speech cache's key: the same for another engine opened alike (so a rebuild
    finds its phrases), different when the rate differs (so it never finds the wrong ones)."""
    identity = engine.identity()
    assert identity["engine"] == engine.name
    assert identity["rate"] == str(engine.rate) and identity["version"]
    with (
        open_engine(engine.name) as same,
        open_engine(engine.name, rate=engine.rate + 20) as faster,
    ):
        assert same.identity() == identity
        assert faster.identity() != identity
        assert {k for k, v in faster.identity().items() if v != identity[k]} == {"rate"}


BESIDE_PYTTSX3 = """
from voiceguide.speech import open_engine
from voiceguide.speech.pyttsx3_worker import prepare_espeak

prepare_espeak()  # the pyttsx3 worker's libespeak-ng, loaded for the whole process
with open("/proc/self/maps") as maps:
    assert "libespeak-ng" in maps.read(), "espeak-ng was not loaded"
with open_engine("piper") as speaker:
    print(speaker.synthesize(["Three."])["Three."].samples)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="loaded so on Linux only")
def test_piper_speaks_in_a_process_that_loaded_the_pyttsx3_espeak():
    """Piper has an espeak-ng of its own built in. With pyttsx3's loaded for the whole
    process first (its worker loads it so; a test once did in pytest's own process), the
    first phrase Piper said killed the process. In a fresh process, so that only the
    libraries loaded here count, and a crash fails this test alone."""
    done = subprocess.run(
        [sys.executable, "-c", BESIDE_PYTTSX3], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) > 22050 * 0.2
