"""Phrasebooks: every language has every phrase, with the grammar it needs, and no
English word where another language is spoken."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from voiceguide.model import Routine
from voiceguide.options import Options
from voiceguide.phrases import canonical, languages, phrasebook, placeholders
from voiceguide.plan import plan
from voiceguide.routine import builtin_languages, builtin_names, load_builtin, load_text

ENGLISH_WORDS = ("Hold", "release", "Switch", "Halfway", "Three", "Two", "One", "Next",
                 "Last", "Rest")  # fmt: skip
"""The words voiceguide adds in English: none may be heard in another language."""
OTHERS = [lang for lang in languages() if lang != "en"]


def forms(phrase) -> list[str]:
    return [phrase] if isinstance(phrase, str) else list(phrase.values())


def english_in(text: str) -> list[str]:
    return [w for w in ENGLISH_WORDS if re.search(rf"\b{w}\b", text, re.IGNORECASE)]


def test_the_built_in_speaks_at_least_seven_languages_one_not_in_latin_script():
    assert {"en", "es", "de", "fr", "pt-BR", "it", "ru"} <= set(languages())
    assert set(builtin_languages("hamstring-relief")) == set(languages())


SAME_ON_A_PAGE = {"de": ("position", "pause"), "fr": ("position", "pause")}
"""The page's words that are spelled in a language as in English."""


@pytest.mark.parametrize("language", OTHERS)
def test_every_phrase_is_there_with_the_same_placeholders(language):
    english, book = phrasebook("en"), phrasebook(language)
    assert book.language == language
    assert set(book.phrases) == set(english.phrases), "a missing phrase is a test failure"
    for key, phrase in english.phrases.items():
        wanted = set().union(*(placeholders(t) for t in forms(phrase)))
        theirs = [placeholders(t) for t in forms(book.phrases[key])]
        assert set().union(*theirs) == wanted, (language, key)
        if isinstance(phrase, str):  # a plural form may say "a minute" without the number
            assert theirs == [wanted], (language, key)
    assert len(book.numbers) == len(english.numbers) == 11
    assert set(book.handout) == set(english.handout)
    for key, words in english.handout.items():
        assert placeholders(book.handout[key]) == placeholders(words), (language, key)
    assert set(book.page) == set(english.page)
    for key, words in english.page.items():
        assert placeholders(book.page[key]) == placeholders(words), (language, key)
        assert book.page[key] != words or key in SAME_ON_A_PAGE.get(language, ()), (language, key)
    assert set(book.chapters) == set(english.chapters) == {"introduction", "closing"}
    assert not [t for t in book.chapters.values() if placeholders(t)], language
    assert "{side}" in book.side_label and book.voices["pyttsx3"]
    assert len(book.iso639_2) == 3 and book.iso639_2.isalpha()


@pytest.mark.parametrize("language", languages())
def test_counted_phrases_have_every_plural_form_the_language_has(language):
    """Every CLDR plural category that a hold (0.1 to 600 s) or a time left (1 to 180
    minutes) can fall in has its own words (Spanish "many" is for millions: unused)."""
    book = phrasebook(language)
    plural = Locale.parse(language, sep="-").plural_form
    needed = {plural(n / 10) for n in range(1, 6001)} | {plural(n) for n in range(1, 181)}
    for key, phrase in book.phrases.items():
        if not isinstance(phrase, str):
            categories = {form for form in phrase if not form.isdigit()}  # "1": a number's own
            assert needed <= categories <= set(plural.tags) | {"other"}, (language, key)
            for number in (form for form in phrase if form.isdigit()):
                assert not re.search(r"[0-9{]", phrase[number]), "said in words, no digits"
                assert plural(int(number)) in categories, (language, key, number)


def test_a_number_the_voice_would_say_in_the_wrong_gender_is_written_in_words():
    """espeak-ng reads "2 минуты" as "два минуты" and "1 Sekunde" as "eins Sekunde"."""
    assert phrasebook("ru").count("time_left", 2) == "Осталось примерно две минуты."
    assert phrasebook("ru").count("time_left", 1) == "Осталась примерно одна минута."
    assert phrasebook("ru").count("hold_for", 2) == "Удерживайте две секунды."
    # espeak-ng read "2,5" as "два и пятьдесятых": tenths are said in words
    assert phrasebook("ru").count("hold_for", 2.5) == "Удерживайте две целых пять десятых секунды."
    assert phrasebook("ru").count("hold_for", 1.5) == "Удерживайте одну целую пять десятых секунды."
    assert phrasebook("fr").count("hold_for", 1.5) == "Maintenez 1,5 seconde."  # read right
    assert phrasebook("ru").count("time_left", 5) == "Осталось примерно 5 минут."
    assert phrasebook("de").count("hold_for", 1) == "Eine Sekunde halten."
    assert phrasebook("de").count("hold_for", 1.5) == "1,5 Sekunden halten."
    assert phrasebook("fr").count("hold_for", 1) == "Maintenez une seconde."


