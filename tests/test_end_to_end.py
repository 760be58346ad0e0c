"""Real engine, real encoder: build, decode the MP3, and measure it against the timeline."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from conftest import EXERCISES, LYING, SEATED, WALL, invoke, load_sheet, voiceguide

from voiceguide import audio_check

STEM = "hamstring-relief"


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    """The built-in session with default settings, built once for this module."""
    out = tmp_path_factory.mktemp("default")
    run = voiceguide("build", "-o", str(out))
    assert run.code == 0, run.stderr
    return out, run, load_sheet(out, STEM)


def holds(sheet: dict) -> list[dict]:
    return [e for e in sheet["events"] if e["kind"] == "hold"]


def length(event: dict) -> float:
    """An event's length to the millisecond (its times are whole milliseconds)."""
    return round(event["end"] - event["start"], 3)


def test_default_build_writes_the_mp3_and_its_timeline(default_build):
    out, run, sheet = default_build
    assert sorted(p.name for p in out.iterdir()) == [f"{STEM}.mp3", f"{STEM}.timeline.json"]
    assert f"{STEM}.mp3" in run.stdout
    assert "Audio saved" not in run.stdout + run.stderr  # the engine's chatter stays hidden
    assert sheet["format"] == "voiceguide-timeline/1"
    assert sheet["routine"] == STEM and sheet["audio"] == f"{STEM}.mp3"
    assert sheet["sample_rate"] == 22050
    assert {"hold", "reps", "rest", "switch", "setup", "engine", "voice", "rate"} <= set(
        sheet["settings"]
    )
    assert sheet["settings"]["engine"] == "pyttsx3" and sheet["settings"]["rate"] == 150


def test_default_build_sounds_exactly_where_its_timeline_says(default_build):
    out, _, sheet = default_build
    report = audio_check.check(out / f"{STEM}.mp3", sheet)
    assert report.problems == []
    assert abs(report.decoded_seconds - sheet["duration"]) <= 0.030
    assert len(report.onset_errors) == sum(e["kind"] == "speech" for e in sheet["events"])


def test_default_session_holds_each_side_of_each_exercise(default_build):
    _, _, sheet = default_build
    found = [(h["exercise"], h["side"], h["rep"], length(h)) for h in holds(sheet)]
    assert found == [
        (name, side, rep, 30.0)
        for name in EXERCISES
        for side in ("right", "left")
        for rep in (1, 2)
    ]
    assert [c["title"] for c in sheet["chapters"]] == ["Introduction", *EXERCISES, "Closing"]
    assert sheet["chapters"][-1]["end"] == sheet["duration"]


def test_side_is_spoken_before_every_hold(default_build):
    _, _, sheet = default_build
    events = sheet["events"]
    for index, event in enumerate(events):
        if event["kind"] == "hold":
            said = [
                e["text"]
                for e in events[:index]
                if e["kind"] == "speech" and e["end"] <= event["start"]
            ]
            assert said[-1].startswith(f"{event['side'].capitalize()} leg"), said[-1]


def test_short_build_is_timed_exactly(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--hold", "3", "--reps", "1")
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    assert all(length(h) == 3.0 for h in holds(sheet))
    assert len(holds(sheet)) == 6
    assert "did not fit" in run.stderr  # form cues do not fit a 3 s hold: said, not hidden
    report = audio_check.check(tmp_path / f"{STEM}.mp3", sheet)
    assert report.problems == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, expected",
    [
        (["--hold", "45"], {name: 45.0 for name in EXERCISES}),
        (["--hold", "Wall hamstring stretch=60"], {SEATED: 30.0, LYING: 30.0, WALL: 60.0}),
        (["--hold", "seated=20", "--hold", "wall=40"], {SEATED: 20.0, LYING: 30.0, WALL: 40.0}),
    ],
)
def test_hold_option_sets_exact_hold_lengths(tmp_path, args, expected):
    run = invoke("build", "-o", str(tmp_path), "--reps", "1", *args)
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    assert {h["exercise"]: length(h) for h in holds(sheet)} == expected
    assert all(h["seconds"] == expected[h["exercise"]] for h in holds(sheet))
    assert audio_check.check(tmp_path / f"{STEM}.mp3", sheet).problems == []


