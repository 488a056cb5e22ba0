"""Write, audit, publish: the staging area, the build lock and the atomic swap.

Layout of a published warehouse directory ``OUT``::

    OUT/tikdb.duckdb -> .current/tikdb.duckdb    fixed links, created once
    OUT/parquet      -> .current/parquet
    OUT/.current     -> .v-<run>                 the one pointer that is swapped
    OUT/.v-<run>/tikdb.duckdb, parquet/*.parquet the published build

A build writes everything into ``OUT/.tikdb-staging-<run>/`` (same file system). To
publish, the staging directory is renamed to ``.v-<run>`` and ``.current`` is replaced
by a link to it with one ``os.replace``: the database and its Parquet files change
together, atomically. Readers holding the old database open keep reading the old files
(removed directories stay readable to open handles); new readers see the new build. A
crash at any point leaves either the old or the new build whole; the next build removes
whatever a crashed one left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from tikdb.contract import DB_NAME, PARQUET_DIR
from tikdb.errors import BuildLockedError, InputError

CURRENT = ".current"
LOCK_NAME = ".tikdb-build.lock"
STAGING_PREFIX = ".tikdb-staging-"
VERSION_PREFIX = ".v-"
LINK_PREFIX = ".tikdb-link-"


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


def current_version(out_dir: Path) -> Path | None:
    """The directory of the published build, if there is one."""
    link = out_dir / CURRENT
    return out_dir / os.readlink(link) if link.is_symlink() else None


def remove_leftovers(out_dir: Path) -> None:
    """Delete what crashed builds left: staging areas, unpublished versions, stray links.

    Call only while holding the build lock.
    """
    live = current_version(out_dir)
    for entry in out_dir.iterdir():
        name = entry.name
        stale = (
            name.startswith(STAGING_PREFIX)
            or name.startswith(LINK_PREFIX)
            or (name.startswith(VERSION_PREFIX) and entry != live)
        )
        if stale:
            _remove(entry)


def new_staging(out_dir: Path, run_id: str) -> Path:
    staging = out_dir / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    (staging / PARQUET_DIR).mkdir()
    (staging / "tmp").mkdir()
    return staging


def publish(out_dir: Path, staging: Path, run_id: str) -> None:
    """Swap a complete staged build into place. Call only while holding the build lock."""
    if Path(f"{staging / DB_NAME}.wal").exists():
        raise RuntimeError(f"{staging / DB_NAME}.wal exists: the staged database was not closed")
    shutil.rmtree(staging / "tmp", ignore_errors=True)
    version = out_dir / f"{VERSION_PREFIX}{run_id}"
    os.rename(staging, version)
    _ensure_fixed_links(out_dir, run_id)
    # A WAL beside the published path belongs to a writer that crashed; DuckDB 1.5 would
    # replay it into the new file, so it must go before the new file appears.
    with contextlib.suppress(FileNotFoundError):
        os.remove(out_dir / f"{DB_NAME}.wal")
    _fsync_dir(out_dir)
    _replace_link(out_dir / CURRENT, version.name, run_id)  # the commit point
    _fsync_dir(out_dir)
    remove_leftovers(out_dir)


def _ensure_fixed_links(out_dir: Path, run_id: str) -> None:
    """Make OUT/tikdb.duckdb and OUT/parquet links through .current (once)."""
    for name in (DB_NAME, PARQUET_DIR):
        path = out_dir / name
        target = f"{CURRENT}/{name}"
        if path.is_symlink() and os.readlink(path) == target:
            continue
        if path.is_dir() and not path.is_symlink():
            # A plain directory cannot be replaced by a link in one step; move it aside.
            os.rename(path, out_dir / f"{LINK_PREFIX}old-{name}-{run_id}")
        _replace_link(path, target, run_id)


def _replace_link(path: Path, target: str, run_id: str) -> None:
    tmp = path.parent / f"{LINK_PREFIX}{path.name.lstrip('.')}-{run_id}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, path)


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
