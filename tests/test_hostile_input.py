"""Hostile and hand-made routine files, run through the real command line.

Every file here is written to ``tmp_path`` and given to both ``voiceguide validate FILE``
and ``voiceguide build FILE -o OUT`` in a fresh process. The rule for bad input (the
project's issue): exit status 2, one or two lines on stderr naming the file (and the
line, where there is one), nothing written to the output folder, never a traceback.
YAML tags are refused (every one, even ``!!str``) and never run.

``tests/test_routine.py`` holds the table of everyday mistakes, checked in-process;
this file goes further: what a person typing YAML by hand gets wrong in ways YAML does
not (``1:30`` is 90, ``010`` is 8, ``yes`` is true), what an attacker sends (tags,
aliases, huge, deep, endless files), and what the file system hands over (pipes,
devices, loops). The decisions it pins:

- Every explicit tag is refused, the standard ones (``!!str``, ``!!int``) and ``%TAG``
  lines too: a routine file has no need of them, and one rule is easier to state.
- Numbers are written in plain digits (``30``, ``2.5``, ``.5``). YAML 1.1 reads ``010``
  as 8, ``1:30`` as 90 (but ``0:30`` as text), ``0x1E`` as 30, ``1e308`` and ``0o17`` as
  text: all refused, with a hint.
- ``reps: 1.0`` is refused: reps are whole numbers, written as such.
- Invisible format characters (zero-width space U+200B, bidi overrides like U+202E,
  soft hyphen...) are refused in every text, and so are raw line breaks no editor shows
  (U+0085, U+2028, U+2029), before parsing: YAML would count them as lines; the joiners
  emoji and many scripts need
  (U+200C, U+200D) and the direction marks (U+200E, U+200F) are fine.
- A text must have a letter or a digit in it: "..." says nothing.
- ``%s`` and ``%(side)s`` are plain text (nothing is %-formatted); ``{0}``, ``{ side }``
  and ``{{side}}`` are refused, the last two pointing to ``{side}``.
- Only regular files are read: a pipe or a device (``/dev/zero``) is refused at once.
- UTF-8 with a byte order mark is fine; UTF-16 and UTF-32 are refused with "save it as
  UTF-8".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import VALID, invoke

# One exercise with sides: line 3 is the exercise, line 5 its instructions, line 6 its hold.
from voiceguide.model import LIMITS
from voiceguide.plan import plan
from voiceguide.routine import load_file


def with_hold(value: str) -> str:
    return VALID.replace("hold: 20", f"hold: {value}")


def with_name(value: str) -> str:
    return VALID.replace("name: Lying stretch", f"name: {value}")


BILLION_LAUGHS = "\n".join(
    ["title: Laughs", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["exercises: *i", ""]
)

Content = str | bytes | Callable[[Path], Path]


def make(tmp_path: Path, content: Content) -> Path:
    if callable(content):
        return content(tmp_path)
    path = tmp_path / "routine.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def symlink_loop(tmp_path: Path) -> Path:
    path = tmp_path / "loop.yaml"
    path.symlink_to(path.name)
    return path


def folder(tmp_path: Path) -> Path:
    path = tmp_path / "x.yaml"
    path.mkdir()
    return path


def dev_zero(tmp_path: Path) -> Path:
    return Path("/dev/zero")


def symlink_to_dev_zero(tmp_path: Path) -> Path:
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    return path


posix = pytest.mark.skipif(os.name != "posix", reason="needs POSIX file types")

# name: (content, line, phrase). content is the file's text (written as UTF-8), its bytes,
# or a function that makes the file and returns its path; line is the line the message
# must name (None where there is none); phrase is a piece of the message.
BAD = {
    # --- YAML that builds objects, shares values, or hides more than one document ----------
    "python object/apply tag": (
        VALID + "intro: !!python/object/apply:os.system ['touch pwned']\n",
        7,
        "YAML tags like '!!python/object/apply:os.system' are not allowed",
    ),
    "python name tag as key": (
        "!!python/name:os.system : 1\n" + VALID,
        1,
        "YAML tags like '!!python/name:os.system'",
    ),
    "python tag via %TAG directive": (
        "%TAG !p! tag:yaml.org,2002:python/object/apply:\n---\n"
        + VALID
        + "intro: !p!os.system ['touch pwned']\n",
        1,
        "YAML tags like '%TAG !p! tag:yaml.org,2002:python/obj...' are not allowed",
    ),
    # Regression: the standard tags were let through, though the README refuses tags.
    "standard tag !!str": (
        VALID.replace("title: Test", "title: !!str Test"),
        1,
        "YAML tags like '!!str' are not allowed",
    ),
    "standard tag !!float": (with_hold("!!float 5"), 6, "YAML tags like '!!float' are not allowed"),
    "standard tag !!int on quoted digits": (
        with_hold('!!int "5"'),
        6,
        "YAML tags like '!!int' are not allowed",
    ),
    "non-specific tag !": (
        VALID.replace("title: Test", "title: ! Test"),
        1,
        "YAML tags like '!' are not allowed",
    ),
    "%TAG directive naming the standard tags": (
        "%TAG ! tag:yaml.org,2002:\n---\n" + VALID.replace("title: Test", "title: !str Test"),
        1,
        "YAML tags like '%TAG ! tag:yaml.org,2002:' are not allowed",
    ),
    "binary tag": (VALID + "outro: !!binary aGVsbG8=\n", 7, "YAML tags like '!!binary'"),
    "omap tag": (VALID.replace("sides: [right, left]", "sides: !!omap [{a: 1}]"), 4, "'!!omap'"),
    "set tag as sides": (VALID.replace("[right, left]", "!!set {right, left}"), 4, "'!!set'"),
    "custom include tag": (VALID + "outro: !include other.yaml\n", 7, "YAML tags like '!include'"),
    "tag with an escaped newline": (
        VALID + "outro: !<tag:%0Aevil> x\n",
        7,
        "YAML tags like 'tag:\\nevil' are not allowed",
    ),
    "billion laughs": (BILLION_LAUGHS, 3, "YAML aliases like '*a' are not allowed"),
    "merge key with alias": (
        "base: &base {hold: 30}\n" + VALID + "    <<: *base\n",
        8,
        "YAML aliases like '*base'",
    ),
    "merge key inline": (
        VALID + "    <<: {reps: 3}\n",
        7,
        "YAML merge keys ('<<') in exercise 1 are not allowed",
    ),
    "two documents": ("---\n" + VALID + "---\n" + VALID, 8, "more than one YAML document"),
    "document end then more": (VALID + "...\ntitle: again\n", 8, "YAML syntax error"),
    "YAML 9.9 directive": (
        "%YAML 9.9\n---\n" + VALID,
        1,
        "YAML syntax error: found incompatible YAML document; routine files"
        " need no '%YAML' version line: delete it",
    ),
    # --- keys that are not words ------------------------------------------------------------
    "complex key a list": ("? [a, b]\n: 1\n" + VALID, 1, "a key should be a word, not a list"),
    "complex key a mapping": (
        VALID + "    ? {a: 1}\n    : 2\n",
        7,
        "a key in exercise 1 should be a word, not a mapping",
    ),
    "empty key": ("? \n: 1\n" + VALID, 1, "a key is empty"),
    "null key": ("~: 1\n" + VALID, 1, "unknown key '~'"),
    "integer key": (VALID + "    1: one\n", 7, "unknown key '1' in exercise 'Lying stretch'"),
    "key with a newline in it": (VALID + '"hold\\nme": 1\n', 7, "unknown key 'hold\\nme'"),
    "key with a bidi override": (VALID + '"\\u202eloh": 1\n', 7, "unknown key '\\u202eloh'"),
    "key longer than 1024 characters": (
        VALID + "k" * 5000 + ": 1\n",
        7,
        "a key can be at most 1024 characters long",
    ),
    # --- booleans, numbers and times as YAML 1.1 reads them ---------------------------------
    "name yes": (
        with_name("yes"),
        3,
        "'name' in exercise 1 should be text, not true/false; put it in quotes: 'yes'",
    ),
    "sides on/off": (
        VALID.replace("[right, left]", "[on, off]"),
        4,
        "side 1 of 'sides' in exercise 'Lying stretch' should be text, not true/false",
    ),
    "title no": (VALID.replace("title: Test routine", "title: no"), 1, "put it in quotes"),
    "name a number": (with_name("3"), 3, "should be text, not a number; put it in quotes: '3'"),
    "hold 1e309": (
        with_hold("1e309"),
        6,
        "'hold' in exercise 'Lying stretch' should be written"
        " in plain digits, like 30 or 2.5, got 1e309",
    ),
    "hold 1e308": (
        with_hold("1e308"),
        6,
        "should be written in plain digits, like 30 or 2.5, got 1e308",
    ),
    "hold 0o17": (
        with_hold("0o17"),
        6,
        "should be written in plain digits, like 30 or 2.5, got 0o17",
    ),
    "hold 1.0e+309 (infinite)": (with_hold("1.0e+309"), 6, "must be between 0.1 and 600 seconds"),
    "hold hexadecimal": (
        with_hold("0x1E"),
        6,
        "should be written in plain digits, like 30 or 2.5, got 0x1E",
    ),
    "hold octal": (with_hold("010"), 6, "should be written without leading zeros, got 010"),
    "hold binary": (with_hold("0b11110"), 6, "plain digits"),
    "hold with underscores": (with_hold("30_000"), 6, "plain digits"),
    "hold sexagesimal 1:30": (
        with_hold("1:30"),
        6,
        "should be a number of seconds, not a time like 1:30; write 90",
    ),
    "hold 0:30 (text to YAML)": (with_hold("0:30"), 6, "not a time like 0:30; write 30"),
    "hold with a unit": (
        with_hold("30s"),
        6,
        "should be a number of seconds, not text; write just the number",
    ),
    "hold 100,000 digits": (
        with_hold("9" * 100_000),
        6,
        "must be between 0.1 and 600 seconds, got 99999",
    ),
    "reps true": (
        with_hold("20\n    reps: true"),
        7,
        "'reps' in exercise 'Lying stretch' should be a whole number, not true/false",
    ),
    "reps 1.0": (with_hold("20\n    reps: 1.0"), 7, "must be a whole number from 1 to 20, got 1.0"),
    "reps 1:30": (with_hold("20\n    reps: 1:30"), 7, "should be a whole number, not a time"),
    # --- texts with nothing to say, or hiding something --------------------------------------
    "empty intro": (VALID + 'intro: ""\n', 7, "'intro' is empty"),
    "whitespace-only side": (
        VALID.replace("[right, left]", '[right, "\\t \\u3000 "]'),
        4,
        "side 2 of 'sides' in exercise 'Lying stretch' is empty",
    ),
    "punctuation-only instruction": (
        VALID.replace("Lift your {side} leg.", '"?!... —"'),
        5,
        "has no letters or digits, so nothing to say",
    ),
    "emoji-only name": (with_name('"🧘"'), 3, "'name' in exercise 1 has no letters or digits"),
    "zero-width space in name": (
        with_name('"Lying\\u200bstretch"'),
        3,
        "'name' in exercise 1 contains an invisible character (U+200B)",
    ),
    "bidi override in name": (
        with_name('"Lying \\u202estretch"'),
        3,
        "contains an invisible character (U+202E)",
    ),
    "bidi isolate in a cue": (VALID + '    cues: ["Breathe \\u2066out"]\n', 7, "(U+2066)"),
    "soft hyphen in title": (VALID.replace("Test routine", '"Stretch\\u00ading"'), 1, "(U+00AD)"),
    "lone surrogate escape": (VALID.replace("Test routine", '"\\ud800"'), 1, "YAML syntax error"),
    "escaped NUL in text": (
        VALID.replace("Test routine", '"A\\0B"'),
        1,
        "'title' contains an invisible control character",
    ),
    # Regression: a raw U+0085 gave a syntax error on the wrong line.
    "raw next-line U+0085 in the title": (
        VALID.replace("Test routine", "Test\x85routine"),
        1,
        "this line contains an invisible line-break character (U+0085), which is not allowed",
    ),
    "raw line separator U+2028 in a name": (with_name("Lying\u2028stretch"), 3, "(U+2028)"),
    "raw paragraph separator U+2029 in intro": (
        VALID + "intro: Hello.\u2029Begin.\n",
        7,
        "(U+2029)",
    ),
    "escaped line separator in key": (VALID + '"a\\u2028b": 1\n', 7, "unknown key 'a\\u2028b'"),
    # --- placeholders ------------------------------------------------------------------------
    "{side} in intro": (
        VALID + "intro: Use your {side} leg.\n",
        7,
        "unknown placeholder '{side}' in 'intro'",
    ),
    "{minutes} in an exercise": (
        VALID.replace("Lift your {side} leg.", "'Lift for {minutes}.'"),
        5,
        "unknown placeholder '{minutes}' in 'instructions'",
    ),
    "{ side } with spaces": (
        VALID.replace("{side} leg", "{ side } leg"),
        5,
        "unknown placeholder '{ side }' in 'instructions' in exercise "
        "'Lying stretch'; write it as '{side}'",
    ),
    "{Side} capitalised": (VALID.replace("{side} leg", "{Side} leg"), 5, "write it as '{side}'"),
    "{{side}}": (
        VALID.replace("{side} leg", "{{side}} leg"),
        5,
        "has doubled braces; write placeholders with single braces, like '{side}'",
    ),
    "{0} format field": (VALID.replace("{side} leg", "{0} leg"), 5, "unknown placeholder '{0}'"),
    "attribute lookup": (
        VALID + "intro: '{minutes.__class__}'\n",
        7,
        "unknown placeholder '{minutes.__class__}'",
    ),
    # --- what people type --------------------------------------------------------------------
    "colon in a name": (with_name("Wall: the easy one"), 3, "text with ': ' in it needs quotes"),
    "tab indentation": (VALID.replace("    hold: 20", "\thold: 20"), 6, "indent with spaces"),
    "unquoted {side} first": (
        VALID.replace("Lift your {side} leg.", "{side} leg up."),
        5,
        "needs quotes",
    ),
    # Regression: reported at the end of the file, "found unexpected end of stream".
    "unclosed double quote": (
        VALID.replace("title: Test routine", 'title: "Test routine') + "#\n" * 6,
        1,
        "YAML syntax error: found unexpected end of stream; this quote is never closed",
    ),
    "unclosed single quote": (
        VALID + "outro: 'That is all.\n" + "#\n" * 6,
        7,
        "this quote is never closed",
    ),
    "quote running into a second document": (
        VALID + 'outro: "That is all.\n---\n' + VALID,
        7,
        "this quote is never closed",
    ),
    # Regression: reported on the next line, as an indentation problem.
    "no space after a colon": (
        VALID.replace("title: Test", "title:Test"),
        1,
        "YAML syntax error: put a space after the colon in 'title:Test routine'",
    ),
    "no space after a colon, then comments": (
        VALID.replace("hold: 20", "hold:20\n\n    # then\n    reps: 2"),
        6,
        "put a space after the colon in 'hold:20'",
    ),
    "no space after the dash": (
        with_name("Lying stretch").replace("  - name", "  -name"),
        3,
        "YAML syntax error: put a space after '-' in '-name: Lying stretch'",
    ),
    "text starting with @": (
        VALID.replace("Test routine", "@Test"),
        1,
        "found character that cannot start any token; text starting with @ needs quotes",
    ),
    "text starting with a backtick": (
        VALID.replace("Test routine", "`Test`"),
        1,
        "text starting with ` needs quotes",
    ),
    "text after a quoted text": (
        VALID.replace("Test routine", '"Test" routine'),
        1,
        "; check the quotes and indentation on this line",
    ),
    # --- sizes ---------------------------------------------------------------------------------
    "only spaces and a tab": ("  \t \n\t\n", None, "the file is empty"),
    "2 MB file": (VALID + ("# padding\n" * 200_000), None, "the file is too large"),
    "10,000 exercises": (
        "title: A\nexercises:\n"
        + "".join(f"  - {{name: E{i}, instructions: Go.}}\n" for i in range(10_000)),
        3 + LIMITS.max_exercises,
        "'exercises' has 10000 items; at most 50 are allowed",
    ),
    "100,000 nested flow lists": (
        "title: " + "[" * 100_000 + "]" * 100_000 + "\n" + VALID[20:],
        1,
        "nested too deeply",
    ),
    "500 nested block lists": (
        "outro:\n" + "".join("  " * i + "-\n" for i in range(500)),
        1 + LIMITS.max_depth,
        "nested too deeply",
    ),
    "100,000 nested one-line lists": ("- " * 100_000 + "x\n", 1, "nested too deeply"),
    "900,000 values": (
        "title: A\noutro: [" + "a," * 450_000 + "a]\n",
        2,
        "the file holds too many values (more than 100,000)",
    ),
    "40,000 keys": (
        "title: A\n" + "".join(f"k{i}: 1\n" for i in range(40_000)),
        2,
        "unknown key 'k0'",
    ),
    "900 KB title on one line": (
        "title: " + "word " * 180_000 + "\n" + VALID[20:],
        1,
        "'title' is too long (899999 characters; at most 1000)",
    ),
    # --- bytes ---------------------------------------------------------------------------------
    "UTF-16 with BOM": (VALID.encode("utf-16"), None, "saved as UTF-16 text; save it as UTF-8"),
    "UTF-16 without BOM": (VALID.encode("utf-16-le"), None, "saved as UTF-16 text"),
    "UTF-32 with BOM": (VALID.encode("utf-32"), None, "saved as UTF-32 text"),
    "NUL byte in the middle": (VALID.encode().replace(b"Lying", b"Ly\0ing"), None, "binary file"),
    "raw C1 control": (
        VALID.replace("Test routine", "Test\x9broutine"),
        1,
        "invisible control character",
    ),
    "raw noncharacter U+FFFE": (VALID + "outro: caf\ufffe\n", 7, "invisible control character"),
    "Windows-1252 quotes": (VALID.encode() + b"outro: \x93Done\x94\n", 7, "not UTF-8"),
    # --- what the file system hands over ----------------------------------------------------
    "folder named x.yaml": (folder, None, "folder"),
    "symlink loop": pytest.param(symlink_loop, None, "could not read the file", marks=posix),
    "named pipe": pytest.param(fifo, None, "this is not a regular file", marks=posix),
    "/dev/zero": pytest.param(dev_zero, None, "this is not a regular file", marks=posix),
    "symlink to /dev/zero": pytest.param(
        symlink_to_dev_zero, None, "not a regular file", marks=posix
    ),
}


HUGE = ("10,000 exercises", "900,000 values", "40,000 keys", "2 MB file",
        "100,000 nested flow lists", "900 KB title on one line")  # fmt: skip
"""Cases that take a second or more: the whole suite runs them, the quick loop not."""


def _params():
    for name, case in BAD.items():
        slow = [pytest.mark.slow] if name in HUGE else []
        if hasattr(case, "marks"):  # already a pytest.param
            yield pytest.param(*case.values, id=name, marks=[*case.marks, *slow])
        else:
            yield pytest.param(*case, id=name, marks=slow)


def assert_refused(run, path: Path, line: int | None, phrase: str) -> None:
    """Exit 2, one or two lines naming the file (and line), the phrase, no traceback."""
    lines = run.stderr.splitlines()
    assert run.code == 2, run.stderr
    assert 1 <= len(lines) <= 2, run.stderr
    assert "Traceback" not in run.stderr
    assert str(path) in run.stderr
    where = f"{path}:{line}: " if line else f"{path}: "
    assert where in run.stderr, run.stderr
    assert phrase in run.stderr, run.stderr
    assert len(run.stderr) < 500, "messages quote the file briefly"


@pytest.mark.parametrize("content, line, phrase", list(_params()))
def test_refused_cleanly_by_validate_and_build(tmp_path, content, line, phrase):
    path = make(tmp_path, content)
    out = tmp_path / "out"
    checked = invoke("validate", str(path))
    built = invoke("build", str(path), "-o", str(out))
    assert_refused(checked, path, line, phrase)
    assert_refused(built, path, line, phrase)
    assert checked.stdout == ""
    assert not out.exists(), "nothing may be written for bad input"
    assert not (tmp_path / "pwned").exists() and not (Path.cwd() / "pwned").exists()


def test_python_tags_are_never_run(tmp_path):
    """The payload would create a file if any YAML constructor ran it."""
    target = tmp_path / "pwned"
    payload = f"!!python/object/apply:builtins.open [{str(target)!r}, 'w']"
    path = make(tmp_path, VALID.replace("title: Test routine", f"title: {payload}"))
    assert_refused(invoke("validate", str(path)), path, 1, "are not allowed")
    assert not target.exists()


def test_a_session_over_three_hours_is_refused_before_any_synthesis(tmp_path):
    """Ten exercises of twenty 600-second holds a side: about 68 hours. Refused by
    planning, which comes before the engine is opened or the folder made: no phrase
    reaches the speech cache."""
    text = "title: Long\nexercises:\n" + "".join(
        f"  - {{name: E{i}, sides: [a, b], instructions: Go., hold: 600, reps: 20}}\n"
        for i in range(10)
    )
    path = make(tmp_path, text)
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    for args in (["validate", str(path)], ["build", str(path), "-o", str(out)]):
        run = invoke(*args, env={"VOICEGUIDE_CACHE_DIR": str(cache)})
        assert_refused(run, path, None, "more than the 3-hour limit")
    assert not out.exists() and not cache.exists()


def test_a_session_made_too_long_by_its_pauses_names_them(tmp_path):
    steps = ", ".join(["Go., {pause: 600}"] * 14 + ["Go."])  # 29 items, 14 pauses
    text = "title: Long\nexercises:\n" + "".join(
        f"  - {{name: E{i}, instructions: [{steps}], hold: 10}}\n" for i in range(2)
    )
    path = make(tmp_path, text)
    run = invoke("validate", str(path))
    assert_refused(run, path, None, "more than the 3-hour limit; lower the holds, the reps or")
    assert "or the pauses" in run.stderr


def _largest_routine() -> str:
    """Everything at its limit: 50 exercises, 4 sides, 20 reps, 30 instructions and 30
    cues each, 0.1-second holds (so only the speech makes it too long)."""
    texts = ", ".join(f"Step {j}." for j in range(LIMITS.max_texts))
    return "title: Largest\nexercises:\n" + "".join(
        f"  - {{name: E{i}, sides: [a, b, c, d], instructions: [{texts}], cues: [{texts}],"
        f" hold: 0.1, rest: 0.1, switch: 0.1, setup: 0.1, reps: {LIMITS.max_reps}}}\n"
        for i in range(LIMITS.max_exercises)
    )


def test_the_largest_routine_the_limits_allow_is_refused_not_hung(tmp_path):
    # Regression: plan() summed every prefix of the steps (quadratic) before checking
    # the length, so this took about 6 s; the timeout is a hang guard, not a timing.
    path = make(tmp_path, _largest_routine())
    run = invoke("validate", str(path))
    assert_refused(run, path, None, "more than the 3-hour limit")


# --- files that are fine ------------------------------------------------------------------

GOOD = {
    "UTF-8 with BOM": ("\ufeff" + VALID, None),
    "CRLF line ends": (VALID.replace("\n", "\r\n"), None),
    "emoji in a name": (
        with_name('"Lying stretch 🧘"'),
        lambda r: r.exercises[0].name == "Lying stretch 🧘",
    ),
    "emoji with joiners in a cue": (
        VALID + '    cues: ["Breathe like 👨\\u200d👩\\u200d👧"]\n',
        lambda r: "\u200d" in r.exercises[0].cues[0],
    ),
    "flag emoji (tag characters)": (
        with_name('"Stretch 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"'),
        None,
    ),
    "right-to-left mark in Hebrew": (with_name('"מתיחה\\u200f 1"'), None),
    "rest .5": (VALID + "    rest: .5\n", lambda r: dict(r.exercises[0].own)["rest"] == 0.5),
    "hold +30": (with_hold("+30"), lambda r: dict(r.exercises[0].own)["hold"] == 30),
    "hold 2.50": (with_hold("2.50"), lambda r: dict(r.exercises[0].own)["hold"] == 2.5),
    "%s and %(side)s stay as text": (
        VALID.replace("Lift your {side} leg.", "'Lift 100% of your {side} leg, %s %(side)s.'"),
        lambda r: r.exercises[0].instructions == ("Lift 100% of your {side} leg, %s %(side)s.",),
    ),
    "{minutes} in intro": (VALID + "intro: About {minutes} minutes.\n", None),
    "anchor without alias": (VALID.replace("title: Test", "title: &t Test"), None),
    "decomposed accent, NFC": (
        with_name('"Cafe\\u0301 stretch"'),
        lambda r: r.exercises[0].name == "Caf\u00e9 stretch",
    ),
}


@pytest.mark.parametrize("text, check", GOOD.values(), ids=GOOD.keys())
def test_accepted_by_validate(tmp_path, text, check):
    path = make(tmp_path, text)
    run = invoke("validate", str(path))
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"ok: {path}: ")
    assert "Traceback" not in run.stderr
    loaded = load_file(path)
    assert check is None or check(loaded)
    script = plan(loaded)
    assert all("{side}" not in text and "{minutes}" not in text for text in script.texts())


def test_percent_s_is_said_as_written(tmp_path):
    path = make(tmp_path, GOOD["%s and %(side)s stay as text"][0])
    texts = plan(load_file(path)).texts()
    assert "Lift 100% of your right leg, %s %(side)s." in texts


def test_messages_quote_the_file_on_one_line(tmp_path):
    """A key full of line breaks and escapes is quoted back escaped and short."""
    key = "\\n".join(["x" * 30] * 40)
    path = make(tmp_path, VALID + f'? "{key}"\n: 1\n')
    run = invoke("validate", str(path))
    assert_refused(run, path, 7, "unknown key 'xxxx")
    assert len(run.stderr.splitlines()) == 1
    assert len(run.stderr) < len(str(path)) + 200


def test_pure_python_yaml_gives_the_same_answers(monkeypatch, tmp_path):
    """Without libyaml, PyYAML's own parser is used: same refusals, same lines."""
    import yaml

    from voiceguide import routine
    from voiceguide.errors import RoutineError
    from voiceguide.routine import yamlguard

    monkeypatch.setattr(yamlguard, "_LOADER", yaml.SafeLoader)
    cases = {
        VALID.replace("Test routine", '"\\ud800"'): (1, "unpaired surrogate"),
        "title: é\n" + VALID[20:] + "outro: bell\x07\n": (7, "invisible control character"),
        with_hold("1:30"): (6, "write 90"),
        BILLION_LAUGHS: (3, "aliases"),
        "title: " + "[" * 100_000 + "]" * 100_000 + "\n": (1, "nested too deeply"),
        'title: "Test\n' + VALID[20:] + "#\n" * 6: (1, "this quote is never closed"),
        VALID.replace("title: Test", "title:Test"): (1, "put a space after the colon"),
        VALID.replace("Test routine", "@Test"): (1, "text starting with @ needs quotes"),
        VALID.replace("Test routine", "Test\x85routine"): (1, "(U+0085)"),
        "%TAG ! tag:yaml.org,2002:\n---\n" + VALID: (1, "YAML tags like '%TAG !"),
        VALID.replace("hold: 20", "hold:\u00a020"): (6, "a non-breaking space"),
        "title: é😀\n" + VALID[20:] + "\u00a0   reps: 3\n": (7, "in the indentation"),
        "title: é😀 x #2\n" + VALID[20:]: (1, "'title' stops at '#'"),
        VALID + 'outro: "é\n  \u00a0x"\n' + "\u00a0 reps: 1\n": (9, "in the indentation"),
    }
    for text, (line, phrase) in cases.items():
        with pytest.raises(RoutineError) as info:
            routine.load_text(text, source="f.yaml", name="f")
        assert info.value.line == line and phrase in info.value.message, str(info.value)


