"""``voiceguide serve``: the pages, the files with ranges, and what it refuses, run as a
user runs it (a subprocess on 127.0.0.1) and asked as browsers, podcast apps and
hostile clients ask. The feed is in test_feed.py, the page in a browser in
test_browser.py."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import time
from pathlib import Path

import pytest
from conftest import invoke
from serving import STEM, build_session, fetch, raw, running

MP3 = f"{STEM}.mp3"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A built session, beside everything that must never be served."""
    root = tmp_path_factory.mktemp("serve")
    out = build_session(root / "out")
    (root / "secret.txt").write_text("outside the folder")
    (out / ".hidden.mp3").write_bytes(b"hidden")
    (out / f".{MP3}.0123abcd.part").write_bytes(b"half a session")
    (out / "notes.txt").write_text("not a session file")
    (out / "sub").mkdir()
    (out / "sub" / MP3).write_bytes(b"in a subfolder")
    os.symlink(root / "secret.txt", out / f"{STEM}.vtt")  # a session's name, out of FOLDER
    # a session whose audio is a link out of the folder: not a session at all
    shutil.copy(out / f"{STEM}.timeline.json", out / "linked.timeline.json")
    doc = json.loads((out / "linked.timeline.json").read_text())
    doc["audio"] = "linked.mp3"
    (out / "linked.timeline.json").write_text(json.dumps(doc))
    os.symlink(root / "secret.txt", out / "linked.mp3")
    # a session whose timeline names audio elsewhere
    doc["audio"] = "../secret.mp3"
    (out / "astray.timeline.json").write_text(json.dumps(doc))
    return out


@pytest.fixture(scope="module")
def server(folder):
    with running(folder) as server:
        yield server


def test_it_listens_on_loopback_and_prints_its_address(server):
    assert server.url == f"http://127.0.0.1:{server.port}/"
    assert "Serving 1 session from" in server.printed
    with pytest.raises(OSError):  # the port is taken on the loopback interface
        socket.create_server(("127.0.0.1", server.port)).close()


