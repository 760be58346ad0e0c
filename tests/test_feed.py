"""The podcast feed, served (``/feed.xml``) and static (``voiceguide feed``), read by a
podcast app's parser (feedparser); every enclosure fetched with a range, as an app
resuming a download does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import invoke
from serving import STEM, build_session, fetch, running

feedparser = pytest.importorskip("feedparser", reason="feedparser is in the test extra")

PODCAST = "https://podcastindex.org/namespace/1.0"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Two sessions: the built-in, and a copy of it under another name and title."""
    out = build_session(tmp_path_factory.mktemp("feed") / "out")
    doc = json.loads((out / f"{STEM}.timeline.json").read_text())
    doc.update(audio="evening & after.mp3", title='Evening <stretches> & "more"')
    (out / "evening & after.timeline.json").write_text(json.dumps(doc))
    (out / "evening & after.mp3").write_bytes((out / f"{STEM}.mp3").read_bytes()[:50000])
    return out


@pytest.fixture(scope="module")
def server(folder):
    with running(folder) as server:
        yield server


def enclosures(feed) -> list[tuple[str, int, str]]:
    return [
        (e.enclosures[0].href, int(e.enclosures[0].length), e.enclosures[0].type)
        for e in feed.entries
    ]


def test_the_served_feed_is_a_podcast_with_an_item_per_session(server, folder):
    status, headers, body = fetch(server.local + "feed.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.namespaces.get("itunes") == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert feed.namespaces.get("podcast") == PODCAST
    titles = sorted(e.title for e in feed.entries)
    assert titles == ['Evening <stretches> & "more"', "Hamstring stretches for low back relief"]
    timeline = json.loads((folder / f"{STEM}.timeline.json").read_text())
    relief = next(e for e in feed.entries if e.title.startswith("Hamstring"))
    assert relief.itunes_duration == str(round(timeline["duration"]))
    assert relief.id.startswith(f"voiceguide:{STEM}:")
    assert relief.published_parsed is not None
    base = f"http://127.0.0.1:{server.port}/"
    assert sorted(enclosures(feed)) == sorted(
        [
            (f"{base}evening%20%26%20after.mp3", 50000, "audio/mpeg"),
            (f"{base}{STEM}.mp3", (folder / f"{STEM}.mp3").stat().st_size, "audio/mpeg"),
        ]
    )


def test_every_enclosure_serves_its_file_with_ranges(server, folder):
    feed = feedparser.parse(fetch(server.local + "feed.xml")[2])
    names = {"evening%20%26%20after.mp3": "evening & after.mp3", f"{STEM}.mp3": f"{STEM}.mp3"}
    for url, length, kind in enclosures(feed):
        whole = (folder / names[url.rsplit("/", 1)[1]]).read_bytes()
        assert len(whole) == length
        status, headers, body = fetch(url, {"Range": "bytes=1000-"})  # a resumed download
        assert status == 206 and body == whole[1000:]
        assert headers["Content-Type"] == kind
        status, _, body = fetch(url, {"Range": f"bytes={length - 100}-{length - 1}"})
        assert status == 206 and body == whole[-100:]


def test_each_item_links_its_chapters_as_podcasting_2_json(server, folder):
    body = fetch(server.local + "feed.xml")[2].decode()
    import xml.etree.ElementTree as ET

    items = ET.fromstring(body).iter("item")
    timeline = json.loads((folder / f"{STEM}.timeline.json").read_text())
    for item in items:
        tag = item.find(f"{{{PODCAST}}}chapters")
        assert tag is not None and tag.get("type") == "application/json+chapters"
        status, headers, data = fetch(tag.get("url"))
        chapters = json.loads(data)
        assert status == 200 and headers["Content-Type"].startswith("application/json+chapters")
        assert chapters["version"] == "1.2.0"
        assert [(c["title"], c["startTime"]) for c in chapters["chapters"]] == [
            (c["title"], c["start"]) for c in timeline["chapters"]
        ]


def test_feed_writes_the_same_feed_as_static_files(server, folder, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    for name in (f"{STEM}.mp3", f"{STEM}.timeline.json"):
        (out / name).write_bytes((folder / name).read_bytes())
    run = invoke("feed", str(out), "--base-url", "https://example.org/stretches")
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == (
        f"{out / 'feed.xml'}: 1 session; chapters in {STEM}.chapters.json"
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["feed.xml", f"{STEM}.chapters.json", f"{STEM}.mp3", f"{STEM}.timeline.json"]
    )  # nothing half-written left behind
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo
    [(url, length, _)] = enclosures(feed)
    assert url == f"https://example.org/stretches/{STEM}.mp3"
    assert length == (out / f"{STEM}.mp3").stat().st_size
    served = feedparser.parse(fetch(server.local + "feed.xml")[2])
    relief = next(e for e in served.entries if e.title.startswith("Hamstring"))
    assert feed.entries[0].id == relief.id  # the same guid wherever it is published
    assert json.loads((out / f"{STEM}.chapters.json").read_text()) == json.loads(
        fetch(f"{server.local}{STEM}.chapters.json")[2]
    )
    first = (out / "feed.xml").read_bytes()
    assert invoke("feed", str(out), "--base-url", "https://example.org/stretches/").code == 0
    assert (out / "feed.xml").read_bytes() == first  # the same, run again


def test_a_session_taken_out_of_the_folder_takes_its_chapters_with_it(folder, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    doc = json.loads((folder / f"{STEM}.timeline.json").read_text())
    for stem in ("one", "two"):
        (out / f"{stem}.mp3").write_bytes((folder / f"{STEM}.mp3").read_bytes())
        (out / f"{stem}.timeline.json").write_text(json.dumps({**doc, "audio": f"{stem}.mp3"}))
    (out / "notes.chapters.json").write_text("{}")  # not chapters a feed writes: not ours
    assert invoke("feed", str(out), "--base-url", "https://example.org/s").code == 0
    assert (out / "two.chapters.json").exists()
    (out / "two.mp3").unlink()
    (out / "two.timeline.json").unlink()
    run = invoke("feed", str(out), "--base-url", "https://example.org/s")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "feed.xml", "notes.chapters.json", "one.chapters.json", "one.mp3", "one.timeline.json"
    ]  # fmt: skip


def test_a_static_feed_pointed_at_the_server_serves_every_enclosure(server, folder, tmp_path):
    out = tmp_path / "copy"
    out.mkdir()
    for name in (f"{STEM}.mp3", f"{STEM}.timeline.json"):
        (out / name).write_bytes((folder / name).read_bytes())
    assert invoke("feed", str(out), "--base-url", server.local).code == 0
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    for url, length, _ in enclosures(feed):
        status, headers, _ = fetch(url, {"Range": "bytes=0-0"})
        assert status == 206 and headers["Content-Range"] == f"bytes 0-0/{length}"


def test_an_empty_folder_gets_an_empty_feed_and_a_note(tmp_path):
    run = invoke("feed", str(tmp_path), "--base-url", "http://example.org/")
    assert run.code == 0
    assert "Note: no sessions" in run.stderr
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries == []


@pytest.mark.parametrize(
    "url",
    [
        "example.org/stretches",
        "ftp://example.org/",
        "http://",
        "https://example.org/?user=1",
        "https://example.org/#top",
        "http://example.org:port/",
        "http://user:secret@example.org/",
        "http://example.org/my stretches/",
        "javascript:alert(1)",
    ],
)
def test_a_bad_base_url_is_bad_input(tmp_path, url):
    run = invoke("feed", str(tmp_path), "--base-url", url)
    assert run.code == 2, run.stdout
    assert run.stderr.startswith("Error: --base-url") and len(run.stderr.splitlines()) == 1
    assert not (tmp_path / "feed.xml").exists()


def test_feed_needs_a_folder_and_a_base_url(tmp_path):
    missing = invoke("feed", str(tmp_path / "nope"), "--base-url", "http://example.org/")
    assert (missing.code, missing.stderr.strip()) == (
        2,
        f"Error: {tmp_path / 'nope'}: no such folder (voiceguide build -o "
        f"{tmp_path / 'nope'} makes one)",
    )
    assert invoke("feed", str(tmp_path)).code == 2


def test_a_programme_s_feed_is_a_series_in_week_order(tmp_path, folder):
    """Its sessions, written together, had one date and came week 4 first: an app could
    play the last stage first. Now a series, numbered and dated in week order."""
    (tmp_path / "calf.yaml").write_text(
        "title: Calf\nexercises:\n  - name: Calf stretch\n    instructions: Step back.\n"
    )
    (tmp_path / "plan.yaml").write_text(
        "programme: Calves\nroutine: calf.yaml\nstages:\n  - {weeks: 1, hold: 2, reps: 1}\n"
        "  - {weeks: 8, hold: 3, reps: 1}\n  - {weeks: 1, hold: 4, reps: 1}\n"
    )
    out = tmp_path / "out"
    assert invoke("build", str(tmp_path / "plan.yaml"), "-o", str(out)).code == 0
    assert invoke("feed", str(out), "--base-url", "https://example.org/p/").code == 0
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.itunes_type == "serial"
    files = [e.enclosures[0].href.rsplit("/", 1)[1] for e in feed.entries]
    assert files == ["plan.week-1.mp3", "plan.week-2.mp3", "plan.week-10.mp3"]
    # numbered by the week each starts: "episode 2" read as week 2 would be week 2's
    assert [e.itunes_episode for e in feed.entries] == ["1", "2", "10"]
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates) and len(set(dates)) == 3  # oldest first, none the same
    assert feed.feed.title == "Calves"  # the programme's, not "out: voiceguide sessions"
    titled = invoke("feed", str(out), "--base-url", "https://example.org/p/", "--title", "Mrs S")
    assert titled.code == 0, titled.stderr
    assert feedparser.parse((out / "feed.xml").read_bytes()).feed.title == "Mrs S"
    empty = invoke("feed", str(out), "--base-url", "https://example.org/p/", "--title", " ")
    assert empty.code == 2 and "--title is empty" in empty.stderr
    written = (out / "feed.xml").read_bytes()
    for bad, says in (
        ("bad\x01title", "control character (U+0001)"),
        ("a" * 201, "at most 200"),
        ("a\ufffeb", "control character (U+FFFE)"),
    ):
        run = invoke("feed", str(out), "--base-url", "https://example.org/p/", "--title", bad)
        assert run.code == 2 and says in run.stderr  # a feed that would not parse: refused
        assert (out / "feed.xml").read_bytes() == written
    for url, says in (
        ("https://e.org/\x01/", "'\\x01'"),
        ("https://e.org/%zz/", "'%' not"),
        ('https://e.org/"x/', "'\"'"),
    ):
        run = invoke("feed", str(out), "--base-url", url)
        assert run.code == 2 and says in run.stderr, run.stderr
        assert (out / "feed.xml").read_bytes() == written
    # a folder of sessions of no programme stays episodic, with no numbers
    mixed = feedparser.parse(fetch_feed(folder))
    assert mixed.feed.itunes_type == "episodic"
    assert not any("itunes_episode" in e for e in mixed.entries)


def fetch_feed(folder: Path) -> bytes:
    from voiceguide.serve.feed import feed_xml
    from voiceguide.serve.folder import SessionFolder

    with SessionFolder(folder) as sessions:
        return feed_xml(sessions.sessions(), "https://example.org/", title="t")


def test_a_folder_whose_name_xml_cannot_hold_still_gives_a_feed_that_parses(tmp_path):
    """The default title is the folder's name: one with a control character wrote a
    feed.xml no parser could read."""
    import xml.etree.ElementTree as ET

    odd = tmp_path / "fe\x01dir"
    build_session(odd)
    run = invoke("feed", str(odd), "--base-url", "https://example.org/s/")
    assert run.code == 0, run.stderr
    channel = ET.fromstring((odd / "feed.xml").read_bytes()).find("channel")
    assert channel is not None and channel.findtext("title") == "fe\ufffddir: voiceguide sessions"
