"""Programmes: the sessions, the playlist, the handout and the reminders, from one file,
built with the real voice and checked with real readers (a browser prints the handout,
an iCalendar library expands the reminders)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import EXERCISES, invoke

from voiceguide import audio_check
from voiceguide.routine import load_builtin
from voiceguide.settings import clock

EXAMPLE = """\
programme: Hamstring relief, four weeks
routine: hamstring-relief        # built-in name, or a routine file relative to this file
times_a_day: 2
at: ["08:00", "18:00"]           # optional
days: [mon, tue, wed, thu, fri, sat, sun]   # optional, default every day
start: 2026-12-01                # optional, default the build date
notes: Stop and call us if the pain spreads below the knee.
stages:
  - {weeks: 1, hold: 20, reps: 2}
  - {weeks: 2, hold: 30}
  - {weeks: 1, hold: 45, reps: 3}
"""

SMALL_ROUTINE = """\
title: Calf
exercises:
  - name: Calf stretch
    sides: [right, left]
    instructions: Step your {side} foot back against a wall.
    cues: [Keep the heel down.]
    switch_instructions:
      - Now step your {side} foot back.
"""


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The issue's example, built once."""
    folder = tmp_path_factory.mktemp("programme")
    (folder / "relief.yaml").write_text(EXAMPLE)
    run = invoke("build", str(folder / "relief.yaml"), "-o", str(folder / "out"))
    assert run.code == 0, run.stderr
    return folder / "out", run


def sheet_text(html: Path) -> str:
    """A sheet's words as a reader sees them: tags gone, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.read_text(encoding="utf-8")).split())


def handout_text(folder: Path, programme: str) -> str:
    """The words of the sheet ``voiceguide handout`` writes for ``programme`` (a
    programme file's text, saved in ``folder`` as plan.yaml)."""
    (folder / "plan.yaml").write_text(programme)
    run = invoke("handout", str(folder / "plan.yaml"), "-o", str(folder / "out"))
    assert run.code == 0, run.stderr
    return sheet_text(folder / "out" / "plan.html")


def sheet(folder: Path, stem: str) -> dict:
    return json.loads((folder / f"{stem}.timeline.json").read_text())


@pytest.mark.slow
def test_the_example_builds_a_session_a_stage_with_its_holds(example):
    out, run = example
    assert sorted(p.name for p in out.iterdir()) == [
        "relief.html", "relief.ics", "relief.m3u8",
        "relief.week-1.mp3", "relief.week-1.timeline.json",
        "relief.week-2.mp3", "relief.week-2.timeline.json",
        "relief.week-4.mp3", "relief.week-4.timeline.json",
    ]  # fmt: skip
    for stem, hold, reps in (("relief.week-1", 20, 2), ("relief.week-2", 30, 2),
                             ("relief.week-4", 45, 3)):  # fmt: skip
        timeline = sheet(out, stem)
        holds = [e for e in timeline["events"] if e["kind"] == "hold"]
        assert {e["seconds"] for e in holds} == {hold}
        assert len(holds) == len(EXERCISES) * 2 * reps
        assert timeline["settings"]["hold"] == hold and timeline["settings"]["reps"] == reps
        report = audio_check.check(out / f"{stem}.mp3", timeline)
        assert report.problems == [], (stem, report.problems)
    intro = [e["text"] for e in sheet(out, "relief.week-2")["events"] if e["kind"] == "speech"][0]
    assert intro.startswith("Weeks 2 and 3 of 4. ")  # each says which week it is


@pytest.mark.slow
def test_the_playlist_lists_the_sessions_in_order(example):
    out, _ = example
    lines = (out / "relief.m3u8").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["#EXTM3U", "#PLAYLIST:Hamstring relief, four weeks"]
    files = [line for line in lines if not line.startswith("#")]
    assert files == ["relief.week-1.mp3", "relief.week-2.mp3", "relief.week-4.mp3"]
    lengths = [int(re.match(r"#EXTINF:(\d+),", line)[1]) for line in lines if "EXTINF" in line]
    assert lengths == [round(sheet(out, f[:-4])["duration"]) for f in files]
    # the sheet built with them gives the sessions' own lengths, not estimates
    html = re.sub(r"<[^>]+>", "", (out / "relief.html").read_text(encoding="utf-8"))
    for file in files:
        assert f"{file} ({clock(sheet(out, file[:-4])['duration'])})" in html


@pytest.mark.slow
def test_the_reminders_expand_to_two_sessions_a_day_each_with_an_alarm(example):
    import icalendar
    import recurring_ical_events

    out, _ = example
    calendar = icalendar.Calendar.from_ical((out / "relief.ics").read_bytes())
    sessions = recurring_ical_events.of(calendar).between(dt.date(2026, 11, 1), dt.date(2027, 2, 1))
    assert len(sessions) == 56  # four weeks, every day, twice
    starts = sorted(s["DTSTART"].dt for s in sessions)
    assert starts[0] == dt.datetime(2026, 12, 1, 8, 0) and starts[-1] == dt.datetime(
        2026, 12, 28, 18
    )
    assert {s.time() for s in starts} == {dt.time(8), dt.time(18)}
    assert all(s.walk("VALARM") for s in sessions)
    week_4 = [s for s in sessions if s["DTSTART"].dt >= dt.datetime(2026, 12, 22)]
    assert len(week_4) == 14 and all("relief.week-4.mp3" in s["DESCRIPTION"] for s in week_4)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium is not installed (.ci/run installs Debian's chromium)")
    return found


def printed(html: Path, pdf: Path, page: str) -> list[str]:
    """The handout printed by headless Chromium on ``page`` paper: each page's text."""
    import pypdf

    sized = html.with_name(f"{page}-{html.name}")
    sized.write_text(html.read_text(encoding="utf-8").replace(
        "</style>", f"@page {{ size: {page}; }}</style>"), encoding="utf-8")  # fmt: skip
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", sized.as_uri()],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return [p.extract_text() for p in pypdf.PdfReader(pdf).pages]


@pytest.mark.slow
@pytest.mark.parametrize("page", ["A4", "letter"])
def test_the_handout_prints_on_three_pages_with_every_word_the_voice_says(example, tmp_path, page):
    out, _ = example
    pages = printed(out / "relief.html", tmp_path / "handout.pdf", page)
    assert len(pages) <= 3
    text = " ".join(unicodedata.normalize("NFKC", " ".join(pages)).split())  # no ligatures
    routine = load_builtin("hamstring-relief")
    for exercise in routine.exercises:
        said = [*exercise.instructions, *exercise.cues, *exercise.switch_instructions]
        for words in said:
            side = exercise.sides[1] if words in exercise.switch_instructions else exercise.sides[0]
            assert " ".join(words.replace("{side}", side).split()) in text, words
    assert "Stop and call us if the pain spreads below the knee." in text
    for file in ("relief.week-1.mp3", "relief.week-2.mp3", "relief.week-4.mp3"):
        assert file in text


def test_a_small_programme_builds_all_its_files_in_the_quick_loop(tmp_path):
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "plan.yaml").write_text(
        "programme: Calves\nroutine: calf.yaml\nstart: 2027-01-04\ndays: [mon, thu]\n"
        "stages:\n  - {weeks: 1, hold: 4, reps: 1}\n  - {weeks: 1, hold: {calf: 6}, ready: 0}\n"
    )
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"), "--subtitles")
    assert run.code == 0, run.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "plan.html", "plan.ics", "plan.m3u8", "plan.week-1.mp3", "plan.week-1.timeline.json",
        "plan.week-1.vtt", "plan.week-2.mp3", "plan.week-2.timeline.json", "plan.week-2.vtt",
    ]  # fmt: skip
    second = sheet(out, "plan.week-2")
    assert {e["seconds"] for e in second["events"] if e["kind"] == "hold"} == {6}
    assert not [e for e in second["events"] if e["kind"] == "speech" and "Get ready" in e["text"]]
    assert audio_check.check(out / "plan.week-2.mp3", second).problems == []
    ics = (out / "plan.ics").read_text()
    assert "BYDAY=MO,TH" in ics and "DTSTART:20270104T080000" in ics
    from mutagen.id3 import ID3

    # one album in a music app, its stages the tracks in order (each was an album of its own)
    tags = [ID3(out / f"plan.week-{week}.mp3") for week in (1, 2)]
    assert [(str(t["TALB"]), str(t["TRCK"]), str(t["TIT2"])) for t in tags] == [
        ("Calves", "1/2", "Calves: week 1"), ("Calves", "2/2", "Calves: week 2")]  # fmt: skip


