"""The clip cache: keys, self-checking entries, and an engine that asks only for what is new."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from voiceguide.speech.base import Clip, VoiceInfo
from voiceguide.speech.cache import (
    CACHE_DIR_ENV,
    HEADER,
    CachedEngine,
    CacheInfo,
    ClipCache,
    default_dir,
)
from voiceguide.speech.sizes import DEFAULT_MAX_BYTES, MAX_ENV, max_bytes_from_env, size_text

ENGINE_ID = {"engine": "fake", "voice": "fake/en", "rate": "150", "version": "fake 1.0"}
TEXTS = ["Hold for 30 seconds.", "Three.", "Switch sides."]


def fake_clip(text: str) -> Clip:
    """A deterministic clip that differs for every text (320 bytes of PCM)."""
    return Clip(hashlib.sha256(text.encode()).digest() * 10, 22050)


class FakeEngine:
    """Speaks nothing: records each call and returns :func:`fake_clip` per text."""

    name = "fake"

    def __init__(self, rate: int = 150, voice: str = "fake/en"):
        self.rate = rate
        self.voice = voice
        self.calls: list[list[str]] = []
        self.closed = False

    def synthesize(self, texts, on_clip=None):
        texts = list(dict.fromkeys(texts))
        self.calls.append(texts)
        clips = {text: fake_clip(text) for text in texts}
        for text, clip in clips.items():
            if on_clip is not None:
                on_clip(text, clip)
        return clips

    def voices(self):
        return [VoiceInfo("fake/en", "Fake English", ("en",))]

    def close(self):
        self.closed = True


class RefusingEngine(FakeEngine):
    """An engine that must not be used at all (stands in for one not yet started)."""

    def synthesize(self, texts, on_clip=None):
        raise AssertionError("the inner engine was started")


@pytest.fixture
def cache(tmp_path: Path) -> ClipCache:
    return ClipCache(tmp_path / "cache")


def cached(cache: ClipCache, engine=None) -> CachedEngine:
    return CachedEngine(engine or FakeEngine(), cache, ENGINE_ID)


# -- keys and entries ------------------------------------------------------------------


def test_put_then_get_returns_the_same_clip(cache):
    clip = Clip(bytes(range(256)) * 4, 24000)
    key = cache.key(ENGINE_ID, "Breathe in.")
    assert cache.put(key, clip) is True
    back = cache.get(key)
    assert back == clip
    assert back.pcm == clip.pcm and back.rate == 24000
    assert cache.path(key).parent.name == key[:2]


def test_a_missing_entry_is_none(cache):
    assert cache.get(cache.key(ENGINE_ID, "never stored")) is None


def test_the_same_inputs_give_the_same_key_across_instances(tmp_path):
    first = ClipCache(tmp_path / "a").key(ENGINE_ID, "Three.")
    reordered = dict(reversed(list(ENGINE_ID.items())))
    second = ClipCache(tmp_path / "b").key(reordered, "Three.")
    assert first == second
    assert len(first) == 64 and int(first, 16) >= 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("rate", "175"),
        ("voice", "gmw/en-GB"),
        ("version", "fake 1.1"),
        ("engine", "other"),
    ],
)
def test_anything_that_shapes_the_clip_changes_the_key(cache, field, value):
    assert cache.key({**ENGINE_ID, field: value}, "Three.") != cache.key(ENGINE_ID, "Three.")


def test_the_text_changes_the_key(cache):
    assert cache.key(ENGINE_ID, "Three.") != cache.key(ENGINE_ID, "Three")
    assert cache.key(ENGINE_ID, "Three.") != cache.key(ENGINE_ID, "three.")


def test_a_key_that_is_not_a_key_is_refused(cache):
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd")


# -- the cached engine -----------------------------------------------------------------


def test_a_cold_build_asks_once_for_every_distinct_text(cache):
    engine = FakeEngine()
    speaker = cached(cache, engine)
    clips = speaker.synthesize(TEXTS + TEXTS[:1])
    assert list(clips) == TEXTS
    assert clips == {text: fake_clip(text) for text in TEXTS}
    assert engine.calls == [TEXTS]
    assert (speaker.hits, speaker.misses) == (0, 3)


def test_a_warm_rebuild_synthesises_nothing(cache):
    cached(cache).synthesize(TEXTS)
    engine = FakeEngine()
    speaker = cached(cache, engine)
    clips = speaker.synthesize(TEXTS)
    assert engine.calls == []
    assert (speaker.hits, speaker.misses) == (3, 0)
    assert clips == {text: fake_clip(text) for text in TEXTS}


def test_the_inner_engine_is_not_used_when_everything_is_cached(cache):
    cached(cache).synthesize(TEXTS)
    speaker = cached(cache, RefusingEngine())
    assert list(speaker.synthesize(TEXTS)) == TEXTS


def test_a_new_text_is_the_only_one_synthesised(cache):
    engine = FakeEngine()
    speaker = cached(cache, engine)
    speaker.synthesize(TEXTS)
    clips = speaker.synthesize(TEXTS + ["Relax."])
    assert engine.calls == [TEXTS, ["Relax."]]
    assert (speaker.hits, speaker.misses) == (3, 4)
    assert list(clips) == TEXTS + ["Relax."]


def test_another_voice_does_not_share_clips(cache):
    cached(cache).synthesize(TEXTS)
    engine = FakeEngine(voice="gmw/en-GB")
    CachedEngine(engine, cache, {**ENGINE_ID, "voice": "gmw/en-GB"}).synthesize(TEXTS)
    assert engine.calls == [TEXTS]


def test_the_protocol_is_forwarded_to_the_inner_engine(cache):
    engine = FakeEngine(rate=175, voice="gmw/en")
    with cached(cache, engine) as speaker:
        assert (speaker.name, speaker.rate, speaker.voice) == ("fake", 175, "gmw/en")
        engine.voice = "gmw/en-US"  # an engine learns its voice when it starts
        assert speaker.voice == "gmw/en-US"
        assert speaker.voices() == engine.voices()
    assert engine.closed


# -- damaged entries -------------------------------------------------------------------


def flip_a_pcm_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[HEADER.size + 5] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def truncate_into_the_header(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: HEADER.size - 3])


def wrong_magic(path: Path) -> None:
    path.write_bytes(b"RIFF" + path.read_bytes()[4:])


def garbage(path: Path) -> None:
    path.write_bytes(b"this is not a clip at all " * 10)


def zero_length(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "damage",
    [flip_a_pcm_byte, truncate, truncate_into_the_header, wrong_magic, garbage, zero_length],
)
def test_a_damaged_entry_is_removed_and_rebuilt(cache, damage):
    text = TEXTS[0]
    key = cache.key(ENGINE_ID, text)
    cache.put(key, fake_clip(text))
    damage(cache.path(key))
    assert cache.get(key) is None
    assert not cache.path(key).exists()

    cache.put(key, fake_clip(text))
    damage(cache.path(key))
    engine = FakeEngine()
    speaker = cached(cache, engine)
    assert speaker.synthesize([text]) == {text: fake_clip(text)}
    assert engine.calls == [[text]]
    assert (speaker.hits, speaker.misses) == (0, 1)
    assert cache.get(key) == fake_clip(text)


# -- where the cache lives, and when it cannot be written ------------------------------


def test_the_environment_variable_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert default_dir() == tmp_path / "elsewhere"


@pytest.mark.parametrize("args", [["cache"], ["cache", "clear"], ["build", "--hold", "1"]])
def test_a_cache_folder_that_is_a_file_is_bad_input_naming_it(tmp_path, args):
    """It kept nothing and said so nowhere: a build voiced every phrase every time."""
    from conftest import invoke

    a_file = tmp_path / "bed.wav"
    a_file.write_bytes(b"RIFF")
    out = tmp_path / "out"
    run = invoke(*args, *(["-o", str(out)] if args[0] == "build" else []),
                 env={CACHE_DIR_ENV: str(a_file)})  # fmt: skip
    assert run.code == 2
    assert run.stderr == (
        f"Error: the environment variable {CACHE_DIR_ENV} ({a_file}) is not a folder\n"
    )
    assert a_file.read_bytes() == b"RIFF" and not out.exists()


def test_without_the_variable_the_folder_is_in_the_users_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    assert default_dir() == Path(platformdirs.user_cache_dir("voiceguide")) / "speech"


def test_a_cache_that_cannot_be_written_does_not_fail_the_build(cache):
    cache.folder.mkdir(parents=True)
    if os.geteuid() == 0:
        # root writes through permissions: block each shard folder with a file instead
        for text in TEXTS:
            (cache.folder / cache.key(ENGINE_ID, text)[:2]).write_bytes(b"")
    else:
        cache.folder.chmod(0o555)
    try:
        engine = FakeEngine()
        speaker = cached(cache, engine)
        assert speaker.synthesize(TEXTS) == {text: fake_clip(text) for text in TEXTS}
        assert speaker.synthesize(TEXTS) == {text: fake_clip(text) for text in TEXTS}
        assert engine.calls == [TEXTS, TEXTS]  # nothing was cached, nothing broke
        assert cache.put(cache.key(ENGINE_ID, TEXTS[0]), fake_clip(TEXTS[0])) is False
        assert cache.info().entries == 0
        assert not [p for p in cache.folder.rglob("*.tmp")]
    finally:
        cache.folder.chmod(stat.S_IRWXU)


def test_a_failed_write_leaves_no_temporary_file(cache, monkeypatch):
    def disk_full(src, dst, **where):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("voiceguide.speech.cache.os.replace", disk_full)
    key = cache.key(ENGINE_ID, TEXTS[0])
    assert cache.put(key, fake_clip(TEXTS[0])) is False
    assert [p for p in cache.folder.rglob("*") if p.is_file()] == []
    assert cache.get(key) is None


# -- the folder as a whole -------------------------------------------------------------


def test_writes_leave_no_temporary_files(cache):
    cached(cache).synthesize(TEXTS)
    files = [p for p in cache.folder.rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == sorted(
        cache.key(ENGINE_ID, text) + ".clip" for text in TEXTS
    )


def test_info_counts_entries_and_bytes(cache):
    assert cache.info() == CacheInfo(cache.folder, 0, 0)
    cached(cache).synthesize(TEXTS)
    expected = sum(cache.path(cache.key(ENGINE_ID, t)).stat().st_size for t in TEXTS)
    assert expected == 3 * (HEADER.size + 320)
    assert cache.info() == CacheInfo(cache.folder, 3, expected)


def test_clear_removes_only_what_the_cache_wrote(cache):
    cached(cache).synthesize(TEXTS)
    key = cache.key(ENGINE_ID, TEXTS[0])
    leftover = cache.path(key).parent / f".{key}.abc123.tmp"  # as a killed build leaves it
    leftover.write_bytes(b"half")
    notes = cache.folder / "notes.txt"
    notes.write_text("mine")
    foreign_shard = cache.folder / "zz"
    foreign_shard.mkdir()

    assert cache.clear() == 3
    assert cache.info().entries == 0
    assert sorted(p.name for p in cache.folder.iterdir()) == ["notes.txt", "zz"]
    assert notes.read_text() == "mine"
    assert cache.clear() == 0


def test_clear_keeps_a_foreign_file_inside_a_shard(cache):
    cached(cache).synthesize(TEXTS[:1])
    shard = cache.path(cache.key(ENGINE_ID, TEXTS[0])).parent
    (shard / "README").write_text("not a clip")
    assert cache.clear() == 1
    assert [p.name for p in shard.iterdir()] == ["README"]


def test_clear_of_a_cache_that_does_not_exist_is_zero(cache):
    assert cache.clear() == 0
    assert cache.info() == CacheInfo(cache.folder, 0, 0)


# -- a cache that trusts nothing (issue 20) --------------------------------------------


def get_within(cache: ClipCache, key: str, seconds: float = 30) -> Clip | None:
    """``cache.get(key)``, on a thread waited for at most ``seconds`` (a FIFO would block
    a plain read forever)."""
    import threading

    found: list[Clip | None] = []
    reader = threading.Thread(target=lambda: found.append(cache.get(key)), daemon=True)
    reader.start()
    reader.join(seconds)
    assert not reader.is_alive(), f"reading the entry did not end within {seconds} s"
    return found[0]


def test_an_entry_that_is_a_fifo_is_not_read(cache):
    key = cache.key(ENGINE_ID, TEXTS[0])
    cache.path(key).parent.mkdir(parents=True)
    os.mkfifo(cache.path(key))
    assert get_within(cache, key) is None
    assert not cache.path(key).exists()  # removed as damaged, then rebuilt
    assert cache.put(key, fake_clip(TEXTS[0])) and cache.get(key) == fake_clip(TEXTS[0])


def test_an_entry_linked_to_a_device_or_a_file_is_not_followed(cache, tmp_path):
    good = ClipCache(tmp_path / "other")
    key = cache.key(ENGINE_ID, TEXTS[0])
    good.put(key, fake_clip(TEXTS[0]))
    cache.path(key).parent.mkdir(parents=True)
    for target in ("/dev/zero", good.path(key)):
        cache.path(key).symlink_to(target)
        assert get_within(cache, key) is None
        assert not os.path.lexists(cache.path(key))  # the link removed, not its target
    assert good.get(key) == fake_clip(TEXTS[0])


def test_an_entry_larger_than_any_clip_is_not_read(cache, monkeypatch):
    import voiceguide.speech.entries as module

    monkeypatch.setattr(module, "MAX_ENTRY_BYTES", 1000)  # the same check as at 64 MB
    key = cache.key(ENGINE_ID, TEXTS[0])
    clip = Clip(b"\x01\x00" * 1000, 22050)  # 2,000 bytes of PCM: a good entry, too large
    assert cache.put(key, clip)
    assert cache.get(key) is None
    assert not cache.path(key).exists()


def test_a_shard_folder_that_is_a_symlink_is_neither_written_nor_read(cache, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    key = cache.key(ENGINE_ID, TEXTS[0])
    cache.folder.mkdir()
    (cache.folder / key[:2]).symlink_to(elsewhere)
    assert cache.put(key, fake_clip(TEXTS[0])) is False
    assert list(elsewhere.iterdir()) == []
    ClipCache(tmp_path / "real").put(key, fake_clip(TEXTS[0]))
    (tmp_path / "real" / key[:2] / f"{key}.clip").rename(elsewhere / f"{key}.clip")
    assert cache.get(key) is None
    assert (elsewhere / f"{key}.clip").exists()  # not ours to remove
    cache.clear()
    assert (elsewhere / f"{key}.clip").exists()


class InterruptedEngine(FakeEngine):
    """Voices the first two phrases, then Ctrl-C arrives."""

    def synthesize(self, texts, on_clip=None):
        for text in list(texts)[:2]:
            if on_clip is not None:
                on_clip(text, fake_clip(text))
        raise KeyboardInterrupt


def test_each_phrase_is_kept_as_soon_as_it_is_voiced(cache):
    with pytest.raises(KeyboardInterrupt):
        cached(cache, InterruptedEngine()).synthesize(TEXTS)
    kept = [cache.get(cache.key(ENGINE_ID, text)) for text in TEXTS]
    assert kept == [fake_clip(TEXTS[0]), fake_clip(TEXTS[1]), None]


def test_the_real_voice_hands_over_each_phrase_as_it_is_voiced():
    from voiceguide.speech import open_engine

    heard: list[str] = []
    with open_engine() as engine:
        clips = engine.synthesize(TEXTS, on_clip=lambda text, clip: heard.append(text))
    assert heard == TEXTS and list(clips) == TEXTS


# -- a bounded cache: least recently used entries dropped first (issue 19) ----------------

ENTRY = HEADER.size + 320
"""The size of one entry of :func:`fake_clip` on disk."""
HOUR_NS = 3600 * 10**9


def used_at(cache: ClipCache, text: str, hours_ago: float) -> Path:
    """Store the entry for ``text`` and make it look last used ``hours_ago``."""
    key = cache.key(ENGINE_ID, text)
    assert cache.put(key, fake_clip(text))
    when = os.stat(cache.path(key)).st_mtime_ns - int(hours_ago * HOUR_NS)
    os.utime(cache.path(key), ns=(when, when))
    return cache.path(key)


def kept(cache: ClipCache, texts) -> list[str]:
    return [t for t in texts if cache.path(cache.key(ENGINE_ID, t)).exists()]


NAMES = [f"Phrase number {n}." for n in range(8)]


def test_reading_an_entry_marks_it_used(cache):
    path = used_at(cache, TEXTS[0], hours_ago=5)
    before = path.stat().st_mtime_ns
    assert cache.get(cache.key(ENGINE_ID, TEXTS[0])) == fake_clip(TEXTS[0])
    assert path.stat().st_mtime_ns >= before + 4 * HOUR_NS


def test_a_trim_drops_the_least_recently_used_first(tmp_path):
    cache = ClipCache(tmp_path / "cache", max_bytes=3 * ENTRY)
    for age, text in enumerate(NAMES):  # NAMES[0] the newest, NAMES[7] the oldest
        used_at(cache, text, hours_ago=age + 1)
    assert cache.get(cache.key(ENGINE_ID, NAMES[6])) is not None  # used now: the newest
    assert cache.trim() == 5
    assert kept(cache, NAMES) == [NAMES[0], NAMES[1], NAMES[6]]
    assert cache.info() == CacheInfo(cache.folder, 3, 3 * ENTRY, 3 * ENTRY)
    assert cache.trim() == 0  # it fits: nothing more goes


def test_a_cache_within_its_cap_loses_nothing(tmp_path):
    cache = ClipCache(tmp_path / "cache", max_bytes=len(NAMES) * ENTRY)
    for age, text in enumerate(NAMES):
        used_at(cache, text, hours_ago=age)
    assert cache.trim() == 0
    assert kept(cache, NAMES) == NAMES


def test_the_cap_holds_after_each_build_and_the_newest_phrases_stay(tmp_path):
    cache = ClipCache(tmp_path / "cache", max_bytes=5 * ENTRY)
    first, second = [f"First build, phrase {n}." for n in range(4)], NAMES[:4]
    engine = FakeEngine()
    cached(cache, engine).synthesize(first)
    assert cache.info().bytes == 4 * ENTRY
    for text in first:  # a second ago: the next build's phrases are newer
        used_at(cache, text, hours_ago=1 / 3600)
    cached(cache, engine).synthesize(second)
    assert cache.info().bytes <= 5 * ENTRY
    assert kept(cache, second) == second  # the build's own phrases, used last, all stay
    assert len(kept(cache, first)) == 1
    assert all(p.is_dir() for p in cache.folder.iterdir())  # trims leave nothing behind


def test_trims_take_turns(tmp_path):
    """A trim waits while another holds the cache folder's lock, then trims what is left."""
    import fcntl
    import threading

    cache = ClipCache(tmp_path / "cache", max_bytes=ENTRY)
    for age, text in enumerate(NAMES[:3]):
        used_at(cache, text, hours_ago=age + 1)
    holder = os.open(cache.folder, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's trim, under way
    dropped: list[int] = []
    waiting = threading.Thread(target=lambda: dropped.append(cache.trim()), daemon=True)
    try:
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and kept(cache, NAMES[:3]) == NAMES[:3]
    finally:
        os.close(holder)
    waiting.join(30)
    assert dropped == [2] and kept(cache, NAMES[:3]) == NAMES[:1]


def test_a_warm_build_scans_nothing(cache, monkeypatch):
    cached(cache).synthesize(TEXTS)
    monkeypatch.setattr(ClipCache, "trim", lambda self: pytest.fail("a warm build trimmed"))
    assert cached(cache, RefusingEngine()).synthesize(TEXTS)


def test_an_entry_read_during_a_trim_is_kept(tmp_path, monkeypatch):
    """Another build reads the oldest entry after the trim's scan: that entry is its
    newest now, so the trim keeps it and drops the next oldest instead."""
    cache = ClipCache(tmp_path / "cache", max_bytes=2 * ENTRY)
    for age, text in enumerate(NAMES[:4]):
        used_at(cache, text, hours_ago=age + 1)
    scan = ClipCache._entries

    def scan_then_read(self, *args):
        found = scan(self, *args)
        assert ClipCache(self.folder).get(self.key(ENGINE_ID, NAMES[3])) == fake_clip(NAMES[3])
        return found

    monkeypatch.setattr(ClipCache, "_entries", scan_then_read)
    assert cache.trim() == 2
    assert kept(cache, NAMES[:4]) == [NAMES[0], NAMES[3]]


def test_an_entry_gone_before_a_build_reads_it_is_voiced_again(cache):
    cached(cache).synthesize(TEXTS)
    cache.path(cache.key(ENGINE_ID, TEXTS[1])).unlink()  # as another build's trim does
    engine = FakeEngine()
    speaker = cached(cache, engine)
    assert speaker.synthesize(TEXTS) == {text: fake_clip(text) for text in TEXTS}
    assert engine.calls == [[TEXTS[1]]]
    assert (speaker.hits, speaker.misses) == (2, 1)


def test_a_trim_removes_only_stale_temporary_files(cache):
    cached(cache).synthesize(TEXTS[:1])
    shard = cache.path(cache.key(ENGINE_ID, TEXTS[0])).parent
    key = cache.key(ENGINE_ID, TEXTS[0])
    stale, fresh = shard / f".{key}.dead0001.tmp", shard / f".{key}.live0002.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half a clip")
    two_hours_ago = stale.stat().st_mtime_ns - 2 * HOUR_NS
    os.utime(stale, ns=(two_hours_ago, two_hours_ago))
    (shard / "notes.txt").write_text("mine")
    cache.trim()
    assert sorted(p.name for p in shard.iterdir()) == sorted([fresh.name, "notes.txt",
                                                              f"{key}.clip"])  # fmt: skip


