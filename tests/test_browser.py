"""The page in a real browser, as a person uses it: Debian's headless Chromium driven by
Playwright, against ``voiceguide serve`` on 127.0.0.1. It lists the sessions, plays,
jumps to a chapter (and the words of the chapter are heard where the timeline says),
and shows the right step at a given time. Nothing is fetched from anywhere else."""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
from pathlib import Path

import pytest
from serving import STEM, build_session, running

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is in the test extra (pip install -e '.[test]')"
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium is not installed (.ci/run installs Debian's chromium)")
    return found


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return build_session(tmp_path_factory.mktemp("browser") / "out")


@pytest.fixture(scope="module")
def timeline(folder) -> dict:
    return json.loads((folder / f"{STEM}.timeline.json").read_text())


@pytest.fixture(scope="module")
def server(folder):
    with running(folder) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=path, args=["--autoplay-policy=no-user-gesture-required"]
            )
        except sync_api.Error as exc:
            pytest.skip(f"Playwright could not start {path}: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A phone-sized page; afterwards, no request went anywhere but the server and the
    browser reported no error (a refused script or style would be one)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    origin = f"http://127.0.0.1:{server.port}/"
    assert requests and all(u.startswith(origin) or u.startswith("data:") for u in requests)
    assert problems == []


def until(page, script: str, seconds: float = 10):
    """Poll ``script`` in the page until it is truthy (the page's policy forbids the
    evaluated predicates Playwright's own waits use)."""
    deadline = time.monotonic() + seconds  # a hang guard, not a timing
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"never true: {script}")


def position(page) -> float:
    return page.evaluate("window.voiceguide.position()")


def slide_to(page, seconds: float) -> None:
    """Move the position slider to ``seconds``, as a finger lifting off it does."""
    page.evaluate(
        "(t) => { const s = document.getElementById('seek'); s.value = String(t);"
        " s.dispatchEvent(new Event('change')); }",
        seconds,
    )


def open_player(page, server) -> None:
    """The first session's player, its script running (:func:`ready`)."""
    page.goto(server.local)
    page.click("a.session")
    ready(page)


def ready(page) -> None:
    """Wait for the player's script to run: ``#play`` is in the page before the script
    that answers it (on a busy machine a slide came first, and was never heard)."""
    page.wait_for_selector("#play")
    until(page, "window.voiceguide !== undefined")


def test_the_page_lists_the_sessions_and_opens_a_player(page, server, timeline):
    page.goto(server.local)
    sessions = page.locator("a.session")
    assert sessions.count() == 1
    assert timeline["title"] in sessions.inner_text()
    sessions.click()
    ready(page)
    assert page.url == f"{server.local}play/{STEM}"
    assert page.locator(".chapter").all_inner_texts()[1].startswith("Seated hamstring stretch")
    assert page.inner_text("#now-main") == "Introduction"
    assert page.inner_text("#now-next") == "Next: Seated hamstring stretch"
    # large enough to read from the floor: the "now" line is at least 32 CSS pixels
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('now-main')).fontSize)"
    )
    assert size >= 32


def test_it_plays_and_keeps_the_screen_awake_where_it_may(page, server):
    open_player(page, server)
    page.click("#play")
    until(page, "window.voiceguide.position() > 0.5")
    assert page.get_attribute("#play", "data-state") == "playing"
    assert until(page, "document.body.dataset.wakeLock") in ("held", "refused", "unavailable")
    page.click("#play")
    until(page, "document.getElementById('audio').paused")
    stopped = position(page)
    time.sleep(0.3)
    assert position(page) == stopped
    until(page, "document.getElementById('play').dataset.state === 'paused'")  # 'pause' event


