"""The snapshot store: immutable, dated copies of the master CSV, one folder of them.

Each snapshot is two files in the folder (``data/raw/snapshots/`` by default)::

    MASTER_20261130T184500Z_0123456789ab.csv    the bytes, exactly as exported
    MASTER_20261130T184500Z_0123456789ab.json   its sidecar

The name carries the UTC observation time (to the second) and the first 12 hex digits
of the content's sha256. The sidecar records ``observed_at`` (UTC, ISO 8601), ``bytes``,
``sha256``, ``origin`` (a local path, or a sheet's key, gid or range; never credentials)
and the tikdb version that took it.

Commit protocol: both files are written under temporary dot-names in the same folder
and fsynced; the sidecar is renamed into place first, then the CSV, with the folder
fsynced after each rename. **The CSV's presence is the commit point**: a reader that
sees ``X.csv`` always finds ``X.json`` beside it. A crash between the two renames leaves
only a sidecar without its CSV, which readers ignore and the next pull removes;
temporary dot-files are ignored too. Pulls into one folder take turns through a lock
file (``.pull.lock``), so two of them never commit the same content twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from tikdb import __version__
from tikdb.contract import DEFAULT_RAW, GENERATED_ORIGIN
from tikdb.errors import InputError
from tikdb.sources.files import NotARegularFileError, file_kind, fsync_path, open_regular
from tikdb.terminal import safe_text

DEFAULT_SNAPSHOTS = DEFAULT_RAW / "snapshots"
SIDECAR_FORMAT = 1
NAME_TIME = "%Y%m%dT%H%M%SZ"
SNAPSHOT_NAME = re.compile(r"MASTER_(\d{8}T\d{6}Z)_([0-9a-f]{12})\.csv")
LOCK_NAME = ".pull.lock"
TEMP_PREFIX = ".tmp-"
# A clock a little ahead of ours is not a mistake; a time further ahead is.
FUTURE_TOLERANCE = timedelta(minutes=5)
COPY_BLOCK = 4 * 2**20


@dataclass(frozen=True)
class Snapshot:
    """One snapshot in the store, as its sidecar describes it."""

    path: Path  # the CSV
    observed_at: datetime  # UTC, timezone-aware, whole seconds
    sha256: str
    bytes: int
    origin: dict[str, Any] = field(hash=False)
    tikdb_version: str

    @property
    def sidecar_path(self) -> Path:
        return self.path.with_suffix(".json")

    @property
    def observed_text(self) -> str:
        return format_time(self.observed_at)


@dataclass(frozen=True)
class AddResult:
    """What adding a snapshot did: ``added`` a new one, or found ``snapshot`` already
    holding the same content (``was_latest``: it is the newest in the store)."""

    snapshot: Snapshot
    added: bool
    was_latest: bool = False


def format_time(moment: datetime) -> str:
    """A UTC time as ISO 8601 with a ``Z``: ``2026-11-30T18:45:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot_name(observed_at: datetime, sha256: str) -> str:
    """``MASTER_<UTC time>_<first 12 hex of sha256>.csv``."""
    return f"MASTER_{observed_at.astimezone(UTC).strftime(NAME_TIME)}_{sha256[:12]}.csv"


