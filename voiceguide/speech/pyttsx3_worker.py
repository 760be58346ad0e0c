"""The pyttsx3 worker process: ``python -m voiceguide.speech.pyttsx3_worker``.

It reads one JSON request a line on stdin and answers one JSON line on the stream it
was given, ``{"status": "ok" | "bad-voice" | "error", "payload": ...}``. The real stdout
is pointed at /dev/null, since pyttsx3 prints a line for every file it saves.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import sys
import tempfile
import time
import wave

WARM_UP = "Ready."
"""Said once, unsaved: the first ``runAndWait`` may return before its file is written."""


def prepare_espeak() -> None:
    """Make the espeak-ng from the ``espeakng-loader`` wheel the one pyttsx3 finds."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import espeakng_loader
    except ImportError:
        return  # a system libespeak-ng may still be there
    import ctypes

    os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)


POLL_SECONDS = 0.001
"""How often pyttsx3's espeak driver looks whether an utterance is done (see
:func:`poll_sooner`)."""


class _SoonerClock:
    """The ``time`` module as pyttsx3's espeak driver sees it: its waits are cut to
    :data:`POLL_SECONDS`; everything else is the real module."""

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, POLL_SECONDS))


def poll_sooner() -> None:
    """pyttsx3's espeak driver waits 10 ms between looks at whether espeak has finished
    an utterance, and espeak makes a short phrase in about 4: most of the time voicing a
    session took was that wait. Look every millisecond instead. The wait still lets
    espeak's own thread run; the audio is the same (tests/test_speech.py)."""
    try:
        from pyttsx3.drivers import espeak as driver
    except Exception:  # noqa: BLE001 - another driver, or none: nothing to change
        return
    if getattr(driver, "time", None) is time:
        driver.time = _SoonerClock()


FIX_HINT = (
    "reinstall it with 'pip install --force-reinstall pyttsx3 espeakng-loader', "
    "or use another voice: --engine piper"
)


class BadVoice(Exception):
    pass


ATTEMPTS = 3
"""Times a phrase is said before giving up on it."""


def unknown_voice(voice: str, known: list[dict]) -> str:
    """The message for a voice no engine voice is: with "did you mean" for the voice of
    that language (``en-us`` → ``gmw/en-us``, the third column of ``voices``) or a near
    name."""
    import difflib

    wanted = voice.strip().lower().replace("_", "-")
    by_language = [
        v["id"] for v in known if wanted in (str(lang).lower() for lang in v.get("languages") or [])
    ]
    by_id = [v["id"] for v in known if str(v["id"]).lower().endswith("/" + wanted)]
    ids = [str(v["id"]) for v in known]
    near = by_id or by_language or difflib.get_close_matches(voice, ids, n=1)
    hint = f"did you mean {near[0]}? " if near else ""
    return f"unknown voice '{voice}' for pyttsx3; {hint}'voiceguide voices' lists the ids"


class Speaker:
    """pyttsx3 saying one phrase at a time into a file."""

    def __init__(self, rate: int, voice: str | None):
        prepare_espeak()
        import pyttsx3

        self.engine = pyttsx3.init()
        poll_sooner()
        self.rate = rate
        if voice:
            voices = self.engine.getProperty("voices")
            match = [v.id for v in voices if voice in (v.id, v.name)]
            if not match:
                known = [{"id": v.id, "name": v.name, "languages": v.languages} for v in voices]
                raise BadVoice(unknown_voice(voice, known))
            self.engine.setProperty("voice", match[0])
        handle, warm_up = tempfile.mkstemp(suffix=".wav", prefix="voiceguide-warmup-")
        os.close(handle)
        try:
            self.save(WARM_UP, warm_up)
        finally:
            os.unlink(warm_up)

    def save(self, text: str, path: str) -> None:
        """Speak ``text`` into ``path``. Now and then pyttsx3 writes an empty file (a
        few phrases in a hundred, on two workers at once): the phrase is said again.
        The rate is set again before each: on a busy machine the one set at the start
        was now and then lost (a phrase at 200 words a minute)."""
        for _ in range(ATTEMPTS):
            self.engine.setProperty("rate", self.rate)
            self.engine.save_to_file(text, path)
            self.engine.runAndWait()
            if frames(path) > 0:
                return
        raise RuntimeError(f"no audio came out for {text[:60]!r}")