def test_a_cap_of_zero_keeps_nothing(tmp_path):
    folder = tmp_path / "cache"
    cached(ClipCache(folder)).synthesize(TEXTS)
    off = ClipCache(folder, max_bytes=0)
    engine = FakeEngine()
    speaker = CachedEngine(engine, off, ENGINE_ID)
    assert speaker.synthesize(TEXTS) == {text: fake_clip(text) for text in TEXTS}
    assert engine.calls == [TEXTS]  # nothing read from it
    assert off.info() == CacheInfo(folder, 0, 0, 0)  # and what it held is gone


def test_a_trim_of_a_cache_that_does_not_exist_is_nothing(tmp_path):
    cache = ClipCache(tmp_path / "nowhere", max_bytes=0)
    assert cache.trim() == 0
    assert not cache.folder.exists()


# -- the cap from the environment ------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("200000000", 200_000_000),
        ("200M", 200_000_000),
        ("500mb", 500_000_000),
        (" 1.5 GB ", 1_500_000_000),
        ("1G", 1_000_000_000),
        ("2GiB", 2 << 30),
        ("64KiB", 64 << 10),
        ("512k", 512_000),
        ("1t", 10**12),
        ("4096B", 4096),
        ("0", 0),
    ],
)
def test_the_cap_takes_bytes_or_a_unit(monkeypatch, given, expected):
    monkeypatch.setenv(MAX_ENV, given)
    assert max_bytes_from_env() == expected
    assert ClipCache("unused").max_bytes == expected