def test_load_text_refuses_raw_surrogates():
    """Only reachable from Python (a decoded file never has one): no UnicodeEncodeError."""
    from voiceguide import routine
    from voiceguide.errors import RoutineError

    with pytest.raises(RoutineError, match="unpaired surrogate") as info:
        routine.load_text(VALID + "outro: a\udc80b\n", source="s", name="s")
    assert info.value.line == 7


# --- a '#' that cuts a text short, and spaces pasted from a document ----------------------

CUT = "stops at '#': YAML reads '#2 times' as a comment; put the whole text in quotes to keep it"

# name: (routine, line, phrase). Each '#' here starts a YAML comment (a space before it):
# the text the voice would say, or the sheet print, would stop there.
CUT_SHORT = {
    "an instruction in a list": (
        VALID.replace(
            "instructions: Lift your {side} leg.",
            "instructions:\n      - Lift your {side} leg.\n      - Breathe out slowly #2 times",
        ),
        7,
        "instruction 2 of 'instructions' in exercise 'Lying stretch' "
        + CUT
        + ': "Breathe out slowly #2 times" (a note of your own goes on a line by itself)',
    ),
    "the only instruction": (
        VALID.replace("Lift your {side} leg.", "Lift your {side} leg #2 times"),
        5,
        "'instructions' in exercise 'Lying stretch' " + CUT,
    ),
    "a cue, after two spaces": (
        VALID + "    cues:\n      - Keep breathing  #2 times\n",
        8,
        "cue 1 of 'cues' in exercise 'Lying stretch' " + CUT,
    ),
    "switch instructions": (
        VALID + "    switch_instructions: Swap legs #2 times\n",
        7,
        "'switch_instructions' in exercise 'Lying stretch' " + CUT,
    ),
    "progression": (VALID + "    progression: Reach further #2 times\n", 7, "'progression'"),
    "side label": (VALID + "    side_label: your {side} leg #2 times\n", 7, "'side_label'"),
    "the exercise's name": (with_name("Lying stretch #2 times"), 3, "'name' in exercise 1 " + CUT),
    "the title": (VALID.replace("Test routine", "Test routine #2 times"), 1, "'title' " + CUT),
    "the description": (VALID + "description: Easy #2 times\n", 7, "'description' " + CUT),
    "the outro, a tab before '#'": (VALID + "outro: Well done\t#2 times\n", 7, "'outro' " + CUT),
    "the intro's second line": (
        VALID + "intro: About {minutes} minutes,\n  breathing slowly #2 times\n",
        8,
        "'intro' " + CUT,
    ),
}