def test_the_list_names_each_session_with_its_length_and_language(server):
    status, headers, body = fetch(server.local)
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert page.count('class="session"') == 1  # not the linked or astray ones
    assert "Hamstring stretches for low back relief" in page
    # its length, when it was made (as the language writes a date), its language
    assert re.search(
        r"\b\d{1,2}:\d\d · made [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d · English", page
    )
    assert f'href="play/{STEM}"' in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_the_player_page_has_the_chapters_and_the_steps(server, folder):
    status, _, body = fetch(f"{server.local}play/{STEM}")
    page = body.decode()
    assert status == 200
    timeline = json.loads((folder / f"{STEM}.timeline.json").read_text())
    starts = re.findall(r'data-start="([\d.]+)"', page)
    assert [float(s) for s in starts] == [c["start"] for c in timeline["chapters"]]
    data = json.loads(re.search(r'id="player-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))  # fmt: skip
    assert data["duration"] == timeline["duration"]
    assert any(s["main"] == "Hold · right leg" for s in data["steps"])
    assert f'src="../{MP3}"' in page
    # every script and style is the server's own
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []


def test_a_script_and_a_style_are_served_and_nothing_else_from_assets(server):
    assert fetch(f"{server.local}assets/player.js")[1]["Content-Type"].startswith("text/javascript")
    assert fetch(f"{server.local}assets/player.css")[0] == 200
    assert fetch(f"{server.local}assets/index.html")[0] == 404
    assert raw(server.port, "/assets/..%2fapp.py")[0] == 404


def test_audio_is_served_whole_and_in_ranges(server, folder):
    whole = (folder / MP3).read_bytes()
    status, headers, body = fetch(server.local + MP3)
    assert (status, body, headers["Accept-Ranges"]) == (200, whole, "bytes")
    assert headers["Content-Type"] == "audio/mpeg"
    for asked, start, end in [
        ("bytes=0-", 0, len(whole)),
        ("bytes=1000-1999", 1000, 2000),
        ("bytes=-500", len(whole) - 500, len(whole)),
        (f"bytes={len(whole) - 10}-{len(whole) + 10**6}", len(whole) - 10, len(whole)),
    ]:
        status, headers, body = fetch(server.local + MP3, {"Range": asked})
        assert status == 206, asked
        assert body == whole[start:end], asked
        assert headers["Content-Range"] == f"bytes {start}-{end - 1}/{len(whole)}"


def test_head_answers_like_get_without_a_body(server, folder):
    status, headers, body = fetch(server.local + MP3, method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) == (folder / MP3).stat().st_size
    status, headers, _ = fetch(server.local + MP3, {"Range": "bytes=0-99"}, method="HEAD")
    assert (status, headers["Content-Length"]) == (206, "100")


def test_conditional_requests_follow_the_etag(server, folder):
    _, headers, _ = fetch(server.local + MP3, method="HEAD")
    etag = headers["ETag"]
    assert fetch(server.local + MP3, {"If-None-Match": etag})[0] == 304
    fresh = fetch(server.local + MP3, {"Range": "bytes=0-9", "If-Range": etag})
    stale = fetch(server.local + MP3, {"Range": "bytes=0-9", "If-Range": '"old"'})
    assert fresh[0] == 206 and len(fresh[2]) == 10
    assert stale[0] == 200 and len(stale[2]) == (folder / MP3).stat().st_size


@pytest.mark.parametrize(
    "asked, status",
    [
        ("bytes=abc", 416),
        ("bytes=5-1", 416),
        ("bytes=-", 416),
        ("bytes=0-1,5-6", 416),
        ("bytes=99999999999999999999999-", 416),
        ("bytes=" + "9" * 5000 + "-", 416),  # more digits than Python turns into a number
        ("bytes=" + "1" * 9000 + "-", 400),  # a header longer than any line is let be
        ("items=0-5", 200),  # another unit: ignored, as RFC 9110 says
        ("bytes=0-0", 206),
    ],
)
def test_malformed_and_huge_ranges_get_an_answer_or_a_4xx(server, folder, asked, status):
    got, headers, body = raw(server.port, f"/{MP3}", {"Range": asked})
    assert got == status
    if status == 416:
        assert headers["Content-Range"] == f"bytes */{(folder / MP3).stat().st_size}"
    if status == 206:
        assert body == (folder / MP3).read_bytes()[:1]


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/sub/" + MP3,
        "/sub%2f" + MP3,
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/etc/passwd",
        "http://127.0.0.1/../secret.txt",
        "/.hidden.mp3",
        f"/.{MP3}.0123abcd.part",
        "/notes.txt",
        f"/{STEM}.vtt",  # a link out of the folder
        "/linked.mp3",
        "/linked.timeline.json",
        "/astray.timeline.json",
        "/play/linked",
        "/play/..%2f..%2fsecret",
        "/" + "a" * 300 + ".mp3",
        "/%00.mp3",
        "/play/%2e%2e",
    ],
)
def test_nothing_but_session_files_is_served(server, path):
    status, _, body = raw(server.port, path)
    assert 400 <= status < 500, (path, status)
    assert b"outside the folder" not in body and b"half a session" not in body