def test_a_programme_rebuilt_in_another_format_leaves_no_session_in_the_first(tmp_path):
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "plan.yaml").write_text(
        "programme: Calves\nroutine: calf.yaml\nstages:\n  - {weeks: 1, hold: 2, reps: 1}\n"
        "  - {weeks: 1, hold: 3, reps: 1}\n"
    )
    out = tmp_path / "out"
    first = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(out))
    assert first.code == 0 and "Removed" not in first.stdout, first.stderr
    (out / "other.mp3").write_bytes(b"not the programme's")
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(out), "--format", "ogg")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.glob("*.mp3")) == ["other.mp3"]
    assert sorted(p.name for p in out.glob("*.ogg")) == ["plan.week-1.ogg", "plan.week-2.ogg"]
    assert sheet(out, "plan.week-2")["audio"] == "plan.week-2.ogg"
    assert (out / "plan.m3u8").read_text().count(".ogg") == 2
    for week in (1, 2):
        said = f"Removed {out}/plan.week-{week}.mp3: plan.week-{week}.timeline.json now describes"
        assert said in run.stdout, run.stdout
    subtitled = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(out), "--subtitles")
    assert subtitled.code == 0 and len(list(out.glob("plan.week-*.vtt"))) == 2
    plain = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(out))
    assert plain.code == 0 and not list(out.glob("*.vtt"))  # they described another build
    assert plain.stdout.count("this build made no subtitles") == 2


def test_each_stage_is_titled_with_its_weeks_and_the_sheet_keeps_to_the_schedule(tmp_path):
    """On a phone, in a podcast app and in the calendar, the stages are told apart by the
    same title; the reminders are stamped when built; the sheet leaves out the routine's
    description, which tells of other holds than the schedule's."""
    import icalendar
    import mutagen

    (tmp_path / "calf.yaml").write_text(
        SMALL_ROUTINE.replace("title: Calf\n", "title: Calf\ndescription: Hold it a minute.\n")
    )
    (tmp_path / "plan.yaml").write_text(
        "programme: Calves\nroutine: calf.yaml\nstart: 2027-01-04\n"
        "stages:\n  - {weeks: 1, hold: 4, reps: 1}\n  - {weeks: 2, hold: 6, reps: 1}\n"
    )
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    out = tmp_path / "out"
    titles = ["Calves: week 1", "Calves: weeks 2–3"]
    for stem, title in zip(("plan.week-1", "plan.week-2"), titles):
        assert sheet(out, stem)["title"] == title
        assert str(mutagen.File(out / f"{stem}.mp3")["TIT2"]) == title
    playlist = (out / "plan.m3u8").read_text(encoding="utf-8")
    assert [line.split(",", 1)[1] for line in playlist.splitlines() if "EXTINF" in line] == titles
    calendar = icalendar.Calendar.from_ical((out / "plan.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == titles
    after = dt.datetime.now(dt.timezone.utc)
    assert all(before <= e["DTSTAMP"].dt <= after for e in events)
    sheet_text = (out / "plan.html").read_text(encoding="utf-8")
    assert "Hold it a minute." not in sheet_text and "Weeks 2–3" in sheet_text
    alone = invoke("handout", "calf.yaml", "-o", str(tmp_path / "sheet"), cwd=tmp_path)
    assert alone.code == 0, alone.stderr  # a routine's own sheet keeps its description
    assert "Hold it a minute." in (tmp_path / "sheet" / "calf.html").read_text(encoding="utf-8")


def test_two_patients_reminders_are_two_sets_of_events_and_a_rebuild_updates_its_own(tmp_path):
    """Two programmes of one name in two folders (two patients) keep apart in one
    calendar: every event's UID is its own; built again into its folder, the same."""
    import icalendar

    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "plan.yaml").write_text(
        "programme: Calves\nroutine: calf.yaml\nstages:\n  - {weeks: 1, hold: 4, reps: 1}\n"
    )

    def uids(folder: str) -> set[str]:
        run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / folder))
        assert run.code == 0, run.stderr
        calendar = icalendar.Calendar.from_ical((tmp_path / folder / "plan.ics").read_bytes())
        return {str(event["UID"]) for event in calendar.walk("VEVENT")}

    smith, jones = uids("smith"), uids("jones")
    assert len(smith) == len(jones) == 1 and not smith & jones
    assert uids("smith") == smith


