"""Measuring a built session as a player hears it: decode the file, look at 10 ms windows.

Used by the end-to-end tests and by scripts/look.py: every speech and tone event must be
audible, nothing may be audible outside them, speech must start where the timeline
says, and the decoded length must match the timeline's duration.

Under a bed (an event of kind ``bed``) nothing is silent, so sound is told from the bed
by level: a speech onset is the first window :data:`ABOVE_BED` dB louder than the
loudest window of the ducked bed in the :data:`BEFORE` seconds before it, and between
events nothing may pass the bed's own level (its median there) by :data:`BED_SPREAD`.
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass

import imageio_ffmpeg
import numpy as np

WINDOW = 0.010
"""Seconds per analysis window."""
AUDIBLE_DBFS = -45.0
"""A window louder than this counts as sound."""
ONSET_TOLERANCE = 0.030
"""Seconds a speech onset may be off its timeline time."""
EDGE = 0.030
"""Seconds around each event where the encoder's smearing may still be heard."""
ABOVE_BED = 3.0
"""dB over the ducked bed just before it at which speech counts as begun."""
BEFORE = 0.100
"""Seconds before a speech event in which the ducked bed is measured."""
BED_SPREAD = 12.0
"""dB over the bed's median level (between events) that only something else reaches:
a noise or a pad swells and falls by up to about 9 dB in 10 ms windows."""


def decode(path: str | os.PathLike[str], rate: int) -> np.ndarray:
    """The file decoded by ffmpeg to mono float samples in [-1, 1) at ``rate`` (read-only:
    the last few decodings are kept, for as long as the file is unchanged)."""
    found = os.stat(path)
    return _decoded(os.fspath(path), found.st_mtime_ns, found.st_size, rate)


@functools.lru_cache(maxsize=4)
def _decoded(path: str, mtime_ns: int, size: int, rate: int) -> np.ndarray:
    out = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(out, dtype="<i2").astype(np.float64) / 32768
    samples.flags.writeable = False
    return samples


def window_db(samples: np.ndarray, rate: int) -> np.ndarray:
    """RMS level of each 10 ms window, dBFS. Window ``i`` starts at sample
    ``round(i * rate * WINDOW)``, so windows never drift (10 ms is 220.5 samples at
    22050 Hz)."""
    count = int(len(samples) / (rate * WINDOW))
    starts = np.round(np.arange(count + 1) * rate * WINDOW).astype(np.int64)
    sums = np.add.reduceat(samples[: starts[-1]] ** 2, starts[:-1])
    rms = np.sqrt(sums / np.diff(starts))
    return 20 * np.log10(np.maximum(rms, 1e-10))


@dataclass
class Report:
    problems: list[str]
    decoded_seconds: float
    onset_errors: list[float]
    bed_db: float | None = None
    """The bed's median level between events, dBFS (None without a bed)."""

    def __bool__(self) -> bool:
        return not self.problems


