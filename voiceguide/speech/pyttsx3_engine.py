"""The default voice: pyttsx3 (espeak-ng on Linux), run in a worker process.

pyttsx3 can hang in ``runAndWait`` and prints "Audio saved to ..." on stdout, so it
never runs in this process: a worker (:mod:`.pyttsx3_worker`) speaks one phrase at a
time into a temporary file, and we wait for each answer with a timeout. A hung worker
is killed and the build fails with a clear message. A plain subprocess, not
``multiprocessing``: spawning that re-imports the caller's ``__main__`` (and a forked
child of a process that used espeak through pyttsx3 hangs). On Linux the worker drives
espeak-ng synchronously and says each phrase in a child forked from one state, so a
phrase sounds the same whatever was said before it (:class:`.EspeakSpeaker`). With many
phrases to voice, two workers speak at once.
"""

from __future__ import annotations

import json
import math
import os
import queue
import shutil
import subprocess
import sys
import threading
import wave
from collections.abc import Iterable

from voiceguide.errors import BadInput, OptionError, SynthesisError
from voiceguide.limits import LIMITS
from voiceguide.speech import scratch
from voiceguide.speech.base import Clip, OnClip, VoiceInfo

NAME = "pyttsx3"
DEFAULT_RATE = 150
"""Words a minute: calm, unhurried, still natural (espeak's own default is 175)."""
PHRASE_TIMEOUT_ENV = "VOICEGUIDE_TTS_TIMEOUT"
DEFAULT_PHRASE_TIMEOUT = 30.0
"""Seconds one phrase may take before the engine counts as hung."""
MAX_PHRASE_TIMEOUT = LIMITS.max_phrase_timeout
START_TIMEOUT = 60.0
"""Seconds the worker may take to start (imports, espeak initialisation)."""
DEFAULT_VOICE = "gmw/en" if sys.platform.startswith("linux") else None
"""espeak-ng's English on Linux, named so that every build says (and caches) the same
voice; elsewhere the system's own default voice."""


VOICING = "each phrase from one state"
"""How the worker voices (in the cache key): clips voiced when a phrase depended on the
ones before it are not mixed with those voiced from one state."""

WORKERS = min(2, os.cpu_count() or 1)
"""Worker processes that speak at once when there are many phrases to voice."""
PARALLEL_FROM = 96
"""Phrases to voice before a second worker is worth starting. Two espeak-ng processes
at once stall each other now and then (its queue thread waits out 3 × 50 ms): on two
cores, 32 phrases took 0.24 s with one worker and 0.30 s with two, 128 took 0.79 s and
0.74 s."""


