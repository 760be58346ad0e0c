"""Phrasebooks: every word voiceguide adds to a session, one data file per language.

A routine's ``language`` chooses its phrasebook, and with it each engine's default voice,
the side label ("{side} leg"), the countdown's numbers and how numbers are written.
Adding a language is one ``LANG.yaml`` here (the same keys and placeholders as
``en.yaml``; a test checks) and, for the built-in, a translated routine.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from importlib.abc import Traversable

DEFAULT_LANGUAGE = "en"

Forms = str | Mapping[str, str]
"""A phrase: one template, or one per CLDR plural category (``one``, ``few``, ...)."""


@dataclass(frozen=True)
class Phrasebook:
    """One language's words, read from its data file."""

    language: str
    """Its BCP 47 tag, as routines write it (``pt-BR``)."""
    name: str
    """Its name in English (``Portuguese (Brazil)``)."""
    iso639_2: str
    """Its ISO 639-2 code, as ID3's TLAN wants it (``por``)."""
    voices: Mapping[str, str]
    """Each engine's default voice for it."""
    seconds_per_char: float
    """How long its default voice takes over a character at 150 words a minute: what
    the plan reckons a text's length by before it is voiced (French is said in less
    time a character than Portuguese)."""
    side_label: str
    """How a side is announced unless an exercise says otherwise (``{side} leg``)."""
    numbers: tuple[str, ...]
    """The words for 0, 1, 2, ... (the countdown's)."""
    phrases: Mapping[str, Forms]
    """What the voice says."""
    chapters: Mapping[str, str]
    """The titles of the chapters voiceguide adds around the exercises (``introduction``,
    ``closing``): in the MP3's chapter tags, the timeline and the player; never said."""
    handout: Mapping[str, str]
    """The printed sheet's own words (headings, labels)."""
    page: Mapping[str, str]
    """The player page's, the list of sessions' and the feed's own words (buttons,
    headings, what the player says in writing): shown, never said."""
    agree: Mapping[str, str] = field(default_factory=dict)
    """How the number of a counted phrase agrees with its noun ("feminine accusative"),
    where the digits would be read otherwise (:mod:`.agreement`)."""

    def say(self, key: str, **fields: str) -> str:
        """Phrase ``key`` with ``fields`` filled (``{Side}``: ``side`` capitalised)."""
        template = self.phrases[key]
        if not isinstance(template, str):
            raise TypeError(f"{self.language} phrase {key!r} has plural forms: use count()")
        return _fill(template, fields)

    def count(self, key: str, number: float, **fields: str) -> str:
        """Phrase ``key`` in the plural form ``number`` takes, with ``number`` written as
        the language writes it (as ``seconds`` and ``minutes``)."""
        from babel import Locale
        from babel.numbers import format_decimal

        forms = self.phrases[key]
        locale = Locale.parse(self.language, sep="-")
        if isinstance(forms, str):
            template = forms
        else:  # a form for the number itself ("1": "one second", said in words) first
            exact = forms.get(f"{number:g}")
            template = exact or forms.get(locale.plural_form(number), forms["other"])
        written = format_decimal(number, locale=locale)
        if key in self.agree:  # words where espeak-ng's reading of the digits disagrees
            from voiceguide.phrases.agreement import agreeing

            written = agreeing(number, self.language, self.agree[key]) or written
        return _fill(template, {"seconds": written, "minutes": written, **fields})

    def number(self, n: int) -> str:
        """The word for ``n`` (0 to 10), as the countdown says it."""
        return self.say("count", number=self.numbers[n])


def _fill(template: str, fields: Mapping[str, str]) -> str:
    values = dict(fields)
    for key, value in fields.items():
        values[key[:1].upper() + key[1:]] = value[:1].upper() + value[1:]
    return template.format_map(values)


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _folder() -> Traversable:
    return resources.files("voiceguide") / "phrases"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages with a phrasebook, English first, then by tag."""
    tags = sorted(
        p.name.removesuffix(".yaml") for p in _folder().iterdir() if p.name.endswith(".yaml")
    )
    return (DEFAULT_LANGUAGE, *[t for t in tags if t != DEFAULT_LANGUAGE])


def canonical(tag: str) -> str | None:
    """The supported language ``tag`` names, in its own spelling (``pt-br`` → ``pt-BR``,
    ``en-GB`` → ``en`` when only ``en`` is there), or None."""
    wanted = tag.strip().replace("_", "-").casefold()
    for known in languages():
        if known.casefold() == wanted:
            return known
    base = wanted.split("-")[0]
    return next((known for known in languages() if known.casefold() == base), None)


def page_words(language: str) -> Mapping[str, str]:
    """The words of the pages and the feed in ``language`` (a routine's tag, in any
    case), English where it has no phrasebook."""
    return phrasebook(canonical(language) or DEFAULT_LANGUAGE).page


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: it reads a phrasebook some five times
faster than PyYAML's own (0.8 ms against 4.5 for the English one)."""


@functools.cache
def phrasebook(language: str = DEFAULT_LANGUAGE) -> Phrasebook:
    """The phrasebook of a supported ``language`` (see :func:`canonical`)."""
    text = (_folder() / f"{language}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_LOADER)  # a safe loader: CSafeLoader or SafeLoader
    texts = [*data["numbers"], data["side_label"], *data["phrases"].values(),
             *data["chapters"].values(), *data["handout"].values(),
             *data["page"].values()]  # fmt: skip
    for text in texts:  # YAML reads a bare Null or No as something else: quote those
        for form in [text] if not isinstance(text, dict) else text.values():
            if not isinstance(form, str):
                raise TypeError(f"{language}.yaml: {form!r} should be text: quote it")
    return Phrasebook(
        language=data["language"],
        name=data["name"],
        iso639_2=data["iso639_2"],
        voices=data["voices"],
        seconds_per_char=float(data["seconds_per_char"]),
        side_label=data["side_label"],
        numbers=tuple(data["numbers"]),
        phrases=data["phrases"],
        chapters=data["chapters"],
        handout=data["handout"],
        page=data["page"],
        agree=data.get("agree", {}),
    )
