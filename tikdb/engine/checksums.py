"""The sha256 of every file a build publishes: recorded by the build, verified by a check.

A build writes ``SHA256SUMS`` into its own folder (``.v-<run>/``, beside the DuckDB file)
once the DuckDB file and the Parquet files are complete and before the swap, in the
format of ``sha256sum``: ``cd data/warehouse/.current && sha256sum -c SHA256SUMS``
verifies it by hand. ``tikdb check`` hashes the files as they are now and hands both
lists to the rule ``published_files__checksums`` (as temporary tables, never as SQL
text), which fails on a file changed, added or removed since the build.

The published files are the DuckDB file, its ``.wal`` if one appeared (a writer's
uncheckpointed changes, which readers would see), and everything under ``parquet/``.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from tikdb.contract import CHECKSUMS_NAME, DB_NAME, PARQUET_DIR
from tikdb.errors import TikdbError
from tikdb.sources.files import NotARegularFileError, open_regular

RULE = "published_files__checksums"
_LINE = re.compile(r"([0-9a-f]{64})  (\S(?:.*\S)?)")
_SCHEMA = pa.schema([("file", pa.string()), ("sha256", pa.string())])


@dataclass(frozen=True)
class FileDigests:
    """(file, sha256) pairs, paths relative to the build's folder: as the build recorded
    them, and as they are now. A sha256 is None where there is none to compare (the
    checksum file itself, or something that is not a regular file)."""

    recorded: list[tuple[str, str | None]] = field(default_factory=list)
    actual: list[tuple[str, str | None]] = field(default_factory=list)


# During a build nothing is published yet: both lists are empty and the rule passes.
NOTHING_PUBLISHED = FileDigests()


def published_files(folder: Path) -> list[str]:
    """The published files in a build's folder, relative, in a stable order."""
    names = [name for name in (DB_NAME, f"{DB_NAME}.wal") if os.path.lexists(folder / name)]
    parquet = folder / PARQUET_DIR
    found = []
    for root, dirs, files in os.walk(parquet):
        dirs.sort()
        for name in files:
            found.append((Path(root) / name).relative_to(folder).as_posix())
    return names + sorted(found)


def sha256_file(path: Path) -> str | None:
    """The file's sha256, or None when it is not a regular file."""
    try:
        f, _identity = open_regular(path)
    except NotARegularFileError:
        return None
    digest = hashlib.sha256()
    with f:
        while block := f.read(4 * 2**20):
            digest.update(block)
    return digest.hexdigest()


def _digests(folder: Path, names: list[str]) -> list[tuple[str, str | None]]:
    # hashlib releases the GIL on big blocks: two threads keep two cores busy.
    with ThreadPoolExecutor(2) as pool:
        return list(zip(names, pool.map(lambda n: sha256_file(folder / n), names), strict=True))


def record_checksums(folder: Path) -> Path:
    """Write ``folder/SHA256SUMS`` for the published files in ``folder``; return it."""
    lines = "".join(f"{sha}  {name}\n" for name, sha in _digests(folder, published_files(folder)))
    target = folder / CHECKSUMS_NAME
    tmp = folder / f".{CHECKSUMS_NAME}.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return target


def read_checksums(path: Path) -> list[tuple[str, str]]:
    """The (file, sha256) lines of a SHA256SUMS file."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _LINE.fullmatch(line)
        if not match:
            raise TikdbError(
                f"{path}: line {number} is not '<sha256>  <file>'; the record of the "
                "published files was edited. Rebuild the warehouse with `tikdb build`."
            )
        entries.append((match.group(2), match.group(1)))
    return entries


def file_digests(db: Path) -> FileDigests:
    """What the build of the warehouse at ``db`` recorded, and the files as they are now.

    The checksum file is listed on both sides without a hash: one that is missing shows
    as a missing file, and every file as not recorded.
    """
    folder = Path(db).resolve().parent
    checksums = folder / CHECKSUMS_NAME
    recorded: list[tuple[str, str | None]] = [(CHECKSUMS_NAME, None)]
    actual: list[tuple[str, str | None]] = []
    if os.path.lexists(checksums):
        recorded += read_checksums(checksums)
        actual.append((CHECKSUMS_NAME, None))
    actual += _digests(folder, published_files(folder))
    return FileDigests(recorded, actual)


def load_digests(con: duckdb.DuckDBPyConnection, digests: FileDigests) -> None:
    """Create the temporary tables ``published_files_recorded`` and
    ``published_files_actual`` (file, sha256) that the rule compares."""
    for name, pairs in (
        ("published_files_recorded", digests.recorded),
        ("published_files_actual", digests.actual),
    ):
        table = pa.Table.from_pylist([{"file": f, "sha256": s} for f, s in pairs], schema=_SCHEMA)
        view = "_tikdb_digests"
        con.register(view, table)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {view}")
        finally:
            con.unregister(view)