def test_only_get_and_head(server):
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"):
        status, headers, _ = raw(server.port, f"/{MP3}", method=method)
        assert status == 405, method
        assert set(headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_timelines_and_chapters_are_served(server, folder):
    status, headers, body = fetch(f"{server.local}{STEM}.timeline.json")
    assert status == 200 and json.loads(body) == json.loads(
        (folder / f"{STEM}.timeline.json").read_text()
    )
    status, headers, body = fetch(f"{server.local}{STEM}.chapters.json")
    chapters = json.loads(body)
    assert status == 200 and chapters["version"].startswith("1.")
    assert [c["title"] for c in chapters["chapters"]][0] == "Introduction"


@pytest.mark.slow
def test_a_thousand_requests_at_once_get_answers_and_the_server_stays_up(server, folder):
    import aiohttp

    whole = (folder / MP3).read_bytes()
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    at_once = max(64, min(1000, soft - 128))  # as many connections as this process may open
    rng = random.Random(17)
    asks = []
    for index in range(1000):
        start = rng.randrange(len(whole))
        asks.append(
            [
                ("/", {}),
                ("/feed.xml", {}),
                (f"/{MP3}", {"Range": f"bytes={start}-{start + rng.randrange(1, 65536)}"}),
                ("/%2e%2e/secret.txt", {}),
            ][index % 4]
        )
    statuses: dict[int, int] = {}

    async def one(session: aiohttp.ClientSession, path: str, headers: dict[str, str]) -> None:
        async with session.get(f"http://127.0.0.1:{server.port}{path}", headers=headers) as r:
            body = await r.read()
        statuses[r.status] = statuses.get(r.status, 0) + 1
        assert r.status < 500, (path, r.status)
        if r.status == 206:
            first, last = map(int, r.headers["Content-Range"].split()[1].split("/")[0].split("-"))
            assert body == whole[first : last + 1]
        elif path == "/%2e%2e/secret.txt":
            assert r.status == 404

    async def all_at_once() -> None:
        limits = aiohttp.TCPConnector(limit=at_once, force_close=True)
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=limits, timeout=timeout) as session:
            await asyncio.gather(*(one(session, path, headers) for path, headers in asks))

    began = time.monotonic()
    asyncio.run(all_at_once())
    took = time.monotonic() - began
    assert sum(statuses.values()) == 1000
    assert set(statuses) <= {200, 206, 404, 429}, statuses
    assert statuses.get(206, 0) + statuses.get(429, 0) == 250
    print(f"1000 requests, {at_once} at once: {statuses} in {took:.1f} s")
    assert fetch(server.local + MP3)[2] == whole  # still up, still right
    assert server.process.poll() is None


def _socket_buffers() -> int:
    """The most bytes a loopback connection's two socket buffers can hold."""
    most = 0
    for name in ("tcp_rmem", "tcp_wmem"):
        try:
            most += int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[2])
        except (OSError, ValueError, IndexError):
            most += 8 << 20
    return most