def test_a_chapter_jump_lands_on_the_chapter(page, server, timeline):
    open_player(page, server)
    chapter = timeline["chapters"][2]
    page.locator(".chapter").nth(2).click()
    until(page, "!document.getElementById('audio').paused")
    # where the jump put the stream's start, not how far it has played since (however
    # long a busy machine took to look)
    landed = page.evaluate(
        "window.voiceguide.position() - document.getElementById('audio').currentTime"
    )
    assert abs(landed - chapter["start"]) < 0.1, landed
    until(page, f"window.voiceguide.position() > {chapter['start'] + 0.3}")
    assert page.get_attribute(".chapter:nth-of-type(3)", "aria-current") == "true"
    assert page.inner_text("#now-main") == chapter["title"]


HEARD = """
(at) => new Promise((resolve) => {
  const audio = document.getElementById('audio');
  if (!window.probe) {  // the element's sound, measured as it is played
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 32768;  // the last 0.7 s: what was heard since the last look
    context.createMediaElementSource(audio).connect(analyser);
    analyser.connect(context.destination);
    window.probe = analyser;
  }
  const analyser = window.probe, context = analyser.context;
  const size = analyser.fftSize, rate = context.sampleRate, WINDOW = 128;
  const samples = new Float32Array(size);
  const seek = document.getElementById('seek');
  seek.value = String(at);
  seek.dispatchEvent(new Event('change'));
  const began = performance.now();
  let quiet = 0;  // quiet samples since the last loud ones
  let last = context.currentTime;
  (function listen() {
    const now = context.currentTime;
    analyser.getFloatTimeDomainData(samples);
    const position = window.voiceguide.position();
    const fresh = Math.round((now - last) * rate);  // samples played since the last look
    last = now;
    if (fresh > size) { resolve('missed'); return; }  // a look came too late to tell
    for (let start = size - fresh; start < size; start += WINDOW) {  // 3 ms at a time
      let peak = 0, loud = -1;
      for (let i = start; i < Math.min(start + WINDOW, size); i++) {
        const level = Math.abs(samples[i]);
        peak = Math.max(peak, level);
        if (loud < 0 && level > 0.03) { loud = i; }
      }
      if (peak < 0.003) { quiet += WINDOW; }
      else if (loud >= 0 && quiet >= 0.08 * rate) {
        // heard (size - loud) samples before the look: where the session was then
        resolve(position - (size - loud) / rate);
        return;
      } else if (loud >= 0) { quiet = 0; }  // sound before the jump took effect
    }
    if (performance.now() - began > 5000) { resolve(null); return; }
    requestAnimationFrame(listen);
  })();
})
"""
"""Jumps to ``at`` and resolves to the session's time when sound is first heard loud
(over 0.03) after at least 80 ms of quiet (windows of 128 samples under 0.003): read
from the samples played since each look, not from when the look came (a busy machine
delays the looks by hundreds of milliseconds); 'missed' if a look came more than the
analyser holds after the one before."""


@pytest.mark.slow
def test_after_a_jump_each_chapter_is_heard_within_100_ms_of_its_time(page, server, timeline):
    # Browsers seek in a variable-bit-rate MP3 by guessing (seconds off in a session,
    # mostly silence); the player starts the stream at the right frame instead. Jump
    # to just before each chapter, then hear when its first words begin.
    open_player(page, server)
    page.click("#play")
    until(page, "window.voiceguide.position() > 0.2")
    errors = []
    for chapter in timeline["chapters"][1:4]:
        for _ in range(5):  # a jump whose looks came too late is made again
            heard = page.evaluate(HEARD, chapter["start"] - 0.6)
            if heard != "missed":
                break
        assert heard is not None and heard != "missed", chapter
        errors.append(heard - chapter["start"])
    print("heard after the chapter start (ms):", [round(e * 1000, 1) for e in errors])
    assert all(-0.1 < e < 0.1 for e in errors), errors


NOW_MAIN = (
    "document.getElementById('now-main').innerText.replace(/\\u00a0/g, ' ').replace(/\\n/g, ' · ')"
)
"""The "now" line as one line of text (the seconds left are shown on a line of their
own, and no line starts with the "·" before them)."""


