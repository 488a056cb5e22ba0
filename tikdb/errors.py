"""The expected failures of tikdb, the one way to put an engine's error on one line, and
how to tell that an error, whoever raised it, means the disk is full.

The CLI turns a ``TikdbError`` into one line on stderr and its ``exit_code``;
anything else is a bug and keeps its traceback.
"""

import errno
import os


class TikdbError(Exception):
    """An expected failure, with a message that says what, where and what to do next."""

    exit_code = 1


class InputError(TikdbError):
    """The input files or the command line are unusable (exit code 2)."""

    exit_code = 2


class BuildError(TikdbError):
    """The build failed; nothing was published (exit code 1)."""

    exit_code = 1


class DiskFullError(BuildError):
    """A write failed because the disk is full; nothing new was published (exit code 1)."""

    exit_code = 1


class BuildLockedError(TikdbError):
    """Another build holds the warehouse lock (exit code 1)."""

    exit_code = 1


class RemoteError(TikdbError):
    """A remote source (Google Sheets) refused, failed, or sent something unusable
    (exit code 1); nothing was written."""

    exit_code = 1


class QueryError(TikdbError):
    """DuckDB refused or failed the user's SQL (exit code 1)."""

    exit_code = 1


def one_line(exc: BaseException) -> str:
    """An engine's error message on one line: its lines joined, without DuckDB's
    ``LINE n:`` statement excerpt and the ``^`` marker under it."""
    kept = []
    for line in str(exc).strip().splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept) or type(exc).__name__


# The operating system's words for a full disk; DuckDB and Polars quote them.
NO_SPACE = os.strerror(errno.ENOSPC)
_FULL = (errno.ENOSPC, errno.EDQUOT)


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error, or one it was raised from, says the disk (or quota) is full."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _FULL:
            return True
        if any(os.strerror(code) in str(seen) for code in _FULL):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
