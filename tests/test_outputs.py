"""Writing outputs: staged files get the mode every file gets, from any thread."""

from __future__ import annotations

import os
import stat
import threading

from voiceguide.outputs import StagedOutputs


def test_staging_from_many_threads_keeps_the_umask_and_every_mode(tmp_path, monkeypatch):
    """Regression: staging read the umask by setting it to 0 and back, so two threads
    could interleave and leave it at 0 for the rest of the process (later files and
    folders, the cache's too, world-writable): three threads doing so in a loop saw a
    wrong umask in most calls. Staging now never sets the umask: the system applies it
    to each new file, as to any other."""
    old = os.umask(0o027)
    calls: list[int] = []
    real_umask = os.umask

    def counting_umask(mask: int) -> int:
        calls.append(mask)
        return real_umask(mask)

    monkeypatch.setattr(os, "umask", counting_umask)
    try:

        def stage(index: int) -> None:
            folder = tmp_path / f"t{index}"
            folder.mkdir()
            for round_ in range(100):
                with StagedOutputs(folder) as staged:
                    staged.stage(folder / f"f{round_}.txt").write_text("x")

        workers = [threading.Thread(target=stage, args=(i,)) for i in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert calls == [], "staging set the process umask"
        assert real_umask(0o027) == 0o027
        written = list(tmp_path.glob("t*/f*.txt"))
        assert len(written) == 400
        assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o640}  # 0o666 & ~umask
        assert not list(tmp_path.glob("t*/.*.part")), "no temporary file is left"
    finally:
        real_umask(old)


def test_a_failed_stage_leaves_nothing_and_the_old_file(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    try:
        with StagedOutputs(tmp_path) as staged:
            staged.stage(tmp_path / "a.txt").write_text("new")
            raise RuntimeError("encoder died")
    except RuntimeError:
        pass
    assert (tmp_path / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_signal_waiting_for_the_main_thread_does_not_undo_another_threads_commit(
    tmp_path, monkeypatch
):
    """A build on a worker thread (several routines at once) commits whole: the signal
    that stops the main thread never reaches it, so it must not undo its files."""
    import signal

    from voiceguide import interrupts

    (tmp_path / "a.txt").write_text("old")
    monkeypatch.setattr(interrupts, "_pending", [signal.SIGTERM])

    def commit() -> None:
        with StagedOutputs(tmp_path) as staged:
            staged.stage(tmp_path / "a.txt").write_text("new")

    worker = threading.Thread(target=commit)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the commit did not end within 60 s"
    assert (tmp_path / "a.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_commit_removes_the_retired_files_there_are_and_says_which(tmp_path):
    (tmp_path / "a.mp3").write_text("old")
    (tmp_path / "b.mp3").write_text("another stem's")
    with StagedOutputs(tmp_path, retired=[tmp_path / "a.mp3", tmp_path / "a.wav"]) as staged:
        staged.stage(tmp_path / "a.ogg").write_text("new")
    assert staged.removed == [tmp_path / "a.mp3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ogg", "b.mp3"]