def test_a_stage_that_fails_leaves_nothing(tmp_path):
    """All or nothing: the second stage would last 20 hours; the first, already built,
    is not written either, and no temporary folder stays."""
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "plan.yaml").write_text(
        "programme: Too much\nroutine: calf.yaml\n"
        "stages:\n  - {weeks: 1, hold: 4, reps: 1}\n  - {weeks: 1, hold: 600, reps: 20}\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("before")
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(out))
    assert run.code == 2 and "3-hour limit" in run.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    "text, line, says",
    [
        ("zebra: 1\n", 12, "unknown key 'zebra'"),
        ("", None, None),  # the example itself is fine (checked by the other cases' base)
    ],
)
def test_the_example_validates(tmp_path, text, line, says):
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLE + text)
    run = invoke("validate", str(path))
    if says is None:
        assert run.code == 0 and "3 stages over 4 weeks of hamstring-relief" in run.stdout
    else:
        assert run.code == 2 and f"{path}:{line}: {says}" in run.stderr


BROKEN = {
    "a stage without weeks": ("  - {hold: 20}\n", 12, "stage 4 has no 'weeks'"),
    "a stage of 0 weeks": (
        "  - {weeks: 0}\n",
        12,
        "'weeks' in stage 4 must be a whole number from 1 to 52",
    ),
    "over 52 weeks": ("  - {weeks: 49}\n", 12, "the stages add up to 53 weeks, more than 52"),
    "a setting out of bounds": (
        "  - {weeks: 1, hold: 0}\n",
        12,
        "'hold' in stage 4 must be between",
    ),
    "an exercise that is not there": (
        "  - {weeks: 1, hold: {knee: 5}}\n",
        12,
        "'hold' 'knee': 'knee' matches no exercise",
    ),
    "an unknown stage key": ("  - {weeks: 1, hodl: 5}\n", 12, "did you mean 'hold'?"),
    "a stage indented with a non-breaking space": (
        "\u00a0 - {weeks: 1}\n",
        12,
        "a non-breaking space (from copying text out of a document?) in the indentation",
    ),
    "a non-breaking space after a stage's key": (
        "  - weeks:\u00a01\n",
        12,
        "a non-breaking space (from copying text out of a document?) after 'weeks:';"
        " type an ordinary space in its place",
    ),
}


@pytest.mark.parametrize("extra, line, says", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_stage_is_one_line_naming_file_and_line(tmp_path, extra, line, says):
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLE + extra)
    for args in (["validate", str(path)], ["build", str(path), "-o", str(tmp_path / "out")]):
        run = invoke(*args)
        assert run.code == 2, run.stderr
        assert f"{path}:{line}: " in run.stderr and says in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) <= 2 and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


TOP = {
    "a stage's brace never closed": (
        "  - {weeks: 2, hold: 30}",
        "  - {weeks: 2, hold: 30",
        10,
        "the list or mapping opened on this line needs its closing '}'",
    ),
    "a stage's keys without braces": (
        "  - {weeks: 2, hold: 30}",
        "  - weeks: 2, hold: 30",
        10,
        "several keys on one line go in braces: {weeks: 2, hold: 30}",
    ),
    "a routine that does not exist": (
        "routine: hamstring-relief",
        "routine: nope.yaml",
        2,
        "'routine': file not found (looked for ",  # where: beside the programme
    ),
    "times not HH:MM": (
        'at: ["08:00", "18:00"]',
        'at: ["8am", "18:00"]',
        4,
        "'at' takes times as HH:MM",
    ),
    "times for another count": (
        'at: ["08:00", "18:00"]',
        'at: ["08:00"]',
        4,
        "'at' has 1 time for 2 sessions",
    ),
    "times_a_day of 0": (
        "times_a_day: 2",
        "times_a_day: 0",
        3,
        "'times_a_day' must be a whole number from 1 to 6",
    ),
    "times_a_day over 6": ("times_a_day: 2", "times_a_day: 7", 3, "from 1 to 6, got 7"),
    "a start that is not a date": (
        "start: 2026-12-01",
        "start: next monday",
        6,
        "'start' takes a date as YYYY-MM-DD",
    ),
    "a start on no day": ("start: 2026-12-01", "start: 2026-02-30", 6, "got 2026-02-30"),
    "a time twice": (  # both passed: two reminders at 08:00
        'at: ["08:00", "18:00"]',
        'at: ["08:00", "08:00"]',
        4,
        "'at' has 08:00 after 08:00; give each time once, in the order of the day",
    ),
    "times out of the day's order": (
        'at: ["08:00", "18:00"]',
        'at: ["18:00", "08:00"]',
        4,
        "'at' has 08:00 after 18:00",
    ),
    "an exercise left out twice": (
        "  - {weeks: 1, hold: 45, reps: 3}",
        "  - {weeks: 1, leave_out: [wall, wall]}",
        11,
        "'leave_out' in stage 3 names 'Wall hamstring stretch' twice",
    ),
    "a time for an exercise left out": (  # it was dropped in silence
        "  - {weeks: 1, hold: 45, reps: 3}",
        "  - {weeks: 1, leave_out: [wall], hold: {wall: 40}}",
        11,
        "'hold' in stage 3 is set for 'Wall hamstring stretch', which the stage leaves out",
    ),
    "a routine named by a dot": (  # it was "so nothing to say": a file name is not said
        "routine: hamstring-relief",
        "routine: .",
        2,
        "'routine' has no letters or digits, so it names nothing",
    ),
    "a start off the calendar": (  # its weeks ran past year 9999: an OverflowError at build
        "start: 2026-12-01",
        "start: 9999-12-25",
        6,
        "from 2000 to 2199, got 9999-12-25",
    ),
    "a day that is not one": ("days: [mon, tue", "days: [mon, tus", 5, "got tus"),
    "notes cut short by a comment": (
        "pain spreads below the knee.",
        "pain spreads #2 below the knee.",
        7,
        "'notes' stops at '#': YAML reads '#2 below the knee.' as a comment; put the whole"
        " text in quotes to keep it",
    ),
    "a title cut short by a comment": (
        "programme: Hamstring relief, four weeks",
        "programme: Hamstring relief #2",
        1,
        "'programme' stops at '#'",
    ),
    "a non-breaking space before a key's colon": (
        "times_a_day: 2",
        "times_a_day\u00a0: 2",
        3,
        "a non-breaking space (from copying text out of a document?) between 'times_a_day'"
        " and its colon",
    ),
}


