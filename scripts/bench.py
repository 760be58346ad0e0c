"""How fast voiceguide builds, against the floor and against the obvious way.

    .venv/bin/python scripts/bench.py [--runs 3] [--minutes 10 60 180] [--naive-up-to 60]
                                      [--quick-runs 20] [--quick-only] [--largest]

For sessions of about 10, 60 and 180 minutes (the built-in routine with longer holds
and more reps), prints side by side, as medians over --runs:

- cold: `voiceguide build` with an empty speech cache, wall time;
- warm: the same build again, the cache full;
- floor: ffmpeg encoding PCM of the same session, at the same settings, from a file;
- naive: pyttsx3 saving each phrase, pydub joining the session with `+=`, one export
  (only up to --naive-up-to minutes: it grows with the square of the length);
- the ratios cold/floor, warm/floor and naive/cold, the realtime factor (audio
  seconds per second of building), and the peak RSS of the build process.

First, the quick start: the median wall time (ms, over --quick-runs) of `voiceguide
--help`, `voiceguide list` and `voiceguide validate` of the built-in routine, each its own
process, beside `python -c pass`; and the cost of the speech cache's trim after a build:
one scan of a cache as full as its 500 MB cap holds (2,300 entries: the built-in
session's phrases are about 220 kB each), nothing dropped. --quick-only stops there.

--largest instead builds the largest session the limits let through, as speech goes (50
exercises of 11 long instructions each, about 2.4 hours of distinct speech in a session
just under the 3-hour cap), cold and warm, and `show --exact` of it, with the peak RSS
of each: what bounds the memory a build can take.

The floor is one ffmpeg encoding on one core; a build encodes its MP3 with the same LAME
at the same settings, but in parts at once, one a core (voiceguide/mp3.py), so on two
cores it can take less than the floor. voiceguide's own bytecode is compiled first, as
Python does on a first run (unless PYTHONDONTWRITEBYTECODE is set), so every build is
timed as a user's second one is.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import voiceguide
from voiceguide import ffmpeg
from voiceguide.build import timeline_for, tones_for, voice_script
from voiceguide.formats import FORMATS
from voiceguide.levels import master
from voiceguide.options import Options
from voiceguide.plan import estimate_seconds, plan
from voiceguide.render import render
from voiceguide.routine import load_builtin
from voiceguide.speech import open_engine

ROUTINE = "hamstring-relief"


def options_for(minutes: float) -> Options:
    """Hold and reps that make the built-in routine last about ``minutes`` (a little
    under the 3-hour cap for the longest)."""
    minutes = min(minutes, 177)
    routine = load_builtin(ROUTINE)
    reps = 2 if minutes <= 15 else 5 if minutes <= 70 else 12
    base = estimate_seconds(plan(routine, Options.of(reps=reps, hold=1)))
    holds = 3 * 2 * reps
    hold = max(1, round((minutes * 60 - base) / holds + 1))
    return Options.of(reps=reps, hold=min(hold, 600))


def cli_args(options: Options) -> list[str]:
    return ["--hold", str(options.get("hold")), "--reps", str(options.get("reps"))]


def timed_build(options: Options, out: Path, cache: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (kB) of one `voiceguide build` in its own process."""
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "build", "-o", str(out), *cli_args(options)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"build failed with {cli_args(options)}")
    return elapsed, usage.ru_maxrss


def session_pcm(options: Options, path: Path) -> float:
    """Render the session's PCM into ``path``; its length in seconds."""
    script = plan(load_builtin(ROUTINE), options)
    with open_engine() as engine:
        voice = voice_script(script, engine)
    timeline = timeline_for(script, voice.clips)
    mastered = master(timeline, voice.clips, tones_for(script, timeline.rate), voice.energies)
    with open(path, "wb") as f:
        for chunk in render(timeline, mastered.sounds):
            f.write(chunk)
    return timeline.duration / timeline.rate


def encode_floor(pcm: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ffmpeg.base_command()
        + [
            "-y",
            "-f",
            "s16le",
            "-ar",
            "22050",
            "-ac",
            "1",
            "-i",
            str(pcm),
            *FORMATS["mp3"].codec,
            "-f",
            "mp3",
            str(out),
        ],
        check=True,
    )
    return time.perf_counter() - start


NAIVE = r"""
import sys, os, tempfile, warnings
warnings.filterwarnings("ignore")
from voiceguide.speech.pyttsx3_worker import prepare_espeak
prepare_espeak()
import pyttsx3
from pydub import AudioSegment
import voiceguide
from voiceguide import ffmpeg
from voiceguide.options import Options
from voiceguide.plan import plan
from voiceguide.routine import load_builtin
AudioSegment.converter = ffmpeg.ffmpeg_exe()
options = Options.of(hold=float(sys.argv[1]), reps=int(sys.argv[2]))
script = plan(load_builtin("hamstring-relief"), options)
engine = pyttsx3.init()
engine.setProperty("rate", 150)
folder = tempfile.mkdtemp()
engine.save_to_file("Ready.", os.path.join(folder, "warm-up.wav"))  # the first file comes late
engine.runAndWait()
session = AudioSegment.silent(0, frame_rate=22050)
for index, step in enumerate(script.steps):
    if isinstance(step, Say):
        path = os.path.join(folder, f"{index}.wav")
        engine.save_to_file(step.text, path)
        engine.runAndWait()
        session += AudioSegment.from_wav(path)
    elif isinstance(step, (Wait, Hold)):
        session += AudioSegment.silent(int(step.seconds * 1000), frame_rate=22050)
    elif isinstance(step, Tone):
        session += AudioSegment.silent(300, frame_rate=22050)
session.export(sys.argv[3], format="mp3", bitrate="64k")
"""


