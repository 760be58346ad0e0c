"""All or nothing, the same every time, bounded always: what a hostile user tried.

Each test here failed before its fix (issue 20). Builds are real (the engine and the
encoder), of a routine small enough to build in a fraction of a second."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LONG, TINY, VALID, digests, invoke, started

from voiceguide import interrupts, outputs

# -- 1. a failed rename leaves the previous set ----------------------------------------


def test_a_rename_that_fails_partway_puts_the_previous_set_back(built, routine_file):
    out, before = built
    (out / "tiny.vtt").mkdir()  # the third file cannot be renamed over a folder
    before = digests(out)
    run = invoke("build", str(routine_file), "-o", str(out), "--hold", "2", "--subtitles")
    assert run.code == 1, run.stderr
    assert run.stderr.startswith("Error: could not write") and "tiny.vtt" in run.stderr
    assert digests(out) == before  # the audio and the timeline: the earlier build's


def test_a_failed_rename_of_the_second_file_undoes_the_first(tmp_path, monkeypatch):
    for name in ("a.mp3", "a.timeline.json"):
        (tmp_path / name).write_text("old")
    real = os.replace
    calls = []

    def failing_second(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 2:
            raise PermissionError(1, "Operation not permitted", str(dst))
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", failing_second)
    failed = pytest.raises(outputs.ExportError, match="could not write .*a.timeline.json")
    with failed, outputs.StagedOutputs(tmp_path) as staged:
        for name in ("a.mp3", "a.timeline.json"):
            staged.stage(tmp_path / name).write_text("new")
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {
        "a.mp3": "old",
        "a.timeline.json": "old",
    }


def test_an_immutable_timeline_fails_the_build_before_anything_changes(built, routine_file):
    out, before = built
    sheet = out / "tiny.timeline.json"
    if subprocess.run(["chattr", "+i", str(sheet)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        run = invoke("build", str(routine_file), "-o", str(out), "--hold", "2")
    finally:
        subprocess.run(["chattr", "-i", str(sheet)], check=True)
    assert run.code == 1 and "tiny.timeline.json" in run.stderr, run.stderr
    assert digests(out) == before


# -- 2. a signal between the renames ---------------------------------------------------


def test_sigterm_between_the_renames_leaves_the_previous_set(built, routine_file, handlers,
                                                             monkeypatch):  # fmt: skip
    out, before = built
    real = os.replace

    def signalled_after_first(src, dst, **kwargs):
        result = real(src, dst, **kwargs)
        if Path(dst).name == "tiny.mp3":
            os.kill(os.getpid(), signal.SIGTERM)  # arrives at once, mid-commit
        return result

    monkeypatch.setattr(os, "replace", signalled_after_first)
    run = invoke("build", str(routine_file), "-o", str(out), "--hold", "2")
    assert run.code == 128 + signal.SIGTERM, run.stderr
    assert run.stderr.strip() == "Stopped by SIGTERM: nothing was written."
    assert digests(out) == before  # no new audio beside the old timeline, no .part


# -- 10. leftovers ----------------------------------------------------------------------


def test_an_earlier_builds_subtitles_go_with_a_build_that_writes_none(tmp_path, routine_file):
    out = tmp_path / "out"
    assert invoke("build", str(routine_file), "-o", str(out), *TINY, "--subtitles").code == 0
    assert (out / "tiny.vtt").exists()
    assert invoke("build", str(routine_file), "-o", str(out), "--hold", "2").code == 0
    assert sorted(p.name for p in out.iterdir()) == ["tiny.mp3", "tiny.timeline.json"]


def test_the_next_build_removes_parts_no_live_build_holds(built, routine_file):
    out, _ = built
    dead = out / ".tiny.mp3.0badc0de.part"
    dead.write_bytes(b"x" * 1000)
    old = out / ".tiny.timeline.json.12345678.old"
    old.write_text("{}")
    live = out / ".tiny.mp3.feedf00d.part"  # a build still writing it holds its lock
    handle = os.open(live, os.O_WRONLY | os.O_CREAT, 0o666)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        assert invoke("build", str(routine_file), "-o", str(out), "--hold", "2").code == 0
        left = sorted(p.name for p in out.iterdir())
    finally:
        os.close(handle)
    assert left == [live.name, "tiny.mp3", "tiny.timeline.json"]


@pytest.mark.slow
def test_a_killed_builds_leftovers_are_gone_after_the_next_build(tmp_path):
    out = tmp_path / "out"
    temp = tmp_path / "temp"  # the voice workers' folders (voiceguide-tts-*): only this test's
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "build", "-o", str(out), "--hold", "600"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while not (out.exists() and any(p.suffix == ".part" for p in out.iterdir())):
        assert process.poll() is None, "the build ended before it wrote anything"
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=60)
    assert list(out.glob(".*.part"))
    # a voice worker's folder as a build killed while voicing leaves it, and a live one's
    (temp / "voiceguide-tts-dead0001").mkdir()
    (temp / "voiceguide-tts-dead0001" / "phrase.wav").write_bytes(b"RIFF")
    live = temp / "voiceguide-tts-live0001"
    live.mkdir()
    handle = os.open(live, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "voiceguide",
                "build",
                "-o",
                str(out),
                "--hold",
                "2",
                "--reps",
                "1",
                "--no-cache",
            ],  # fmt: skip
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.close(handle)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "hamstring-relief.mp3",
        "hamstring-relief.timeline.json",
    ]
    assert list(temp.iterdir()) == [live]


# -- 3. nohup ---------------------------------------------------------------------------


def test_an_inherited_ignore_stays_ignored(handlers):
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup starts a command
    try:
        interrupts.install()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is interrupts._arrived
    finally:
        signal.signal(signal.SIGHUP, before)


@pytest.mark.slow
def test_a_build_under_nohup_survives_sighup(tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen(
        ["nohup", sys.executable, "-m", "voiceguide", "build", "-o", str(out), *LONG],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while not (out.exists() and any(p.suffix == ".part" for p in out.iterdir())):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)
    status = Path(f"/proc/{process.pid}/status").read_text()
    masks = dict(line.split(":\t") for line in status.splitlines() if line.startswith("Sig"))
    assert int(masks["SigIgn"], 16) & 1 << (signal.SIGHUP - 1), "SIGHUP is no longer ignored"
    assert int(masks["SigCgt"], 16) & 1 << (signal.SIGTERM - 1), "SIGTERM is not handled"
    # an ignored SIGHUP is dropped as it is sent: the SIGTERM after it stops the build
    process.send_signal(signal.SIGHUP)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Stopped by SIGTERM: nothing was written." in stderr


# -- 5. several routines interrupted ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_several_routines_names_the_ones_written(tmp_path, signum):
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "a.yaml").write_text(VALID)
    (folder / "b.yaml").write_text(VALID)
    (folder / "c.yaml").write_text(VALID.replace("hold: 20", "hold: 600") + "bed: brown\n")
    out = tmp_path / "out"
    process = started(
        "build", str(folder), "-o", str(out), "-j", "1", "--bitrate", "64k",
        start_new_session=True,  # a group of its own, as a terminal's foreground job
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a hang guard, not a timing
    while not (out.exists() and list(out.glob(".c.mp3.*.part"))):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the third build never started writing"
        time.sleep(0.01)
    os.killpg(process.pid, signum)  # as Ctrl-C does: the voice workers get it too
    _, stderr = process.communicate(timeout=120)
    said = "Interrupted" if signum == signal.SIGINT else f"Stopped by {signal.Signals(signum).name}"
    assert process.returncode == (130 if signum == signal.SIGINT else 128 + signum), stderr
    assert stderr.strip().splitlines()[-1] == (
        f"{said}: only {folder / 'a.yaml'}, {folder / 'b.yaml'} had been built; "
        "nothing else was written."
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "a.mp3",
        "a.timeline.json",
        "b.mp3",
        "b.timeline.json",
    ]


# -- 6. names that cannot be written ----------------------------------------------------


def test_a_name_too_long_in_bytes_is_bad_input_before_anything_is_voiced(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = invoke("build", "--name", "日" * 120, "-o", str(out), *TINY,
                 env={"VOICEGUIDE_CACHE_DIR": str(cache)})  # fmt: skip
    assert run.code == 2
    assert "is too long for a file name: 300 bytes in UTF-8" in run.stderr
    assert not out.exists() and not cache.exists()


def test_a_routine_file_name_too_long_in_bytes_is_bad_input_before_anything_is_voiced(tmp_path):
    routine = tmp_path / ("日" * 80 + ".yaml")  # 245 bytes: a file, but not its outputs
    routine.write_text(VALID)
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = invoke("build", str(routine), "-o", str(out), *TINY,
                 env={"VOICEGUIDE_CACHE_DIR": str(cache)})  # fmt: skip
    assert run.code == 2, run.stderr
    assert (
        run.stderr.startswith("Error: '日日日") and "240 bytes in UTF-8, at most 226" in run.stderr
    )
    assert not out.exists() and not cache.exists()


def test_a_routine_file_name_that_is_not_utf8_builds_without_a_traceback(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.yaml"), "wb") as f:  # Latin-1, as old systems
        f.write(VALID.encode())
    routine = os.fsdecode(os.path.join(folder, b"caf\xe9.yaml"))
    shown = subprocess.run(  # as a user's terminal shows it: the bytes of the name
        [sys.executable, "-m", "voiceguide", "validate", routine], capture_output=True
    )
    assert shown.returncode == 0 and b"Traceback" not in shown.stderr, shown.stderr
    assert shown.stdout.startswith(b"ok: " + os.path.join(folder, b"caf\xe9.yaml: "))
    out = tmp_path / "out"
    run = invoke("build", routine, "-o", str(out), *TINY)
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["caf.mp3", "caf.timeline.json"]
    assert '"routine": "caf\\\\xe9"' in (out / "caf.timeline.json").read_text()


# -- 7. settings from the environment; a stuck or talkative encoder ------------------------


@pytest.mark.parametrize("value", ["abc", "", "-1", "inf", "nan", "0"])
def test_a_bad_voice_timeout_in_the_environment_is_bad_input_naming_it(tmp_path, value):
    out = tmp_path / "out"
    run = invoke("build", "-o", str(out), *TINY, "--no-cache",
                 env={"VOICEGUIDE_TTS_TIMEOUT": value})  # fmt: skip
    assert run.code == 2, run.stderr
    assert run.stderr.startswith("Error: the environment variable VOICEGUIDE_TTS_TIMEOUT must")
    assert repr(value) in run.stderr and not out.exists()


def killed(pid: int) -> bool:
    """Whether process ``pid`` is gone (or a zombie): a SIGKILL is delivered at once, but
    the process takes a moment to end, so it is looked for a while (a hang guard)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith(("Z", "X")):
                return True
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def fake_ffmpeg(tmp_path, monkeypatch):
    """``VOICEGUIDE_FFMPEG`` set to a script of the test's making."""
    from voiceguide import ffmpeg

    def make(body: str) -> Path:
        script = tmp_path / "ffmpeg"
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(0o755)
        monkeypatch.setenv("VOICEGUIDE_FFMPEG", str(script))
        ffmpeg.ffmpeg_exe.cache_clear()
        return script

    yield make
    ffmpeg.ffmpeg_exe.cache_clear()