def expected_now(event: dict, at: float, text: str) -> str:
    return f"{text} · {math.ceil(event['end'] - at - 1e-6)} s"


def test_the_step_shown_is_the_one_at_that_time(page, server, timeline):
    open_player(page, server)
    hold = next(e for e in timeline["events"] if e["kind"] == "hold")
    switch = next(e for e in timeline["events"] if e["kind"] == "switch")
    next_side = next(
        e["side"] for e in timeline["events"] if e["kind"] == "hold" and e["start"] > switch["end"]
    )
    for event, at, text in [
        (hold, hold["start"] + 0.3, f"Hold · {hold['side']} leg"),
        (switch, switch["start"] + 3.2, f"Switch to your {next_side} leg"),
    ]:
        slide_to(page, at)  # far from a whole second's edge: the count is the same nearby
        shown = expected_now(event, at, text)
        until(page, f"{NOW_MAIN} === {shown!r}")
        assert abs(position(page) - at) < 0.1
    assert page.inner_text("#now-detail") == hold["exercise"]
    assert page.inner_text("#now-next") == "Next: Lying hamstring stretch"


def test_in_the_quiet_to_make_a_move_the_words_for_it_stay_on_screen(page, server, timeline):
    open_player(page, server)
    said = [e for e in timeline["events"] if e["kind"] == "speech"]
    down = next(e for e in said if "come down to the floor" in e["text"])
    after = next(e for e in said if e["start"] > down["end"])
    assert after["start"] - down["end"] >= 30  # the quiet to get down to the floor
    slide_to(page, (down["end"] + after["start"]) / 2)
    until(page, f"document.getElementById('caption').textContent === {down['text']!r}")
    # through the seconds counted to change sides, the words for the move stay: they
    # went as the count began, with most of the move still to make
    switch = next(e for e in timeline["events"] if e["kind"] == "switch")
    move = [e for e in said if e["end"] <= switch["start"]][-1]
    slide_to(page, switch["start"] + 1.0)
    until(page, f"document.getElementById('caption').textContent === {move['text']!r}")
    assert page.inner_text("#now-main").startswith("Switch to your left leg")


def test_back_and_forward_move_15_seconds(page, server):
    open_player(page, server)
    slide_to(page, 100)
    start = position(page)
    page.click("#back")
    assert abs(position(page) - (start - 15)) < 0.1
    page.click("#forward")
    page.click("#forward")
    assert abs(position(page) - (start + 15)) < 0.1
    assert page.get_attribute("#play", "data-state") == "paused"  # a jump does not play


SAMPLE = """() => {
  const audio = document.getElementById('audio');
  return {
    wall: performance.now() / 1000,
    position: window.voiceguide.position(),
    current: audio.currentTime,
    length: audio.duration,
    ended: audio.ended,
    elapsed: document.getElementById('elapsed').textContent,
    total: document.getElementById('total').textContent,
  };
}"""


def seconds_of(clock: str) -> int:
    parts = [int(p) for p in clock.split(":")]
    return sum(p * 60 ** (len(parts) - 1 - i) for i, p in enumerate(parts))


def quiet_before_sound(mp3: Path) -> float:
    """A time in the session's last 8 s where the stream of a jump starts with a silent
    frame (8 kbps) and then has sound: from such a start, a guess at the stream's length
    from its first frame is seconds off."""
    from voiceguide.mp3frames import frame_bytes
    from voiceguide.serve.mp3index import index

    data = mp3.read_bytes()
    with mp3.open("rb") as f:
        frames = index(f.fileno(), len(data))
    assert frames is not None
    count, last = len(frames.offsets), frames.end
    for j in range(max(0, count - int(8 * frames.rate / frames.samples)), count):
        at = frames.offsets[j]
        kbps = frame_bytes(int.from_bytes(data[at : at + 4], "big"), frames.rate) * 8 * frames.rate
        kbps /= frames.samples * 1000
        real = (count - j) * frames.samples / frames.rate
        if kbps < 9 and (last - at) * 8 / (kbps * 1000) > real + 2:
            return frames.start_of(j + 1) + 0.01  # the player starts the stream at frame j
    raise AssertionError("no quiet frame before sound near the end")


