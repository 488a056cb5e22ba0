"""Input files as tikdb reads them: regular files only, and noticed when they change.

A FIFO, a terminal or a device passed as an input would block a build forever (while it
holds the warehouse lock) or read differently each time, so only regular files are
read. The check is made on the open file itself, opened with O_NONBLOCK: a path swapped
for a FIFO after a look at it cannot block the open either.

A file's identity (device, inode, size, modification and change times) is taken when it
is opened and compared when tikdb is done reading it: a file written to meanwhile would
make the recorded size, sha256 and records describe different bytes, so the build stops.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tikdb.errors import InputError

# The end of the one-line error for an input that changed while it was read.
CHANGED = "changed while it was read; build again when the export is complete."


class NotARegularFileError(OSError):
    """The path names something other than a regular file (a FIFO, a device, ...)."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path}: is {kind}, not a regular file")
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a file mode describes, with its article: "a pipe (FIFO)", ..."""
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


class ChangedWhileReadError(OSError):
    """The file changed while tikdb read it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: {CHANGED}")
        self.path = path


@dataclass(frozen=True)
class FileIdentity:
    """Enough of a file's status to notice that it was replaced or written to."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileIdentity:
        return cls(
            status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns
        )


def open_regular(path: Path) -> tuple[BinaryIO, FileIdentity]:
    """Open ``path`` for reading if it is a regular file; return it and its identity.

    Raises NotARegularFileError for anything else, OSError when it cannot be opened.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFileError(Path(path), file_kind(status.st_mode))
        # O_NONBLOCK means nothing for a regular file; reads block as usual.
        return os.fdopen(fd, "rb"), FileIdentity.of(status)
    except BaseException:
        os.close(fd)
        raise


def is_unchanged(path: Path, identity: FileIdentity, f: BinaryIO | None = None) -> bool:
    """Whether ``path`` (and the open file ``f``, if given) still has ``identity``."""
    try:
        now = [FileIdentity.of(os.stat(path))]
        if f is not None:
            now.append(FileIdentity.of(os.fstat(f.fileno())))
    except OSError:
        return False
    return all(n == identity for n in now)


def read_whole(path: Path) -> tuple[bytes, FileIdentity]:
    """All bytes of a regular file, and its identity; ChangedWhileReadError when the file
    grew, shrank or was written to while it was read."""
    f, identity = open_regular(path)
    with f:
        # One byte more than the size it had: a file that grew meanwhile is noticed.
        data = _read_upto(f, identity.size + 1)
        if len(data) != identity.size or not is_unchanged(path, identity, f):
            raise ChangedWhileReadError(Path(path))
    return data, identity


def _read_upto(f: BinaryIO, limit: int) -> bytes:
    return f.read(limit)


def path_text(path: Path | str) -> str:
    """A path as text that any UTF-8 consumer accepts: bytes of a file name that are not
    UTF-8 (kept by Python as lone surrogates) are shown as ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def require_utf8_path(path: Path | str, fix: str) -> None:
    """An InputError unless the path is UTF-8 text: DuckDB and Polars take paths as text
    and fail on a name with other bytes. ``fix`` says what to do instead."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path_text(path)}: the path is not UTF-8 text, which DuckDB and Polars cannot "
            f"open; {fix}."
        ) from None


def fsync_path(path: Path) -> None:
    """Flush a file or a folder (its entries: a rename or a new file in it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