@pytest.mark.slow
def test_an_audio_file_replaced_while_it_streams_is_sent_whole_as_it_was(tmp_path, folder):
    # bigger than the socket buffers can hold: the server is still reading the file
    # when it is replaced
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(folder / f"{STEM}.timeline.json", out)
    repeat = (2 * _socket_buffers() + (8 << 20)) // 256
    old = bytes(range(256)) * repeat
    new = bytes(reversed(range(256))) * 1024
    (out / MP3).write_bytes(old)
    with running(out) as server:
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        connection.sendall(f"GET /{MP3} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        received = connection.recv(65536)
        time.sleep(0.5)  # the server fills what the sockets can hold, then waits
        staged = out / f".{MP3}.abcdef01.part"
        staged.write_bytes(new)
        os.replace(staged, out / MP3)  # as a build commits
        while chunk := connection.recv(1 << 20):
            received += chunk
        connection.close()
        head, _, body = received.partition(b"\r\n\r\n")
        assert b"200 OK" in head and f"Content-Length: {len(old)}".encode() in head
        assert len(body) == len(old) and body == old  # the whole old file, not a mix
        assert fetch(server.local + MP3)[2] == new  # the next request gets the new one


def test_a_session_is_listed_only_once_its_files_are_all_there(tmp_path, folder):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(folder / f"{STEM}.timeline.json", out)
    (out / f".{MP3}.abcdef01.part").write_bytes(b"being written")  # the audio is not yet
    with running(out) as server:
        assert "Serving 0 sessions" in server.printed
        assert 'class="session"' not in fetch(server.local)[2].decode()
        assert fetch(f"{server.local}play/{STEM}")[0] == 404
        os.replace(out / f".{MP3}.abcdef01.part", out / MP3)
        assert fetch(server.local)[2].decode().count('class="session"') == 1
        assert fetch(f"{server.local}play/{STEM}")[0] == 200


def test_a_programme_s_sheets_are_served_and_no_other_page(tmp_path, folder):
    out = tmp_path / "out"
    out.mkdir()
    for week in (1, 2):
        stem = f"plan.week-{week}"
        doc = json.loads((folder / f"{STEM}.timeline.json").read_text())
        doc["audio"] = f"{stem}.mp3"
        (out / f"{stem}.timeline.json").write_text(json.dumps(doc))
        shutil.copy(folder / MP3, out / f"{stem}.mp3")
    (out / "plan.html").write_text("<h1>handout</h1>")
    (out / "plan.m3u8").write_text("#EXTM3U\nplan.week-1.mp3\n")
    (out / "plan.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    (out / "other.html").write_text("<h1>not a sheet of these sessions</h1>")
    with running(out) as server:
        status, headers, body = fetch(server.local + "plan.html")
        assert (status, body) == (200, b"<h1>handout</h1>")
        assert "sandbox" in headers["Content-Security-Policy"]  # shown, never run
        assert fetch(server.local + "plan.m3u8")[0] == 200
        assert fetch(server.local + "plan.ics")[1]["Content-Type"].startswith("text/calendar")
        assert fetch(server.local + "other.html")[0] == 404
        assert fetch(server.local)[2].decode().count('class="session"') == 2


# -- --lan: the token --------------------------------------------------------------------


def test_lan_prints_an_address_with_a_token_and_a_qr_code_and_refuses_any_other(folder):
    with running(folder, "--lan") as server:
        token = server.url.rstrip("/").rsplit("/", 1)[1]
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
        assert "█" in server.printed and "▄" in server.printed  # the QR code
        assert fetch(server.local)[0] == 200
        assert token in fetch(server.local + "feed.xml")[2].decode()  # in every URL
        page = fetch(server.local)[2].decode()
        assert f'href="play/{STEM}"' in page  # relative: the token stays in the path
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        flipped = token.swapcase() if token.swapcase() != token else token + "a"
        refused = ["/", f"/{MP3}", "/feed.xml", f"/{wrong}/", f"/{wrong}/{MP3}", f"/{flipped}/"]
        refused += [f"/{token[:8]}/", f"/{token}x/", f"/x{token}/", f"/?token={token}"]
        for path in refused:
            status, _, body = raw(server.port, path)
            assert status == 403, path
            assert b"ID3" not in body and b"<rss" not in body
        assert raw(server.port, f"/{token}/{MP3}", {"Range": "bytes=0-2"})[2] == b"ID3"


def test_two_servers_get_different_tokens(folder):
    with running(folder, "--lan") as one, running(folder, "--lan") as two:
        assert one.url.rsplit("/", 2)[1] != two.url.rsplit("/", 2)[1]


# -- stopping and bad input ---------------------------------------------------------------


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_stops_it_cleanly_and_frees_the_port(folder, signum, code):
    with running(folder) as server:
        port = server.port
        assert fetch(server.local)[0] == 200
        status, _, stderr = server.stop(signum)
    assert status == code
    assert stderr.strip().splitlines() == [  # no traceback; what is not served, and why
        "Not served: astray.timeline.json: not the timeline of a session in this folder, or"
        " damaged",
        "Not served: linked.timeline.json: its audio linked.mp3 is a link or not a regular file",
        "Stopped.",
    ]
    socket.create_server(("127.0.0.1", port)).close()  # the port is free again


def test_a_port_in_use_is_bad_input(folder):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        run = invoke("serve", str(folder), "--port", str(port))
    assert run.code == 2
    assert run.stderr.strip() == (
        f"Error: port {port} is already in use on 127.0.0.1: choose another with --port"
    )


@pytest.mark.parametrize(
    "args, said",
    [
        (["/no/such/folder"], "Error: /no/such/folder: no such folder"),
        (["--port", "70000"], "Error: --port: 70000 is not in the range 0<=x<=65535."),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, said):
    run = invoke("serve", *args)
    assert run.code == 2
    assert run.stderr.splitlines()[0].startswith(said)
    assert "Traceback" not in run.stderr


def test_a_file_as_the_folder_is_bad_input(folder):
    run = invoke("serve", str(folder / MP3))
    assert (run.code, run.stderr.strip()) == (2, f"Error: {folder / MP3}: not a folder")


# -- a jump: the stream from a frame ------------------------------------------------------


def test_the_mp3_from_a_frame_is_the_file_s_frames_from_there_on(server, folder):
    from voiceguide.serve.mp3index import index

    whole = (folder / MP3).read_bytes()
    with open(folder / MP3, "rb") as f:
        frames = index(f.fileno(), len(whole))
    assert frames is not None and (frames.rate, frames.samples) == (22050, 576)
    timeline = json.loads((folder / f"{STEM}.timeline.json").read_text())
    # every frame is there: the frames' samples less the delay cover the session
    covered = (len(frames.offsets) * frames.samples - frames.delay) / frames.rate
    assert 0 <= covered - timeline["duration"] < 2 * frames.samples / frames.rate
    assert frames.delay == 576 + 529  # LAME's, from its tag, and the decoder's
    for frame in (0, 1000, len(frames.offsets) - 1):
        status, headers, body = fetch(f"{server.local}{MP3}?frame={frame}")
        head = frames.head(frame)  # its own info frame, then the file's frames
        assert status == 200 and body == head + whole[frames.offsets[frame] : frames.end]
        assert body[:2] == b"\xff\xf3"  # an MPEG-2 layer III frame, no tags before it
        assert int(headers["Content-Length"]) == len(body)
        for asked in ("10-19", f"{len(head) - 5}-{len(head) + 4}", f"{len(head) + 7}-"):
            status, _, part = fetch(
                f"{server.local}{MP3}?frame={frame}", {"Range": f"bytes={asked}"}
            )
            first, _, last = asked.partition("-")
            assert status == 206 and part == body[int(first) : int(last) + 1 if last else None]
    assert frames.start_of(1000) == (1000 * 576 - 1105) / 22050
    for bad, status in (("-1", 400), ("x", 400), ("9" * 30, 400), (str(10**8), 416)):
        assert raw(server.port, f"/{MP3}?frame={bad}")[0] == status, bad
    assert raw(server.port, f"/{STEM}.timeline.json?frame=3")[0] == 200  # only audio has frames


def test_the_mp3_from_a_frame_says_how_long_it_is(server, folder):
    # Without an info frame of its own, a browser took the stream's length and times
    # from its first frame's bit rate (a silent frame's 8 kbps): Chromium read a stream
    # of 24 s as 235 s, and the player showed times past the session's end.
    import io

    from mutagen.mp3 import MP3 as Mp3

    from voiceguide.serve.mp3index import index

    whole = (folder / MP3).read_bytes()
    with open(folder / MP3, "rb") as f:
        frames = index(f.fileno(), len(whole))
    assert frames is not None
    count = len(frames.offsets)
    for frame in (0, 1000, count - 400, count - 1):
        _, _, body = fetch(f"{server.local}{MP3}?frame={frame}")
        head = body[: len(frames.head(frame))]
        xing = head.find(b"Xing")
        assert xing > 0 and int.from_bytes(head[xing + 4 : xing + 8], "big") & 7 == 7
        assert int.from_bytes(head[xing + 8 : xing + 12], "big") == count - frame
        assert int.from_bytes(head[xing + 12 : xing + 16], "big") == len(body)
        toc = head[xing + 16 : xing + 116]
        assert toc[0] == 0 and list(toc) == sorted(toc)
        # no LAME tag: nothing is dropped from the start, the player's time stays right
        assert b"LAME" not in head and not any(head[xing + 120 :])
        info = Mp3(io.BytesIO(body)).info
        assert info.length == pytest.approx((count - frame) * frames.samples / frames.rate)


# -- a programme: its sessions side by side, its sheets ------------------------------------

PROGRAMME = """\
programme: Hamstring relief, four weeks
routine: hamstring-relief
times_a_day: 2
at: ["08:00", "18:00"]
start: 2026-12-01
stages:
  - {weeks: 1, hold: 2, reps: 1}
  - {weeks: 2, hold: 3, reps: 1}
  - {weeks: 1, hold: 4, reps: 1}
"""


@pytest.fixture(scope="module")
def programme(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("programme")
    (root / "four-weeks.yaml").write_text(PROGRAMME)
    run = invoke("build", str(root / "four-weeks.yaml"), "-o", str(root / "out"))
    assert run.code == 0, run.stderr
    return root / "out"


def test_a_programme_s_sessions_are_listed_in_week_order_with_its_sheets(programme):
    # written at once, they were listed newest first (week 4 first), with one title
    for week in (1, 2, 4):  # week 4 written last, as a build does
        for suffix in (".mp3", ".timeline.json"):
            os.utime(programme / f"four-weeks.week-{week}{suffix}", (1e9 + week, 1e9 + week))
    with running(programme) as server:
        page = fetch(server.local)[2].decode()
        hrefs = re.findall(r'class="session" href="play/([^"]+)"', page)
        assert hrefs == [f"four-weeks.week-{week}" for week in (1, 2, 4)]
        # each stage's weeks, as far as the next stage's first ("from week 2" read as
        # "from week 2 on" for a one-week stage); the last, whose end is not known, "from"
        stages = re.findall(r'class="session-stage">([^<]+)<', page)
        assert stages == ["week 1", "weeks 2–3", "from week 4"]
        links = dict(re.findall(r'class="sheet" href="([^"]+)">([^<]+)<', page))
        assert links == {
            "four-weeks.html": "The sheet",
            "four-weeks.ics": "Reminders for your calendar",
        }
        for name in links:
            status, headers, body = fetch(server.local + name)
            assert status == 200 and body == (programme / name).read_bytes()
        (programme / "four-weeks.ics").unlink()  # gone: no longer linked
        page = fetch(server.local)[2].decode()
        assert "four-weeks.ics" not in page and 'href="four-weeks.html"' in page


def test_a_lone_session_has_no_sheets_and_no_stage(server):
    page = fetch(server.local)[2].decode()
    assert 'class="sheet"' not in page and "from week" not in page


def test_the_list_puts_a_programme_s_weeks_in_order_and_each_build_by_its_newest():
    from dataclasses import replace

    from voiceguide.serve.folder import first_week, grouped, session_of

    def made(stem: str, modified: float):
        document = {
            "format": "voiceguide-timeline/1",
            "title": "The same title",
            "audio": f"{stem}.mp3",
            "duration": 60,
        }
        found = session_of(stem, document, b"{}")
        assert found is not None
        return replace(found, modified=modified)

    sessions = [
        made("plan.week-10", 50),
        made("plan.week-2", 50),
        made("plan.week-1", 40),
        made("alone", 45),
        made("plan.week-3.es", 10),
        made("older", 5),
    ]
    groups = grouped(sessions)
    assert [[s.stem for s in g.sessions] for g in groups] == [
        ["plan.week-1", "plan.week-2", "plan.week-10"],
        ["alone"],
        ["plan.week-3.es"],
        ["older"],
    ]
    assert groups[0].name == "plan" and groups[0].weeks == (1, 2, 10)
    assert groups[1].weeks == (None,)
    assert first_week("plan.week-3.es") == ("plan", ".es", 3)
    assert first_week("week-3") is None and first_week("plan.week-x") is None


def test_this_week_s_session_is_marked_with_today_s_times(tmp_path):
    """The list showed three sessions of a programme and the day each was built: the
    person with the phone had to count weeks from the sheet to know which to play."""
    import datetime as dt

    start = dt.date.today() - dt.timedelta(days=9)  # in week 2, whatever the hour
    (tmp_path / "plan.yaml").write_text(
        PROGRAMME.replace("start: 2026-12-01", f"start: {start.isoformat()}")
    )
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    with running(tmp_path / "out") as server:
        page = fetch(server.local)[2].decode()
    marked = re.findall(r'class="session current" href="play/([^"]+)" aria-current="date">\s*'
                        r'<span class="session-now">([^<]+)</span>', page)  # fmt: skip
    assert [stem for stem, _ in marked] == ["plan.week-2"]
    # what is left of today's, or (late in the evening) tomorrow's, still in week 2
    assert re.fullmatch(r"This week · (today at (08:00 and )?18:00|tomorrow at 08:00 and 18:00)",
                        marked[0][1]), marked  # fmt: skip
    assert page.count("This week") == 1 and page.count('class="session-now"') == 1


def test_the_week_is_read_from_the_programme_s_own_reminders(tmp_path):
    import datetime as dt

    from voiceguide.serve.folder import SessionFolder
    from voiceguide.serve.today import Current, current

    (tmp_path / "plan.yaml").write_text(
        PROGRAMME.replace("start: 2026-12-01", "start: 2027-03-22\ndays: [mon, wed]")
    )
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    out = tmp_path / "out"

    def at(day: int, clock: str) -> Current | None:  # March 2027, at a time of day
        when = dt.datetime.combine(dt.date(2027, 3, day), dt.time.fromisoformat(clock))
        with SessionFolder(out) as folder:
            return current(folder, "plan", when)

    mon, tue, wed = dt.date(2027, 3, 22), dt.date(2027, 3, 23), dt.date(2027, 3, 24)
    sunday = dt.date(2027, 3, 21)  # the day before it starts: its first session to come
    assert at(21, "12:00") == Current(None, sunday, (), 1, mon, ("08:00", "18:00"))
    assert at(22, "07:00") == Current(1, mon, ("08:00", "18:00"))
    assert at(22, "08:40") == Current(1, mon, ("08:00", "18:00"))  # begun, under an hour
    assert at(22, "12:00") == Current(1, mon, ("18:00",))
    assert at(22, "21:00") == Current(1, mon, (), 1, wed, ("08:00", "18:00"))
    assert at(23, "09:00") == Current(1, tue, (), 1, wed, ("08:00", "18:00"))
    last = at(28, "10:00")  # the last day of week 1: the next session is week 2's
    assert last == Current(1, dt.date(2027, 3, 28), (), 2, dt.date(2027, 3, 29),
                           ("08:00", "18:00"))  # fmt: skip
    assert at(29, "07:00") == Current(2, dt.date(2027, 3, 29), ("08:00", "18:00"))
    with SessionFolder(out) as folder:
        end = current(folder, "plan", dt.datetime(2027, 4, 18, 12))
        after = current(folder, "plan", dt.datetime(2027, 4, 19, 7))
    assert end == Current(4, dt.date(2027, 4, 18), ())  # the last day: nothing to come
    assert after is None
    # a calendar not of this programme, broken or too large marks nothing
    for text in (b"not a calendar", b"BEGIN:VCALENDAR\r\nEND:VEVENT\r\n", b"x" * 2_000_000):
        (out / "plan.ics").write_bytes(text)
        assert at(22, "07:00") is None
    (out / "plan.ics").unlink()
    (out / "other.ics").write_bytes(b"")
    assert at(22, "07:00") is None


def test_the_next_session_is_marked_on_its_week_s_session():
    import datetime as dt

    from voiceguide.serve.folder import grouped, session_of
    from voiceguide.serve.pages import index_page
    from voiceguide.serve.today import Current

    def made(stem: str):
        document = {"format": "voiceguide-timeline/1", "title": stem, "audio": f"{stem}.mp3",
                    "duration": 60}  # fmt: skip
        found = session_of(stem, document, b"{}")
        assert found is not None
        return found

    groups = grouped([made("plan.week-1"), made("plan.week-2")])
    sunday, monday = dt.date(2027, 3, 28), dt.date(2027, 3, 29)

    def marks(now: Current) -> list[str]:
        page = index_page(groups, "http://127.0.0.1:1/feed.xml", now={"plan": now})
        return re.findall(r'href="play/([^"]+)"[^>]*>\s*<span class="session-now">([^<]+)<', page)

    assert marks(Current(1, sunday, (), 2, monday, ("08:00",))) == [
        ("plan.week-1", "This week"), ("plan.week-2", "Tomorrow at 08:00")]  # fmt: skip
    friday = dt.date(2027, 3, 26)
    assert marks(Current(1, friday, (), 1, monday, ("08:00", "18:00"))) == [
        ("plan.week-1", "This week · next: Monday at 08:00 and 18:00")]  # fmt: skip
    # not begun: no week is this one, and the first session is marked when it comes
    assert marks(Current(None, friday, (), 1, monday, ("08:00",))) == [
        ("plan.week-1", "Next: Monday at 08:00")]  # fmt: skip
    # a week away or more: the date too ("Monday" read as the coming one, nine days early)
    later = monday + dt.timedelta(days=7)
    assert marks(Current(None, friday, (), 1, later, ("08:00", "18:30"))) == [
        ("plan.week-1", "Next: Monday,\u00a0April\u00a05 at 08:00 and 18:30")]  # fmt: skip
    assert marks(Current(None, later - dt.timedelta(days=7), (), 1, later, ("08:00",))) == [
        ("plan.week-1", "Next: Monday,\u00a0April\u00a05 at 08:00")]  # fmt: skip