def check(path, timeline: dict) -> Report:
    """Every way the decoded audio can disagree with the timeline, as sentences."""
    rate = timeline["sample_rate"]
    samples = decode(path, rate)
    levels = window_db(samples, rate)
    bed = any(e["kind"] == "bed" for e in timeline["events"])
    loud = levels > AUDIBLE_DBFS
    problems: list[str] = []
    decoded = len(samples) / rate
    if abs(decoded - timeline["duration"]) > ONSET_TOLERANCE:
        problems.append(f"decoded {decoded:.3f} s, timeline says {timeline['duration']:.3f} s")
    covered = np.zeros(len(loud), dtype=bool)
    onset_errors: list[float] = []
    floor, last_end = AUDIBLE_DBFS, -1.0
    for event in timeline["events"]:
        if event["kind"] not in ("speech", "tone"):
            continue
        first, last = _index(event["start"]), _index(event["end"])
        covered[max(0, _index(event["start"] - EDGE)) : _index(event["end"] + EDGE) + 1] = True
        if bed and event["start"] - BEFORE >= last_end:
            # the bed, ducked just before the event, is the floor the sound rises from
            before = levels[max(0, first - _index(BEFORE)) : first].max(initial=-200.0)
            floor = max(AUDIBLE_DBFS, before + ABOVE_BED)
        elif not bed:
            floor = AUDIBLE_DBFS  # (right after another sound, the floor found before it)
        last_end = event["end"]
        inside = np.flatnonzero(levels[first : last + 1] > floor)
        label = event.get("text") or event.get("name")
        if inside.size == 0:
            problems.append(f"silent {event['kind']} at {event['start']:.3f}: {label!r}")
            continue
        if event["kind"] == "speech":
            onset = (first + inside[0]) * WINDOW
            onset_errors.append(onset - event["start"])
            # in whole milliseconds: "within 30 ms" takes 30 ms, whatever the floats say
            if abs(round((onset - event["start"]) * 1000)) > round(ONSET_TOLERANCE * 1000):
                problems.append(
                    f"speech {label!r} starts at {onset:.3f}, timeline says {event['start']:.3f}"
                )
    bed_db = float(np.median(levels[~covered])) if bed and (~covered).any() else None
    if bed_db is not None:
        loud = levels > max(AUDIBLE_DBFS, bed_db + BED_SPREAD)
    stray = np.flatnonzero(loud & ~covered)
    if stray.size:
        problems.append(
            f"{stray.size} loud windows outside every event, first at "
            f"{stray[0] * WINDOW:.2f} s ({levels[stray[0]]:.1f} dBFS)"
        )
    return Report(problems, decoded, onset_errors, bed_db)


def _index(seconds: float) -> int:
    return int(round(seconds / WINDOW))


EBUR128 = "ebur128=peak=true:dualmono=true:framelog=quiet"


def loudness(path) -> tuple[float, float]:
    """(integrated LUFS measured dual-mono, true peak dBTP) of the file, by ffmpeg."""
    report = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-nostdin",
            "-i",
            str(path),
            "-af",
            EBUR128,
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    return _measured(report)


def pcm_loudness(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """(integrated LUFS measured dual-mono, true peak dBTP) of float ``samples``, by ffmpeg."""
    pcm = (np.clip(samples, -1, 1 - 2**-15) * 32768).astype("<i2").tobytes()
    report = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-af",
            EBUR128,
            "-f",
            "null",
            "-",
        ],
        input=pcm,
        capture_output=True,
        check=True,
    ).stderr.decode()
    return _measured(report)


def _measured(report: str) -> tuple[float, float]:
    import re

    integrated = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", report)[-1])
    peak = float(re.findall(r"Peak:\s+(-?[\d.]+) dBFS", report)[-1])
    return integrated, peak


def events_loudness(samples: np.ndarray, rate: int, events: list[dict]) -> float:
    """Integrated loudness (LUFS, dual mono) of just these events of the decoded audio,
    each kept with 0.8 s of silence after it."""
    gap = np.zeros(int(0.8 * rate))
    parts = [
        p for e in events for p in (samples[int(e["start"] * rate) : int(e["end"] * rate)], gap)
    ]
    return pcm_loudness(np.concatenate(parts), rate)[0]


def chapters(path) -> list[tuple[str, float, float]]:
    """(title, start, end) of each chapter as ffmpeg's demuxer (and so ffprobe) reads
    them, in the order it lists them."""
    import re

    report = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
    ).stderr
    found = re.findall(
        r"Chapter #\d+:\d+: start (\S+), end (\S+)\n\s+Metadata:\n\s+title\s+: (.*)", report
    )
    return [(title.strip(), float(start), float(end)) for start, end, title in found]


def languages(path) -> set[str]:
    """The language tags ffmpeg's demuxer reads in the file: each stream's language
    (``eng``) and any LANGUAGE comment (``en``)."""
    import re

    report = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
    ).stderr
    streams = re.findall(r"Stream #\d+:\d+(?:\[\w+\])?\((\w+)\): Audio", report)
    comments = re.findall(r"^\s+LANGUAGE\s+: (\S+)", report, re.M)
    return set(streams) | set(comments)
