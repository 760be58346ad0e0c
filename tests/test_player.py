"""What the player shows at each moment (voiceguide.serve.now), in every language, and
the player page made safe from what a timeline holds. In a real browser:
test_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from serving import STEM, build_session

from voiceguide.phrases import languages
from voiceguide.serve.folder import SessionFolder, session_of
from voiceguide.serve.now import labels, player_data, shown_at, steps
from voiceguide.serve.pages import player_page


@pytest.fixture(scope="module")
def timeline(tmp_path_factory) -> dict:
    out = build_session(tmp_path_factory.mktemp("player") / "out")
    return json.loads((out / f"{STEM}.timeline.json").read_text())


def session(document: dict, stem: str = STEM):
    found = session_of(stem, document, json.dumps(document).encode())
    assert found is not None
    return found


def test_the_steps_cover_the_session_end_to_end(timeline):
    shown = steps(session(timeline))
    assert shown[0].start == 0 and shown[-1].end == timeline["duration"]
    assert all(a.end == b.start for a, b in zip(shown, shown[1:]))
    assert all(a.main for a in shown)


def test_each_hold_rest_switch_and_setup_is_counted_down(timeline):
    shown = steps(session(timeline))
    words = labels("en")
    for event in timeline["events"]:
        if event["kind"] not in ("hold", "rest", "switch", "setup"):
            continue
        start, end = event["start"], event["end"]
        text = shown_at(shown, start + 0.25, words)
        left = -int(-(end - start - 0.25) // 1)
        assert text.endswith(f" · {left} s"), (event, text)
        if event["kind"] == "hold":
            assert text == f"Hold · {event['side']} leg · {left} s"
        assert shown_at(shown, end - 0.01, words).endswith(" · 1 s")


def test_between_the_spans_the_exercise_and_the_next_one_are_shown(timeline):
    shown = steps(session(timeline))
    first_hold = next(e for e in timeline["events"] if e["kind"] == "hold")
    setup = next(e for e in timeline["events"] if e["kind"] == "setup")
    step = next(s for s in shown if s.start <= setup["start"] - 0.1 < s.end)  # instructions
    assert step.main == first_hold["exercise"] and step.until is None
    exercises = [c["title"] for c in timeline["chapters"][1:-1]]
    assert step.next == f"Next: {exercises[1]}"
    last = next(s for s in shown if s.start <= timeline["chapters"][-2]["start"] + 1 < s.end)
    assert last.next == ""  # nothing after the last exercise


def test_a_hold_is_shown_as_its_start_cue_names_it_and_counted_once_begun(timeline):
    """The page showed the exercise's name for the two seconds of "Right leg. Hold.",
    between "Get ready" and the hold's count."""
    shown = steps(session(timeline))
    words = labels("en")
    holds = [e for e in timeline["events"] if e["kind"] == "hold"]
    for hold in holds:
        cue = [e for e in timeline["events"] if e["kind"] == "speech"
               and e["end"] <= hold["start"]][-1]  # fmt: skip
        assert cue["text"] == f"{hold['side'].capitalize()} leg. Hold."
        during = shown_at(shown, (cue["start"] + cue["end"]) / 2, words)
        assert during == f"Hold · {hold['side']} leg"  # named, no seconds yet
    setup = next(e for e in timeline["events"] if e["kind"] == "setup")
    assert shown_at(shown, setup["start"] + 0.1, words).startswith("Get ready · right leg · ")