AGREEING = {  # (language, phrase, number): what is said
    ("ru", "hold_for", 21): "Удерживайте двадцать одну секунду.",
    ("ru", "hold_for", 22): "Удерживайте двадцать две секунды.",
    ("ru", "hold_for", 121): "Удерживайте сто двадцать одну секунду.",
    ("ru", "time_left", 21): "Осталась примерно двадцать одна минута.",
    ("ru", "time_left", 32): "Осталось примерно тридцать две минуты.",
    ("fr", "hold_for", 21): "Maintenez vingt et une secondes.",
    ("fr", "hold_for", 81): "Maintenez quatre-vingt-une secondes.",
    ("fr", "time_left", 61): "Il reste environ soixante et une minutes.",
    ("es", "hold_for", 21): "Mantén la posición veintiún segundos.",
    ("es", "hold_for", 31): "Mantén la posición treinta y un segundos.",
    ("es", "time_left", 121): "Quedan unos ciento veintiún minutos.",
    # where the digits are read in agreement already, they stay: nothing new to voice
    ("ru", "hold_for", 25): "Удерживайте 25 секунд.",
    ("ru", "hold_for", 11): "Удерживайте 11 секунд.",
    ("fr", "hold_for", 71): "Maintenez 71 secondes.",  # soixante et onze
    ("fr", "hold_for", 30): "Maintenez 30 secondes.",
    ("es", "hold_for", 45): "Mantén la posición 45 segundos.",
    ("de", "hold_for", 21): "21 Sekunden halten.",  # einundzwanzig
    ("pt-BR", "hold_for", 21): "Mantenha a posição por 21 segundos.",  # vinte e um
}


@pytest.mark.parametrize("case", list(AGREEING), ids=[f"{a}-{b}-{c}" for a, b, c in AGREEING])
def test_a_number_is_said_in_agreement_with_what_it_counts(case):
    """espeak-ng read "21 секунду" as "двадцать один секунду", "21 secondes" as "vingt
    et un secondes" and "21 segundos" as "veintiuno segundos"."""
    language, key, number = case
    assert phrasebook(language).count(key, number) == AGREEING[case]


@pytest.mark.parametrize("language", languages())
def test_each_phrasebook_says_how_its_counted_phrases_agree_in_words_it_knows(language):
    from voiceguide.phrases.agreement import check

    book = phrasebook(language)
    for key, agreement in book.agree.items():
        assert not isinstance(book.phrases[key], str), (language, key)  # a counted phrase
        check(agreement)
    with pytest.raises(ValueError, match="write a gender"):
        check("female")


def test_the_voice_says_the_words_that_agree():
    """What espeak-ng makes of the text, read back as phonemes: the feminine "одну" and
    "une", Spanish's "veintiún" (its stress on the last syllable)."""
    from test_languages import _stressed

    def said(language: str, key: str, number: int) -> str:
        book = phrasebook(language)
        return _stressed(book.count(key, number), book.voices["pyttsx3"])

    assert "ʌdnˈu" in said("ru", "hold_for", 21)  # одну, not один (ʌdʲˈin)
    assert "dvʲˈe" in said("ru", "hold_for", 22)  # две, not два
    assert "yn" in said("fr", "hold_for", 21) and "œ̃" not in said("fr", "hold_for", 21)
    assert "uno" not in said("es", "hold_for", 21)
    assert "dʲisʲˈɑtyx" in said("ru", "hold_for", 12.5)  # десятых, not "и пятьдесятых"


@pytest.mark.parametrize("language", OTHERS)
def test_no_english_word_is_added_to_another_language(language):
    book = phrasebook(language)
    for key, phrase in book.phrases.items():
        for template in forms(phrase):
            words = re.sub(r"\{\w+\}", "", template)  # the placeholders are not said
            assert not english_in(words), (language, key, template)
    assert not [n for n in book.numbers if english_in(n)]
    english = phrasebook("en").chapters
    for key, title in book.chapters.items():  # shown on the player and in the MP3's tags
        assert title != english[key] and not english_in(title), (language, key, title)


def test_the_english_chapter_titles_stay_as_they_were():
    assert dict(phrasebook("en").chapters) == {"introduction": "Introduction",
                                               "closing": "Closing"}  # fmt: skip


@pytest.mark.parametrize("language", languages())
def test_chapter_titles_are_short_labels_never_said(language):
    """The player shows them as buttons; the voice never says them."""
    book = phrasebook(language)
    for title in book.chapters.values():
        assert title.strip() == title and 0 < len(title) <= 16, (language, title)
        assert not title.endswith((".", ":")), (language, title)
    routine = load_builtin("hamstring-relief", language)
    for options in (Options(), Options.of(announce_times=True, chimes=True)):
        said = " ".join(plan(routine, options).texts())
        assert not [t for t in book.chapters.values() if t in said], language