@pytest.mark.parametrize("fmt", ["ogg", "mp3"])  # an MP3 needs no ffmpeg, but it was set
def test_an_ffmpeg_in_the_environment_that_cannot_run_is_bad_input_before_voicing(
    tmp_path, fake_ffmpeg, fmt
):
    fake_ffmpeg("").chmod(0o644)
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = invoke("build", "-o", str(out), *TINY, "--format", fmt,
                 env={"VOICEGUIDE_CACHE_DIR": str(cache)})  # fmt: skip
    assert run.code == 2
    assert "the environment variable VOICEGUIDE_FFMPEG" in run.stderr
    assert not out.exists() and not cache.exists()


@pytest.mark.slow
def test_an_encoder_that_takes_nothing_is_stopped(built, routine_file, fake_ffmpeg, monkeypatch):
    from voiceguide import ffmpeg

    out, before = built
    monkeypatch.setattr(ffmpeg, "STALL_SECONDS", 1.0)  # 30 s in use: the same code path
    pids = out.parent / "pids"
    fake_ffmpeg(f"echo $$ >> {pids}\nexec sleep 600\n")  # never reads its input
    run = invoke("build", str(routine_file), "-o", str(out), "--format", "ogg", *TINY)
    assert run.code == 1
    assert run.stderr.strip() == ("Error: the encoder made no progress for 1 s and was stopped"), (
        run.stderr
    )
    assert digests(out) == before
    for pid in pids.read_text().split():  # killed, not left sleeping
        assert killed(int(pid))


