"""Look at a built session, since you cannot hear it here.

    .venv/bin/python scripts/look.py output/hamstring-relief.timeline.json \
        [--png wave.png] [--from 40 --to 100]

Decodes the MP3 next to the timeline, prints each timeline event beside what the
audio does there (loud or quiet), runs the same checks as the tests, and with --png
draws the waveform with the events shaded; under a bed, a second panel draws the
level in 10 ms windows with the bed's planned gain over it. --png needs matplotlib
(.venv/bin/pip install matplotlib); without it the rest is printed and the PNG is not.

Exit status: 0 all checks pass, 1 a check failed, 2 a usage problem or (checks passing)
no PNG drawn because matplotlib is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

try:
    from voiceguide import audio_check
except ImportError:  # run with a Python that does not have the project installed
    sys.exit("look.py needs the project's venv: .venv/bin/python scripts/look.py ...")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("timeline", type=Path)
    args.add_argument("--png", type=Path, help="draw the waveform into this PNG")
    args.add_argument("--from", dest="start", type=float, default=0.0)
    args.add_argument("--to", dest="end", type=float, default=None)
    opts = args.parse_args()
    sheet = json.loads(opts.timeline.read_text())
    audio = opts.timeline.parent / sheet["audio"]
    rate = sheet["sample_rate"]
    samples = audio_check.decode(audio, rate)
    levels = audio_check.window_db(samples, rate)
    end = min(opts.end, sheet["duration"]) if opts.end is not None else sheet["duration"]
    for event in sheet["events"]:
        if not opts.start <= event["start"] <= end:
            continue
        a, b = (int(event[k] / audio_check.WINDOW) for k in ("start", "end"))
        part = levels[a:b] if b > a else levels[a : a + 1]
        loud = np.flatnonzero(part > audio_check.AUDIBLE_DBFS)
        sound = (
            f"loud {a * 0.01 + loud[0] * 0.01:8.2f}-{a * 0.01 + (loud[-1] + 1) * 0.01:8.2f}"
            f" peak {part.max():6.1f} dB"
            if loud.size
            else "quiet"
        )
        what = event.get("text") or event.get("name") or f"{event.get('seconds')} s"
        print(
            f"{event['start']:8.2f} {event['end']:8.2f}  {event['kind']:<7} {sound:<36} {what[:60]}"
        )
    report = audio_check.check(audio, sheet)
    print(
        f"\ndecoded {report.decoded_seconds:.3f} s, timeline {sheet['duration']:.3f} s; "
        f"speech onsets off by {min(report.onset_errors) * 1000:.0f} to "
        f"{max(report.onset_errors) * 1000:.0f} ms"
    )
    print("\n".join(report.problems) or "all checks pass")
    if report.bed_db is not None:
        print(f"the bed between events: {report.bed_db:.1f} dBFS (median of 10 ms windows)")
    if opts.png:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print(
                f"{opts.png} not drawn: --png needs matplotlib (.venv/bin/pip install matplotlib)",
                file=sys.stderr,
            )
            raise SystemExit(1 if report.problems else 2) from None
        draw(samples, rate, sheet, opts.start, end, opts.png, report.bed_db)
    if report.problems:
        raise SystemExit(1)


def draw(samples, rate, sheet, start, end, png, bed_db) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {
        "speech": "tab:blue",
        "tone": "tab:orange",
        "hold": "tab:green",
        "rest": "tab:grey",
        "switch": "tab:purple",
        "setup": "tab:olive",
    }
    first, last = int(start * rate), int(end * rate)
    t = np.arange(first, last) / rate
    rows = 2 if bed_db is not None else 1
    fig, axes = plt.subplots(rows, 1, figsize=(16, 4 * rows), sharex=True, squeeze=False)
    ax = axes[0][0]
    ax.plot(t, samples[first:last], linewidth=0.3, color="black")
    for event in sheet["events"]:
        if event["kind"] == "bed" or event["end"] < start or event["start"] > end:
            continue
        low, high = (-1, -0.9) if event["kind"] in ("speech", "tone") else (0.9, 1)
        ax.axvspan(
            event["start"],
            event["end"],
            ymin=(low + 1) / 2,
            ymax=(high + 1) / 2,
            color=colours[event["kind"]],
            alpha=0.6,
        )
    ax.set_xlim(start, end)
    ax.set_ylim(-1, 1)
    ax.set_xlabel("seconds")
    ax.set_title(
        f"{sheet['title']}: events below (speech blue, tone orange), timed "
        "spans above (hold green, rest grey, switch purple, setup olive)"
    )
    if bed_db is not None:
        _draw_bed(axes[1][0], samples, rate, sheet, start, end, bed_db)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"waveform: {png}")


def _draw_bed(ax, samples, rate, sheet, start, end, bed_db) -> None:
    """The level of each 10 ms window, and the bed's gain as planned (its ducks and
    fades, from the timeline), drawn at the bed's measured level."""
    from voiceguide.bed.curve import Curve, ducks

    levels = audio_check.window_db(samples, rate)
    a, b = int(start / audio_check.WINDOW), int(end / audio_check.WINDOW)
    ax.plot(np.arange(a, b) * audio_check.WINDOW, levels[a:b], linewidth=0.5, color="grey",
            label="level, 10 ms windows (dBFS)")  # fmt: skip
    sounds = [
        (round(e["start"] * rate), round(e["end"] * rate))
        for e in sheet["events"]
        if e["kind"] in ("speech", "tone")
    ]
    duck = sheet["settings"].get("duck", 0)
    curve = Curve(1.0, duck, ducks(sounds, rate), rate, round(sheet["duration"] * rate))
    where = np.arange(int(start * rate), int(end * rate), rate // 100)
    gain = 20 * np.log10(np.maximum(curve.at(where), 1e-6))
    ax.plot(where / rate, bed_db + gain, color="tab:red", linewidth=1.5,
            label=f"the bed's gain: {duck:g} dB down ahead of each sound")  # fmt: skip
    ax.set_ylim(-70, 0)
    ax.set_ylabel("dBFS")
    ax.set_xlabel("seconds")
    ax.legend(loc="upper right")


if __name__ == "__main__":
    main()
