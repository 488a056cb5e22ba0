"""Write, audit, publish: the staging area, the build lock, the atomic swap, and what in
the output directory is tikdb's.

Layout of a warehouse directory ``OUT``::

    OUT/tikdb.duckdb -> .current/tikdb.duckdb    fixed links, created once
    OUT/parquet      -> .current/parquet
    OUT/.current     -> .v-<run>                 the one pointer that is swapped
    OUT/.v-<run>/tikdb.duckdb, parquet/*.parquet a kept build: the published one, or
                                                 one kept for rollback
    OUT/.v-<run>/.tikdb-run                      the run id: tikdb made this folder
    OUT/.tikdb-publish.log                       one JSON line per swap (build, rollback)
    OUT/.tikdb-build.lock                        the build lock

A build writes everything into ``OUT/.tikdb-staging-<run>/`` (same file system). To
publish, the staging directory is renamed to ``.v-<run>`` and ``.current`` is replaced
by a link to it with one ``os.replace``: the database and its Parquet files change
together, atomically. A rollback replaces ``.current`` the same way, with a link to an
older kept build. Readers holding the old database open keep reading the old files
(removed directories stay readable to open handles); new readers see the new build. A
crash at any point leaves either the old or the new build whole; the next build removes
whatever a crashed one left behind.

tikdb deletes and replaces only what it can tell it made: the two fixed links with
their exact targets, a ``.current`` link to a ``.v-<run>`` folder, folders holding a
``.tikdb-run`` marker with their own run id (or, under its names, holding no more than
the start of that marker: a build killed while making its staging area), and its
temporary links. An ``OUT`` whose managed names hold anything else is refused before
anything is touched. A warehouse of the previous tikdb version (the same links, no
markers) is recognised by its links, and its published folder is given its marker.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tikdb.contract import DB_NAME, PARQUET_DIR
from tikdb.errors import BuildError, BuildLockedError, InputError
from tikdb.sources.files import fsync_path
from tikdb.terminal import safe_text

CURRENT = ".current"
LOCK_NAME = ".tikdb-build.lock"
LOG_NAME = ".tikdb-publish.log"
MARKER = ".tikdb-run"
MARKER_TMP = f"{MARKER}.tmp"
STAGING_PREFIX = ".tikdb-staging-"
VERSION_PREFIX = ".v-"
LINK_PREFIX = ".tikdb-link-"
# A run id: the UTC start time (to the microsecond since this version, to the second
# before it), then 6 random hex digits. Run ids sort in the order builds started.
RUN_ID = re.compile(r"\d{8}T\d{6}(\.\d{6})?Z-[0-9a-f]{6}")
# The targets of the fixed links.
FIXED_LINKS = {DB_NAME: f"{CURRENT}/{DB_NAME}", PARQUET_DIR: f"{CURRENT}/{PARQUET_DIR}"}
WAL_NAME = f"{DB_NAME}.wal"


@dataclass(frozen=True)
class LogEntry:
    """One swap of ``.current``, as recorded in ``OUT/.tikdb-publish.log``."""

    at: str  # UTC, ISO 8601
    action: str  # "build" or "rollback"; "unreadable" for a line that is not a record
    run_id: str  # the build made the published one
    previous: str | None  # the build published before


def is_run_id(text: str) -> bool:
    return RUN_ID.fullmatch(text) is not None


def run_order(run_id: str) -> tuple[str, str]:
    """Sort key putting run ids in the order their builds started.

    The previous version's ids stop at the second (``…T215706Z-…``); today's carry
    microseconds (``…T215706.790210Z-…``). Compared as plain text, "." sorts before "Z", so
    a new build started in the same second as an old one would sort first; read the old
    form as ``.000000``.
    """
    stamp, _, rest = run_id.partition("Z-")
    if "." not in stamp:
        stamp += ".000000"
    return stamp, rest


# --- what is tikdb's -------------------------------------------------------------------------


def require_own(out_dir: Path) -> None:
    """Refuse an output directory whose managed names hold something tikdb did not make.

    Reads only; call it before anything in ``out_dir`` is created or changed.
    """
    found = foreign_entries(out_dir)
    if found:
        one = len(found) == 1
        raise InputError(
            f"{out_dir}: {', '.join(found)} {'is' if one else 'are'} not tikdb's (tikdb "
            "replaces only what it made); nothing was changed. "
            f"Move {'it' if one else 'them'} elsewhere, or pass another --out DIR."
        )


def foreign_entries(out_dir: Path) -> list[str]:
    """The managed names in out_dir that hold something else, each with what it is."""
    if not out_dir.is_dir():
        return []
    found = []
    for name, target in FIXED_LINKS.items():
        path = out_dir / name
        if os.path.lexists(path) and not _links_to(path, target):
            found.append(f"{name} ({_kind(path)})")
    current = out_dir / CURRENT
    if os.path.lexists(current) and current_run(out_dir) is None:
        found.append(f"{CURRENT} ({_kind(current)})")
    # A WAL belongs to a writer of the file at OUT/tikdb.duckdb; tikdb removes it before
    # a swap (it would be replayed into the new file) only when that file is tikdb's.
    wal = out_dir / WAL_NAME
    if os.path.lexists(wal) and not _links_to(out_dir / DB_NAME, FIXED_LINKS[DB_NAME]):
        found.append(f"{WAL_NAME} ({_kind(wal)})")
    for name in (LOCK_NAME, LOG_NAME):
        path = out_dir / name
        if os.path.lexists(path) and (path.is_symlink() or not path.is_file()):
            found.append(f"{name} ({_kind(path)})")
    return found


def _links_to(path: Path, target: str) -> bool:
    return path.is_symlink() and os.readlink(path) == target


def _kind(path: Path) -> str:
    if path.is_symlink():
        return f"a link to {safe_text(os.readlink(path))}"
    if path.is_dir():
        return "a folder"
    if path.is_file():
        return "a file"
    return "not a regular file"


def current_run(out_dir: Path) -> str | None:
    """The run id of the published build: ``.current`` links to ``.v-<run>``."""
    link = out_dir / CURRENT
    if not link.is_symlink():
        return None
    target = os.readlink(link)
    run_id = target.removeprefix(VERSION_PREFIX)
    return run_id if target.startswith(VERSION_PREFIX) and is_run_id(run_id) else None


def current_version(out_dir: Path) -> Path | None:
    """The directory of the published build, if there is one."""
    run_id = current_run(out_dir)
    return None if run_id is None else version_dir(out_dir, run_id)


def version_dir(out_dir: Path, run_id: str) -> Path:
    return out_dir / f"{VERSION_PREFIX}{run_id}"


def _marked(path: Path, run_id: str) -> bool:
    """A real directory holding tikdb's marker with this run id."""
    marker = path / MARKER
    if path.is_symlink() or not path.is_dir() or marker.is_symlink() or not marker.is_file():
        return False
    try:
        return marker.read_text(encoding="utf-8", errors="replace").strip() == run_id
    except OSError:
        return False