class EspeakSpeaker:
    """espeak-ng itself, the library pyttsx3 drives on Linux, through pyttsx3's own
    bindings: synchronous (no thread of its own), and every phrase said in a child
    forked from one state, the one right after the warm-up.

    espeak-ng carries state from one utterance to the next (the glottal wave's phase,
    among others), so through pyttsx3 a phrase came out a few samples different
    depending on what had been said before it: a build from a warm cache and one with
    ``--no-cache`` differed by up to 20 ms an event. A fork costs about 5 ms a phrase.
    """

    def __init__(self, rate: int, voice: str | None):
        prepare_espeak()
        from pyttsx3.drivers import _espeak

        self.espeak = _espeak
        if _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0) == -1:
            raise RuntimeError("could not initialize espeak-ng")
        if voice:
            match = [v["id"] for v in self.voices() if voice in (v["id"], v["name"])]
            if not match:
                raise BadVoice(unknown_voice(voice, self.voices()))
            voice = match[0]
        if _espeak.SetVoiceByName((voice or "gmw/en").encode("utf-8")) != 0:
            raise RuntimeError(f"espeak-ng could not take the voice {voice}")
        self.rate = rate
        self._chunks: list[bytes] = []
        self._callback = _espeak.SetSynthCallback(self._heard)
        self._set_up()
        self._synth(WARM_UP)  # the state every phrase starts from

    def _set_up(self) -> None:
        self.espeak.SetParameter(self.espeak.RATE, self.rate, 0)
        self.espeak.SetParameter(self.espeak.VOLUME, 100, 0)  # as pyttsx3 sets it

    def _heard(self, wav, samples, events) -> int:
        if samples > 0:
            self._chunks.append(ctypes.string_at(wav, samples * 2))
        return 0

    def _synth(self, text: str) -> bytes:
        self._chunks = []
        flags = self.espeak.ENDPAUSE | self.espeak.CHARS_UTF8
        self.espeak.Synth(text.encode("utf-8"), flags=flags)
        self.espeak.Synchronize()
        return b"".join(self._chunks)

    def save(self, text: str, path: str) -> None:
        """Speak ``text`` into ``path`` (WAV) in a child forked from the warm state."""
        pid = os.fork()
        if pid == 0:  # the child: say it, write it, and go without any cleanup
            code = 1
            try:
                _die_with_parent()
                self._set_up()
                pcm = self._synth(text)
                with wave.open(path, "wb") as wav:
                    wav.setnchannels(1)
                    wav.setsampwidth(2)
                    wav.setframerate(22050)
                    wav.writeframes(pcm)
                code = 0 if pcm else 3
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):  # espeak-ng overruns a buffer on some texts (W.W.W.…)
            name = signal.Signals(os.WTERMSIG(status)).name
            raise RuntimeError(f"espeak-ng crashed ({name}) saying {text[:60]!r}; reword it")
        if status != 0 or frames(path) == 0:
            raise RuntimeError(f"no audio came out for {text[:60]!r}")

    @property
    def current_voice(self) -> str:
        voice = self.espeak.GetCurrentVoice()
        if voice and voice.contents.identifier:
            return voice.contents.identifier.decode("utf-8").lower()
        return ""

    def voices(self) -> list[dict]:
        """The voices as pyttsx3 lists them (the same ids and names)."""
        genders = [None, "Male", "Female"]
        return [
            {
                "id": v.identifier.decode("utf-8").lower(),
                "name": v.name.decode("utf-8"),
                "languages": [v.languages[1:].decode("utf-8", errors="ignore")]
                if v.languages
                else [],
                "gender": genders[v.gender] if v.gender < len(genders) else None,
            }
            for v in self.espeak.ListVoices(None)
        ]


def _die_with_parent() -> None:
    """A forked phrase ends if its worker is killed (a hung phrase: the worker is)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def espeak_direct() -> bool:
    """Whether espeak-ng can be driven directly (Linux, with its library found)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prepare_espeak()
        from pyttsx3.drivers import _espeak  # noqa: F401 - raises without the library
    except Exception:  # noqa: BLE001 - then through pyttsx3, as everywhere else
        return False
    return True


def frames(path: str) -> int:
    try:
        with wave.open(path) as wav:
            return wav.getnframes()
    except (FileNotFoundError, EOFError):
        return 0
    except wave.Error:
        return os.path.getsize(path)  # not WAV (AIFF on macOS): decoded by the parent


def list_voices(speaker: Speaker | EspeakSpeaker) -> list[dict]:
    if isinstance(speaker, EspeakSpeaker):
        return speaker.voices()
    return [
        {
            "id": v.id,
            "name": v.name,
            "languages": [str(x) for x in (v.languages or [])],
            "gender": v.gender,
        }
        for v in speaker.engine.getProperty("voices")
    ]


def serve(requests, reply) -> None:
    """The loop: one request in, one reply out, until stdin closes."""
    args = argparse.ArgumentParser()
    args.add_argument("--rate", type=int, required=True)
    args.add_argument("--voice", default=None)
    opts = args.parse_args()
    speaker: Speaker | EspeakSpeaker
    try:
        if espeak_direct():
            speaker = EspeakSpeaker(opts.rate, opts.voice)
        else:
            speaker = Speaker(opts.rate, opts.voice)
    except BadVoice as exc:
        return reply("bad-voice", str(exc))
    except Exception as exc:  # noqa: BLE001 - told to the parent as a sentence
        return reply("error", f"the voice engine pyttsx3 could not start ({exc}); {FIX_HINT}")
    if isinstance(speaker, EspeakSpeaker):
        reply("ok", speaker.current_voice)
    else:
        reply("ok", speaker.engine.getProperty("voice") or "")
    for line in requests:
        request = json.loads(line)
        try:
            if request["op"] == "say":
                speaker.save(request["text"], request["path"])
                reply("ok", None)
            elif request["op"] == "voices":
                reply("ok", list_voices(speaker))
        except Exception as exc:  # noqa: BLE001
            reply("error", f"the voice engine failed: {exc}")


def main() -> None:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    def reply(status: str, payload) -> None:
        out.write(json.dumps({"status": status, "payload": payload}) + "\n")
        out.flush()

    serve(sys.stdin, reply)


if __name__ == "__main__":
    main()
