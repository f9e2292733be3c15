"""Errors users see.  Messages name the input and what was expected."""

from __future__ import annotations


class TrialnlpError(Exception):
    """Base class for errors trialnlp raises on purpose."""


class InputError(TrialnlpError):
    """An input (file, record or string) that cannot be read as a trial.

    The CLI prints ``str(error)`` as one line and exits with ``EXIT_INPUT``.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class UsageError(TrialnlpError, ValueError):
    """An option value that is not one of the accepted ones (an unknown format, ...)."""


class RuleError(TrialnlpError):
    """A rule file in rules/ that does not have the expected shape."""


# Exit codes of the `trialnlp` command (documented in the README).
EXIT_OK = 0
EXIT_INPUT = 1  # the input (or every record in it) could not be read
EXIT_USAGE = 2  # bad command-line usage (click's own code)
EXIT_PARTIAL = 3  # --strict: the batch finished but some records became error rows