@pytest.mark.parametrize("text, line, phrase", CUT_SHORT.values(), ids=CUT_SHORT.keys())
def test_a_comment_cutting_a_text_short_is_refused(tmp_path, text, line, phrase):
    path = make(tmp_path, text)
    out = tmp_path / "out"
    checked = invoke("validate", str(path))
    built = invoke("build", str(path), "-o", str(out), "--hold", "2", "--reps", "1")
    assert_refused(checked, path, line, phrase)
    assert_refused(built, path, line, phrase)
    assert checked.stdout == "" and not out.exists()


COMMENTS_FINE = {
    "on a line of their own": "# a note\n"
    + VALID.replace("    hold", "    # hold less?\n    hold"),
    "after a number": with_hold("20  # seconds"),
    "after a number, one space": with_hold("20 # seconds"),
    "after the language": VALID + "language: en  # English\n",
    "after a bed's name": VALID + "bed: brown  # quiet\n",
    "after a flow list of sides": VALID.replace("[right, left]", "[right, left]  # both"),
    "after the key of a list": VALID.replace(
        "instructions: Lift your {side} leg.", "instructions:  # said first\n      - Lift."
    ),
    "after a quoted text": VALID.replace("Lift your {side} leg.", '"Lift #2 times"  # a note'),
    "after a folded text": VALID + "intro: >-  # a note\n  About {minutes} minutes.\n",
    "'#' with no space before it": VALID.replace("Lift your {side} leg.", "Lift leg#2 twice."),
}