def naive(options: Options, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", NAIVE, *cli_args(options)[1::2], str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def quick_start(runs: int) -> None:
    """Median wall milliseconds of the commands that only read routines, each a process."""
    routine = Path(voiceguide.__file__).parent / "routines" / f"{ROUTINE}.yaml"
    command = [sys.executable, "-m", "voiceguide"]
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "voiceguide --help": [*command, "--help"],
        "voiceguide list": [*command, "list"],
        "voiceguide validate": [*command, "validate", str(routine)],
    }
    print(f"quick start, medians of {runs} (ms)")
    for name, args in cases.items():
        subprocess.run(args, check=True, capture_output=True)  # the files in the page cache
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name:<20} {statistics.median(times):6.0f}   (min {min(times):.0f})")


def cache_trim(entries: int = 2300) -> None:
    """Milliseconds of one trim over a cache of ``entries`` entries that fits its cap:
    the scan every build that voiced something pays."""
    from voiceguide.speech.base import Clip
    from voiceguide.speech.cache import ClipCache

    with tempfile.TemporaryDirectory() as scratch:
        cache = ClipCache(scratch, max_bytes=500_000_000)
        for n in range(entries):
            cache.put(cache.key({"engine": "bench"}, str(n)), Clip(b"\0\0", 22050))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            cache.trim()
            times.append((time.perf_counter() - start) * 1000)
    print(f"cache trim, {entries:,} entries: {statistics.median(times):.0f} ms (median of 5)")


def largest_routine(path: Path) -> None:
    """The speech-heaviest routine the limits let through: 550 instructions of 45 words
    (each said once, no two alike), the holds and pauses at their shortest."""
    import random

    phrase = "breathe slowly and let the muscles soften while you hold, keep your back flat"
    words = phrase.replace(",", "").split(" ")
    pick = random.Random(1)
    lines = ["title: The most speech the limits allow", "exercises:"]
    for e in range(50):
        lines += [f"  - name: Exercise {e}", "    instructions:"]
        for i in range(11):
            said = " ".join(pick.choice(words) for _ in range(45))
            lines.append(f'      - "Part {e} {i}. {said}."')
    path.write_text("\n".join(lines) + "\n")


def largest() -> None:
    """Peak RSS (MB) and seconds of building, and timing exactly, the largest routine."""
    shortest = [
        "--hold",
        "0.1",
        "--reps",
        "1",
        "--rest",
        "0.1",
        "--switch",
        "0.1",
        "--setup",
        "0.1",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        routine = work / "largest.yaml"
        largest_routine(routine)
        env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(work / "cache")}
        runs = {
            "build, cold": ["build", str(routine), "-o", str(work / "out")],
            "build, warm": ["build", str(routine), "-o", str(work / "out")],
            "show --exact": ["show", "--exact", str(routine)],
        }
        print("the largest routine the limits allow")
        for name, args in runs.items():
            start = time.perf_counter()
            with open(work / "said.txt", "w+") as said:
                process = subprocess.Popen(
                    [sys.executable, "-m", "voiceguide", *args, *shortest],
                    env=env,
                    stdout=said,
                    stderr=subprocess.DEVNULL,
                )
                _, status, usage = os.wait4(process.pid, 0)
                said.seek(0)
                first = said.readline().strip() or f"exit status {status >> 8}"
            seconds = time.perf_counter() - start
            print(f"{name:<14} {seconds:6.1f} s {usage.ru_maxrss / 1024:6.0f} MB   {first[:72]}")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--minutes", type=float, nargs="+", default=[10, 60, 180])
    args.add_argument("--naive-up-to", type=float, default=60)
    args.add_argument("--quick-runs", type=int, default=20)
    args.add_argument("--quick-only", action="store_true")
    args.add_argument("--largest", action="store_true")
    opts = args.parse_args()
    if opts.largest:
        largest()
        return
    compileall.compile_dir(str(Path(voiceguide.__file__).parent), quiet=1)
    quick_start(opts.quick_runs)
    cache_trim()
    if opts.quick_only:
        return
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    print(f"voiceguide bench, commit {commit}, {os.cpu_count()} cores, medians of {opts.runs}")
    header = (
        f"{'minutes':>8} {'cold s':>8} {'warm s':>8} {'floor s':>8} {'naive s':>8} "
        f"{'cold/fl':>8} {'warm/fl':>8} {'naive/cold':>10} {'x realtime':>10} "
        f"{'s/audio min':>11} {'RSS MB':>7}"
    )
    print(header)
    for minutes in opts.minutes:
        options = options_for(minutes)
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            audio_seconds = session_pcm(options, work / "session.pcm")
            cold, warm, floor, slow, rss = [], [], [], [], []
            for run in range(opts.runs):
                cache = work / f"cache{run}"
                seconds, peak = timed_build(options, work / "out", cache)
                cold.append(seconds)
                rss.append(peak)
                seconds, peak = timed_build(options, work / "out", cache)
                warm.append(seconds)
                rss.append(peak)
                floor.append(encode_floor(work / "session.pcm", work / "floor.mp3"))
                if minutes <= opts.naive_up_to:
                    slow.append(naive(options, work / "naive.mp3"))
            c, w, f = (statistics.median(x) for x in (cold, warm, floor))
            n = statistics.median(slow) if slow else float("nan")
            print(
                f"{audio_seconds / 60:8.1f} {c:8.2f} {w:8.2f} {f:8.2f} {n:8.2f} {c / f:8.2f} "
                f"{w / f:8.2f} {n / c:10.1f} {audio_seconds / c:10.0f} "
                f"{c / (audio_seconds / 60):11.3f} {max(rss) / 1024:7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