def test_russian_counts_seconds_as_russian_does():
    said = {n: phrasebook("ru").count("hold_for", n) for n in (1, 2, 5, 21, 22, 25, 2.5)}
    assert [said[n].split()[-1] for n in (1, 21)] == ["секунду."] * 2  # one
    assert [said[n].split()[-1] for n in (2, 22, 2.5)] == ["секунды."] * 3  # few, other
    assert [said[n].split()[-1] for n in (5, 25)] == ["секунд."] * 2  # many
    assert said[2.5].endswith("пять десятых секунды.")  # tenths in words, with "few"


@pytest.mark.parametrize(
    "tag, known",
    [("pt-br", "pt-BR"), ("PT_BR", "pt-BR"), ("es-MX", "es"), ("en-GB", "en"), ("xx", None),
     ("", None)],
)  # fmt: skip
def test_language_tags_are_read_as_people_write_them(tag, known):
    assert canonical(tag) == known


# -- sessions in every language ----------------------------------------------------------


@pytest.mark.parametrize("language", OTHERS)
def test_a_translated_session_adds_no_english_word(language):
    routine = load_builtin("hamstring-relief", language)
    assert routine.language == language and routine.name == f"hamstring-relief.{language}"
    for options in (Options(), Options.of(announce_times=True)):
        texts = plan(routine, options).texts()
        assert not [t for t in texts if english_in(t)], language
    english = load_builtin("hamstring-relief")
    assert len(plan(routine).texts()) == len(plan(english).texts())  # nothing left out


@pytest.mark.parametrize("language", languages())
def test_nothing_said_during_a_hold_uses_the_word_that_ends_it(language):
    """ "Suelta el aire despacio" (breathe out slowly) began with the word of the release
    cue, "Y suelta.": said first in a hold, it could make someone let go early."""
    release = re.findall(r"\w+", phrasebook(language).say("release").casefold())[-1]
    for name in builtin_names():
        if language not in builtin_languages(name):
            continue
        routine = load_builtin(name, None if language == "en" else language)
        for exercise in routine.exercises:
            for cue in exercise.cues:
                assert release not in re.findall(r"\w+", cue.casefold()), (name, cue)


@pytest.mark.parametrize("language", languages())
def test_announced_times_say_the_hold_in_each_language(language):
    routine = load_builtin("hamstring-relief", language)
    book = phrasebook(language)
    texts = plan(routine, Options.of(announce_times=True, hold=45)).texts()
    assert [t for t in texts if book.count("hold_for", 45) in t]
    left = {book.count("time_left", minutes) for minutes in range(1, 30)}
    assert len([t for t in texts if t in left]) == 2  # before the second and third exercise
    plain = plan(routine, Options.of(hold=45)).texts()
    assert not [t for t in plain if "45" in t]  # off by default: other holds voice nothing new


def test_a_side_label_can_give_each_side_its_own_words():
    text = (
        "title: Dehnung\nlanguage: de\nexercises:\n  - name: Wade\n"
        "    sides: [rechte, linke]\n    instructions: Strecken Sie das {side} Bein.\n"
        "    side_label: {rechte: rechtes Bein, linke: linke Seite}\n"
    )
    routine: Routine = load_text(text, source="de.yaml", name="de")
    said = [t for t in plan(routine).texts() if "Bein" in t or "Seite" in t]
    assert "Strecken Sie das rechte Bein." in said
    assert any(t.startswith("Rechtes Bein.") for t in said)
    assert any("linke Seite" in t for t in said) and not any("linke Bein" in t for t in said)


@pytest.mark.parametrize(
    "language, long, next_day",
    [
        ("fr", "1er décembre 2026", "mardi 1er décembre"),
        ("it", "1° dicembre 2026", "martedì 1° dicembre"),
        ("pt-BR", "1º de dezembro de 2026", "terça-feira, 1º de dezembro"),
        ("es", "1 de diciembre de 2026", "martes, 1 de diciembre"),
        ("en", "December 1, 2026", "Tuesday, December 1"),
        ("de", "1. Dezember 2026", "Dienstag, 1. Dezember"),
    ],
)
def test_the_first_of_the_month_is_written_as_each_language_writes_it(language, long, next_day):
    """CLDR's patterns gave "À partir du 1 décembre", "Dal 1 dicembre": French, Italian
    and Portuguese write the first as an ordinal; the weekday was "mar", read as March."""
    import datetime as dt

    from voiceguide.phrases.dates import weekday_and_date, written

    first = dt.date(2026, 12, 1)
    assert written(first, "long", language) == long
    assert weekday_and_date(first, language) == next_day.replace(" ", "\u00a0")
    assert written(dt.date(2026, 12, 11), "long", language).startswith(("11", "December 11"))
