"""What every voice engine promises, checked on each real engine."""

from __future__ import annotations

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


def test_identity_names_the_engine_and_is_stable(engine):
    assert engine.identity() == engine.identity()
    assert engine.identity()["engine"] == engine.name
