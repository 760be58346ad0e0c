"""Each part of an MP3 encoded once: the same samples at the same place in the frame grid
take the frames made before, in the same stream or, through the cache, in an earlier
one; and the stream is the same, byte for byte, whichever way its frames came."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from test_mp3 import decoded

from voiceguide import mp3, mp3lame, mp3plan, mp3reuse
from voiceguide.speech.cache import ClipCache

RATE = 22050
SPF = mp3.samples_per_frame(RATE)


def repeated_session(seconds: int = 120) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The same half-second chord every 10 s, always on the same sample of a frame (every
    10 s is a whole number of frames away), a different one in the middle; its quiet
    spans."""
    signal = np.zeros(seconds * RATE, dtype=np.int16)
    t = np.arange(RATE // 2) / RATE
    chord = (4000 * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 660 * t))).astype(np.int16)
    step = 10 * RATE // SPF * SPF
    quiet, now = [], 0
    first = (mp3plan.LEAD_FRAMES + 10) * SPF + 100  # the first part starts in silence too
    for n, start in enumerate(range(first, len(signal) - RATE, step)):
        sound = chord if n != 5 else chord[::-1]
        signal[start : start + len(sound)] = sound
        quiet.append((now, start))
        now = start + len(sound)
    quiet.append((now, len(signal)))
    return signal, quiet


def encode(path, signal, quiet, cache=None, kbps=None) -> mp3reuse.Reuse:
    def render(start, end):
        for at in range(start, end, RATE):
            yield signal[at : min(end, at + RATE)].tobytes()

    with open(path, "wb") as out:
        return mp3.encode(
            render, samples=len(signal), quiet=quiet, rate=RATE, out=out, label=str(path),
            parts=2, cache=cache, kbps=kbps,
        )  # fmt: skip


def test_the_same_samples_on_the_same_place_in_the_grid_are_encoded_once(tmp_path):
    signal, quiet = repeated_session()
    done = encode(tmp_path / "once.mp3", signal, quiet)
    parts = len(mp3.plan(len(signal), quiet, RATE).parts)
    assert parts == len(quiet) - 1 > 10  # a part a sound
    assert (done.encoded, done.reused, done.cached) == (2, parts - 2, 0)  # chord, reversed
    # and it decodes as one LAME through the whole session does, sample for sample
    encode(tmp_path / "whole.mp3", signal, [])  # nothing quiet: one part, nothing reused
    heard = decoded(tmp_path / "once.mp3", RATE)
    assert len(heard) == len(signal) and np.array_equal(
        heard, decoded(tmp_path / "whole.mp3", RATE)
    )


def test_a_part_is_encoded_the_same_wherever_it_sits(tmp_path):
    """Nothing in a frame (header bits, reservoir) depends on where the part is."""
    signal, quiet = repeated_session()
    parts = mp3.plan(len(signal), quiet, RATE).parts
    lame = mp3lame.Lame(RATE)
    made = [
        mp3lame.encode(lame, [signal[p.start : p.end].tobytes()], threading.Event()) for p in parts
    ]
    assert made[0] == made[1] == made[-1] != made[5]


@pytest.mark.parametrize("kbps", [None, 64])
def test_a_rebuild_takes_every_part_from_the_cache(tmp_path, kbps):
    cache = ClipCache(tmp_path / "cache", max_bytes=10_000_000)
    signal, quiet = repeated_session()
    first = encode(tmp_path / "first.mp3", signal, quiet, cache, kbps)
    assert (first.encoded, first.stored) == (2, 2) and cache.info().parts == 2
    again = encode(tmp_path / "again.mp3", signal, quiet, cache, kbps)
    assert (again.encoded, again.cached) == (0, 2)
    assert (tmp_path / "first.mp3").read_bytes() == (tmp_path / "again.mp3").read_bytes()
    other = encode(tmp_path / "other.mp3", signal, quiet, cache, 96 if kbps else None)
    assert other.cached == 0 if kbps else other.cached == 2  # another bit rate: other frames


def test_a_later_session_encodes_only_the_part_that_changed(tmp_path):
    cache = ClipCache(tmp_path / "cache", max_bytes=10_000_000)
    signal, quiet = repeated_session()
    encode(tmp_path / "first.mp3", signal, quiet, cache)
    changed = signal.copy()
    last = quiet[-2][1], quiet[-1][0]  # the last sound
    changed[last[0] : last[1]] = -changed[last[0] : last[1]]
    later = encode(tmp_path / "later.mp3", changed, quiet, cache)
    assert (later.encoded, later.cached) == (1, 2)


def test_a_damaged_cache_entry_is_encoded_again(tmp_path):
    cache = ClipCache(tmp_path / "cache", max_bytes=10_000_000)
    signal, quiet = repeated_session()
    encode(tmp_path / "first.mp3", signal, quiet, cache)
    for entry in (tmp_path / "cache").rglob("*.frames"):
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF
        entry.write_bytes(bytes(data))
    again = encode(tmp_path / "again.mp3", signal, quiet, cache)
    assert (again.encoded, again.cached, again.stored) == (2, 0, 2)
    assert (tmp_path / "first.mp3").read_bytes() == (tmp_path / "again.mp3").read_bytes()


def test_a_cache_that_keeps_nothing_or_none_still_makes_the_stream(tmp_path):
    signal, quiet = repeated_session()
    off = ClipCache(tmp_path / "cache", max_bytes=0)
    for n, cache in enumerate((off, off, None)):
        done = encode(tmp_path / f"{n}.mp3", signal, quiet, cache)
        assert (done.encoded, done.cached, done.stored) == (2, 0, 0)
    assert not (tmp_path / "cache").exists()
    assert (tmp_path / "0.mp3").read_bytes() == (tmp_path / "2.mp3").read_bytes()


def test_the_frames_kept_count_against_the_cap(tmp_path):
    signal, quiet = repeated_session()
    size = 1 << 20
    cache = ClipCache(tmp_path / "cache", max_bytes=size)
    encode(tmp_path / "s.mp3", signal, quiet, cache)
    entry = next((tmp_path / "cache").rglob("*.frames")).stat().st_size
    assert cache.info().bytes == sum(
        p.stat().st_size for p in (tmp_path / "cache").rglob("*.frames")
    )
    small = ClipCache(tmp_path / "cache", max_bytes=entry)
    assert small.trim() == 1 and small.info().parts == 1  # the least recently used went
    assert small.clear() == 1 and small.info().parts == 0


def test_a_part_too_long_to_hold_is_encoded_as_it_comes(tmp_path, monkeypatch):
    monkeypatch.setattr(mp3reuse, "MAX_HASHED_BYTES", RATE)  # half a second of samples
    cache = ClipCache(tmp_path / "cache", max_bytes=10_000_000)
    signal, quiet = repeated_session()
    done = encode(tmp_path / "s.mp3", signal, [], cache)  # nothing quiet: one long part
    assert (done.encoded, done.stored) == (1, 0)
    assert not list((tmp_path / "cache").rglob("*.frames"))