def test_the_words_for_changing_sides_are_shown_as_the_switch_and_then_getting_ready(
    tmp_path,
):
    """The switch cue and the words for the move were shown under the exercise's name
    only, and "Switch to your left leg" stayed while "Get ready: left leg." was said;
    "Rest" stayed while "Get ready: right leg again." was."""
    out = build_session(tmp_path / "out", "--reps", "2")
    document = json.loads((out / f"{STEM}.timeline.json").read_text())
    shown, words = steps(session(document)), labels("en")
    said = [e for e in document["events"] if e["kind"] == "speech"]
    for kind, side in (("switch", "left"), ("rest", "right")):
        span = next(e for e in document["events"] if e["kind"] == kind)
        ready = next(e for e in said if span["start"] <= e["start"] < span["end"]
                     and e["text"].startswith("Get ready"))  # fmt: skip
        assert shown_at(shown, ready["start"] + 0.1, words).startswith(f"Get ready · {side} leg · ")
        before = shown_at(shown, ready["start"] - 0.1, words)
        assert before.startswith("Switch to your left leg · " if kind == "switch" else "Rest · ")
    rest = next(e for e in document["events"] if e["kind"] == "rest")
    release = [e for e in said if e["end"] <= rest["start"]][-1]
    assert release["text"] == "And release. Rest."
    assert shown_at(shown, (release["start"] + release["end"]) / 2, words) == "Rest"  # no count
    switches = [e for e in document["events"] if e["kind"] == "switch"]
    cues = [e for e in said if e["text"] == "Switch to your left leg."]
    assert len(switches) == len(cues) == 3  # one an exercise
    for switch, cue in zip(switches, cues):
        words_for_it = [e for e in said if cue["end"] <= e["start"] < switch["start"]]
        assert words_for_it  # the move, said before the switch's seconds are counted
        for e in [cue, *words_for_it]:
            assert shown_at(shown, (e["start"] + e["end"]) / 2, words) == "Switch to your left leg"
        release = [e for e in said if e["end"] <= cue["start"]][-1]
        assert release["text"] == "And release."  # the hold's end, not yet the change
        during = shown_at(shown, (release["start"] + release["end"]) / 2, words)
        assert during in [c["title"] for c in document["chapters"]], during  # the exercise


def test_a_switch_names_the_side_to_come(timeline):
    shown = steps(session(timeline))
    switch = next(e for e in timeline["events"] if e["kind"] == "switch")
    after = next(
        e for e in timeline["events"] if e["kind"] == "hold" and e["start"] > switch["end"]
    )
    assert shown_at(shown, switch["start"] + 0.5, labels("en")).startswith(
        f"Switch to your {after['side']} leg · "
    )


@pytest.mark.parametrize("language", languages())
def test_every_language_has_its_words_for_the_player(language):
    words = labels(language)
    assert all(words.__dict__.values())
    assert "{side}" in words.side and "{side}" in words.switch
    assert "{name}" in words.next and "{n}" in words.seconds
    assert len({words.hold, words.rest, words.ready}) == 3
    assert not words.rest.endswith(".")


def test_a_spanish_session_is_shown_in_spanish(timeline):
    document = {**timeline, "settings": {**timeline["settings"], "language": "es"}}
    for event in document["events"]:
        if event.get("side"):
            event["side"] = {"right": "derecha", "left": "izquierda"}[event["side"]]
    hold = next(e for e in document["events"] if e["kind"] == "hold")
    rest_or_switch = next(e for e in document["events"] if e["kind"] == "switch")
    shown = steps(session(document))
    words = labels("es")
    # the words the voice says ("Pierna derecha. Mantén la posición."), not the sheet's
    # "Mantener"
    assert (
        shown_at(shown, hold["start"] + 0.5, words) == "Mantén la posición · pierna derecha · 2 s"
    )
    assert shown_at(shown, rest_or_switch["start"] + 0.5, words).startswith(
        "Cambio de lado: pierna izquierda · "
    )
    assert labels("pt-br").rest == "Descanse" and labels("xx").hold == "Hold"