@pytest.mark.slow
def test_an_encoder_behind_a_script_that_hangs_is_stopped_with_the_script(
    built, routine_file, fake_ffmpeg, monkeypatch
):
    """A wrapper that runs ffmpeg without exec: the script was killed, but what it ran
    kept the pipe open, and the build waited for it to end (160 s in a trial)."""
    from voiceguide import ffmpeg

    out, before = built
    monkeypatch.setattr(ffmpeg, "STALL_SECONDS", 1.0)
    pids = out.parent / "pids"
    fake_ffmpeg(f"sh -c 'echo $$ >> {pids}; exec sleep 600'\n")  # its child holds stdin
    run = invoke("build", str(routine_file), "-o", str(out), "--format", "ogg", *TINY)
    assert run.code == 1
    assert run.stderr.strip() == "Error: the encoder made no progress for 1 s and was stopped"
    assert digests(out) == before
    for pid in pids.read_text().split():  # the script's child killed too
        assert killed(int(pid))


@pytest.mark.slow
def test_a_hung_ffmpeg_reading_a_bed_file_is_stopped_and_the_file_not_blamed(
    built, routine_file, fake_ffmpeg, monkeypatch
):
    """The bed file is read by ffmpeg with no watchdog: a hung one kept the build
    waiting as long as it hung, then the file was called "not an audio file" (exit 2)."""
    from voiceguide import ffmpeg

    out, before = built
    bed = out.parent / "rain.ogg"
    bed.write_bytes(b"OggS" + bytes(100))
    monkeypatch.setattr(ffmpeg, "STALL_SECONDS", 1.0)
    pids = out.parent / "pids"
    fake_ffmpeg(f"sh -c 'echo $$ >> {pids}; exec sleep 600'\n")
    run = invoke("build", str(routine_file), "-o", str(out), "--bed", str(bed), *TINY)
    assert run.code == 1
    assert (
        run.stderr.strip() == f"Error: ffmpeg did not finish in 1 s and was stopped, reading {bed}"
    )
    assert digests(out) == before
    for pid in pids.read_text().split():
        assert killed(int(pid))


