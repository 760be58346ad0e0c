"""The bed's sound, as one loop at the session's rate: generated, or read from a file.

Generated beds are made in the frequency domain over exactly :data:`LOOP_SECONDS`, so
every component repeats a whole number of times in the loop and the loop has no seam
at all. A file is decoded by ffmpeg (mono, its own rate), converted to the session's
rate by pydub once, and looped with an equal-power crossfade of its end into its start
(:class:`Loop`), so the loop point has no click and no gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide import ffmpeg
from voiceguide.bed import GENERATED
from voiceguide.errors import BadInput, ExportError
from voiceguide.limits import LIMITS
from voiceguide.speech.base import SAMPLE_WIDTH
from voiceguide.speech.clips import convert

LOOP_SECONDS = 60
"""Length of a generated bed's loop; each of its frequencies is a whole number of
cycles in it."""
CROSSFADE_SECONDS = 2.0
"""How long a file's end fades into its start where it loops (at most a quarter of it)."""
MIN_FILE_SECONDS = 1.0
"""Shortest bed file: anything shorter would loop into a buzz."""
KEPT_SECONDS = 10 * 60
"""How much of a bed file is kept: a longer one plays its first 10 minutes and then
loops them, so that a bed's memory is bounded (about 53 MB of float32 at 22.05 kHz)."""
SILENT_PEAK = 1e-4
"""A bed whose samples never reach this (-80 dBFS) is silent."""
PEAK = 0.5
"""A generated bed's peak before it is levelled."""
SEED = 20261127
"""Generated beds are the same in every build (their phases come from this seed)."""
GRAIN = 1152
"""A loop's length is a whole number of these samples: of MP3 frames, at any rate
(576 or 1152 samples each), so that where the bed sounds alone the same frames come
round again, and can be encoded once (:mod:`voiceguide.mp3plan`)."""


@dataclass(frozen=True)
class Loop:
    """A bed as samples to repeat: ``head`` plays first, then ``body`` over and over.

    For a file, ``head`` is its start and ``body`` the file with its last
    :data:`CROSSFADE_SECONDS` faded into its first ones: the first pass is the file as it
    is, each later pass begins in the crossfade. Generated beds have no head."""

    body: np.ndarray
    """float32 samples in [-1, 1]."""
    head: np.ndarray
    silent: bool = False

    def at(self, start: int, count: int) -> np.ndarray:
        """Samples ``start`` to ``start + count`` of the bed repeated without end."""
        size = len(self.body)
        pieces, at, left = [], start % size, count
        while left > 0:  # the body from where the loop is, wrapping round as often as needed
            piece = self.body[at : at + left]
            pieces.append(piece)
            left -= len(piece)
            at = 0
        out = np.concatenate(pieces) if len(pieces) > 1 else pieces[0].copy()
        if start < len(self.head):  # the first pass: the file as it is
            first = min(count, len(self.head) - start)
            out[:first] = self.head[start : start + first]
        return out

    @property
    def peak(self) -> float:
        return float(max(np.abs(self.body).max(initial=0), np.abs(self.head).max(initial=0)))


def generated(name: str, rate: int) -> Loop:
    """The generated bed ``name`` (one of :data:`~voiceguide.bed.GENERATED`) at ``rate``."""
    makers = {"brown": _brown, "drone": _drone}
    assert set(makers) == set(GENERATED)
    samples = makers[name](max(1, round(LOOP_SECONDS * rate / GRAIN)) * GRAIN, rate)
    return Loop((samples * (PEAK / np.abs(samples).max())).astype(np.float32), _empty())


def _brown(n: int, rate: int) -> np.ndarray:
    """Brown noise: energy falling 6 dB an octave from 60 Hz up, rolled off below 40 Hz
    (rumble no speaker plays) and gently above 4 kHz (soft, never hissing)."""
    freqs = np.fft.rfftfreq(n, 1 / rate)
    with np.errstate(divide="ignore"):
        amplitude = 1 / np.maximum(freqs, 60.0)
    amplitude *= 1 / (1 + (40.0 / np.maximum(freqs, 1e-9)) ** 4)  # high-pass, 24 dB/oct
    amplitude *= 1 / np.sqrt(1 + (freqs / 4000.0) ** 2)
    amplitude[0] = 0.0
    phases = np.random.default_rng(SEED).uniform(0, 2 * np.pi, len(freqs))
    return np.fft.irfft(amplitude * np.exp(1j * phases), n)


DRONE_VOICES = ((110.0, 60), (165.0, 30), (220.0, 20), (330.0, 15))
"""The drone's notes (A2, E3, A3, E4: open fifths, neither major nor minor), each with
the seconds its slow swell takes; every one a whole number of cycles in the loop."""
DETUNE_HZ = 0.1
"""Each note is doubled this far above itself: a beat every 10 seconds, the slow shimmer
of a pad."""
HARMONICS = (1.0, 0.3, 0.1)
"""Strength of each note's first three harmonics: round, not buzzy."""


