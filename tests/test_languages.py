"""The built-in session in every language, built with the real voice and decoded: the
same checks as the English one, in the listener's own words."""

from __future__ import annotations

import re

import pytest
from conftest import invoke, load_sheet

from voiceguide import audio_check
from voiceguide.phrases import languages, phrasebook
from voiceguide.routine import load_builtin

ENGLISH = re.compile(r"\b(Hold|release|Switch|Halfway|Three|Two|One|Next|Last|Rest)\b", re.I)


def stem(language: str) -> str:
    return "hamstring-relief" if language == "en" else f"hamstring-relief.{language}"


def exercise_names(language: str) -> list[str]:
    return [e.name for e in load_builtin("hamstring-relief", language).exercises]


@pytest.mark.parametrize(
    "language",
    [pytest.param(lang, marks=[pytest.mark.slow]) for lang in languages()],
)
def test_every_language_builds_and_sounds_where_its_timeline_says(tmp_path, language):
    run = invoke("build", "-o", str(tmp_path), "--language", language)
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, stem(language))
    audio = tmp_path / f"{stem(language)}.mp3"
    assert sheet["audio"] == audio.name
    report = audio_check.check(audio, sheet)
    assert report.problems == [], report.problems
    assert abs(report.decoded_seconds - sheet["duration"]) <= 0.030
    holds = [e for e in sheet["events"] if e["kind"] == "hold"]
    assert len(holds) == 12 and all(round(e["end"] - e["start"], 3) == 30 for e in holds)
    book = phrasebook(language)
    assert sheet["settings"]["language"] == language
    assert sheet["settings"]["voice"] == book.voices["pyttsx3"]  # a voice of that language
    said = [e["text"] for e in sheet["events"] if e["kind"] == "speech"]
    if language != "en":
        assert not [t for t in said if ENGLISH.search(t)]
    from mutagen.id3 import ID3

    tags = ID3(audio)
    assert str(tags["TLAN"]) == book.iso639_2
    titles = [book.chapters["introduction"], *exercise_names(language), book.chapters["closing"]]
    assert [c["title"] for c in sheet["chapters"]] == titles
    chapters = [str(tags[f"CHAP:{child}"].sub_frames["TIT2"])
                for child in tags["CTOC:toc"].child_element_ids]  # fmt: skip
    assert chapters == titles
    # the plan reckons lengths before voicing by the language's own pace ("about 14
    # minutes", minutes to go): French took a fifth less time a character than English
    from voiceguide.plan import estimate_speech

    speech = [e for e in sheet["events"] if e["kind"] == "speech"]
    voiced = sum(e["end"] - e["start"] for e in speech)
    reckoned = sum(estimate_speech(e["text"], 150, language) for e in speech)
    assert abs(reckoned / voiced - 1) < 0.08, (language, reckoned, voiced)


def test_announced_times_are_said_in_the_language(tmp_path):
    run = invoke("build", "-o", str(tmp_path), "--language", "ru", "--announce-times",
                 "--hold", "21", "--reps", "1", "--subtitles")  # fmt: skip
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, "hamstring-relief.ru")
    said = [e["text"] for e in sheet["events"] if e["kind"] == "speech"]
    assert [t for t in said if phrasebook("ru").count("hold_for", 21) in t]
    # in agreement with секунду: espeak-ng read "21 секунду" as "двадцать один секунду"
    assert "Правая нога. Удерживайте двадцать одну секунду." in said
    assert sheet["settings"]["announce_times"] is True
    vtt = (tmp_path / "hamstring-relief.ru.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\nLanguage: ru\n\n")
    assert audio_check.check(tmp_path / "hamstring-relief.ru.mp3", sheet).problems == []


SPANISH = """\
title: Estiramiento pequeño
language: es
exercises:
  - name: Estiramiento de pantorrilla
    sides: [derecha, izquierda]
    side_label: "pierna {side}"
    instructions: Apoya las manos en la pared y estira la pierna {side} hacia atrás.
    cues: [Mantén el talón en el suelo.]
    hold: 6
    reps: 1
"""


