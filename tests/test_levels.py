"""Levelling holds a session's speech once: trimmed and levelled clip by clip, each
original let go as its copy is made (issue: all or nothing, bounded always)."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from voiceguide import loudness
from voiceguide.build import timeline_for, tones_for, voice_script
from voiceguide.levels import master, trimmed_voice
from voiceguide.options import Options
from voiceguide.plan import plan
from voiceguide.routine import resolve
from voiceguide.speech.base import Clip

RATE = 22050


def _routine(folder: Path) -> Path:
    lines = ["title: Many phrases", "exercises:"]
    for e in range(10):
        lines += [f"  - name: Exercise {e}", "    instructions:"]
        lines += [f"      - Instruction {i} of exercise {e}." for i in range(30)]
    path = folder / "many.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _voiced(texts: list[str]) -> dict[str, Clip]:
    """A clip of 1.5 s for each text: speech-like noise between 0.2 s of silence."""
    rng = np.random.default_rng(7)
    clips = {}
    for text in texts:
        sound = int(1.1 * RATE)
        syllables = np.abs(np.sin(np.pi * np.arange(sound) / (0.18 * RATE))) ** 2
        body = 0.2 * rng.standard_normal(sound) * syllables
        quiet = np.zeros(int(0.2 * RATE))
        clips[text] = Clip(loudness.to_pcm(np.concatenate((quiet, body, quiet))), RATE)
    return clips


def _extra_peak(work):
    """``work()``'s result, and the most memory it held at once beyond what was held
    before it began (numpy's arrays and Python's objects, as tracemalloc counts them:
    what it frees counts only if it was made while tracing, as the session is)."""
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = work()
    return result, tracemalloc.get_traced_memory()[1] - before


@pytest.fixture
def session(tmp_path, monkeypatch):
    """A script and its speech, made while memory is traced; one core, so that one
    clip at a time is in the works (each of those needs some twenty times its size)."""
    monkeypatch.setattr(loudness.os, "cpu_count", lambda: 1)
    tracemalloc.start()
    script = plan(resolve(str(_routine(tmp_path))), Options.of(hold=2, reps=1))
    yield script, _voiced(script.texts())
    tracemalloc.stop()


def test_trimming_holds_the_speech_once(session):
    script, clips = session
    size = sum(len(c.pcm) for c in clips.values())
    voice, extra = _extra_peak(lambda: trimmed_voice(clips))
    assert size > 15 << 20 and len(voice.clips) == len(script.texts())
    assert not clips  # taken clip by clip
    # the originals go as their trimmed copies are made; each clip is K-weighted alone
    assert extra < 0.5 * size, f"{extra / size:.2f} times the speech"
    trimmed = sum(len(c.pcm) for c in voice.clips.values())
    assert trimmed < size - len(voice.clips) * 0.3 * RATE * 2  # the silences were cut


class _Handing:
    """A voice that hands out clips made before, each let go by the caller as it is
    handed (so that only the build holds it)."""

    def __init__(self, clips: dict[str, Clip]):
        self.clips = clips

    def synthesize(self, texts, on_clip=None):
        said = {}
        for text in dict.fromkeys(texts):
            said[text] = self.clips.pop(text)
            if on_clip is not None:
                on_clip(text, said[text])
        return said


def test_voicing_and_trimming_hold_the_speech_once(session):
    """Clips measured as they come are let go before they are trimmed: each original
    goes as its trimmed copy is made, as when trimming alone."""
    script, clips = session
    size = sum(len(c.pcm) for c in clips.values())
    voice, extra = _extra_peak(lambda: voice_script(script, _Handing(clips)))
    assert not clips and len(voice.clips) == len(script.texts())
    assert extra < 0.5 * size, f"{extra / size:.2f} times the speech"


def test_levelling_holds_the_speech_once(session):
    script, clips = session
    voice = trimmed_voice(clips)
    size = sum(len(c.pcm) for c in voice.clips.values())
    chimes = tones_for(script, RATE)
    timeline = timeline_for(script, voice.clips, chimes)
    mastered, extra = _extra_peak(lambda: master(timeline, voice.clips, chimes, voice.energies))
    assert not voice.clips  # taken as each was levelled
    assert extra < 0.5 * size, f"{extra / size:.2f} times the speech"
    # and levelled: the program measures the target, every sound is where it was
    assert len(mastered.sounds) == len({e.sound for e in timeline.audible()})
    program = loudness.Program(
        ((e.sound, e.start) for e in timeline.audible()), timeline.duration, RATE
    )
    measured = program.measure(
        {
            k: loudness.energy(loudness.k_weighted(loudness.to_float(pcm), RATE), RATE)
            for k, pcm in mastered.sounds.items()
        }
    )
    assert measured == pytest.approx(-16.0, abs=0.1)


THREADS_AFTER = """
import os, sys
if sys.argv[1] == "voiceguide":
    import voiceguide.levels  # as a build loads numpy
import numpy
numpy.ones((64, 64), dtype=numpy.float32) @ numpy.ones((64, 64), dtype=numpy.float32)
print(len(os.listdir("/proc/self/task")))
"""


def threads_after(first: str, **env: str) -> int:
    """Threads in a fresh process that loaded numpy (through voiceguide or ``first``
    not) and multiplied two matrices."""
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", THREADS_AFTER, first], env={**clean, **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(done.stdout)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_numpy_does_its_matrix_products_on_one_thread_in_a_build():
    """OpenBLAS's threads spin between products, taking the cores LAME and espeak-ng
    need; voiceguide keeps it to the one thread, unless the user chose otherwise."""
    if len(os.sched_getaffinity(0)) < 2 or threads_after("numpy") < 2:
        pytest.skip("OpenBLAS starts no threads of its own on one core")
    assert threads_after("voiceguide") == 1
    assert threads_after("voiceguide", OPENBLAS_NUM_THREADS="2") == 2
