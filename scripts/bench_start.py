"""The parts of scripts/bench.py that build no session: how fast the commands that only
read routines start, what the cache's trim costs, and the largest routine's memory
(see scripts/bench.py for what each prints)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import voiceguide

ROUTINE = "hamstring-relief"


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