def parse_observed_at(text: str, now: datetime) -> datetime:
    """The time an export was taken, from ISO 8601 text: a time without an offset is UTC.

    Kept to the whole second (snapshot names have seconds). A time more than a few
    minutes after ``now`` is refused: it would sort after every real pull.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f'--observed-at "{safe_text(text)}" is not an ISO 8601 time. '
            "Pass it as 2026-11-30T18:45:00Z (a time without an offset is UTC)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if moment > now + FUTURE_TOLERANCE:
        raise InputError(
            f"--observed-at {format_time(moment)} is in the future (now is "
            f"{format_time(now)}). Pass the time the export was taken."
        )
    return moment


def utc_now() -> datetime:
    """Now, in UTC, to the whole second."""
    return datetime.now(UTC).replace(microsecond=0)


# --- reading the store --------------------------------------------------------------------


def list_snapshots(directory: Path, verify: bool = True) -> list[Snapshot]:
    """Every snapshot in ``directory``, oldest first (by ``observed_at``, then name).

    Raises InputError, naming the file, for a ``.csv`` whose name is not a snapshot's,
    a snapshot without a valid sidecar, a sidecar that disagrees with the name, and
    (with ``verify``, the default) a snapshot whose size or sha256 no longer matches
    its sidecar. A folder that does not exist holds no snapshots.
    """
    directory = Path(directory)
    if not directory.exists():
        return []
    if not directory.is_dir():
        raise InputError(f"{directory}: is not a folder. Pass the snapshots folder.")
    snapshots = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.suffix != ".csv":
            continue
        snapshot = read_snapshot(path)
        if verify:
            verify_snapshot(snapshot)
        snapshots.append(snapshot)
    snapshots.sort(key=lambda s: (s.observed_at, s.path.name))
    return snapshots


def read_snapshot(path: Path) -> Snapshot:
    """The snapshot at ``path`` (its CSV), described by its sidecar; the bytes unchecked."""
    shown = safe_text(str(path))
    match = SNAPSHOT_NAME.fullmatch(path.name)
    if match is None:
        raise InputError(
            f"{shown}: not a snapshot name (MASTER_<YYYYMMDDTHHMMSSZ>_<12 hex>.csv). "
            f"Add exports with `tikdb pull --file PATH`; move other files out of {path.parent}."
        )
    sidecar = path.with_suffix(".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{shown}: the snapshot has no sidecar {sidecar.name}. Restore it from a backup, "
            "or move the snapshot out of the folder."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{safe_text(str(sidecar))}: the sidecar cannot be read ({_short(exc)}). Restore it "
            "from a backup, or move the snapshot and its sidecar out of the folder."
        ) from None
    snapshot = _from_sidecar(path, sidecar, data)
    name_time, name_hash = match.groups()
    if snapshot.observed_at.strftime(NAME_TIME) != name_time or not snapshot.sha256.startswith(
        name_hash
    ):
        raise InputError(
            f"{shown}: the name says {name_time} and sha256 {name_hash}…, its sidecar says "
            f"{snapshot.observed_text} and {snapshot.sha256[:12]}…. A snapshot is never renamed; "
            "restore both files from a backup."
        )
    return snapshot


def verify_snapshot(snapshot: Snapshot) -> None:
    """Raise InputError unless the snapshot's bytes still match its sidecar."""
    shown = safe_text(str(snapshot.path))
    try:
        size, digest = _size_and_sha256(snapshot.path)
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot be read ({exc.strerror}). Check its permissions."
        ) from None
    if size != snapshot.bytes or digest != snapshot.sha256:
        what = (
            f"is {size} bytes, its sidecar says {snapshot.bytes}"
            if size != snapshot.bytes
            else "its content no longer matches the sha256 in its sidecar"
        )
        raise InputError(
            f"{shown}: {what}; the snapshot was changed after it was taken. Restore it from a "
            "backup, or move it and its sidecar out of the folder."
        )