class Pyttsx3Engine:
    """pyttsx3 behind the :class:`~voiceguide.speech.base.Engine` protocol."""

    name = NAME

    def __init__(
        self, *, rate: int = DEFAULT_RATE, voice: str | None = None, workers: int = WORKERS
    ):
        self.rate = rate
        self._requested_voice = voice or DEFAULT_VOICE
        self.voice = self._requested_voice or "default"
        self.phrase_timeout = phrase_timeout()
        self._workers = [_Worker(self) for _ in range(max(1, workers))]

    # -- the protocol -------------------------------------------------------------

    def identity(self) -> dict[str, str]:
        """Everything that shapes a clip, known without starting the engine."""
        return {
            "engine": NAME,
            "voice": self.voice,
            "rate": str(self.rate),
            "version": _versions(),
            "state": VOICING,
        }

    def synthesize(self, texts: Iterable[str], on_clip: OnClip | None = None) -> dict[str, Clip]:
        """Each distinct phrase voiced once, each handed to ``on_clip`` as it is; many
        are shared out among the workers (each a process of its own, so they speak at
        the same time)."""
        texts = list(dict.fromkeys(texts))
        if len(texts) < PARALLEL_FROM or len(self._workers) == 1:
            return {text: self._workers[0].say(text, on_clip) for text in texts}
        shares = [texts[i :: len(self._workers)] for i in range(len(self._workers))]
        clips: dict[str, Clip] = {}
        failures: list[BaseException] = []

        def speak(worker: _Worker, share: list[str]) -> None:
            try:
                for text in share:
                    if failures:
                        return
                    clips[text] = worker.say(text, on_clip)
            except BaseException as exc:  # handed to the caller below
                failures.append(exc)

        threads = [
            threading.Thread(target=speak, args=pair, daemon=True)
            for pair in zip(self._workers, shares)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            self.close()
            raise failures[0]
        return {text: clips[text] for text in texts}

    def voices(self) -> list[VoiceInfo]:
        reply = self._workers[0].ask({"op": "voices"}, START_TIMEOUT, "listing voices")
        return [VoiceInfo(v["id"], v["name"], tuple(v["languages"]), v["gender"]) for v in reply]

    def close(self) -> None:
        for worker in self._workers:
            worker.close()

    def __enter__(self) -> Pyttsx3Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def phrase_timeout() -> float:
    """``$VOICEGUIDE_TTS_TIMEOUT`` if set (checked: bad input names it), else the default."""
    given = os.environ.get(PHRASE_TIMEOUT_ENV)
    if given is None:
        return DEFAULT_PHRASE_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_PHRASE_TIMEOUT:  # NaN and infinity fail too
        raise BadInput(
            f"the environment variable {PHRASE_TIMEOUT_ENV} must be a number of seconds "
            f"above 0 and at most {MAX_PHRASE_TIMEOUT:g}, not {given!r}"
        )
    return seconds


class _Worker:
    """One worker process, seen from here: a request at a time, each answer awaited
    with a timeout."""

    def __init__(self, engine: Pyttsx3Engine):
        self.engine = engine
        self._process: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()
        self._tmpdir: str | None = None
        self._tmplock: int | None = None

    def say(self, text: str, on_clip: OnClip | None = None) -> Clip:
        self._start()
        assert self._tmpdir is not None  # made by _start(), removed only with the process
        path = os.path.join(self._tmpdir, "phrase.wav")
        self.ask(
            {"op": "say", "text": text, "path": path},
            self.engine.phrase_timeout,
            f"saying {text[:60]!r}",
        )
        try:
            clip = _decode(path)
        finally:
            os.unlink(path)
        if on_clip is not None:
            on_clip(text, clip)
        return clip

    def ask(self, request: dict, timeout: float, doing: str):
        self._start()
        assert self._process is not None and self._process.stdin is not None  # stdin=PIPE
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except OSError as exc:
            self._kill()
            raise SynthesisError(f"the voice engine stopped while {doing}") from exc
        return self._wait(timeout, doing)

    def close(self) -> None:
        # Stopped, not asked to quit: it has answered every request, has nothing left
        # to write, and a clean exit (espeak's teardown) only costs time.
        self._kill()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._tmplock is not None:
            os.close(self._tmplock)
            self._tmplock = None

    def _start(self) -> None:
        if self._process is not None:
            return
        if self._tmpdir is None:
            self._tmpdir, self._tmplock = scratch.make()
        cmd = [
            sys.executable,
            "-m",
            "voiceguide.speech.pyttsx3_worker",
            "--rate",
            str(self.engine.rate),
        ]
        if self.engine._requested_voice:
            cmd += ["--voice", self.engine._requested_voice]
        try:
            self._process = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                bufsize=1,
                env={**os.environ, "TMPDIR": self._tmpdir},  # its own files there too
            )
        except OSError as exc:
            raise SynthesisError(f"could not start the voice engine: {exc}") from exc
        self._replies = queue.Queue()
        threading.Thread(
            target=_pump, args=(self._process.stdout, self._replies), daemon=True
        ).start()
        self.engine.voice = self._wait(START_TIMEOUT, "starting the voice engine")

    def _wait(self, timeout: float, doing: str):
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            self._kill()
            set_by = (
                f" (the limit {PHRASE_TIMEOUT_ENV} sets)"
                if timeout == self.engine.phrase_timeout and PHRASE_TIMEOUT_ENV in os.environ
                else ""
            )
            raise SynthesisError(
                f"the voice engine did not answer within {timeout:g} s{set_by} "
                f"while {doing}; try again, or try another --voice"
            ) from None
        if line is None:
            self._kill()
            raise SynthesisError(f"the voice engine stopped while {doing}")
        reply = json.loads(line)
        if reply["status"] == "ok":
            return reply["payload"]
        self._kill()
        if reply["status"] == "bad-voice":
            raise OptionError(reply["payload"])
        raise SynthesisError(reply["payload"])

    def _kill(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                assert stream is not None  # both are pipes
                try:
                    stream.close()
                except OSError:
                    pass
            self._process = None


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("pyttsx3", "espeakng-loader"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return "; ".join(found) + f"; {sys.platform}"


def _pump(stream, replies: queue.Queue) -> None:
    """Hand the worker's reply lines over; ``None`` when it has gone."""
    try:
        for line in stream:
            replies.put(line)
    except (OSError, ValueError):
        pass
    replies.put(None)


def _decode(path: str) -> Clip:
    """The engine's file as a clip: WAV read directly, anything else (macOS writes AIFF
    whatever the extension) decoded by ffmpeg."""
    from voiceguide.speech.clips import read_wav

    try:
        clip = read_wav(path)
    except (wave.Error, EOFError):
        from voiceguide.ffmpeg import decode_to_pcm

        clip = Clip(decode_to_pcm(path, 22050), 22050)
    if clip.samples == 0:
        raise SynthesisError("the voice engine wrote an empty file")
    return clip