def test_a_spanish_routine_file_builds_under_its_own_name(tmp_path):
    routine = tmp_path / "estiramiento-pequeño-ñandú.yaml"
    routine.write_text(SPANISH, encoding="utf-8")
    run = invoke("build", str(routine), "-o", str(tmp_path / "out"))
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "estiramiento-pequeño-ñandú.mp3",
        "estiramiento-pequeño-ñandú.timeline.json",
    ]
    sheet = load_sheet(tmp_path / "out", "estiramiento-pequeño-ñandú")
    assert sheet["settings"]["language"] == "es" and sheet["settings"]["voice"] == "roa/es"
    said = [e["text"] for e in sheet["events"] if e["kind"] == "speech"]
    assert "Pierna derecha. " + phrasebook("es").say("hold") in said
    assert not [t for t in said if ENGLISH.search(t)]
    words = phrasebook("es").chapters  # the chapters a player lists, in Spanish too
    titles = ["Estiramiento de pantorrilla", words["closing"]]  # it has no intro
    assert [c["title"] for c in sheet["chapters"]] == titles
    found = audio_check.chapters(tmp_path / "out" / "estiramiento-pequeño-ñandú.mp3")
    assert [title for title, _, _ in found] == titles


def test_language_on_a_file_in_another_language_is_refused(tmp_path):
    routine = tmp_path / "pequeño.yaml"
    routine.write_text(SPANISH, encoding="utf-8")
    run = invoke("build", str(routine), "--language", "de", "-o", str(tmp_path / "out"))
    assert run.code == 2
    assert "--language de does not match" in run.stderr and "written in es" in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("tag", ["xx", "tlh", "ar"])
def test_an_unsupported_language_lists_the_supported_ones(tmp_path, tag):
    run = invoke("build", "--language", tag, "-o", str(tmp_path / "out"))
    assert run.code == 2
    assert (
        f"--language must be a language voiceguide speaks: {', '.join(languages())}" in run.stderr
    )
    assert not (tmp_path / "out").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPANISH.replace("language: es", f"language: {tag}"), encoding="utf-8")
    run = invoke("validate", str(bad))
    assert (
        run.code == 2 and f"{bad}:2: 'language' must be a language voiceguide speaks" in run.stderr
    )


def test_list_shows_each_built_in_with_its_languages():
    run = invoke("list")
    assert run.code == 0
    lines = run.stdout.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("hamstring-relief"))
    said = next(line for line in lines[start:] if line.strip().startswith("In: "))
    assert said.strip() == "In: " + ", ".join(languages()) + "."


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.slow])
     for n in ("hamstring-wall", "hamstring-desk", "hamstring-quick")],
)  # fmt: skip
def test_the_library_of_built_ins_builds_and_sounds_where_its_timeline_says(tmp_path, name):
    run = invoke("build", name, "-o", str(tmp_path))
    assert run.code == 0, run.stderr
    sheet = load_sheet(tmp_path, name)
    report = audio_check.check(tmp_path / f"{name}.mp3", sheet)
    assert report.problems == [] and abs(report.decoded_seconds - sheet["duration"]) <= 0.030
    switches = [e for e in sheet["events"] if e["kind"] == "switch"]
    if name == "hamstring-wall":  # changing legs at the door frame: time to move
        assert max(e["seconds"] for e in switches) >= 25
    if name == "hamstring-quick":
        assert sheet["duration"] < 5 * 60


def _stressed(words: str, voice: str) -> str:
    """The phonemes espeak-ng (the one the tool speaks with) gives ``words`` in ``voice``,
    its stress marked (ˈ) before the stressed vowel's syllable."""
    import ctypes

    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    assert lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0) > 0
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    assert lib.espeak_SetVoiceByName(voice.encode()) == 0
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                          ctypes.c_int]  # fmt: skip
    text = ctypes.create_string_buffer(words.encode())
    at = ctypes.c_void_p(ctypes.addressof(text))
    said = []
    while at.value:
        said.append(lib.espeak_TextToPhonemes(ctypes.byref(at), 1, 2).decode())  # UTF-8, IPA
    return " ".join(said)