def test_after_a_jump_the_time_follows_the_sound_to_the_end(page, server, folder, timeline):
    # The stream after a jump had no info frame: Chromium took its length and times
    # from its first (silent, 8 kbps) frame, and at its end the page showed a time
    # seconds past the session's end (14:17 of 12:54).
    open_player(page, server)
    duration = timeline["duration"]
    page.click("#play")
    until(page, "window.voiceguide.position() > 0.2")
    slide_to(page, quiet_before_sound(folder / f"{STEM}.mp3"))
    until(page, "document.getElementById('audio').currentTime > 0.3")
    first = page.evaluate(SAMPLE)
    samples = [first]
    deadline = time.monotonic() + 20  # a hang guard: the session has under 5 s left
    while not samples[-1]["ended"] and time.monotonic() < deadline:
        time.sleep(0.15)
        samples.append(page.evaluate(SAMPLE))
    last = samples[-1]
    assert last["ended"], "the session never ended"
    stream = first["position"] - first["current"]  # where the jump's stream starts
    for sample in samples:  # the stream's length is known from its start, not guessed
        assert abs(sample["length"] - (duration - stream)) < 0.2, (sample, duration - stream)
    for sample in samples[1:-1]:  # neither clock runs ahead of real time (on a busy
        passed = sample["wall"] - first["wall"]  # machine the sound may lag, never lead)
        assert sample["current"] - first["current"] <= passed + 0.3, sample
        assert sample["position"] - first["position"] <= passed + 0.3, sample
    for sample in samples:
        assert sample["position"] <= duration
        assert seconds_of(sample["elapsed"]) <= seconds_of(sample["total"]), sample
    assert last["position"] == pytest.approx(duration)
    assert last["elapsed"] == last["total"]
    assert abs(last["current"] - (duration - stream)) < 0.2  # it ended where the sound did
    assert page.get_attribute("body", "data-finished") == "true"
    assert "finished" in page.inner_text("#status").lower()
    page.click("#play")  # again: from the start, not from where the jump's stream began
    until(page, "!document.getElementById('audio').paused")
    assert position(page) < 2
    assert page.get_attribute("body", "data-finished") == "false"


@pytest.fixture(scope="module")
def spanish(tmp_path_factory) -> Path:
    return build_session(tmp_path_factory.mktemp("browser-es") / "out", "--language", "es")


PLAY_BOX = """() => {
  const r = document.getElementById('play').getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom, innerWidth, innerHeight,
          document.getElementById('now-main').innerText];
}"""


@pytest.mark.parametrize("size", [(320, 568), (390, 844), (844, 390)], ids="{0[0]}x{0[1]}".format)
def test_the_controls_stay_put_and_on_screen(browser, folder, spanish, size):
    # The "now" text's height changed with what was said, and pushed the buttons down
    # (off a small screen during the introduction; none on screen in landscape): a
    # hand reaching for pause must find it where it was.
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    boxes = []
    try:
        for where, stem in ((folder, STEM), (spanish, f"{STEM}.es")):
            timeline = json.loads((where / f"{stem}.timeline.json").read_text())
            hold = next(e for e in timeline["events"] if e["kind"] == "hold")
            moments = [0.5, timeline["chapters"][1]["start"] + 1, hold["start"] + 0.3]
            moments.append(timeline["chapters"][-1]["start"] + 1)
            with running(where) as server:
                page.goto(f"{server.local}play/{stem}")
                ready(page)
                for at in moments:
                    slide_to(page, at)
                    until(page, f"Math.abs(window.voiceguide.position() - {at}) < 0.05")
                    page.wait_for_timeout(50)  # a frame: the layout of the new text
                    boxes.append((at, page.evaluate(PLAY_BOX)))
    finally:
        context.close()
    shown = {box[6] for _, box in boxes}
    assert len(shown) >= 6, shown  # the texts did change
    for at, (left, top, right, bottom, w, h, text) in boxes:
        assert left >= 0 and right <= w and top >= 0 and bottom <= h, (at, text, top, bottom)
        assert bottom - top >= 56  # still a big target
    tops = {(round(box[0]), round(box[1])) for _, box in boxes}
    assert len(tops) == 1, boxes