def test_without_the_variable_the_cap_is_500_mb(monkeypatch):
    monkeypatch.delenv(MAX_ENV, raising=False)
    assert max_bytes_from_env() == DEFAULT_MAX_BYTES == 500_000_000


@pytest.mark.parametrize("value", ["abc", "", "-1", "1.5X", "inf", "nan", "1e9", "M", "5 G B"])
def test_a_bad_cap_in_the_environment_is_bad_input_naming_it(value):
    from conftest import invoke

    run = invoke("cache", env={MAX_ENV: value})
    assert run.code == 2, run.stderr
    assert run.stderr.startswith(f"Error: the environment variable {MAX_ENV} must")
    assert repr(value) in run.stderr and "Traceback" not in run.stderr


def test_a_build_with_a_bad_cap_stops_before_anything_is_voiced(tmp_path):
    from conftest import invoke

    out = tmp_path / "out"
    run = invoke("build", "-o", str(out), "--hold", "1", "--reps", "1",
                 env={MAX_ENV: "lots", CACHE_DIR_ENV: str(tmp_path / "c")})  # fmt: skip
    assert run.code == 2, run.stderr
    assert f"{MAX_ENV} must" in run.stderr
    assert not out.exists() and not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "count, shown",
    [(0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1000, "1 kB"), (41_234, "41.2 kB"),
     (412_345_678, "412 MB"), (999_999_999, "1 GB"), (1_500_000_000, "1.5 GB"),
     (5_000_000, "5 MB"), (2 * 10**15, "2,000 TB")],
)  # fmt: skip
def test_sizes_are_shown_as_people_read_them(count, shown):
    assert size_text(count) == shown