def _unfinished(path: Path, run_id: str) -> bool:
    """A real directory holding at most the start of tikdb's marker for this run id: what
    a build killed while making its staging area leaves. Removing it loses nothing."""
    if path.is_symlink() or not path.is_dir():
        return False
    expected = f"{run_id}\n".encode()
    try:
        for child in path.iterdir():
            if child.name not in (MARKER, MARKER_TMP) or child.is_symlink():
                return False
            if not (child.is_file() and expected.startswith(child.read_bytes())):
                return False
    except OSError:
        return False
    return True


def kept_runs(out_dir: Path) -> list[str]:
    """The run ids of the builds kept in out_dir (tikdb's ``.v-<run>`` folders), oldest
    first."""
    runs = []
    for entry in out_dir.iterdir():
        run_id = entry.name.removeprefix(VERSION_PREFIX)
        if entry.name.startswith(VERSION_PREFIX) and is_run_id(run_id) and _marked(entry, run_id):
            runs.append(run_id)
    return sorted(runs, key=run_order)


def adopt_current(out_dir: Path) -> None:
    """Give the published folder of a previous tikdb version its marker.

    Its ``.current`` link proves it is tikdb's today; once a newer build is published the
    marker is what still proves it, so it can be listed, rolled back to and, in time,
    removed. Call only while holding the build lock.
    """
    run_id = current_run(out_dir)
    if run_id is None:
        return
    folder = version_dir(out_dir, run_id)
    marker = folder / MARKER
    if folder.is_dir() and not folder.is_symlink() and not os.path.lexists(marker):
        _write_marker(folder, run_id)


def _write_marker(folder: Path, run_id: str) -> None:
    """Write the marker whole or not at all: a temporary file renamed into place."""
    tmp = folder / MARKER_TMP
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(f"{run_id}\n".encode())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / MARKER)


# --- the lock, the staging area, the leftovers ------------------------------------------------


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
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
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


def remove_leftovers(out_dir: Path) -> None:
    """Delete what crashed builds left: their staging areas, temporary links and log.

    Only what tikdb can tell it made: a staging folder with its marker (or empty), a
    temporary link with one of the targets tikdb writes. Call only while holding the
    build lock.
    """
    for entry in out_dir.iterdir():
        name = entry.name
        if name.startswith(STAGING_PREFIX):
            run_id = name.removeprefix(STAGING_PREFIX)
            if is_run_id(run_id) and (_marked(entry, run_id) or _unfinished(entry, run_id)):
                _remove_marked_dir(entry)
        elif name.startswith(VERSION_PREFIX):
            run_id = name.removeprefix(VERSION_PREFIX)
            if is_run_id(run_id) and _unfinished(entry, run_id):
                _remove_marked_dir(entry)
        elif (
            name.startswith(LINK_PREFIX)
            and entry.is_symlink()
            and _is_own_link_target(os.readlink(entry))
        ):
            entry.unlink()
    log_tmp = out_dir / f"{LOG_NAME}.tmp"
    if log_tmp.is_file() and not log_tmp.is_symlink():
        log_tmp.unlink()