@pytest.mark.parametrize("old, new, line, says", list(TOP.values()), ids=list(TOP))
def test_a_broken_programme_is_one_line_naming_file_and_line(tmp_path, old, new, line, says):
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLE.replace(old, new))
    run = invoke("build", str(path), "-o", str(tmp_path / "out"))
    assert run.code == 2, run.stderr
    assert f"{path}:{line}: " in run.stderr and says in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_an_invalid_routine_is_named_by_its_own_file_and_line(tmp_path):
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE.replace("cues:", "cuez:"))
    (tmp_path / "p.yaml").write_text("programme: X\nroutine: calf.yaml\nstages: [{weeks: 1}]\n")
    run = invoke("validate", str(tmp_path / "p.yaml"))
    assert run.code == 2
    assert f"{tmp_path / 'calf.yaml'}:6: unknown key 'cuez'" in run.stderr


def test_show_prints_the_stages_and_handout_writes_the_sheet_alone(tmp_path):
    path = tmp_path / "relief.yaml"
    path.write_text(EXAMPLE)
    run = invoke("show", str(path))
    assert run.code == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines()[2:5]]
    assert [(r[0], r[1], r[3]) for r in rows] == [("1", "20", "2"), ("2-3", "30", "2"),
                                                  ("4", "45", "3")]  # fmt: skip
    run = invoke("handout", str(path), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["relief.html"]
    html = (tmp_path / "out" / "relief.html").read_text()
    assert "relief.week-4.mp3" in html and "<script" not in html and "http" not in html
    # nothing built: its lengths are estimates, and say so
    assert re.search(r"relief\.week-4\.mp3 \(about \d+:\d\d\)", re.sub(r"<[^>]+>", "", html))


def test_show_says_what_else_a_stage_sets_under_its_row(tmp_path):
    """A stage's rest or setup, or its chimes turned off, appeared nowhere but in a
    built session."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        "programme: T\nroutine: hamstring-relief\nstages:\n"
        "  - {weeks: 1, hold: 20, chimes: false, countdown: 5}\n"
        "  - {weeks: 2, hold: 30, rest: {wall: 20}, setup: 12}\n  - {weeks: 1}\n"
    )
    run = invoke("show", str(path))
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()[2:7]
    assert [line.split()[0] for line in lines] == ["1", "also", "2-3", "also", "4"]
    assert lines[1].split(None, 1)[1] == "countdown 5, no chimes"
    assert lines[3].split(None, 1)[1] == "rest 20 s for Wall hamstring stretch, setup 12 s"


@pytest.mark.parametrize("subject", ["hamstring-relief", "programme"])
def test_the_sheet_says_what_the_voice_says_first_the_safety_line_too(tmp_path, subject):
    """Its footer says its words are the voice's: the intro's are (what to have ready, to
    stretch only to a light pull), said before the exercises."""
    if subject == "programme":
        subject = str(tmp_path / "relief.yaml")
        (tmp_path / "relief.yaml").write_text(EXAMPLE)
    run = invoke("handout", subject, "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    (sheet,) = (tmp_path / "out").iterdir()
    text = sheet_text(sheet)
    intro = " ".join(load_builtin("hamstring-relief").intro.split())
    assert "never to pain" in intro and intro in text
    assert text.index(intro) < text.index("1. Seated hamstring stretch")


def test_a_sheet_on_a_routine_that_says_its_minutes_keeps_its_intro_with_their_range(tmp_path):
    """The template's intro says "{minutes}" beside the safety line: a programme's sheet
    left the whole intro out. It gives the stages' minutes instead, as a range."""
    assert invoke("new", "mine", "-o", str(tmp_path)).code == 0
    text = handout_text(
        tmp_path,
        "programme: Mine\nroutine: mine.yaml\nstages:\n  - {weeks: 1, hold: 10, reps: 1}\n"
        "  - {weeks: 1, hold: 60, reps: 3}\n",
    )
    said = re.search(r"Two gentle stretches, about (\d+)–(\d+) minutes\. Stretch only to a light"
                     r" pull, never to pain\.", text)  # fmt: skip
    assert said and int(said[1]) < int(said[2]), text[:400]


@pytest.mark.parametrize(
    "language, often, starts",
    [(None, "2× a day (07:30, 19:00), Mon, Wed, Fri", "From December 2, 2026."),
     ("es", "2 veces al día (07:30, 19:00), lun, mié, vie", "Desde el 2 de diciembre de 2026.")],
)  # fmt: skip
def test_the_sheet_says_when_it_starts_and_at_what_times_on_which_days(
    tmp_path, language, often, starts
):
    """The times were only in the reminders, the days were 'mon, wed' whatever the
    language, and nothing said when week 1 began. It begins on its first day with a
    session: the start, a Tuesday, has none; the reminders begin on Wednesday too."""
    args = ["new", "mine", "--from", "hamstring-relief", "-o", str(tmp_path)]
    assert invoke(*args, *(["--language", language] if language else [])).code == 0
    text = handout_text(
        tmp_path,
        "programme: Mine\nroutine: mine.yaml\ntimes_a_day: 2\nat: ['07:30', '19:00']\n"
        "days: [mon, wed, fri]\nstart: 2026-12-01\nstages:\n  - {weeks: 1, hold: 20}\n",
    )
    assert often in text and starts in text
    assert text.index(starts) < text.index(often)  # above the schedule's table


def test_the_sheet_numbers_the_steps_of_getting_up_under_the_closing(tmp_path):
    """The closing said a step at a time was printed as one paragraph with no heading."""
    run = invoke("handout", "hamstring-relief", "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    html = (tmp_path / "hamstring-relief.html").read_text(encoding="utf-8")
    closing = html[html.index("<h2>Closing</h2>") :]
    steps = re.findall(r"<li>(.*?)</li>", closing.split("</ol>")[0])
    said = [re.sub(r' <span class="quiet">\(\d+\s+s of quiet\)</span>$', "", s) for s in steps]
    assert said == list(load_builtin("hamstring-relief").outro)
    quiet = [re.findall(r"\((\d+)\s+s of quiet\)", s) for s in steps]
    assert quiet == [["8"], ["12"], ["10"], []]  # the time to roll over and get up
    run = invoke("handout", "hamstring-relief", "--language", "de", "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    assert "<h2>Abschluss</h2>" in (tmp_path / "hamstring-relief.de.html").read_text()


def test_a_stage_whose_exercises_differ_says_which_has_which_hold_and_reps(tmp_path):
    """A stage's "15–60 s" did not say which exercise held for 60 s, nor did a row say
    which exercise a stage leaves out: the sheet numbers its exercises, and the row now
    names them by those numbers."""
    html_of = handout_text(
        tmp_path,
        "programme: Mixed\nroutine: hamstring-relief\nstages:\n"
        "  - {weeks: 1, hold: 30, reps: 2}\n"
        "  - {weeks: 1, hold: {seated: 15, wall: 60}, reps: {wall: 3}}\n"
        "  - {weeks: 1, hold: {lying: 45}, leave_out: [seated]}\n"
        "  - {weeks: 1, hold: 45, leave_out: [seated]}\n",
    )
    assert "1. Seated hamstring stretch" in html_of and "3. Wall hamstring stretch" in html_of
    assert "Week 1 30 s 2 " in html_of
    assert "Week 2 1: 15 s · 2: 30 s · 3: 60 s 1, 2: 2 · 3: 3 " in html_of
    assert "Week 3 2: 45 s · 3: 30 s 2, 3: 2 " in html_of  # numbered as on the sheet
    assert "Week 4 2, 3: 45 s 2, 3: 2 " in html_of  # the one left out is not among them


def test_a_sheet_says_the_minutes_each_session_says(tmp_path):
    """The voice reckons the intro's minutes before they are filled in, and the sheet
    reckoned them after: with 17.5 s holds the session says "about 5 minutes" and the
    sheet said 4."""
    assert invoke("new", "mine", "-o", str(tmp_path)).code == 0
    programme = "programme: Mine\nroutine: mine.yaml\nstages:\n  - {weeks: 1, hold: 17.5}\n"
    text = handout_text(tmp_path, programme)
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "built"))
    assert run.code == 0, run.stderr
    said = [e["text"] for e in sheet(tmp_path / "built", "plan.week-1")["events"]
            if e["kind"] == "speech" and "minutes" in e["text"]]  # fmt: skip
    voice = re.search(r"about (\d+) minutes", said[0])[1]
    assert voice == "5"  # where the two reckonings part
    assert f"Two gentle stretches, about {voice} minutes." in text


def test_language_on_the_command_line_must_be_the_programme_s_own(tmp_path):
    """``build PROGRAMME --language fr`` built it in English and said nothing."""
    path = tmp_path / "relief.yaml"
    path.write_text(EXAMPLE)
    for command in (["build", "-o", str(tmp_path / "out")], ["show"], ["handout"]):
        run = invoke(command[0], str(path), "--language", "fr", *command[1:])
        assert run.code == 2, (command, run.stdout)
        assert run.stderr.strip().splitlines() == [
            f"Error: --language fr does not match {path}, a programme in en: its own "
            "'language:' decides (write 'language: fr' in it)"
        ]
    assert not (tmp_path / "out").exists()
    path.write_text(EXAMPLE.replace("stages:", "language: fr\nstages:"))
    assert invoke("show", str(path), "--language", "fr").code == 0


SEATED_FIRST = """\
programme: Chair first
routine: hamstring-relief
start: 2027-03-22
stages:
  - weeks: 1
    hold: 2
    reps: 1
    leave_out: [lying, wall]
    intro: >
      This week, one stretch on a chair, about {minutes} minutes.
      Stretch only to a light pull.
    outro:
      - That is the end of the session. Bring your leg back.
      - pause: 4
      - Sit back in your chair.
  - {weeks: 2, hold: 2, reps: 1}
"""


def test_a_stage_that_leaves_out_the_floor_has_its_own_intro_and_closing(tmp_path):
    """A week on the chair alone still told the patient of the floor and the wall, and
    to get up from the floor at its end (found trying a programme as a physiotherapist
    would write it)."""
    (tmp_path / "plan.yaml").write_text(SEATED_FIRST)
    run = invoke("build", str(tmp_path / "plan.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    assert "leaves out" not in run.stderr  # the stage says its own intro and closing
    first, later = sheet(tmp_path / "out", "plan.week-1"), sheet(tmp_path / "out", "plan.week-2")
    said = [e for e in first["events"] if e["kind"] == "speech"]
    minutes = round(first["duration"] / 60)
    assert said[0]["text"] == (
        f"Week 1 of 3. This week, one stretch on a chair, about {minutes} minutes."
        " Stretch only to a light pull."
    )
    closing, sit = said[-2:]
    assert closing["text"] == "That is the end of the session. Bring your leg back."
    assert sit["text"] == "Sit back in your chair."
    assert sit["start"] - closing["end"] == pytest.approx(4, abs=0.002)
    assert not [e for e in said if "wall" in e["text"] or "down to the floor" in e["text"]]
    report = audio_check.check(tmp_path / "out" / "plan.week-1.mp3", first)
    assert report.problems == []  # the 4 s between them quiet, each text where it says
    routine = load_builtin("hamstring-relief")
    later_said = [e["text"] for e in later["events"] if e["kind"] == "speech"]
    assert later_said[0] == f"Weeks 2 and 3 of 3. {routine.intro}"
    assert later_said[-len(routine.outro) :] == list(routine.outro)
    text = sheet_text(tmp_path / "out" / "plan.html")
    assert f"Week 1 This week, one stretch on a chair, about {minutes} minutes." in text
    assert f"Weeks 2–3 {routine.intro}" in text
    assert "2. Lying hamstring stretch Only in weeks 2–3." in text
    assert "1. Seated hamstring stretch Only in" not in text
    assert ("Closing Week 1 That is the end of the session. Bring your leg back. (4 s"
            " of quiet) Sit back in your chair. Weeks 2–3") in text  # fmt: skip
    assert routine.outro[-1] in text.split("Weeks 2–3")[-1]


def test_a_stage_that_leaves_out_exercises_but_keeps_the_routine_s_words_is_warned(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(SEATED_FIRST.replace("    outro:\n", "    outrox:\n").split("    outrox")[0]
                    + "  - {weeks: 2, hold: 2, reps: 1}\n")  # fmt: skip
    warning = (
        f"Warning: {path}:5: stage 1 leaves out Lying hamstring stretch and Wall hamstring"
        " stretch but says the routine's closing as written; if it speaks of those"
        " exercises, give the stage its own 'outro'"
    )
    for command in ("validate", "show"):
        run = invoke(command, str(path))
        assert run.code == 0 and run.stderr.strip() == warning, run.stderr
    path.write_text(EXAMPLE.replace("{weeks: 2, hold: 30}", "{weeks: 2, leave_out: [wall]}"))
    run = invoke("validate", str(path))
    assert run.code == 0 and run.stderr.strip() == (
        f"Warning: {path}:10: stage 2 leaves out Wall hamstring stretch but says the"
        " routine's intro and closing as written; if they speak of that exercise, give the"
        " stage its own 'intro' and 'outro'"
    )


STAGE_WORDS_BROKEN = {
    "an intro as a list": (
        "    intro:\n      - Sit down.\n",
        7,
        "'intro' in stage 1 should be one text, not a list",
    ),
    "a closing that ends with a pause": (
        "    outro:\n      - Sit back.\n      - pause: 4\n",
        8,
        "'outro' in stage 1 ends with a pause",
    ),
    "a side in the closing": (
        "    outro: Bring your {side} leg back.\n",
        6,
        "unknown placeholder '{side}' in 'outro' in stage 1",
    ),
}


@pytest.mark.parametrize("words, line, says", list(STAGE_WORDS_BROKEN.values()),
                         ids=list(STAGE_WORDS_BROKEN))  # fmt: skip
def test_a_stage_s_broken_intro_or_closing_is_one_line_naming_file_and_line(
    tmp_path, words, line, says
):
    path = tmp_path / "plan.yaml"
    path.write_text(
        "programme: P\nroutine: hamstring-relief\nstages:\n  - weeks: 1\n"
        f"    leave_out: [wall]\n{words}"
    )
    run = invoke("build", str(path), "-o", str(tmp_path / "out"))
    assert run.code == 2 and not (tmp_path / "out").exists()
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}:{line}: {says}"), lines


def test_a_translated_built_in_takes_the_english_names_of_its_exercises(tmp_path):
    """The README's programme with ``language: fr`` added failed: 'wall' matched no
    exercise of the French built-in, whose names are French."""
    path = tmp_path / "fr.yaml"
    path.write_text(EXAMPLE.replace("stages:", "language: fr\nstages:").replace(
        "{weeks: 2, hold: 30}", "{weeks: 2, hold: {wall: 35}, leave_out: [lying]}"))  # fmt: skip
    run = invoke("show", str(path))
    assert run.code == 0, run.stderr
    assert "(without Étirement des ischio-jambiers sur le dos)" in run.stdout
    french = load_builtin("hamstring-relief", "fr")
    run = invoke("show", "--language", "fr", "--hold", "wall=35", env={"COLUMNS": "200"})
    assert run.code == 0, run.stderr  # (wide enough that no name is wrapped)
    holds = re.findall(r"([\d.]+)s  HOLD (.*), \w+, rep", run.stdout)
    assert {name: float(s) for s, name in holds} == {
        french.exercises[0].name: 30,
        french.exercises[1].name: 30,
        french.exercises[2].name: 35,
    }  # the wall's alone
    run = invoke("show", "--language", "fr", "--hold", "knee=35")
    assert run.code == 2
    assert "(in English: Seated hamstring stretch, Lying hamstring stretch, Wall" in run.stderr


FRENCH = """\
programme: Étirements des ischio-jambiers, quatre semaines
routine: hamstring-relief
language: fr
times_a_day: 2
at: ["08:00", "18:30"]
days: [mon, tue, wed, thu, fri]
start: 2027-03-22
notes: Arrêtez et appelez-nous si la douleur descend sous le genou.
stages:
  - {weeks: 1, hold: 20, reps: 2, leave_out: [dos, mur]}
  - {weeks: 2, hold: 30}
  - {weeks: 1, hold: 45, reps: 3, setup: {mur: 40}}
"""


def test_a_french_sheet_prints_its_schedule_whole_on_letter_with_french_colons(tmp_path):
    """On Letter paper a French programme's sheet took four pages, its schedule split
    with the last week alone on the second and no heading: each row repeated "2 fois
    par jour (08:00, 18:30), lun., mar., mer., jeu., ven." over five lines. How often is
    now said once, above the table; and French sets a space before a colon."""
    text = handout_text(tmp_path, FRENCH)
    html = (tmp_path / "out" / "plan.html").read_text(encoding="utf-8")
    assert "Fréquence\u00a0: </span>2 fois par jour (08:00, 18:30), lun., mar., mer., jeu.," in html
    assert text.count("2 fois par jour") == 1
    assert "<td>1\u00a0:\u00a020\u00a0s</td><td>1\u00a0:\u00a02</td>" in html.replace(
        ' data-label="Maintien"', ""
    ).replace(' data-label="Répétitions par côté"', "")
    assert "Uniquement semaines 2–4." in text
    pages = printed(tmp_path / "out" / "plan.html", tmp_path / "letter.pdf", "Letter")
    assert len(pages) <= 3
    rows = ["Semaine 1", "Semaines 2–3", "Semaine 4"]
    assert [p for p in pages if all(row in p for row in rows)], "the schedule on one page"
    from voiceguide.programme import load_programme
    from voiceguide.stages import stage_title

    programme = load_programme(tmp_path / "plan.yaml")
    assert stage_title(programme, programme.stages[1]) == (
        "Étirements des ischio-jambiers, quatre semaines\u00a0: semaines 2–3"
    )


def test_show_week_prints_that_stage_s_session_as_it_is_built(tmp_path):
    """The stages' own words could only be read by building and opening a timeline."""
    path = tmp_path / "plan.yaml"
    path.write_text(SEATED_FIRST)
    run = invoke("show", str(path), "--week", "1", env={"COLUMNS": "200"})
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Chair first: week 1 (plan.week-1), ")
    assert '"Week 1 of 3. This week, one stretch on a chair, about' in run.stdout
    assert '"Sit back in your chair."' in run.stdout and "Lying hamstring" not in run.stdout
    later = invoke("show", str(path), "--week", "3", "--hold", "7", env={"COLUMNS": "200"})
    assert later.code == 0 and "Wall hamstring stretch" in later.stdout
    assert re.findall(r"([\d.]+)s  HOLD", later.stdout) and set(
        re.findall(r"([\d.]+)s  HOLD", later.stdout)
    ) == {"7.0"}  # the command line wins
    past = invoke("show", str(path), "--week", "4")
    assert past.code == 2
    assert past.stderr.strip() == f"Error: --week 4: {path} has 3 weeks, so no week 4"
    routine = invoke("show", "--week", "1")
    assert routine.code == 2 and "--week is for a programme" in routine.stderr


def test_each_stage_says_its_weeks_as_one_would(tmp_path):
    """ "Weeks 1 to 2 of 6." was said of a stage of two weeks; and show gave the start
    date, a Tuesday with no session, where the sheet gives the first day with one."""
    from voiceguide.programme import load_programme
    from voiceguide.stages import week_sentence

    path = tmp_path / "plan.yaml"
    path.write_text("programme: P\nroutine: hamstring-relief\nstart: 2026-12-01\n"
                    "days: [mon, wed, fri]\nstages:\n  - {weeks: 1}\n  - {weeks: 2}\n"
                    "  - {weeks: 3}\n")  # fmt: skip
    programme = load_programme(path)
    assert [week_sentence(programme, s) for s in programme.stages] == [
        "Week 1 of 6.", "Weeks 2 and 3 of 6.", "Weeks 4 to 6 of 6."]  # fmt: skip
    shown = invoke("show", str(path))
    assert shown.stdout.rstrip().endswith("6 weeks from 2026-12-02")  # Wednesday


def test_the_sheet_heads_the_intros_and_says_what_the_numbers_in_its_table_are(tmp_path):
    """ "1: 20 s" was not explained, and each week's intro sat above the schedule with
    no heading to say it is what the voice says first."""
    text = handout_text(tmp_path, SEATED_FIRST)
    assert "Introduction Week 1 This week, one stretch on a chair" in text
    note = "Numbers before a colon are the numbers of the exercises below."
    assert text.index("1: 1 plan.week-1.mp3") < text.index(note) < text.index("The exercises")
    plain = handout_text(tmp_path, EXAMPLE)
    assert note not in plain and "Introduction" not in plain.split("Schedule")[0]


def test_the_sheet_gives_the_quiet_after_a_text_and_how_often_words_are_said(tmp_path):
    """A breathing exercise printed as lines of 'Breathe in.' and 'And out.' with no
    4 s or 6 s anywhere: it could not be done from the sheet."""
    (tmp_path / "b.yaml").write_text(
        "title: Breathing\nexercises:\n  - name: Slow breathing\n    hold: none\n"
        "    reps: 12\n    instructions:\n      - Breathe in.\n      - pause: 4\n"
        "      - And out.\n      - pause: 6\n"
    )
    run = invoke("handout", str(tmp_path / "b.yaml"), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    text = sheet_text(tmp_path / "out" / "b.html")
    assert ("1. Slow breathing Breathe in. (4 s of quiet) And out. (6 s of quiet)"
            " Repeat 12 times.") in text  # fmt: skip
    assert "Weeks Hold Repetitions Session" in text  # no exercise has sides: not "a side"
    run = invoke("handout", "hamstring-relief", "-o", str(tmp_path / "out"))
    built_in = sheet_text(tmp_path / "out" / "hamstring-relief.html")
    assert "sit to one side, and lie back. (40 s of quiet)" in built_in  # the way down
    # and the roll away from the wall before moving to its other side
    assert "roll onto your side, away from the wall. (8 s of quiet) Move to" in built_in


def test_a_stage_sets_how_many_breaths_and_the_sheet_gives_each_stage_s(tmp_path):
    (tmp_path / "b.yaml").write_text(
        "title: Breathing then a stretch\nexercises:\n  - name: Slow breathing\n"
        "    hold: none\n    reps: 8\n    instructions:\n      - Breathe in.\n"
        "      - pause: 4\n      - And out.\n      - pause: 6\n"
        "  - name: Knee hug\n    instructions: Hug your knees.\n    hold: 20\n"
        "outro:\n  - Roll to your side.\n  - pause: 8\n  - Sit up slowly.\n"
    )
    (tmp_path / "plan.yaml").write_text(
        "programme: P\nroutine: b.yaml\nstages:\n  - {weeks: 1, reps: {breath: 4}}\n"
        "  - {weeks: 1}\n"
    )
    week = invoke("show", str(tmp_path / "plan.yaml"), "--week", "1")
    assert week.code == 0, week.stderr
    assert week.stdout.count('"Breathe in."') == 4
    later = invoke("show", str(tmp_path / "plan.yaml"), "--week", "2")
    assert later.stdout.count('"Breathe in."') == 8
    text = handout_text(tmp_path, (tmp_path / "plan.yaml").read_text())
    assert "Week 1 2: 20 s 1: 4 · 2: 2 " in text and "Week 2 2: 20 s 1: 8 · 2: 2 " in text
    assert "Repeat" not in text  # each stage's count is in the table
    assert "Roll to your side. (8 s of quiet) Sit up slowly." in text  # the closing's too
    bad = invoke("show", str(tmp_path / "plan.yaml"), "--week", "0")
    assert bad.code == 2
    assert "--week: takes a week's number, 1 or more, like 2; got '0'" in bad.stderr


ITALIAN = """\
programme: Sig.ra Bianchi, sei settimane
routine: hamstring-relief
language: it
times_a_day: 2
at: ["08:00", "18:30"]
start: 2026-12-11
notes: Interrompa gli esercizi e ci chiami se il dolore si estende sotto il ginocchio.
stages:
  - weeks: 2
    hold: 20
    leave_out: [muro]
    intro: >-
      Questa settimana facciamo due allungamenti dolci, prima sulla sedia e poi a terra,
      per circa {minutes} minuti. Le serviranno una sedia stabile e uno spazio libero sul
      pavimento accanto allo stipite di una porta. Allunghi solo fino a sentire una
      leggera tensione, mai fino al dolore.
    outro:
      - La sessione è finita. Abbassi la gamba e pieghi le ginocchia.
      - pause: 8
      - Si giri su un fianco e resti così per un paio di respiri.
  - {weeks: 1, hold: 30}
  - {weeks: 1, hold: 35, reps: 3}
  - {weeks: 1, hold: 40, reps: 3}
  - {weeks: 1, hold: {seduti: 45, sdraiati: 45, muro: 40}, reps: 3}
"""


@pytest.mark.slow
@pytest.mark.parametrize("page", ["A4", "letter"])
def test_the_schedule_prints_whole_under_its_heading_and_no_value_splits(tmp_path, page):
    """An Italian sheet with a stage's own intro printed its "Programma" heading, first
    day and frequency at the foot of page 1 and the table on page 2, and its narrow
    column split "1, 2: 20 s" as "1, 2: 20 / s"; it said "Dal 11 dicembre" (Dall'11)."""
    handout_text(tmp_path, ITALIAN)
    pages = printed(tmp_path / "out" / "plan.html", tmp_path / "sheet.pdf", page)
    rows = ["Settimane 1–2", "Settimana 3", "Settimana 6"]
    found = [p for p in pages if all(row in p for row in rows)]
    assert len(found) == 1, "the table on one page"
    assert "Programma" in found[0] and "Inizio: 11 dicembre 2026." in found[0]
    assert "Frequenza" in found[0]
    for text in pages:
        assert not re.search(r"\d\s*\n\s*s\b", text), "a number apart from its unit"
        assert not re.search(r":\s*\n\s*\d", text), "a value apart from its exercises"
    made = "Le parole di questo foglio sono quelle che dice la voce."
    assert " ".join(pages[-1].split()) != made, "the footer on a page of its own"


@pytest.mark.parametrize("command", ["validate", "show", "handout", "build"])
def test_a_stage_too_long_is_refused_by_every_command_naming_the_stage(tmp_path, command):
    """validate said ok to a stage of 20 hours; show and build then refused it naming
    "built-in:hamstring-relief", not the programme's file or the stage's line."""
    (tmp_path / "plan.yaml").write_text(
        "programme: T\nroutine: hamstring-relief\nstages:\n  - {weeks: 1, hold: 20}\n"
        "  - {weeks: 2, hold: 600, reps: 20}\n"
    )
    extra = ["-o", str(tmp_path / "out")] if command in ("handout", "build") else []
    run = invoke(command, str(tmp_path / "plan.yaml"), *extra)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        f"Error: {tmp_path / 'plan.yaml'}:5: the session of weeks 2-3 would last about 20.6 "
        "hours, more than the 3-hour limit; lower the holds, the reps or the pauses"
    ]
    assert not (tmp_path / "out").exists()


def test_a_routine_named_without_its_yaml_beside_the_programme_gets_a_hint(tmp_path):
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "plan.yaml").write_text("programme: P\nroutine: calf\nstages:\n  - {weeks: 1}\n")
    run = invoke("validate", str(tmp_path / "plan.yaml"))
    assert run.code == 2
    assert run.stderr.rstrip().endswith(
        "; did you mean 'calf.yaml', the file beside the programme?"
    )


def test_a_routine_is_not_built_over_a_programme_s_session(tmp_path):
    """Built into the folder of programme p, a routine named p.week-1 replaced its week 1:
    the playlist, sheet and reminders went on naming a session no longer theirs."""
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "p.yaml").write_text(
        "programme: P\nroutine: calf.yaml\nstages:\n  - {weeks: 1, hold: 2, reps: 1}\n"
    )
    out = tmp_path / "out"
    assert invoke("build", str(tmp_path / "p.yaml"), "-o", str(out)).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tmp_path / "p.week-1.yaml").write_text(SMALL_ROUTINE)
    run = invoke("build", str(tmp_path / "p.week-1.yaml"), "-o", str(out))
    assert run.code == 2 and "is a session of the programme p (p.m3u8 names it)" in run.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert invoke("build", str(tmp_path / "p.yaml"), "-o", str(out)).code == 0  # its own


