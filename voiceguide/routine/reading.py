"""Reading a routine file safely: only regular files, a bounded number of bytes,
UTF-8 only, and no characters the YAML parser would misreport."""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

from voiceguide.errors import RoutineError
from voiceguide.limits import LIMITS

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")
"""Characters YAML reads as line breaks though no editor shows one: next line (U+0085),
line separator (U+2028) and paragraph separator (U+2029)."""


def check_characters(text: str) -> None:
    """Refuse characters the YAML parser would misreport: unpaired surrogates, and
    line breaks no editor shows (the parser counts them as lines, so every line number
    after one would be wrong)."""
    bad = _SURROGATE.search(text)
    if bad:
        raise RoutineError(
            "the text contains an unpaired surrogate, which is not a character",
            line=text.count("\n", 0, bad.start()) + 1,
        )
    bad = _LINE_BREAKS.search(text)
    if bad:
        raise RoutineError(
            f"this line contains an invisible line-break character (U+{ord(bad.group()):04X}),"
            " which is not allowed; delete it",
            line=text.count("\n", 0, bad.start()) + 1,
        )


def is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing but spaces, tabs and comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def read_text(path: Path) -> str:
    """The file's text, refusing folders, pipes, devices, huge, binary and non-UTF-8
    files. At most :attr:`~voiceguide.model.Limits.max_file_bytes` + 1 bytes are read."""
    try:
        folder = path.is_dir()
    except OSError as err:  # a name too long to look up, say
        raise RoutineError(f"could not read the file: {_os_reason(err)}") from None
    if folder:
        raise RoutineError("this is a folder, not a routine file")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            raise RoutineError("a link to a file that is not there") from None
        raise RoutineError("file not found") from None
    except (OSError, ValueError) as err:
        raise RoutineError(f"could not read the file: {_os_reason(err)}") from None
    with open(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise RoutineError("this is a folder, not a routine file")
        if not stat.S_ISREG(mode):
            raise RoutineError(
                "this is not a regular file (a pipe, device or socket);"
                " give the path of a YAML file"
            )
        try:
            data = file.read(LIMITS.max_file_bytes + 1)
        except OSError as err:
            raise RoutineError(f"could not read the file: {_os_reason(err)}") from None
    if len(data) > LIMITS.max_file_bytes:
        raise RoutineError(
            f"the file is too large; a routine file can be at most {LIMITS.max_file_bytes:,} bytes"
        )
    wide = _wide_encoding(data)
    if wide:
        raise RoutineError(f"the file is saved as {wide} text; save it as UTF-8")
    if b"\0" in data:
        raise RoutineError("this is a binary file, not a YAML text file")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise RoutineError("the file is not UTF-8 text; save it as UTF-8", line=line) from None


def _os_reason(err: Exception) -> str:
    return getattr(err, "strerror", None) or str(err)


def _wide_encoding(data: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when ``data`` looks like text in one of them (by its byte
    order mark, or ASCII with every other byte zero), else None."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    head = data[:200]
    if len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2])) and any(head):
        return "UTF-16"
    return None