def test_a_talkative_encoders_message_is_its_last_line_cut_short(built, routine_file,
                                                                 fake_ffmpeg):  # fmt: skip
    out, before = built
    fake_ffmpeg("yes x | tr -d '\\n' | head -c 10000000 >&2\nexit 1\n")  # one 10 MB line
    run = invoke("build", str(routine_file), "-o", str(out), "--format", "ogg", *TINY)
    assert run.code == 1
    said = f"Error: encoding {out / 'tiny.ogg'} failed: "
    assert run.stderr.startswith(said + "xxxx") and len(run.stderr) < 5000  # not 10 MB
    assert digests(out) == before


# -- 4. limits on the exact timeline, before any audio --------------------------------------


def test_a_session_over_the_cap_by_its_exact_timeline_is_refused_before_rendering(
    tmp_path, routine_file, monkeypatch
):
    # The real cap is 3 hours: 120 texts of "W.W.W. ..." estimated at 2:18 last 8:41 and
    # were built. Here the cap is 25 s for the timeline (the estimate, checked by the
    # plan against the real cap, passes) and this session lasts 0:31 exactly.
    import voiceguide.build
    from voiceguide.limits import Limits

    monkeypatch.setattr(voiceguide.build, "LIMITS", Limits(max_session_seconds=25.0))
    out = tmp_path / "out"
    run = invoke("build", str(routine_file), "-o", str(out), *TINY)
    assert run.code == 2, run.stderr
    assert run.stderr.strip() == (
        f"Error: {routine_file}: this session would last 0:31, more than the 0:25 allowed; "
        "lower the holds or the reps, or shorten the texts"
    )
    assert not out.exists()