def test_a_hostile_timeline_cannot_put_markup_or_script_in_the_page(timeline):
    evil = "</script><script>alert(1)</script><!--"
    document = {**timeline, "title": evil}
    document["chapters"] = [{**c, "title": evil} for c in timeline["chapters"]]
    document["events"] = [
        {**e, "text": evil} if e["kind"] == "speech" else e for e in timeline["events"]
    ]
    page = player_page(session(document))
    assert "<script>alert" not in page and "<!--" not in page
    assert len(re.findall(r"<script\b", page)) == 2  # the data and player.js
    data = re.search(r'type="application/json">(.*?)</script>', page, re.S).group(1)
    parsed = json.loads(data)
    assert parsed["captions"][0][2] == evil  # the words themselves survive, as text
    assert player_data(session(document))["chapters"][0]["title"] == evil


@pytest.mark.parametrize(
    "change",
    [
        {"format": "something-else/1"},
        {"audio": "../outside.mp3"},
        {"audio": "other-session.mp3"},
        {"audio": f"{STEM}.exe"},
        {"duration": "long"},
        {"duration": -1},
        {"chapters": [{"title": 1, "start": 0, "end": 1}]},
        {"events": "none"},
    ],
)
def test_a_timeline_that_is_not_a_session_is_not_one(timeline, change):
    document = {**timeline, **change}
    assert session_of(STEM, document, b"{}") is None


def test_a_timeline_too_large_or_not_json_is_skipped(tmp_path, timeline):
    (tmp_path / "broken.timeline.json").write_text("{not json")
    (tmp_path / "broken.mp3").write_bytes(b"ID3")
    (tmp_path / "huge.timeline.json").write_bytes(b" " * (17 * 1024 * 1024))
    (tmp_path / "huge.mp3").write_bytes(b"ID3")
    with SessionFolder(Path(tmp_path)) as folder:
        assert folder.sessions() == []
    # serve says which are not served and why (they were left out in silence)
    (tmp_path / "lost.timeline.json").write_text(json.dumps({**timeline, "audio": "lost.mp3"}))
    with SessionFolder(Path(tmp_path)) as folder:
        assert folder.skipped() == [
            ("broken.timeline.json", "not the timeline of a session in this folder, or damaged"),
            ("huge.timeline.json", "not the timeline of a session in this folder, or damaged"),
            ("lost.timeline.json", "its audio lost.mp3 is not there"),
        ]


ARMS = """\
title: Arms
exercises:
  - name: Arm stretch
    sides: [right, left]
    side_label: "{side} arm"
    instructions: Reach your {side} arm across your chest.
"""


@pytest.mark.parametrize(
    "args, hold, switch",
    [
        (["arms.yaml"], "Hold · right arm", "Switch to your left arm"),
        (["hamstring-desk", "--language", "ru"], "Удерживайте · правая нога",
         "Смена стороны: левая нога"),
    ],
)  # fmt: skip
def test_the_player_names_a_side_as_the_voice_says_it(tmp_path, args, hold, switch):
    """The routine's own label ("{side} arm"; Russian's "правая нога" for the side
    written "правую"), recorded in the timeline's settings, not the phrasebook's."""
    from conftest import invoke

    (tmp_path / "arms.yaml").write_text(ARMS)
    run = invoke("build", *args, "-o", str(tmp_path / "out"), "--hold", "2", "--reps", "1",
                 cwd=tmp_path)  # fmt: skip
    assert run.code == 0, run.stderr
    (path,) = (tmp_path / "out").glob("*.timeline.json")
    document = json.loads(path.read_text())
    spoken = [e["text"] for e in document["events"] if e["kind"] == "speech"]
    assert any(hold.split(" · ")[1].lower() in text.lower() for text in spoken)  # as said
    assert document["settings"]["side_labels"]
    shown = [s.main for s in steps(session(document, path.name[: -len(".timeline.json")]))]
    assert hold in shown and switch in shown


def _in(language: str, timeline: dict, stem: str):
    settings = {**timeline["settings"], "language": language}
    return session({**timeline, "settings": settings, "audio": f"{stem}.mp3"}, stem)


def _spanish(timeline: dict, stem: str):
    return _in("es", timeline, stem)


