"""Numbers said in agreement with the noun they count.

espeak-ng reads digits in the masculine nominative whatever follows them, so "21
секунду" is said "двадцать один секунду", "21 secondes" "vingt et un secondes" and "21
segundos" "veintiuno segundos". A phrasebook names, for each counted phrase, how its
number agrees with its noun (``agree: {hold_for: feminine accusative}``); where the
words that agree differ from what the digits are read as, the phrase says those words
instead (written by ``num2words``, then put in agreement by the rules below: the only
ones the seven phrasebooks need). Elsewhere the digits stay, and so do the voiced
phrases already in the cache.
"""

from __future__ import annotations

_ACCUSATIVE = {"одна": "одну", "целая": "целую", "десятая": "десятую"}
"""Russian feminine words of a decimal as the accusative has them (the others keep
their form: "две целых", "пять десятых")."""
GENDERS = ("masculine", "feminine")
CASES = ("nominative", "accusative")


def check(agreement: str) -> None:
    """Raise ValueError unless ``agreement`` is a gender, then a case if any."""
    gender, _, case = agreement.partition(" ")
    if gender not in GENDERS or case not in ("", *CASES):
        raise ValueError(
            f"{agreement!r}: write a gender ({', '.join(GENDERS)}), then a case if any "
            f"({', '.join(CASES)})"
        )


def agreeing(number: float, language: str, agreement: str) -> str | None:
    """``number`` in words that agree as ``agreement`` says ("feminine accusative") in
    ``language``, where they differ from the words its digits are read as; else None.
    Russian tenths are words too: espeak-ng reads "12,5" as "двенадцать и пятьдесятых"
    ("двенадцать целых пять десятых")."""
    from num2words import num2words

    gender, _, case = agreement.partition(" ")
    feminine = gender == "feminine"
    base = language.split("-")[0]
    if not float(number).is_integer():
        if base != "ru":
            return None
        words = str(num2words(number, lang="ru"))  # "одна целая пять десятых", feminine
        if case == "accusative":  # "удерживайте одну целую пять десятых секунды"
            words = " ".join(_ACCUSATIVE.get(word, word) for word in words.split())
        return words
    number = int(number)
    if base == "ru":
        read = num2words(number, lang="ru")
        words = num2words(number, lang="ru", gender="f" if feminine else "m")
        if feminine and case == "accusative" and words.endswith("одна"):
            words = words.removesuffix("одна") + "одну"  # две stays: the noun is not alive
    elif base == "fr":
        read = words = num2words(number, lang="fr")
        if feminine and read.endswith("un"):  # vingt et une, quatre-vingt-une
            words = read + "e"
    elif base == "es":
        read = words = num2words(number, lang="es")
        if read.endswith("veintiuno"):  # veintiún segundos, veintiuna horas
            words = read.removesuffix("uno") + ("una" if feminine else "ún")
        elif read.endswith("uno"):  # treinta y un segundos
            words = read.removesuffix("o") + ("a" if feminine else "")
    else:
        return None
    return words if words != read else None