@pytest.mark.parametrize("text", COMMENTS_FINE.values(), ids=COMMENTS_FINE.keys())
def test_comments_that_cut_no_text_short_are_fine(tmp_path, text):
    path = make(tmp_path, text)
    run = invoke("validate", str(path))
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"ok: {path}: ")


def test_a_quoted_text_keeps_its_hash():
    from voiceguide import routine

    text = VALID.replace("Lift your {side} leg.", '"Lift #2 times"  # a note')
    assert routine.load_text(text, source="s", name="s").exercises[0].instructions == (
        "Lift #2 times",
    )


def test_the_blank_routine_and_every_built_in_still_validate():
    """The template has comments after values (none after a text); built-ins none."""
    from conftest import ROOT

    files = sorted((ROOT / "voiceguide" / "routines").glob("*.yaml"))
    run = invoke("validate", str(ROOT / "voiceguide/templates/routine.yaml"), *map(str, files))
    assert run.code == 0, run.stderr
    assert len(run.stdout.splitlines()) == len(files) + 1


ORDINARY = "type an ordinary space in its place"
FROM_COPYING = "(from copying text out of a document?)"

# name: (routine, line, message). Spaces YAML reads as letters, where the structure is.
ODD_SPACES = {
    "non-breaking space after 'hold:'": (
        with_hold("\u00a020").replace("hold: ", "hold:"),
        6,
        f"a non-breaking space {FROM_COPYING} after 'hold:'; {ORDINARY}",
    ),
    "non-breaking space after 'hold: '": (
        with_hold("\u00a020"),
        6,
        f"a non-breaking space {FROM_COPYING} after 'hold:'; {ORDINARY}",
    ),
    "non-breaking space before the colon": (
        VALID.replace("hold: 20", "hold\u00a0: 20"),
        6,
        f"a non-breaking space {FROM_COPYING} between 'hold' and its colon; {ORDINARY}",
    ),
    "non-breaking space as indentation": (
        VALID + "\u00a0   reps: 3\n",
        7,
        f"a non-breaking space {FROM_COPYING} in the indentation at the start of the line;"
        f" {ORDINARY}",
    ),
    "non-breaking space after the indentation": (
        VALID.replace("    hold: 20", "   \u00a0hold: 20"),
        6,
        "in the indentation at the start of the line",
    ),
    "non-breaking space after '-'": (
        VALID.replace("  - name:", "  -\u00a0name:"),
        3,
        f"a non-breaking space {FROM_COPYING} after '-'; {ORDINARY}",
    ),
    "non-breaking space between '- ' and a key": (
        VALID.replace("  - name:", "  - \u00a0name:"),
        3,
        f"a non-breaking space {FROM_COPYING} before 'name'; {ORDINARY}",
    ),
    "narrow non-breaking space after 'title:'": (
        VALID.replace("title: ", "title:\u202f"),
        1,
        f"a narrow non-breaking space {FROM_COPYING} after 'title:'",
    ),
    "figure space after 'reps:'": (VALID + "    reps:\u20073\n", 7, "a figure space"),
    "thin space after 'sides:'": (VALID.replace("sides: ", "sides:\u2009"), 4, "a thin space"),
    "ideographic space as indentation": (
        VALID.replace("    hold", "\u3000   hold"),
        6,
        "an unusual space (U+3000) " + FROM_COPYING,
    ),
    "zero-width space as indentation": (
        VALID.replace("    hold", "\u200b    hold"),
        6,
        f"a zero-width space {FROM_COPYING} in the indentation at the start of the line; delete it",
    ),
    "zero-width space after 'hold:'": (
        VALID.replace("hold: 20", "hold:\u200b20"),
        6,
        f"a zero-width space {FROM_COPYING} after 'hold:'; {ORDINARY}",
    ),
    "byte order mark mid-file": (
        VALID.replace("    hold", "\ufeff    hold"),
        6,
        "an invisible zero-width space (U+FEFF) " + FROM_COPYING,
    ),
    "non-breaking space on a blank line": (
        VALID.replace("    hold", "\u00a0\n    hold"),
        6,
        "in the indentation at the start of the line",
    ),
    "non-breaking space in a defaults key": (
        "defaults:\n  hold\u00a0: 30\n" + VALID,
        2,
        "between 'hold' and its colon",
    ),
    "CRLF line ends": (
        (VALID + "\u00a0   reps: 3\n").replace("\n", "\r\n"),
        7,
        "in the indentation at the start of the line",
    ),
}