ENGLISH_ON_A_PAGE = ("Sessions", "Chapters", "Play", "Back 15 seconds", "Forward 15 seconds",
                     "Position", "In a podcast app", "Subscribe", "from week", "The sheet",
                     "Reminders for your calendar", "No sessions here")  # fmt: skip


def test_a_spanish_session_s_player_is_in_spanish_throughout(timeline):
    """Its buttons' labels, "Chapters", "‹ Sessions" and what its script writes were
    English on a Spanish page."""
    page = player_page(_spanish(timeline, f"{STEM}.es"))
    assert '<html lang="es">' in page
    assert "‹ Sesiones" in page and "<h2>Capítulos</h2>" in page
    assert 'aria-label="Reproducir"' in page and 'aria-label="Atrás 15 segundos"' in page
    assert "<span>15 s</span>" in page
    found = [w for w in ENGLISH_ON_A_PAGE if re.search(rf"[>\"]{re.escape(w)}\b", page)]
    assert found == []
    data = json.loads(re.search(r'type="application/json">(.*?)</script>', page, re.S).group(1))
    assert data["words"]["pause"] == "Pausa"
    assert data["words"]["finished"].startswith("Sesión terminada")
    assert '<html lang="de">' in player_page(_in("de", timeline, f"{STEM}.de"))


def test_the_list_speaks_the_language_most_of_its_sessions_are_in(timeline):
    from voiceguide.serve.folder import grouped
    from voiceguide.serve.pages import index_page

    english = _in("en", timeline, "morning")
    spanish = [_spanish(timeline, f"plan.week-{k}") for k in (1, 2)]
    page = index_page(grouped([english, *spanish]), "http://127.0.0.1:1/feed.xml",
                      {"plan": ["plan.html", "plan.ics"]})  # fmt: skip
    assert '<html lang="es">' in page and "<h1>Sesiones</h1>" in page
    assert "desde la semana 2" in page and ">Hoja de ejercicios<" in page
    assert re.search(r" · creada el \d{1,2} [a-z]{3} \d{4}, \d\d:\d\d · español", page)
    import datetime as dt

    from voiceguide.serve.today import Current

    friday = dt.date(2027, 3, 26)
    today = index_page(grouped([english, *spanish]), "http://127.0.0.1:1/feed.xml",
                       now={"plan": Current(2, friday, ("08:00", "18:30"))})  # fmt: skip
    assert '<span class="session-now">Esta semana · hoy a las 08:00 y 18:30</span>' in today
    monday = friday + dt.timedelta(days=3)
    resting = index_page(grouped(spanish), "http://127.0.0.1:1/feed.xml",
                         now={"plan": Current(2, friday, (), 2, monday, ("09:00",))})  # fmt: skip
    assert '<span class="session-now">Esta semana · próxima: lunes a las 09:00</span>' in resting
    assert ">Recordatorios para tu calendario<" in page
    assert [w for w in ENGLISH_ON_A_PAGE if re.search(rf"[>\"]{re.escape(w)}\b", page)] == []
    # each session's title keeps its own language
    assert f'lang="en">{timeline["title"]}' in page
    english_page = index_page(grouped([english, spanish[0]]), "http://127.0.0.1:1/feed.xml")
    assert '<html lang="en">' in english_page  # as many: the first by name
    empty = index_page([], "http://127.0.0.1:1/feed.xml")
    assert '<html lang="en">' in empty and "No sessions here yet" in empty
    assert "<code>voiceguide build -o FOLDER</code>, then reload." in empty