@pytest.mark.slow
def test_reps_option_gives_that_many_holds_per_side(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--reps", "3", "--hold", "4")
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    for name in EXERCISES:
        for side in ("right", "left"):
            reps = [h["rep"] for h in holds(sheet) if h["exercise"] == name and h["side"] == side]
            assert reps == [1, 2, 3]
    rests = [e for e in sheet["events"] if e["kind"] == "rest"]
    assert len(rests) == 3 * 2 * 2
    assert [length(r) for r in rests] == [10.0] * 8 + [15.0] * 4  # the wall's: hips closer


def test_routine_file_builds_under_its_stem(tmp_path):
    routine = tmp_path / "desk-break.yaml"
    routine.write_text(
        "title: Desk break\n"
        "exercises:\n"
        "  - name: Neck turn\n"
        "    sides: [left, right]\n"
        "    side_label: 'look {side}'\n"
        "    instructions: ['Sit tall and slowly turn your head to the {side}.']\n"
        "    hold: 4\n"
        "    reps: 1\n"
        "  - name: Shoulder roll\n"
        "    instructions: Roll your shoulders back and down.\n"
        "    hold: 3\n"
        "    reps: 2\n"
    )
    out = tmp_path / "out"
    run = invoke("build", str(routine), "-o", str(out), "--setup", "2")
    assert run.code == 0, run.stderr
    sheet = load_sheet(out, "desk-break")
    assert sheet["routine"] == "desk-break" and sheet["title"] == "Desk break"
    assert [(h["exercise"], h["side"]) for h in holds(sheet)] == [
        ("Neck turn", "left"),
        ("Neck turn", "right"),
        ("Shoulder roll", None),
        ("Shoulder roll", None),
    ]
    texts = [e["text"] for e in sheet["events"] if e["kind"] == "speech"]
    assert "Look left. Hold." in texts
    assert audio_check.check(out / "desk-break.mp3", sheet).problems == []


def test_broken_routine_names_file_and_line_and_writes_nothing(tmp_path):
    routine = tmp_path / "broken.yaml"
    routine.write_text(
        "title: Broken\nexercises:\n  - name: One\n    instructions: [Go.]\n    hodl: 30\n"
    )
    out = tmp_path / "out"
    run = invoke("build", str(routine), "-o", str(out))
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2
    assert f"{routine}:5:" in lines[0] and "did you mean 'hold'" in lines[0]
    assert "Traceback" not in run.stderr
    assert not out.exists()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_encoder_failure_keeps_previous_output_and_leaves_no_partial_file(tmp_path):
    # Ogg goes through ffmpeg (MP3 is made in-process: see test_faults for its failures)
    out = tmp_path / "out"
    ogg = ["--format", "ogg"]
    assert voiceguide("build", "-o", str(out), "--hold", "2", "--reps", "1", *ogg).code == 0
    before = {p.name: _digest(p) for p in out.iterdir()}
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\nhead -c 200000 >/dev/null\necho 'disk on fire' >&2\nexit 1\n")
    broken.chmod(0o755)
    run = voiceguide(
        "build", "-o", str(out), "--hold", "5", *ogg, env={"VOICEGUIDE_FFMPEG": str(broken)}
    )
    assert run.code == 1
    assert "disk on fire" in run.stderr and "Traceback" not in run.stderr
    assert {p.name: _digest(p) for p in out.iterdir()} == before


def test_outputs_are_readable_by_others(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1")
    assert run.code == 0, run.stderr
    mode = (tmp_path / f"{STEM}.mp3").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


@pytest.mark.slow
def test_loudness_is_minus_16_lufs_with_peaks_under_minus_1_dbtp(default_build):
    out, _, _ = default_build
    integrated, peak = audio_check.loudness(out / f"{STEM}.mp3")
    assert -17.0 <= integrated <= -15.0
    assert peak <= -1.0


def test_tones_sit_about_6_lu_under_the_voice(default_build):
    out, _, sheet = default_build
    rate = sheet["sample_rate"]
    samples = audio_check.decode(out / f"{STEM}.mp3", rate)

    def loudness(kind):
        return audio_check.events_loudness(
            samples, rate, [e for e in sheet["events"] if e["kind"] == kind]
        )

    gap = loudness("speech") - loudness("tone")
    assert 5.0 <= gap <= 7.0, gap


# -- issue: a session you can follow with your eyes closed ------------------------------


def speech(sheet: dict) -> list[dict]:
    return [e for e in sheet["events"] if e["kind"] == "speech"]


def inside(event: dict, span: dict) -> bool:
    return span["start"] <= event["start"] and event["end"] <= span["end"]


def test_each_hold_counts_down_its_last_three_seconds(default_build):
    _, _, sheet = default_build
    for hold in holds(sheet):
        said = [
            (e["text"], round(hold["end"] - e["start"], 3))
            for e in speech(sheet)
            if inside(e, hold) and e["text"] in ("Three.", "Two.", "One.")
        ]
        assert said == [("Three.", 3.0), ("Two.", 2.0), ("One.", 1.0)]


def test_sides_switch_with_their_own_tone_words_and_time(default_build):
    _, _, sheet = default_build
    events = sheet["events"]
    for name in EXERCISES:
        last_right = [h for h in holds(sheet) if h["exercise"] == name and h["side"] == "right"][-1]
        first_left = [h for h in holds(sheet) if h["exercise"] == name and h["side"] == "left"][0]
        between = [e for e in events if last_right["end"] <= e["start"] < first_left["start"]]
        kinds = [(e["kind"], e.get("name") or e.get("text") or e.get("seconds")) for e in between]
        assert ("tone", "switch") in kinds
        assert ("speech", "Switch to your left leg.") in kinds
        assert ("switch", {SEATED: 10, LYING: 10, WALL: 35}[name]) in kinds


def test_tones_mean_one_thing_each(default_build):
    _, _, sheet = default_build
    names = {e["name"] for e in sheet["events"] if e["kind"] == "tone"}
    assert names == {"start", "release", "switch", "end"}
    for hold in holds(sheet):
        starts = [e for e in sheet["events"] if e["kind"] == "tone" and e["end"] == hold["start"]]
        releases = [e for e in sheet["events"] if e["kind"] == "tone" and e["start"] == hold["end"]]
        assert [e["name"] for e in starts] == ["start"] and [e["name"] for e in releases] == [
            "release"
        ]


def test_rests_and_what_comes_next_are_announced(default_build):
    _, _, sheet = default_build
    texts = [e["text"] for e in speech(sheet)]
    assert "Next: Lying hamstring stretch." in texts and "Last: Wall hamstring stretch." in texts
    for rest in (e for e in sheet["events"] if e["kind"] == "rest"):
        before = [e for e in speech(sheet) if e["end"] == rest["start"]]
        assert before and before[0]["text"].endswith(("Rest.", "Rest here."))
    wall_rests = [e["text"] for e in speech(sheet) if "closer to the wall" in e["text"]]
    assert len(wall_rests) == 2  # between the two reps on each side


# -- issue: a session paced for a body ----------------------------------------------------


def quiet_after(sheet: dict, at: float) -> float:
    """Seconds from ``at`` to the next speech or tone."""
    return min(e["start"] for e in sheet["events"] if e["kind"] in ("speech", "tone")
               and e["start"] >= at) - at  # fmt: skip


def test_changing_legs_at_the_door_frame_leaves_time_to_move(default_build):
    _, _, sheet = default_build
    (switch,) = [e for e in sheet["events"] if e["kind"] == "switch" and
                 any(h["exercise"] == WALL and h["side"] == "left" and h["start"] > e["end"]
                     for h in holds(sheet))][-1:]  # fmt: skip
    words = [e for e in speech(sheet) if e["end"] == switch["start"]][0]
    assert "other side of the door frame" in words["text"]  # the second side's own words
    assert quiet_after(sheet, switch["start"]) >= 20


def test_the_way_down_to_the_floor_is_made_in_quiet_before_the_knee_is_placed(default_build):
    out, _, sheet = default_build
    said = speech(sheet)
    down = next(i for i, e in enumerate(said) if "lie back" in e["text"])
    assert quiet_after(sheet, said[down]["end"]) == 40.0  # to the millisecond
    assert said[down + 1]["text"].startswith("Lie on your back")
    assert "chest" not in said[down]["text"] and "chest" in said[down + 2]["text"]
    # and quiet it is: nothing sounds between the two (the decoded audio, measured)
    assert audio_check.check(out / f"{STEM}.mp3", sheet).problems == []


def test_getting_up_is_said_a_step_at_a_time_with_quiet_to_do_each(default_build):
    out, _, sheet = default_build
    closing = [e for e in speech(sheet) if e["start"] >= sheet["chapters"][-1]["start"]]
    steps = ["bend your knees", "Roll onto your side", "Push yourself up", "later today"]
    assert len(closing) == len(steps)
    assert all(step in e["text"] for step, e in zip(steps, closing))
    gaps = [after["start"] - before["end"] for before, after in zip(closing, closing[1:])]
    assert gaps == [8.0, 12.0, 10.0]  # to the millisecond
    # the last words end the file after its tail, nothing sounds in the gaps (decoded)
    assert audio_check.check(out / f"{STEM}.mp3", sheet).problems == []


def test_the_first_wall_hold_comes_long_after_the_hold_before_it(default_build):
    _, _, sheet = default_build
    order = holds(sheet)
    first_wall = next(i for i, h in enumerate(order) if h["exercise"] == WALL)
    assert order[first_wall]["start"] - order[first_wall - 1]["end"] >= 40
    # the chair comes first or last: one trip between floor and chair
    exercises = list(dict.fromkeys(h["exercise"] for h in order))
    assert SEATED in (exercises[0], exercises[-1])


def test_every_hold_after_a_rest_or_switch_gets_ready_first(default_build):
    _, _, sheet = default_build
    events = sheet["events"]
    for wait in (e for e in events if e["kind"] in ("rest", "switch")):
        start_cue = next(e for e in speech(sheet) if e["start"] >= wait["end"])
        ready = [e for e in speech(sheet) if wait["start"] <= e["start"] < wait["end"]]
        assert [e["text"].split(":")[0] for e in ready] == ["Get ready"], wait
        assert start_cue["start"] - ready[0]["start"] >= 4


def test_no_form_cue_comes_at_the_same_moment_in_two_holds_in_a_row(default_build, routine):
    _, _, sheet = default_build
    for exercise in routine.exercises:
        mine = [h for h in holds(sheet) if h["exercise"] == exercise.name]
        moments = [
            {e["text"]: round(e["start"] - h["start"], 3) for e in speech(sheet)
             if e["text"] in exercise.cues and inside(e, h)}
            for h in mine
        ]  # fmt: skip
        assert all(moments)
        for one, two in zip(moments, moments[1:]):
            assert all(one[t] != two[t] for t in one.keys() & two.keys()), (one, two)


def test_setup_and_switch_for_one_exercise_do_what_they_say(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--reps", "1", "--hold", "3",
                 "--setup", "wall=45", "--switch", "wall=25")  # fmt: skip
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    setups = [e["seconds"] for e in sheet["events"] if e["kind"] == "setup"]
    switches = [e["seconds"] for e in sheet["events"] if e["kind"] == "switch"]
    assert setups == [10, 12, 45] and switches == [10, 10, 25]  # only the wall's changed
    assert sheet["settings"]["setup"] == 15 and sheet["settings"]["ready"] == 5
    # regression: the per-exercise values were missing from settings and the tag
    assert sheet["settings"]["exercises"][WALL] == {"rest": 15, "switch": 25, "setup": 45}
    report = audio_check.check(tmp_path / f"{STEM}.mp3", sheet)
    assert report.problems == []


def test_no_two_sounds_overlap(default_build):
    _, _, sheet = default_build
    sounds = sorted(
        (e for e in sheet["events"] if e["kind"] in ("speech", "tone")), key=lambda e: e["start"]
    )
    for a, b in zip(sounds, sounds[1:]):
        assert a["end"] <= b["start"], (a, b)


@pytest.mark.slow
def test_sigterm_mid_build_leaves_the_previous_files_and_no_partial_one(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    assert voiceguide("build", "-o", str(out), "--hold", "2", "--reps", "1").code == 0
    before = {p.name: _digest(p) for p in out.iterdir()}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voiceguide",
            "build",
            "-o",
            str(out),
            "--hold",
            "600",
            "--reps",
            "2",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60  # a hang guard, not a timing
    while not any(p.suffix == ".part" for p in out.iterdir()):  # wait until it is writing
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "nothing was written" in stderr
    assert {p.name: _digest(p) for p in out.iterdir()} == before


@pytest.mark.slow
def test_an_output_folder_that_cannot_be_written_is_one_plain_line(tmp_path):
    import shutil

    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o555)
    args = ["build", "-o", str(out), "--hold", "1", "--reps", "1"]
    if os.geteuid() == 0:  # root writes anywhere: drop that power for this run
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to test permissions as root"
        import subprocess
        import sys

        done = subprocess.run(
            [
                setpriv,
                "--inh-caps=-all",
                "--bounding-set=-all",
                sys.executable,
                "-m",
                "voiceguide",
                *args,
            ],
            capture_output=True,
            text=True,
        )
        code, stderr = done.returncode, done.stderr
    else:
        run = voiceguide(*args)
        code, stderr = run.code, run.stderr
    assert code == 1
    assert stderr.strip().splitlines() == [f"Error: cannot write to {out}: Permission denied"]
    assert list(out.iterdir()) == []


# -- issue: files that players understand ----------------------------------------------


def test_chapters_as_a_player_reads_them_match_the_timeline(default_build):
    out, _, sheet = default_build
    found = audio_check.chapters(out / f"{STEM}.mp3")
    assert [title for title, _, _ in found] == ["Introduction", *EXERCISES, "Closing"]
    for (title, start, end), want in zip(found, sheet["chapters"]):
        assert abs(start - want["start"]) <= 0.030 and abs(end - want["end"]) <= 0.030, title
    assert found[-1][2] == pytest.approx(sheet["duration"], abs=0.030)
    assert all(a[2] == b[1] for a, b in zip(found, found[1:]))  # contiguous


def test_tags_are_id3v23_with_an_ordered_top_level_table_of_contents(default_build):
    from mutagen.id3 import ID3, CTOCFlags

    out, _, sheet = default_build
    tags = ID3(out / f"{STEM}.mp3")
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == sheet["title"] and str(tags["TALB"]) == sheet["title"]
    assert str(tags["TPE1"]) == "voiceguide" and str(tags["TCON"]) == "Exercise"
    assert "hold=30" in str(tags["COMM::eng"]) and "voice=gmw/en" in str(tags["COMM::eng"])
    assert int(str(tags["TLEN"])) == round(sheet["duration"] * 1000)
    toc = tags["CTOC:toc"]
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    titles = [str(tags[f"CHAP:{child}"].sub_frames["TIT2"]) for child in toc.child_element_ids]
    assert titles == ["Introduction", *EXERCISES, "Closing"]


def test_subtitles_are_a_webvtt_transcript_of_the_timeline(tmp_path):
    import webvtt

    run = invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1", "--subtitles")
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    captions = webvtt.read(str(tmp_path / f"{STEM}.vtt")).captions
    said = speech(sheet)
    assert [c.text for c in captions] == [e["text"] for e in said]
    for caption, event in zip(captions, said):
        assert abs(_seconds(caption.start) - event["start"]) <= 0.001
        assert abs(_seconds(caption.end) - event["end"]) <= 0.001
    again = invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1")  # without them
    assert again.code == 0 and not (tmp_path / f"{STEM}.vtt").exists()
    gone = f"Removed {tmp_path / STEM}.vtt: this build made no subtitles (--subtitles makes them)."
    assert gone in again.stdout.splitlines()


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# -- the speech cache, through the command line ------------------------------------------


def _counts(stdout: str) -> tuple[int, int]:
    import re

    voiced, cached = re.search(r"(\d+) phrases? voiced, (\d+) from the cache", stdout).groups()
    return int(voiced), int(cached)


@pytest.mark.slow
def test_a_warm_rebuild_voices_nothing_and_sounds_the_same(tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    first = invoke("build", "-o", str(tmp_path / "a"), "--hold", "6", "--reps", "1", env=env)
    again = invoke("build", "-o", str(tmp_path / "b"), "--hold", "6", "--reps", "1", env=env)
    assert first.code == again.code == 0
    voiced, cached = _counts(first.stdout)
    assert voiced > 20 and cached == 0
    assert _counts(again.stdout) == (0, voiced)
    a, b = (load_sheet(tmp_path / d, STEM) for d in "ab")
    assert a["events"] == b["events"]
    assert audio_check.check(tmp_path / "b" / f"{STEM}.mp3", b).problems == []


@pytest.mark.slow
def test_a_warm_rebuild_with_other_times_voices_nothing(tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    first = invoke("build", "-o", str(tmp_path / "a"), "--reps", "1", "--hold", "10", env=env)
    again = invoke(
        "build",
        "-o",
        str(tmp_path / "b"),
        "--reps",
        "1",
        "--hold",
        "14",
        "--hold",
        "wall=20",
        "--rest",
        "4",
        "--switch",
        "3",
        "--setup",
        "6",
        env=env,
    )
    assert first.code == again.code == 0, again.stderr
    voiced, _ = _counts(first.stdout)
    assert _counts(again.stdout) == (0, voiced)
    sheet = load_sheet(tmp_path / "b", STEM)
    assert {h["seconds"] for h in holds(sheet)} == {14, 20}
    assert audio_check.check(tmp_path / "b" / f"{STEM}.mp3", sheet).problems == []


@pytest.mark.slow
def test_no_cache_leaves_the_cache_untouched(tmp_path):
    folder = tmp_path / "cache"
    env = {"VOICEGUIDE_CACHE_DIR": str(folder)}
    run = invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1", "--no-cache", env=env)
    assert run.code == 0 and not folder.exists()
    assert "0 from the cache" in run.stdout


@pytest.mark.slow
def test_cache_command_shows_and_empties_the_cache(tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    assert invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1", env=env).code == 0
    info = invoke("cache", env=env)
    assert info.code == 0 and str(tmp_path / "cache") in info.stdout
    held = re.search(r" of 500 MB, (\d+) phrases, (\d+) encoded parts, in ", info.stdout)
    assert held and int(held[1]) > 20 and int(held[2]) > 0
    cleared = invoke("cache", "clear", env=env)
    assert f"removed {held[1]} phrases, {held[2]} encoded parts from" in cleared.stdout
    assert invoke("cache", env=env).stdout.startswith("0 bytes of 500 MB, 0 phrases, in ")


@pytest.mark.slow
@pytest.mark.parametrize(
    "fmt, chapters", [("m4a", True), ("ogg", True), ("opus", True), ("wav", False), ("flac", True)]
)
def test_every_format_decodes_to_the_timeline_with_its_tags(tmp_path, fmt, chapters):
    run = invoke("build", "-o", str(tmp_path), "--hold", "3", "--reps", "1", "--format", fmt)
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    audio = tmp_path / f"{STEM}.{fmt}"
    assert sheet["audio"] == audio.name
    report = audio_check.check(audio, sheet)
    assert abs(report.decoded_seconds - sheet["duration"]) <= 0.030
    if fmt != "opus":  # 32 kb/s Opus thins soft onsets (an F can be heard ~30 ms late)
        assert report.problems == []
    # each encoder's own peaks allowed for: Opus came out at -0.3 dBTP, Vorbis at -0.7
    lufs, peak = audio_check.loudness(audio)
    assert peak <= -1.0 and abs(lufs - -16) <= 1, (lufs, peak)
    found = audio_check.chapters(audio)
    if chapters:
        assert [t for t, _, _ in found] == ["Introduction", *EXERCISES, "Closing"]
        for (_, start, _), want in zip(found, sheet["chapters"]):
            assert abs(start - want["start"]) <= 0.030
    else:
        assert found == []
    import mutagen

    assert sheet["title"] in str(mutagen.File(audio).tags or "") or fmt == "wav"
    if fmt != "wav":  # the language spoken, as each container says it
        assert audio_check.languages(audio) & {"en", "eng"}


@pytest.mark.parametrize(
    "args, says",
    [
        (["--format", "wav", "--bitrate", "96k"], "--bitrate does not apply to wav"),
        (["--bitrate", "lots"], "--bitrate takes kilobits a second"),
        # regression: these rendered the whole session, then ffmpeg wrote nothing (exit 1)
        (["--format", "ogg", "--bitrate", "96k"], "--bitrate for ogg takes 16k to 80k"),
        (["--format", "opus", "--bitrate", "320k"], "--bitrate for opus takes 6k to 256k"),
        # regression: clamped to 160k with a warning, a file four times the size
        (["--bitrate", "999k"], "--bitrate for mp3 takes 8k to 320k (up to 160k at 22.05 kHz)"),
    ],
)
def test_bitrate_mistakes_are_bad_input(tmp_path, args, says):
    run = invoke("build", "-o", str(tmp_path / "out"), *args)
    assert run.code == 2 and says in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_bitrate_sets_the_mp3_bitrate(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1", "--bitrate", "96k")
    assert run.code == 0, run.stderr
    from mutagen.mp3 import MP3

    assert MP3(tmp_path / f"{STEM}.mp3").info.bitrate == 96000
    assert "bit rate" not in run.stderr


@pytest.mark.slow
def test_a_bitrate_mp3_lacks_is_rounded_with_a_warning(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--hold", "2", "--reps", "1", "--bitrate", "320k")
    assert run.code == 0, run.stderr
    assert f"Warning: {STEM}: MP3 at 22050 Hz has no 320k bit rate; 160k was used" in run.stderr
    from mutagen.mp3 import MP3

    assert MP3(tmp_path / f"{STEM}.mp3").info.bitrate == 160000


# -- the optional neural voice ------------------------------------------------------------


@pytest.mark.slow
def test_piper_session_passes_the_same_timing_checks(tmp_path):
    run = invoke("build", "--engine", "piper", "-o", str(tmp_path), "--hold", "4", "--reps", "1")
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, STEM)
    assert sheet["settings"]["engine"] == "piper"
    assert sheet["settings"]["voice"] == "en_US-joe-medium"
    report = audio_check.check(tmp_path / f"{STEM}.mp3", sheet)
    assert report.problems == []
    assert all(length(h) == 4.0 for h in holds(sheet))


@pytest.mark.slow
def test_piper_without_the_extra_is_bad_input_with_the_install_hint(tmp_path):
    import subprocess
    import sys

    blocked = (
        "import sys; sys.modules['piper'] = None; sys.argv = ['voiceguide', 'build', "
        f"'--engine', 'piper', '-o', {str(tmp_path / 'out')!r}]; "
        "from voiceguide.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)
    assert done.returncode == 2
    assert ".venv/bin/pip install -e '.[neural]'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
