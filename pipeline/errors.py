"""The errors Folio reports to its users: one line each, exit status 1."""

from __future__ import annotations

import contextlib
import re
import traceback
from pathlib import Path

import click


class FolioError(click.ClickException):
    """A problem with the user's input or environment, reported as one line."""

    exit_code = 1

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        # One line whatever the input quoted in it holds (a value with a line break, say).
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        self.reason = message
        super().__init__(f"{location(path, line)}: {message}" if path is not None else message)


class ConfigError(FolioError):
    """The project file or a book file is wrong."""


class SourceError(FolioError):
    """An article source cannot be read or its metadata is wrong."""


class BuildError(FolioError):
    """An output could not be made from a valid source."""


class UnsafePathError(BuildError):
    """A path would read or write outside the places Folio may touch."""


class InternalError(BuildError):
    """A bug in Folio or a library met while making one output; the rest of the build goes on.

    It carries the traceback as text (a traceback object cannot cross from a worker process),
    shown only under ``--debug``.
    """

    def __init__(self, exc: BaseException, path: Path | str | None, what: str) -> None:
        self.details = "".join(traceback.format_exception(exc))
        super().__init__(f"{what}: internal error: {type(exc).__name__}: {exc} (a bug in "
                         "Folio: please report it; --debug shows the traceback)", path)

    def __reduce__(self) -> tuple[object, ...]:
        """Cross from a worker process as the message it already holds."""
        return (_rebuilt, (type(self), self.reason, self.path, self.details))


def _rebuilt(cls: type[InternalError], reason: str, path: Path | None,
             details: str) -> InternalError:
    error = cls.__new__(cls)
    FolioError.__init__(error, reason, path)
    error.details = details
    return error


# On a cluster worker, a build's project folder there -> (the project folder and working
# directory of the process that sent the build): messages name files as that process would.
SHOWN_AS: dict[Path, tuple[Path, Path]] = {}


def location(path: Path | str | None, line: int | None = None) -> str:
    """Return ``path`` or ``path:line`` for messages, relative to the working directory."""
    if path is None:
        return ""
    shown = Path(path)
    with contextlib.suppress(ValueError, OSError):
        real, cwd = shown.resolve(), Path.cwd().resolve()
        for here, (there, there_cwd) in SHOWN_AS.items():
            if real.is_relative_to(here):
                shown = real = there / real.relative_to(here)
                cwd = there_cwd
                break
        shown = real.relative_to(cwd)
    return f"{shown}:{line}" if line else str(shown)


def line_of(text: str, needle: str | re.Pattern[str]) -> int | None:
    """Return the 1-based line where ``needle`` (text or a pattern) first is in ``text``."""
    if isinstance(needle, str):
        index = text.find(needle)
    else:
        found = needle.search(text)
        index = found.start() if found else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else None
