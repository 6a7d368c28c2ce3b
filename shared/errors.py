"""The exception tree of cohortcv; the edges map it to exit codes and HTTP statuses.

CohortcvError
├── InputError                 the user's file or arguments are wrong (exit 2 / HTTP 422)
│   ├── WholeFileError         the file as a whole cannot be used; nothing is queued
│   │   └── TooLargeError      over the size or row limit of an upload (HTTP 413)
│   └── RowError               one data row is rejected (collected, never raised past ingestion)
├── ConfigurationError         a setting or an installation is missing or contradictory
│   └── ModelLoadError         a writer's model cannot be loaded (bad path, missing extra, too big)
├── NotFoundError              a batch, job or resume id that does not exist
├── RenderError                a renderer could not produce an output for a resume
└── WriterError                a writer could not produce text for a profile
"""

from __future__ import annotations


class CohortcvError(Exception):
    """Root of every error cohortcv raises on purpose."""

    exit_code: int = 1


class InputError(CohortcvError):
    """The user's input is wrong; the message tells them what to change."""

    exit_code = 2


class WholeFileError(InputError):
    """A file that cannot be used at all: says what was found and what is accepted."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[WholeFileError], tuple[str, str]]:
        # Raised in an ingest process and re-raised in the API's: pickled with both arguments.
        return (type(self), (self.path, self.message))


class RowError(InputError):
    """One rejected data row: 1-based physical line, the column at fault, and why."""

    def __init__(self, line: int, column: str, reason: str) -> None:
        super().__init__(f"line {line}, column {column or '-'}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


class ConfigurationError(CohortcvError):
    """A setting or installed component is missing or wrong."""


class ModelLoadError(ConfigurationError):
    """A model that cannot be loaded; the message is the real reason, for jobs.last_error."""


class NotFoundError(CohortcvError):
    """An id that names nothing."""

    exit_code = 3


class RenderError(CohortcvError):
    """A renderer failed on one resume."""


class WriterError(CohortcvError):
    """A writer failed on one profile."""


class TooLargeError(WholeFileError):
    """An upload over the configured size or row limit (HTTP 413)."""