def test_voicing_stops_once_the_phrases_alone_outlast_the_cap(tmp_path, monkeypatch):
    import voiceguide.build
    from voiceguide.limits import Limits
    from voiceguide.plan import plan
    from voiceguide.routine import load_builtin
    from voiceguide.speech import open_engine

    monkeypatch.setattr(voiceguide.build, "LIMITS", Limits(max_speech_seconds=10.0))
    script = plan(load_builtin("hamstring-relief"))
    heard: list[str] = []
    with open_engine() as engine:
        real = engine.synthesize

        def counting(texts, on_clip=None):
            def told(text, clip):
                heard.append(text)
                on_clip(text, clip)

            return real(texts, on_clip=told)

        engine.synthesize = counting  # type: ignore[method-assign]
        with pytest.raises(voiceguide.build.BadInput, match="the spoken phrases alone last"):
            voiceguide.build.voice_script(script, engine)
    assert 0 < len(heard) < len(set(script.texts())) / 2  # stopped early, not at the end


# -- 9. the same audio whatever the cache holds -----------------------------------------


def test_a_phrase_is_voiced_the_same_whatever_was_said_before_it():
    from voiceguide.speech import open_engine

    phrase = "Hold for thirty seconds."
    before = [[], ["Three."], ["Switch sides, slowly and gently now.", "Lift your right leg."]]
    clips = []
    for said in before:
        with open_engine() as engine:
            clips.append(engine.synthesize([*said, phrase])[phrase])
    assert clips[0] == clips[1] == clips[2]


@pytest.mark.slow
def test_no_cache_a_warm_cache_and_a_half_emptied_one_build_the_same_bytes(tmp_path):
    cache = tmp_path / "cache"
    env = {"VOICEGUIDE_CACHE_DIR": str(cache)}
    runs = {
        "cold": [],
        "warm": [],
        "half": [],
        "none": ["--no-cache"],
    }
    made = {}
    for name, extra in runs.items():
        if name == "half":
            for kind in ("*.clip", "*.frames"):  # phrases, and the MP3's encoded parts
                for n, entry in enumerate(sorted(cache.rglob(kind))):
                    if n % 2:
                        entry.unlink()
        out = tmp_path / name
        run = invoke("build", "-o", str(out), "--hold", "2", "--reps", "1", *extra, env=env)
        assert run.code == 0, run.stderr
        made[name] = digests(out)
    assert made["cold"] == made["warm"] == made["half"] == made["none"]


@pytest.mark.slow
def test_show_exact_is_the_same_on_every_run(tmp_path):
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    shown = {invoke("show", "--exact", "--hold", "2", "--reps", "1", env=env).stdout
             for _ in range(3)}  # fmt: skip
    assert len(shown) == 1


def test_a_voice_folder_taken_for_a_leftover_before_it_is_locked_is_made_again(
    tmp_path, monkeypatch
):
    """Regression: two workers of one build start at once; the second's clean-up removed
    the first's new folder before the first had locked it, and the build failed with an
    unexpected FileNotFoundError."""
    import tempfile

    from voiceguide.speech import scratch

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real_open, calls = os.open, []

    def open_after_removal(path, flags, *args):
        if not calls and str(path).startswith(str(tmp_path / scratch.PREFIX)):
            calls.append(path)
            os.rmdir(path)  # what the other worker's clean-up did
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", open_after_removal)
    folder, handle = scratch.make()
    try:
        assert calls and folder != str(calls[0]) and os.path.isdir(folder)
    finally:
        if handle is not None:
            os.close(handle)


@pytest.mark.parametrize("fmt", ["ogg", "mp3"])
def test_imageio_s_own_variable_is_checked_as_ours_is(tmp_path, monkeypatch, fmt):
    """``IMAGEIO_FFMPEG_EXE`` set to nothing that runs: an MP3 built and said nothing, an
    Ogg voiced every phrase and then failed with exit 1."""
    from voiceguide import ffmpeg

    monkeypatch.delenv("VOICEGUIDE_FFMPEG", raising=False)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "nowhere"))
    ffmpeg.ffmpeg_exe.cache_clear()
    out, cache = tmp_path / "out", tmp_path / "cache"
    try:
        run = invoke("build", "-o", str(out), *TINY, "--format", fmt,
                     env={"VOICEGUIDE_CACHE_DIR": str(cache)})  # fmt: skip
    finally:
        ffmpeg.ffmpeg_exe.cache_clear()
    assert run.code == 2, run.stderr
    assert run.stderr.strip() == (
        f"Error: the environment variable IMAGEIO_FFMPEG_EXE ({tmp_path / 'nowhere'}) is not"
        " an executable file"
    )
    assert not out.exists() and not cache.exists()
