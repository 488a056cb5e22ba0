"""Write, audit, publish: the staging area, the build lock and the atomic swap.

Layout of a published warehouse directory ``OUT``::

    OUT/tikdb.duckdb               the database (replaced with one os.replace)
    OUT/parquet -> .parquet-<run>  a symlink to this build's Parquet directory
    OUT/.parquet-<run>/*.parquet   the Parquet files of the published build

A build works in ``OUT/.tikdb-staging-<run>/`` (same file system, so renames are
atomic). Publishing renames the staged Parquet directory beside the live one, replaces
the database file (the commit point), then swaps the ``parquet`` symlink. Readers that
hold the old database open keep reading the old inode; new readers see the new build.
A crash at any point leaves either the old or the new database whole; a later build
removes whatever a crashed one left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from tikdb.errors import BuildLockedError, InputError

DB_NAME = "tikdb.duckdb"
PARQUET_LINK = "parquet"
LOCK_NAME = ".tikdb-build.lock"
STAGING_PREFIX = ".tikdb-staging-"
VERSION_PREFIX = ".parquet-"


@contextlib.contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold the warehouse's build lock; a second build at the same time is refused.

    flock locks die with their process, so a killed build never leaves a stale lock.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise InputError(f"{out_dir}: is not a directory. Pass a folder with --out DIR.") from exc
    lock_path = out_dir / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise BuildLockedError(
                f"{out_dir}: another tikdb build is running (pid {holder}). "
                "Wait for it to finish, then build again."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Delete staging areas and unreferenced Parquet versions of crashed builds.

    Call only while holding the build lock. Returns what was removed.
    """
    live = live_parquet_dir(out_dir)
    removed = []
    for entry in out_dir.iterdir():
        stale_stage = entry.name.startswith(STAGING_PREFIX)
        stale_version = entry.name.startswith(VERSION_PREFIX) and entry != live
        stale_link = entry.name.startswith(".parquet-link-")
        if stale_stage or stale_version or stale_link:
            _remove(entry)
            removed.append(entry)
    return removed


def live_parquet_dir(out_dir: Path) -> Path | None:
    """The directory the published ``parquet`` link points at, if any."""
    link = out_dir / PARQUET_LINK
    if link.is_symlink():
        return out_dir / os.readlink(link)
    return link if link.is_dir() else None


def new_staging(out_dir: Path, run_id: str) -> Path:
    staging = out_dir / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    (staging / "parquet").mkdir()
    (staging / "tmp").mkdir()
    return staging


def publish(out_dir: Path, staging: Path, run_id: str) -> None:
    """Swap a complete staged build into place. Call only while holding the build lock."""
    staged_db = staging / DB_NAME
    if Path(f"{staged_db}.wal").exists():
        raise RuntimeError(f"{staged_db}.wal exists: the staged database was not checkpointed")
    version_dir = out_dir / f"{VERSION_PREFIX}{run_id}"
    os.rename(staging / "parquet", version_dir)
    _fsync_dir(out_dir)

    live_db = out_dir / DB_NAME
    # A WAL beside the live file belongs to a writer that crashed; DuckDB 1.5 would
    # replay it into the new file, so it must go before the new file appears.
    with contextlib.suppress(FileNotFoundError):
        os.remove(f"{live_db}.wal")
    os.replace(staged_db, live_db)  # the commit point
    _fsync_dir(out_dir)

    link = out_dir / PARQUET_LINK
    tmp_link = out_dir / f".parquet-link-{run_id}"
    os.symlink(version_dir.name, tmp_link)
    if link.is_dir() and not link.is_symlink():
        # A plain directory cannot be replaced by a symlink in one step; move it aside.
        os.rename(link, out_dir / f"{VERSION_PREFIX}replaced-{run_id}")
    os.replace(tmp_link, link)
    _fsync_dir(out_dir)
    remove_leftovers(out_dir)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