# -- the command -------------------------------------------------------------------------


def test_the_cache_command_shows_use_against_the_cap(tmp_path):
    from conftest import invoke

    cache = ClipCache(tmp_path / "cache")
    for age, text in enumerate(NAMES):
        used_at(cache, text, hours_ago=age + 1)
    env = {CACHE_DIR_ENV: str(cache.folder), MAX_ENV: "1M"}
    run = invoke("cache", env=env)
    assert run.code == 0, run.stderr
    assert run.stdout == f"{size_text(8 * ENTRY)} of 1 MB, 8 phrases, in {cache.folder}\n"
    run = invoke("cache", "trim", env={**env, MAX_ENV: str(3 * ENTRY)})
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == [
        "dropped 5 entries used least recently",
        f"{size_text(3 * ENTRY)} of {size_text(3 * ENTRY)}, 3 phrases, in {cache.folder}",
    ]
    assert kept(cache, NAMES) == NAMES[:3]
    run = invoke("cache", env={**env, MAX_ENV: "0"})
    assert run.stdout.endswith("caching is off ($VOICEGUIDE_CACHE_MAX is 0)\n")


def test_a_cache_that_cannot_be_changed_says_so(tmp_path, monkeypatch):
    """On a read-only folder 'clear' said it removed 62 entries and 'trim' that it
    dropped none, both with exit 0, and every file stayed."""
    from conftest import invoke

    cache = ClipCache(tmp_path / "cache")
    for age, text in enumerate(NAMES):
        used_at(cache, text, hours_ago=age + 1)
    monkeypatch.setattr("voiceguide.speech.cache.remove", lambda path: False)  # read-only
    monkeypatch.setattr("voiceguide.speech.cache.drop", lambda entry: None)
    env = {CACHE_DIR_ENV: str(cache.folder)}
    run = invoke("cache", "clear", env=env)
    assert run.code == 1
    assert run.stdout == f"removed 0 phrases from {cache.folder}\n"
    assert run.stderr == f"Error: could not remove 8 phrases from {cache.folder}\n"
    run = invoke("cache", "trim", env={**env, MAX_ENV: str(3 * ENTRY)})
    assert run.code == 1 and "is still over its cap" in run.stderr
    assert kept(cache, NAMES) == NAMES


