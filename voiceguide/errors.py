"""The errors voiceguide raises on purpose, each with the exit status it deserves.

Every message names what it is about: ``file:line: what is wrong``. The CLI prints
the message as it is and exits with :attr:`VoiceguideError.exit_code`; anything else
that escapes is a bug and gets a traceback only with ``--debug``.
"""

from __future__ import annotations


class VoiceguideError(Exception):
    """Base class: a failure we can explain to the user in a sentence or two."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


class BadInput(VoiceguideError):
    """The user's input is wrong: a routine file or an option. Exit status 2."""

    exit_code = 2


class RoutineError(BadInput):
    """A routine file that cannot be read or does not describe a valid routine."""


class OptionError(BadInput):
    """A setting's value that does not fit (``hold`` ``wal=60``). ``message`` is said of
    the setting: the library shows it after the setting's name ("hold must be ..."), the
    command line after the option's flag ("--hold must be ...")."""

    def __init__(self, message: str, *, setting: str | None = None, path: str | None = None):
        super().__init__(message, path=path)
        self.setting = setting

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return where + (self.said_of(self.setting) if self.setting else self.message)

    def said_of(self, subject: str) -> str:
        """The message with ``subject`` (a flag, a key) naming the setting."""
        return f"{subject} {self.message}"


class SynthesisError(VoiceguideError):
    """The voice engine is missing, failed, or hung."""


class ExportError(VoiceguideError):
    """Encoding or writing the output failed."""
