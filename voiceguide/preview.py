"""A session's timeline before anything is voiced: every phrase's length estimated from
its text, the tones' from their names. What ``list``, ``show`` and ``validate`` say of a
session's length, with no audio code loaded (they must start quickly)."""

from __future__ import annotations

from voiceguide.model import Routine
from voiceguide.options import Options
from voiceguide.plan import estimate_speech, plan
from voiceguide.script import Script
from voiceguide.timeline import Timeline, schedule

PREVIEW_RATE = 22050
"""Sample rate of a preview timeline (espeak's own)."""


def preview(script: Script, *, rate: int = 150) -> Timeline:
    """The script laid out with estimated speech lengths, at ``rate`` words a minute:
    nothing is voiced."""
    speech = {
        t: round(estimate_speech(t, rate, script.language) * PREVIEW_RATE) for t in script.texts()
    }
    from voiceguide.tones import samples  # the tones' lengths alone: no numpy

    tones = {name: samples(name, PREVIEW_RATE) for name in script.tones()}
    return schedule(script, speech, tones, PREVIEW_RATE)


def estimated_seconds(routine: Routine, options: Options | None = None, rate: int = 150) -> float:
    """The session's length with speech lengths estimated: nothing is voiced."""
    timeline = preview(plan(routine, options), rate=rate)
    return timeline.duration / timeline.rate