WORDS_BOX = """() => {
  const c = document.getElementById('caption').getBoundingClientRect();
  const d = document.querySelector('.dock').getBoundingClientRect();
  const line = parseFloat(getComputedStyle(document.getElementById('caption')).lineHeight);
  return [c.top, line, d.top, document.getElementById('caption').textContent];
}"""


def test_on_a_small_phone_the_words_to_follow_are_above_the_controls(browser, spanish):
    """At 320x568 the Spanish words for getting down to the floor were under the control
    bar, below the exercise's name and "Next: ..."; the person lying down cannot
    scroll."""
    timeline = json.loads((spanish / f"{STEM}.es.timeline.json").read_text())
    said = [e for e in timeline["events"] if e["kind"] == "speech"]
    quiet = [(a, b) for a, b in zip(said, said[1:]) if b["start"] - a["end"] >= 20]
    assert quiet  # the way down to the floor, the change at the wall
    context = browser.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    try:
        with running(spanish) as server:
            page.goto(f"{server.local}play/{STEM}.es")
            ready(page)
            for words, after in quiet:
                slide_to(page, (words["end"] + after["start"]) / 2)
                until(page, f"document.getElementById('caption').textContent === {words['text']!r}")
                page.wait_for_timeout(50)  # a frame: the layout of the new text
                top, line, dock, text = page.evaluate(WORDS_BOX)
                assert top + 2 * line <= dock, (text, top, line, dock)  # two lines at least
    finally:
        context.close()


def test_the_list_fits_a_small_phone_whatever_the_titles(browser, folder, tmp_path):
    """A German title's "Oberschenkelmuskulatur" made every card of the list wider than
    a 320-pixel screen."""
    shutil.copytree(folder, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / f"{STEM}.timeline.json").read_text())
    doc.update(audio="lang.mp3", title="Dehnübungen der Oberschenkelmuskulaturrückseite")
    (tmp_path / "out" / "lang.timeline.json").write_text(json.dumps(doc))
    shutil.copy(tmp_path / "out" / f"{STEM}.mp3", tmp_path / "out" / "lang.mp3")
    page = browser.new_page(viewport={"width": 320, "height": 568})
    try:
        with running(tmp_path / "out") as server:
            page.goto(server.local)
            page.wait_for_selector("a.session")
            wide = page.evaluate(
                "() => [document.documentElement.scrollWidth, innerWidth,"
                " Math.max(...[...document.querySelectorAll('.session')]"
                ".map(e => e.getBoundingClientRect().right))]"
            )
    finally:
        page.close()
    scroll, width, right = wide
    assert scroll <= width and right <= width, wide