@pytest.mark.parametrize("text, line, phrase", ODD_SPACES.values(), ids=ODD_SPACES.keys())
def test_a_space_yaml_reads_as_a_letter_is_refused_where_it_is(tmp_path, text, line, phrase):
    path = make(tmp_path, text)
    out = tmp_path / "out"
    checked = invoke("validate", str(path))
    built = invoke("build", str(path), "-o", str(out), "--hold", "2", "--reps", "1")
    assert_refused(checked, path, line, phrase)
    assert_refused(built, path, line, phrase)
    assert "\\xa0" not in checked.stderr and "\\u" not in checked.stderr
    assert checked.stdout == "" and not out.exists()


FRENCH = """\
title: Étirements des ischio-jambiers\u00a0!
language: fr
description: "Deux étirements\u202f! Doucement\u00a0?"
intro: >-
  Respirez lentement\u00a0!
  \u00a0Environ {minutes} minutes.
outro: "Fin de la séance\u00a0! Merci
  \u00a0: à demain."
exercises:
  - name: Étirement\u202f1
    sides: [droite, gauche]
    instructions:
      - Levez la jambe {side}\u202f!
      - "Conseil\u00a0: respirez."
      - \u00a0Tenez la position\u00a0?
    cues: [Respirez\u00a0!]
    progression: \u00a0«\u00a0Plus loin\u00a0»
    hold: 20
"""


def test_spaces_french_puts_in_texts_are_fine(tmp_path):
    """French typography puts U+00A0 or U+202F before ':', '!' and '?', in every kind of
    text: plain, quoted, folded, even at the start of a line of a long text, and one
    before a text (not a number) after a key is tidied away with the text's spaces."""
    path = make(tmp_path, FRENCH)
    run = invoke("validate", str(path))
    assert run.code == 0, run.stderr
    loaded = load_file(path)
    assert loaded.exercises[0].instructions[0] == "Levez la jambe {side} !"
    assert loaded.intro.startswith("Respirez lentement !")
    assert loaded.exercises[0].progression == "« Plus loin »"