def _from_sidecar(path: Path, sidecar: Path, data: object) -> Snapshot:
    shown = safe_text(str(sidecar))

    def bad(what: str) -> InputError:
        return InputError(
            f"{shown}: invalid sidecar ({what}). Restore it from a backup, or move the "
            "snapshot and its sidecar out of the folder."
        )

    if not isinstance(data, dict):
        raise bad("not a JSON object")
    for key, kind in (
        ("observed_at", str),
        ("sha256", str),
        ("bytes", int),
        ("origin", dict),
        ("tikdb_version", str),
    ):
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise bad(f'"{key}" is missing or not a {kind.__name__}')
    if not re.fullmatch(r"[0-9a-f]{64}", data["sha256"]):
        raise bad('"sha256" is not 64 lowercase hex digits')
    try:
        observed = datetime.strptime(data["observed_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise bad('"observed_at" is not a UTC time like 2026-11-30T18:45:00Z') from None
    if data["bytes"] < 0:
        raise bad('"bytes" is negative')
    return Snapshot(
        path=path,
        observed_at=observed,
        sha256=data["sha256"],
        bytes=data["bytes"],
        origin=data["origin"],
        tikdb_version=data["tikdb_version"],
    )


# --- adding to the store ------------------------------------------------------------------


def is_generated(snapshot: Snapshot) -> bool:
    """Whether tikdb generate wrote the snapshot: generated data, not a real export."""
    return snapshot.origin.get("generated") == GENERATED_ORIGIN


def require_not_generated(directory: Path, snapshots: list[Snapshot]) -> None:
    """Refuse to add a real export to a folder of generated snapshots (the shipped sample):
    every later build of the folder would mix invented posts into the real ones."""
    generated = [s for s in snapshots if is_generated(s)]
    if generated:
        where = safe_text(str(directory))
        raise InputError(
            f"{where}: holds snapshots tikdb generate wrote (generated data such as the "
            f"sample: {len(generated)} of {len(snapshots)}); a real export beside them would "
            "be built together with them. Move them elsewhere first (the sample: mv "
            f"{where} {where}-sample), or pass --snapshots DIR."
        )


def add_snapshot(
    directory: Path,
    fill: Callable[[IO[bytes]], None],
    origin: dict[str, Any],
    observed_at: datetime,
    check: Callable[[Path], None] | None = None,
) -> AddResult:
    """Add the bytes that ``fill`` writes as a snapshot observed at ``observed_at``.

    ``fill`` writes the content to the file it is given (a temporary file in
    ``directory``); ``check``, if given, may refuse the written file by raising. Content
    identical to a snapshot already in the store adds nothing. Nothing is left behind on
    failure. ``origin`` goes into the sidecar as it is: it must hold no secrets.
    """
    directory = Path(directory)
    _make_folder(directory)
    observed_at = observed_at.astimezone(UTC).replace(microsecond=0)
    with _locked(directory), _temporary(directory, ".csv") as temp:
        if origin.get("generated") != GENERATED_ORIGIN:
            # Before fill: a sheet is not downloaded only to be refused.
            require_not_generated(directory, list_snapshots(directory, verify=False))
        with temp.open("wb") as out:
            hashing = _HashingWriter(out)
            fill(hashing)
            out.flush()
            os.fsync(out.fileno())
        if check is not None:
            check(temp)
        digest = hashing.digest.hexdigest()
        existing = list_snapshots(directory, verify=False)
        for snapshot in existing:
            if snapshot.sha256 == digest:
                # The match is about to be reported as our content: make sure it still is.
                verify_snapshot(snapshot)
                return AddResult(snapshot, added=False, was_latest=snapshot is existing[-1])
        for snapshot in existing:
            # One source seen twice at one moment with two contents is a contradiction
            # (usually a mistyped --observed-at). Several sources pulled together share
            # their moment.
            if snapshot.observed_at == observed_at and same_source(snapshot.origin, origin):
                raise InputError(
                    f"{safe_text(str(directory))}: a snapshot of the same source observed at "
                    f"{format_time(observed_at)} already holds other content "
                    f"({snapshot.path.name}). Pass another --observed-at."
                )
        _remove_orphan_sidecars(directory)
        target = directory / snapshot_name(observed_at, digest)
        snapshot = Snapshot(
            path=target,
            observed_at=observed_at,
            sha256=digest,
            bytes=hashing.size,
            origin=origin,
            tikdb_version=__version__,
        )
        sidecar = {
            "format": SIDECAR_FORMAT,
            "file": target.name,
            "observed_at": format_time(observed_at),
            "bytes": hashing.size,
            "sha256": digest,
            "origin": origin,
            "tikdb_version": __version__,
        }
        with _temporary(directory, ".json") as temp_sidecar:
            temp_sidecar.write_text(
                json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            _seal(temp_sidecar)
            os.replace(temp_sidecar, snapshot.sidecar_path)
            fsync_path(directory)
        _seal(temp)
        os.replace(temp, target)  # the commit point
        fsync_path(directory)
    return AddResult(snapshot, added=True)


def add_file(source: Path, directory: Path, observed_at: datetime) -> AddResult:
    """Copy the master CSV export ``source`` (a regular file) into the store.

    The file is judged first as the build reads it (see ``check_master_csv``); the copy
    must hash the same, so a file that changes while it is copied is refused rather than
    stored half old, half new.
    """
    source = Path(source)
    check_regular_file(source)
    expected = check_master_csv(source)
    origin = {"kind": "file", "path": str(source.resolve())}

    def fill(out: IO[bytes]) -> None:
        with _open_regular(source) as src:
            while block := src.read(COPY_BLOCK):
                out.write(block)

    def same_as_checked(copy: Path) -> None:
        if _size_and_sha256(copy)[1] != expected:
            raise InputError(
                f"{safe_text(str(source))}: changed while it was being copied. Pull again once "
                "the export is complete; nothing was added."
            )

    return add_snapshot(directory, fill, origin, observed_at, same_as_checked)


def same_source(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two origins name the same source (a file's path; a sheet's key and tab)."""

    def identity(origin: dict[str, Any]) -> tuple:
        return tuple(origin.get(k) for k in ("kind", "path", "key", "gid", "range"))

    return identity(a) == identity(b)


def check_master_csv(path: Path) -> str:
    """Raise InputError unless ``path`` looks like a master CSV to the build: readable
    as CSV, a header naming every column of the contract (by name, case and spaces
    ignored), at least one record. Returns the file's sha256.

    Malformed records are not refused: the build rejects them one by one, with their
    line, from the snapshot.
    """
    from tikdb.sources.csv import match_columns
    from tikdb.sources.csv_scan import scan_csv

    scan = scan_csv(path)
    match_columns(path, scan.header)
    if scan.records == 0:
        raise InputError(
            f"{safe_text(str(path))}: has a header but no records. Export the master CSV "
            "again; nothing was added."
        )
    return scan.sha256


def check_regular_file(path: Path) -> None:
    """Raise InputError unless ``path`` is an existing, non-empty regular file.

    A named pipe, a socket or a device is refused without being opened for reading
    (opening a pipe would wait for a writer).
    """
    shown = safe_text(str(path))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(
            f"{shown}: no such file. Pass the master CSV export with --file PATH."
        ) from None
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot be read ({exc.strerror}). Check its permissions."
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown}: is a directory, not a CSV file. Pass the CSV file itself.")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{shown}: is {file_kind(info.st_mode)}, not a regular file. Pass the exported "
            "CSV file itself."
        )
    if info.st_size == 0:
        raise InputError(f"{shown}: the file is empty (0 bytes). Export the master CSV again.")


@contextlib.contextmanager
def _open_regular(path: Path) -> Iterator[IO[bytes]]:
    """Open for reading without blocking on a pipe swapped in since the check, and
    refuse anything but a regular file."""
    try:
        f, _identity = open_regular(path)
    except NotARegularFileError:
        raise InputError(
            f"{safe_text(str(path))}: is no longer a regular file; nothing was added."
        ) from None
    with f:
        yield f


class _HashingWriter:
    """A binary file wrapper that hashes and counts what goes through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._out.write(data)


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(COPY_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _make_folder(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise InputError(
            f"{safe_text(str(directory))}: is not a folder. Pass the snapshots folder with "
            "--snapshots DIR."
        )
    directory.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with (directory / LOCK_NAME).open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _temporary(directory: Path, suffix: str) -> Iterator[Path]:
    """A fresh temporary path in ``directory``, removed on the way out unless renamed."""
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=directory)
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _seal(path: Path) -> None:
    """Make the file read-only (snapshots are immutable) and flush it to disk."""
    path.chmod(0o444)
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _remove_orphan_sidecars(directory: Path) -> None:
    """Remove sidecars whose CSV never arrived (a pull that died between its renames).

    Called under the lock, so no other pull is between its two renames.
    """
    for sidecar in directory.glob("MASTER_*.json"):
        if not sidecar.with_suffix(".csv").exists():
            with contextlib.suppress(FileNotFoundError):
                sidecar.unlink()


def _short(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} at line {exc.lineno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return getattr(exc, "strerror", None) or type(exc).__name__