def _is_own_link_target(target: str) -> bool:
    if target in FIXED_LINKS.values():
        return True
    return target.startswith(VERSION_PREFIX) and is_run_id(target.removeprefix(VERSION_PREFIX))


def _remove_marked_dir(path: Path) -> None:
    """Delete a folder tikdb made, its marker last: a crash part-way leaves a folder that
    is still recognisably tikdb's (marked, or unfinished), for the next build to finish."""
    for child in path.iterdir():
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    with contextlib.suppress(FileNotFoundError):
        (path / MARKER).unlink()
    path.rmdir()


def new_staging(out_dir: Path, run_id: str) -> Path:
    staging = out_dir / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    _write_marker(staging, run_id)
    (staging / PARQUET_DIR).mkdir()
    (staging / "tmp").mkdir()
    return staging


# --- the swap ---------------------------------------------------------------------------------


def publish(out_dir: Path, staging: Path, run_id: str) -> None:
    """Swap a complete staged build into place. Call only while holding the build lock."""
    if Path(f"{staging / DB_NAME}.wal").exists():
        raise RuntimeError(f"{staging / DB_NAME}.wal exists: the staged database was not closed")
    shutil.rmtree(staging / "tmp", ignore_errors=True)
    os.rename(staging, version_dir(out_dir, run_id))
    _make_current(out_dir, run_id, "build")
    remove_leftovers(out_dir)


def republish(out_dir: Path, run_id: str) -> None:
    """Make a kept build the published one again (a rollback): the same single swap of
    ``.current``, recorded in the log. Call only while holding the build lock."""
    folder = version_dir(out_dir, run_id)
    if not _marked(folder, run_id):
        raise InputError(f"{out_dir}: no kept build {safe_text(run_id)}.")
    _make_current(out_dir, run_id, "rollback")
    remove_leftovers(out_dir)


def _make_current(out_dir: Path, run_id: str, action: str) -> None:
    previous = current_run(out_dir)
    _ensure_fixed_links(out_dir, run_id)
    # A WAL beside the published path belongs to a writer that crashed; DuckDB 1.5 would
    # replay it into the new file, so it must go before the new file appears.
    with contextlib.suppress(FileNotFoundError):
        os.remove(out_dir / WAL_NAME)
    fsync_path(out_dir)
    _replace_link(out_dir / CURRENT, version_dir(out_dir, run_id).name, run_id)  # commit point
    fsync_path(out_dir)
    try:
        _append_log(out_dir, LogEntry(_now(), action, run_id, previous))
    except OSError as exc:
        raise BuildError(
            f"{out_dir}: {run_id} is published, but {LOG_NAME} could not be written "
            f"({exc.strerror}), so the log lacks this swap. Free space on the disk; "
            "tikdb history shows the published build."
        ) from exc


def _ensure_fixed_links(out_dir: Path, run_id: str) -> None:
    """Make OUT/tikdb.duckdb and OUT/parquet links through .current (once)."""
    for name, target in FIXED_LINKS.items():
        path = out_dir / name
        if _links_to(path, target):
            continue
        if os.path.lexists(path):  # checked before the build; never replace it
            require_own(out_dir)
        _replace_link(path, target, run_id)


def _replace_link(path: Path, target: str, run_id: str) -> None:
    tmp = path.parent / f"{LINK_PREFIX}{path.name.lstrip('.')}-{run_id}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, path)


def remove_kept(out_dir: Path, run_id: str) -> None:
    """Delete a kept build that is not the published one. Call only while holding the
    build lock.

    The folder is first renamed to a staging name (one atomic step), so a crash while
    deleting never leaves a half-deleted build that looks kept.
    """
    folder = version_dir(out_dir, run_id)
    if run_id == current_run(out_dir) or not _marked(folder, run_id):
        return
    doomed = out_dir / f"{STAGING_PREFIX}{run_id}"
    if os.path.lexists(doomed):
        return
    os.rename(folder, doomed)
    _remove_marked_dir(doomed)


# --- the publish log --------------------------------------------------------------------------


def read_log(out_dir: Path) -> list[LogEntry]:
    """Every swap recorded in OUT/.tikdb-publish.log, oldest first."""
    path = out_dir / LOG_NAME
    if path.is_symlink() or not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
            entries.append(
                LogEntry(data["at"], data["action"], data["run_id"], data.get("previous"))
            )
        except (ValueError, KeyError, TypeError):
            entries.append(LogEntry("", "unreadable", safe_text(line[:80]), None))
    return entries


def _append_log(out_dir: Path, entry: LogEntry) -> None:
    """Add one line to the log by writing the whole new log beside it and renaming it
    over the old one: a crash leaves the old log or the new one, never a torn line."""
    path = out_dir / LOG_NAME
    old = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    line = json.dumps(
        {"at": entry.at, "action": entry.action, "run_id": entry.run_id, "previous": entry.previous}
    )
    tmp = out_dir / f"{LOG_NAME}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(old + line.encode() + b"\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_path(out_dir)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