@pytest.mark.parametrize("width", [320, 390])
def test_the_handout_fits_a_phone_each_row_a_box_of_labelled_values(browser, tmp_path, width):
    """A patient opens the sheet on a phone: nothing runs off the side, and each row of
    the schedule reads as labelled values."""
    from conftest import invoke

    (tmp_path / "plan.yaml").write_text(
        "programme: Hamstring relief, four weeks\nroutine: hamstring-relief\ntimes_a_day: 2\n"
        "stages:\n  - {weeks: 1, hold: 20}\n  - {weeks: 2, hold: 30}\n  - {weeks: 1, hold: 45}\n"
    )
    run = invoke("handout", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    page = browser.new_page(viewport={"width": width, "height": 844})
    try:
        page.goto((tmp_path / "out" / "plan.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        rows = page.evaluate("""[...document.querySelectorAll('tr:not(.head)')].map(r =>
            [...r.cells].map(c => [getComputedStyle(c, '::before').content, c.innerText,
                                   c.getBoundingClientRect().right]))""")
        assert len(rows) == 3
        assert [(label, text) for label, text, _ in rows[1][:2]] == [
            ('"Weeks: "', "Weeks 2–3"), ('"Hold: "', "30\u00a0s")]  # fmt: skip
        assert all(right <= width for row in rows for _, _, right in row)
    finally:
        page.close()


@contextlib.contextmanager
def phone(browser, folder: Path, width: int = 390, height: int = 844):
    """A page of a phone's size and ``voiceguide serve`` of ``folder``; both closed after."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        with running(folder) as server:
            yield context.new_page(), server
    finally:
        context.close()


def test_a_spanish_session_is_played_in_spanish(browser, spanish):
    """The list, the buttons' labels and what the script writes under the controls were
    English around Spanish words."""
    timeline = json.loads((spanish / f"{STEM}.es.timeline.json").read_text())
    with phone(browser, spanish) as (page, server):
        page.goto(server.local)
        assert page.get_attribute("html", "lang") == "es"
        assert page.inner_text("h1") == "Sesiones"
        page.click("a.session")
        ready(page)
        assert page.get_attribute("html", "lang") == "es"
        assert page.inner_text(".back-link") == "‹ Sesiones"
        assert page.inner_text(".chapters h2").casefold() == "capítulos"
        assert page.get_attribute("#play", "aria-label") == "Reproducir"
        page.click("#play")
        until(page, "!document.getElementById('audio').paused")
        # set by the 'play' event, which comes a moment after the audio is unpaused
        until(page, "document.getElementById('play').getAttribute('aria-label') === 'Pausa'")
        slide_to(page, timeline["duration"] - 1)  # playing on, to the end
        until(page, "document.body.dataset.finished === 'true'", seconds=60)
        assert page.inner_text("#status") == (
            "Sesión terminada. Toca reproducir para empezar de nuevo."
        )
        whole = """(() => { const s = document.getElementById('status');
            return s.scrollHeight <= s.clientHeight + 1
                && s.scrollWidth <= s.clientWidth + 1; })()"""
        for width, height in ((390, 844), (320, 568)):  # it was cut: "para emp…"
            page.set_viewport_size({"width": width, "height": height})
            until(page, whole)  # once laid out at that size (on a busy machine, later)
        assert page.get_attribute("#play", "aria-label") == "Reproducir"


def test_the_clock_at_the_end_is_the_session_s_length_whatever_its_half_second(
    browser, folder, tmp_path
):
    """A session of 902.5 s ended showing 15:03 beside its length, 15:02: the server
    rounds half to even, the page rounded up."""
    out = tmp_path / "out"
    shutil.copytree(folder, out)
    sheet = out / f"{STEM}.timeline.json"
    timeline = json.loads(sheet.read_text())
    whole = int(timeline["duration"]) - 2
    timeline["duration"] = (whole - whole % 2) + 0.5  # an even second and a half: 902.5
    sheet.write_text(json.dumps(timeline))
    with phone(browser, out) as (page, server):
        page.goto(f"{server.local}play/{STEM}")
        ready(page)
        page.click("#play")
        until(page, "!document.getElementById('audio').paused")
        slide_to(page, timeline["duration"] - 0.5)
        until(page, f"window.voiceguide.position() >= {timeline['duration']}", seconds=20)
        page.wait_for_timeout(600)  # the clock drawn again at that time (timeupdate)
        assert page.inner_text("#elapsed") == page.inner_text("#total")
