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
    import voiceguide.speech.cache as module

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