# Perfective commands that espeak-ng stresses as the future tense ("отпу́стите", "you will
# let go", where "отпусти́те" is asked), heard at every release; the Russian texts use
# words it stresses as commands. A stress mark in the text does not change what it says.
MISSTRESSED = ("отпустите", "наклоните", "обхватите", "опустите ", "положите",
               "перекатитесь", "приподнимитесь", "стопу")  # fmt: skip


def test_the_russian_voice_stresses_its_commands_as_commands():
    from voiceguide.routine import builtin_names

    book = phrasebook("ru")
    texts = [t for p in book.phrases.values() for t in ([p] if isinstance(p, str) else p.values())]
    for name in builtin_names():
        routine = load_builtin(name, "ru")
        texts += [routine.intro, *routine.outro]
        for e in routine.exercises:
            texts += [*e.instructions, *e.switch_instructions, *e.cues, e.progression or ""]
    found = [(w, t) for t in texts for w in MISSTRESSED if w in t.casefold()]
    assert found == []
    voice = book.voices["pyttsx3"]
    assert _stressed("отпустите", voice) == "ʌtpˈusʲtʲitʲi"  # why: the future's stress
    assert "ʌtpuskˈɑjtʲi" in _stressed(book.say("release"), voice)  # отпуска́йте
    assert "vʲirnʲˈitʲi" in _stressed("Верните", voice) and "tˈɑftʲi" in _stressed(
        "поставьте", voice)  # fmt: skip


def test_a_translation_named_by_its_file_s_stem_says_how_to_ask_for_it(tmp_path):
    run = invoke("show", "hamstring-relief.es")
    assert run.code == 2
    assert run.stderr.strip() == (
        "Error: 'hamstring-relief.es' is the built-in 'hamstring-relief' in es: name"
        " 'hamstring-relief' and choose the language with --language es (in a programme,"
        " 'language: es')"
    )
    (tmp_path / "p.yaml").write_text("programme: P\nroutine: hamstring-relief.pt-br\n"
                                     "stages:\n  - {weeks: 1}\n")  # fmt: skip
    run = invoke("validate", str(tmp_path / "p.yaml"))
    assert run.code == 2 and f"{tmp_path / 'p.yaml'}:2: 'routine':" in run.stderr
    assert "language: pt-BR" in run.stderr
    assert "no routine file or built-in" in invoke("show", "hamstring-relief.xx").stderr


def test_the_italian_voice_says_its_verbs_as_verbs():
    """espeak-ng said "rotoli" (roll over) as the noun "ròtoli" and stressed
    "sovraccaricano" on its last syllable; the Italian texts use words it says right
    ("mettono sotto sforzo", whose stress no listener doubts)."""
    from voiceguide.routine import builtin_names

    book = phrasebook("it")
    texts = [t for p in book.phrases.values() for t in ([p] if isinstance(p, str) else p.values())]
    for name in builtin_names():
        routine = load_builtin(name, "it")
        texts += [routine.intro, *routine.outro, routine.description]
        for e in routine.exercises:
            texts += [*e.instructions, *e.switch_instructions, *e.cues, e.progression or ""]
    said = " ".join(texts).casefold()
    assert "rotoli" not in said and "sovraccaric" not in said
    voice = book.voices["pyttsx3"]
    assert _stressed("rotoli", voice) == "rˈɔtolɪ"  # why: the noun's stress
    assert "dʒˈirɪ" in _stressed("si giri su un fianco", voice)
    assert "mˈetːono sˈotːo sfˈɔrtso" in _stressed("mettono sotto sforzo", voice)