def _drone(n: int, rate: int) -> np.ndarray:
    """A soft pad: each note a few harmonics, doubled a little sharp, swelling on its
    own slow cycle, so that the chord breathes without any step. Made as one spectrum:
    a swell (a slow cosine times the note) is the note and two faint copies of it a
    swell's frequency either side."""
    seconds = n / rate
    spectrum = np.zeros(n // 2 + 1, dtype=complex)
    phases = np.random.default_rng(SEED).uniform(0, 2 * np.pi, (len(DRONE_VOICES), 2))
    for index, (note, swell) in enumerate(DRONE_VOICES):
        away = max(1, round(seconds / swell))  # the swell's frequency, in bins
        turn = np.exp(1j * phases[index, 0])  # where the swell starts
        for number, strength in enumerate(HARMONICS, start=1):
            for shift, phase in ((0.0, phases[index, 0]), (DETUNE_HZ, phases[index, 1])):
                at = round((note * number + shift) * seconds)
                tone = strength * np.exp(1j * phase) / (1 + index * 0.5)  # higher: softer
                spectrum[at] += 0.8 * tone
                spectrum[at + away] += 0.1 * tone * turn
                spectrum[at - away] += 0.1 * tone / turn
    return np.fft.irfft(spectrum, n)


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)


@dataclass
class Decoded:
    """A bed file decoded: 16-bit mono PCM at its own rate (taken by :func:`from_file`,
    which leaves it empty, so that the bed is held once)."""

    path: Path
    pcm: bytes
    rate: int


def read(path: Path) -> Decoded:
    """The audio of the file ``path`` (its first :data:`KEPT_SECONDS`), decoded at its
    own rate, or :class:`BadInput` naming the file if it holds no audio ffmpeg reads,
    lasts under :data:`MIN_FILE_SECONDS` or more than the longest session."""
    own_rate, seconds = probe(path)
    refuse_long(path, seconds)
    pcm = _decoded(path, own_rate)
    if len(pcm) < MIN_FILE_SECONDS * own_rate * SAMPLE_WIDTH:
        raise BadInput(
            f"the bed lasts {len(pcm) / SAMPLE_WIDTH / own_rate:.2f} s; "
            f"a bed needs at least {MIN_FILE_SECONDS:g} s to loop",
            path=str(path),
        )
    return Decoded(path, pcm, own_rate)


def from_file(decoded: Decoded, rate: int) -> Loop:
    """A decoded bed file at ``rate`` (converted once, by pydub), looped (see
    :class:`Loop`)."""
    pcm, decoded.pcm = decoded.pcm, b""
    clip = convert(pcm, rate=decoded.rate, channels=1, width=SAMPLE_WIDTH, to_rate=rate)
    del pcm
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32)
    del clip
    samples /= np.float32(32768)
    return looped(samples, rate)


def refuse_long(path: Path, seconds: float | None) -> None:
    """Refuse a bed of ``seconds`` longer than the longest session."""
    if seconds is not None and seconds > LIMITS.max_session_seconds:
        raise BadInput(
            f"the bed lasts {seconds / 3600:.1f} hours, longer than the longest session "
            f"({LIMITS.max_session_seconds / 3600:g} hours); cut it shorter",
            path=str(path),
        )


def looped(samples: np.ndarray, rate: int) -> Loop:
    """``samples`` (float32, changed here) as a :class:`Loop` whose end crossfades
    (equal power) into its start
    (over :data:`CROSSFADE_SECONDS`, lengthened a little so that the loop is whole
    :data:`GRAIN` s long, when the sound is long enough)."""
    fade = min(int(CROSSFADE_SECONDS * rate), len(samples) // 4)
    if len(samples) - fade >= 4 * GRAIN:
        fade += (len(samples) - fade) % GRAIN
    silent = float(np.abs(samples).max(initial=0)) < SILENT_PEAK
    head = samples[:fade].copy()
    body = samples[: len(samples) - fade]  # in place: the bed is held once
    if fade:
        x = (np.arange(fade) + 0.5) / fade
        body[:fade] = head * np.sin(x * np.pi / 2) + samples[-fade:] * np.cos(x * np.pi / 2)
    return Loop(body, head, silent)


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: .*?(\d+) Hz")


def probe(path: Path) -> tuple[int, float | None]:
    """The sample rate of the file's first audio stream and its length in seconds (None
    when the file does not say), as ffmpeg reads its header."""
    try:
        done = ffmpeg.run_bounded(
            [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)]
        )
    except ffmpeg.Stalled as exc:  # the encoder, not the file, is at fault
        raise ffmpeg.Stalled(f"{exc.message}, reading {path}") from None
    said = done.stderr.decode(errors="replace")
    audio = _AUDIO.search(said)
    if audio is None:
        lines = [line.strip() for line in said.strip().splitlines() if line.strip()]
        why = "it holds no audio" if "Stream #" in said else _reason(lines)
        raise BadInput(f"not an audio file ffmpeg can read as a bed ({why})", path=str(path))
    length = _DURATION.search(said)
    seconds = None
    if length:
        hours, minutes, secs = length.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    return int(audio.group(1)), seconds


def _reason(lines: list[str]) -> str:
    """ffmpeg's complaint about a file, without its path."""
    last = next((line for line in reversed(lines) if "At least one output" not in line), "")
    return last.rsplit(": ", 1)[-1] if last else "unknown format"


def _decoded(path: Path, rate: int) -> bytes:
    """The first :data:`KEPT_SECONDS` of ``path`` as 16-bit mono PCM at ``rate``."""
    try:
        return ffmpeg.decode_to_pcm(str(path), rate, KEPT_SECONDS)
    except ffmpeg.Stalled as exc:  # the encoder, not the file, is at fault
        raise ffmpeg.Stalled(f"{exc.message}, decoding {path}") from None
    except ExportError as err:  # the file, not the build, is at fault
        why = err.message.rsplit(": ", 1)[-1]
        raise BadInput(f"the bed file could not be decoded ({why})", path=str(path)) from None