def test_the_feed_describes_itself_in_the_language_of_its_sessions(timeline):
    feedparser = pytest.importorskip("feedparser", reason="feedparser is in the test extra")
    from voiceguide.serve.feed import feed_xml

    sessions = [_spanish(timeline, f"plan.week-{k}") for k in (1, 2)]
    feed = feedparser.parse(feed_xml(sessions, "https://example.org/", title="Plan"))
    assert not feed.bozo and feed.feed.language == "es"
    assert (
        feed.feed.subtitle
        == feed.feed.summary
        == (  # description, itunes:summary
            "Sesiones de ejercicios habladas y cronometradas."
        )
    )
    from voiceguide.serve.feed import feed_title

    assert feed_title(Path("/srv/es-out"), sessions[:1]) == "es-out: sesiones de voiceguide"
    assert feed_title(Path("/srv/out"), [_in("en", timeline, STEM)]) == "out: voiceguide sessions"
    english = feedparser.parse(feed_xml([_in("en", timeline, STEM)], "https://example.org/",
                                        title="t"))  # fmt: skip
    assert english.feed.subtitle == "Spoken, timed exercise sessions."


def test_an_exercise_of_words_and_quiet_alone_is_named_next_and_in_the_feed(tmp_path):
    """Named only by holds, a breathing exercise ('hold: none') was never "Next", and
    the feed left it out of a session's exercises."""
    from conftest import invoke

    (tmp_path / "r.yaml").write_text(
        "title: Breathing first\nexercises:\n  - name: Slow breathing\n    hold: none\n"
        "    instructions:\n      - Breathe in.\n      - pause: 3\n      - And out.\n"
        "  - name: Knee rock\n    instructions: Rock your knees.\n    hold: 2\n    reps: 1\n"
    )
    run = invoke("build", str(tmp_path / "r.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    with SessionFolder(tmp_path / "out") as folder:
        found = folder.session("r")
    assert found is not None and found.exercises == ("Slow breathing", "Knee rock")
    shown = steps(found)
    assert shown[0].main == "Slow breathing" and shown[0].next == "Next: Knee rock"


def test_a_programme_s_notes_reach_the_phone_s_page_and_the_feed(tmp_path):
    """The safety line ("Stop and call us if …") was on the sheet and in the reminders,
    but neither the player nor a podcast app showed it."""
    feedparser = pytest.importorskip("feedparser", reason="feedparser is in the test extra")
    from conftest import invoke

    from voiceguide.serve.feed import feed_xml

    (tmp_path / "calf.yaml").write_text(
        "title: Calf\nexercises:\n  - name: Calf stretch\n    instructions: Lean on the wall.\n"
        "    hold: 3\n    reps: 1\n"
    )
    (tmp_path / "plan.yaml").write_text(
        "programme: Calves\nroutine: calf.yaml\nstart: 2027-01-04\n"
        "notes: |-\n  Stop and call us if the pain spreads below the knee.\n"
        "  <b>Never</b> bounce.\n"
        "stages:\n  - {weeks: 1, hold: 3}\n  - {weeks: 1, hold: 4}\n"
    )
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    notes = "Stop and call us if the pain spreads below the knee. <b>Never</b> bounce."
    with SessionFolder(tmp_path / "out") as folder:
        weeks = [folder.session(f"plan.week-{k}") for k in (1, 2)]
    assert [w.notes if w else None for w in weeks] == [notes, notes]
    page = player_page(weeks[0])
    box = re.search(r'<p class="notes">(.*?)</p>', page, re.S)
    assert box is not None  # as written, and as text, not markup
    assert box.group(1) == notes.replace("<", "&lt;").replace(">", "&gt;")
    feed = feedparser.parse(feed_xml(weeks, "https://example.org/", title="Calves"))
    assert not feed.bozo
    for entry in feed.entries:  # its length and exercises first, as before
        assert re.fullmatch(r"0:\d\d: Calf stretch", entry.description.split("\n\n")[0])
        assert entry.description.split("\n\n")[1:] == [notes]
    # a session built alone has no notes: no key in its timeline, no box on its page
    run = invoke("build", str(tmp_path / "calf.yaml"), "-o", str(tmp_path / "alone"))
    assert run.code == 0, run.stderr
    assert "notes" not in json.loads((tmp_path / "alone" / "calf.timeline.json").read_text())
    with SessionFolder(tmp_path / "alone") as folder:
        alone = folder.session("calf")
    assert alone is not None and 'class="notes"' not in player_page(alone)
