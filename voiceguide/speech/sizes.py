"""How big the speech cache may grow: ``$VOICEGUIDE_CACHE_MAX`` read and checked, and
sizes shown as people read them."""

from __future__ import annotations

import os
import re

from voiceguide.errors import BadInput

MAX_ENV = "VOICEGUIDE_CACHE_MAX"
"""Environment variable: the most bytes the cache keeps (:func:`max_bytes_from_env`)."""
DEFAULT_MAX_BYTES = 500_000_000
"""The cap unless ``$VOICEGUIDE_CACHE_MAX`` says otherwise: 500 MB, about three hours of
distinct speech at espeak's 22.05 kHz (the built-in session's phrases take 7 MB)."""
_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])(i?)b?|b?)", re.IGNORECASE)
_UNITS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def max_bytes_from_env() -> int:
    """``$VOICEGUIDE_CACHE_MAX`` if set (checked: bad input names it), else
    :data:`DEFAULT_MAX_BYTES`. It takes bytes (``200000000``) or a number with a unit:
    ``k``, ``M``, ``G``, ``T`` are powers of 1000 and ``KiB``, ``MiB``, ``GiB``, ``TiB``
    of 1024, any case, with or without ``B`` (``500M``, ``1.5 GB``, ``2GiB``). ``0``
    keeps nothing: builds neither read nor write the cache, and the next one that voices
    anything empties it."""
    given = os.environ.get(MAX_ENV)
    if given is None:
        return DEFAULT_MAX_BYTES
    found = _SIZE.fullmatch(given.strip())
    if found is None:
        raise BadInput(
            f"the environment variable {MAX_ENV} must be a size in bytes, like 500M, 2G or "
            f"200000000 (0 keeps nothing), not {given!r}"
        )
    number, unit, binary = found.groups()
    base = 1024 if binary else 1000
    return int(float(number) * base ** _UNITS[(unit or "").lower()])


def size_text(count: int) -> str:
    """``count`` bytes as people read them: "812 bytes", "41.2 MB", "1.5 GB"."""
    if count < 1000:
        return f"{count} byte{'' if count == 1 else 's'}"
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)):
        shown = f"{count / scale:.3g}"  # three digits at most, or an exponent: too large
        if "e" not in shown:
            return f"{shown} {unit}"
    return f"{count / 1e12:,.0f} TB"