def test_the_cap_holds_after_real_builds(tmp_path):
    """Two builds of the real voice with a cap below what the second voices: after each,
    the cache is within it, and a third build takes what was kept from the cache."""
    from conftest import invoke

    env = {CACHE_DIR_ENV: str(tmp_path / "cache"), MAX_ENV: "1M"}
    tiny = ["--hold", "1", "--reps", "1", "-o", str(tmp_path / "out")]
    cache = ClipCache(tmp_path / "cache", max_bytes=1_000_000)
    for args in (["hamstring-quick"], ["hamstring-relief"]):
        run = invoke("build", *args, *tiny, env=env)
        assert run.code == 0, run.stderr
        assert 0 < cache.info().bytes <= 1_000_000
    run = invoke("build", "hamstring-relief", *tiny, env=env)
    assert run.code == 0, run.stderr
    assert cache.info().entries > 0 and "0 from the cache" not in run.stdout
    assert cache.info().bytes <= 1_000_000


# -- several builds at once, in separate processes ---------------------------------------

WORKER = r"""
import hashlib, os, sys
from voiceguide.speech.base import Clip
from voiceguide.speech.cache import ClipCache

folder, seed, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cache = ClipCache(folder, max_bytes=int(sys.argv[4]))
engine = {"engine": "fake"}

def clip(text):
    return Clip(hashlib.sha256(text.encode()).digest() * 200, 22050)

texts = [f"phrase {n}" for n in range(40)]
hits = 0
for r in range(rounds):
    mine = texts[(seed * 7 + r * 3) % 40:][:12]
    for text in mine:
        key = cache.key(engine, text)
        found = cache.get(key)
        if found is None:
            cache.put(key, clip(text))
        elif found != clip(text):
            sys.exit(f"a wrong clip for {text!r}")
        else:
            hits += 1
    cache.trim()
print(hits)
"""


def test_builds_in_several_processes_trimming_at_once_neither_crash_nor_corrupt(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "cache"
    entry = HEADER.size + 32 * 200
    cap = 10 * entry  # far less than the 40 phrases the workers share: trims all the time
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(folder), str(seed), "30", str(cap)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in range(4)
    ]  # fmt: skip
    results = [(w.wait(timeout=120), *w.communicate()) for w in workers]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], [err for _, _, err in results]
    assert sum(int(out) for _, out, _ in results) > 0  # entries were shared, not only made
    cache = ClipCache(folder, max_bytes=cap)
    assert cache.info().bytes <= cap
    for path in folder.rglob("*.clip"):  # whatever is left reads back whole
        assert cache.get(path.stem) is not None
    assert not list(folder.rglob("*.tmp"))