def test_a_session_too_long_by_the_command_line_s_options_says_so(tmp_path):
    """--hold 600 --reps 12 made a stage too long, and the stage's line was blamed."""
    (tmp_path / "plan.yaml").write_text(EXAMPLE)
    run = invoke("build", str(tmp_path / "plan.yaml"), "--hold", "600", "--reps", "12",
                 "-o", str(tmp_path / "out"))  # fmt: skip
    assert run.code == 2 and not (tmp_path / "out").exists()
    assert run.stderr.startswith(
        f"Error: {tmp_path / 'plan.yaml'}: with the options given, the session of week 1 would"
    )


def test_the_command_line_s_timing_reaches_the_sheet_and_show_as_it_does_the_sessions(tmp_path):
    """build --hold 10 made 10 s sessions beside a sheet saying 20, 30 and 45 s; show
    --hold 10 printed the stages' own holds."""
    (tmp_path / "calf.yaml").write_text(SMALL_ROUTINE)
    (tmp_path / "plan.yaml").write_text(
        "programme: P\nroutine: calf.yaml\nstages:\n  - {weeks: 1, hold: 4, reps: 1}\n"
        "  - {weeks: 1, hold: 6, reps: 1}\n"
    )
    run = invoke("build", str(tmp_path / "plan.yaml"), "--hold", "3", "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    events = [e for k in (1, 2) for e in sheet(tmp_path / "out", f"plan.week-{k}")["events"]]
    holds = {e["seconds"] for e in events if e["kind"] == "hold"}
    assert holds == {3}
    text = sheet_text(tmp_path / "out" / "plan.html")
    assert "Week 1 3 s 1 " in text and "Week 2 3 s 1 " in text
    run = invoke("show", str(tmp_path / "plan.yaml"), "--hold", "3")
    assert [line.split()[1] for line in run.stdout.splitlines()[2:4]] == ["3", "3"]
