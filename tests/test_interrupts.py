"""Stopping signals wait out the steps that must not be cut in two."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from voiceguide import interrupts


@pytest.mark.parametrize(
    "signum, raised", [(signal.SIGTERM, interrupts.Stopped), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_signal_inside_held_arrives_when_the_block_ends(handlers, signum, raised):
    done = []
    with pytest.raises(raised), interrupts.held():
        os.kill(os.getpid(), signum)
        done.append("the rest of the block ran")
    assert done == ["the rest of the block ran"]


def test_outside_held_a_signal_stops_at_once(handlers):
    done = []
    with pytest.raises(interrupts.Stopped) as info:
        os.kill(os.getpid(), signal.SIGTERM)
        done.append("not reached")
    assert done == [] and info.value.signum == signal.SIGTERM


def test_nested_blocks_hold_until_the_outermost_ends(handlers):
    steps = []
    with pytest.raises(KeyboardInterrupt), interrupts.held():
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGINT)
        steps.append("after the inner block")
    assert steps == ["after the inner block"]


def test_ctrl_c_as_the_mp3_parts_start_still_unwinds_as_ctrl_c(handlers, tmp_path, monkeypatch):
    """Regression: Ctrl-C inside Thread.start() left a part's thread unstarted, and
    joining it raised RuntimeError (exit 1) instead of unwinding as Ctrl-C (exit 130)."""
    import threading

    from voiceguide import mp3

    start = threading.Thread.start

    def interrupted_start(thread):
        os.kill(os.getpid(), signal.SIGINT)  # arrives before the thread has started
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", interrupted_start)
    rate, seconds = 22050, 120
    quiet = [(k * rate, k * rate + rate // 2) for k in range(seconds)]

    def render(begin, end):
        for at in range(begin, end, rate):
            yield bytes(2 * (min(end, at + rate) - at))

    with open(tmp_path / "s.mp3", "wb") as out, pytest.raises(KeyboardInterrupt):
        mp3.encode(
            render, samples=seconds * rate, quiet=quiet, rate=rate, out=out, label="s.mp3", parts=2
        )


class Woken(Exception):
    pass


def test_a_signal_another_thread_receives_still_reaches_a_waiting_main_thread():
    """The system may hand a signal to any thread; the main one acts on it only when it
    runs. Waiting through :func:`interrupts.result` it runs every tenth of a second, so
    the signal arrives although the awaited work never ends (a plain ``result()`` waits
    on, here until the hang guard ends the work 30 s later).

    The worker sends the signal to itself only once the main thread is blocked inside
    ``interrupts.result``: sent earlier, main would act on it before it began to wait,
    and the test would prove nothing."""
    import concurrent.futures

    release = threading.Event()
    main = threading.main_thread().ident
    waiting_code = interrupts.result.__code__

    def main_is_waiting() -> bool:
        frame = sys._current_frames().get(main)
        innermost = frame.f_code.co_name if frame else ""
        while frame is not None and frame.f_code is not waiting_code:
            frame = frame.f_back
        return frame is not None and innermost == "wait"

    def work() -> str:
        for _ in range(3000):  # bounded: 30 s at most
            if main_is_waiting():
                signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)  # not to main
                break
            time.sleep(0.01)
        release.wait(30)  # the hang guard: never reached when the signal gets through
        return "finished"

    def woken(signum, frame):
        raise Woken

    old = signal.signal(signal.SIGUSR1, woken)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        future = pool.submit(work)
        with pytest.raises(Woken):
            interrupts.result(future)
        assert not future.done()  # woken while the work still ran, not by its end
    finally:
        release.set()
        pool.shutdown()
        signal.signal(signal.SIGUSR1, old)
