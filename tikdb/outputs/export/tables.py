"""What a reporting export holds: its sheets, the date window and one scope per VA.

Every sheet is one SELECT in ``sql/export/<name>.sql`` taking the same parameters and
reading its posts through the macros of ``sql/outputs/_scope.sql`` (which the report
reads too), so the window and the VA apply the same way everywhere: ``$since`` and
``$until`` bound the UTC day of the post's ``created_at`` (inclusive), ``$all_vas`` /
``$va_id`` choose the posts of every VA or of one (a post belongs to its account's VA).
The connection must have them defined (``warehouse.define_scope``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from tikdb.engine.sqlfiles import read_sql
from tikdb.errors import InputError, QueryError, one_line


@dataclass(frozen=True)
class Sheet:
    title: str  # the worksheet's name in a workbook
    name: str  # sql/export/<name>.sql, and the CSV or Parquet file's stem


SHEETS = (
    Sheet("Summary", "summary"),
    Sheet("Posts", "posts"),
    Sheet("Top posts", "top_posts"),
    Sheet("Accounts", "accounts"),
    Sheet("Daily", "daily"),
)


@dataclass(frozen=True)
class Window:
    """The posts created from ``since`` to ``until``, UTC days, both included; None is
    no bound."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InputError(
                f"--since {self.since} is after --until {self.until}; "
                "pass a first day on or before the last."
            )

    def describe(self) -> str:
        if self.since is None and self.until is None:
            return "all posts"
        first = str(self.since) if self.since else "the first post"
        last = str(self.until) if self.until else "the last post"
        return f"posts created {first} to {last} (UTC days, inclusive)"


@dataclass(frozen=True)
class Scope:
    """The posts of one export file: every VA's, or one VA's (va_id None and not
    all_vas: the accounts with no VA)."""

    stem: str  # the file (or folder) name without extension, safe on any file system
    label: str  # who the file is about, for its title
    all_vas: bool = True
    va_id: str | None = None


EVERYONE = Scope("tikdb", "all VAs")
NO_VA = "no-va"
_UNSAFE = re.compile(r"[^\w-]+")
_MAX_STEM = 60


def safe_stem(name: str) -> str:
    """A file name stem made from an untrusted VA name: letters, digits, ``_`` and
    ``-`` only (no separators, dots, spaces or control characters), at most 60
    characters, prefixed ``va-`` so it never starts with a dot or a dash nor is a
    reserved device name (CON, NUL) on Windows."""
    text = unicodedata.normalize("NFKC", name)
    slug = _UNSAFE.sub("_", text).strip("_-")[:_MAX_STEM].strip("_-")
    return f"va-{slug or 'unnamed'}"


def scopes(con: duckdb.DuckDBPyConnection, per_va: bool, window: Window) -> list[Scope]:
    """One scope for the whole agency, or one per VA (every VA in ``vas``, even one with
    no posts in the window) plus ``no-va`` when posts of accounts with no VA fall in the
    window. Two VAs whose names give the same stem get ``-2``, ``-3``, in va_id order."""
    if not per_va:
        return [EVERYONE]
    vas = fetch_rows(con, "SELECT va_id, display_name FROM main.vas ORDER BY va_id")
    result, taken = [], {NO_VA}
    for va_id, display_name in vas:
        stem = base = safe_stem(display_name or va_id)
        n = 1
        while stem.casefold() in taken:  # case-insensitive file systems
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem.casefold())
        result.append(Scope(stem, display_name or va_id, all_vas=False, va_id=va_id))
    unassigned = Scope(NO_VA, "posts of accounts with no VA", all_vas=False, va_id=None)
    if count_rows(con, SHEETS[1], unassigned, window):
        result.append(unassigned)
    return result


def sheet_sql(sheet: Sheet) -> str:
    return read_sql("export", f"{sheet.name}.sql")


def parameters(scope: Scope, window: Window) -> dict[str, object]:
    return {
        "since": window.since,
        "until": window.until,
        "all_vas": scope.all_vas,
        "va_id": scope.va_id,
    }


@contextmanager
def sheet_reader(
    con: duckdb.DuckDBPyConnection, sheet: Sheet, scope: Scope, window: Window, batch_rows: int
) -> Iterator[pa.RecordBatchReader]:
    """The sheet's rows as Arrow batches of at most ``batch_rows`` rows, in order."""
    try:
        reader = con.sql(sheet_sql(sheet), params=parameters(scope, window)).to_arrow_reader(
            batch_rows
        )
    except duckdb.Error as exc:
        raise QueryError(f"export sheet {sheet.name}: {one_line(exc)}") from exc
    try:
        yield reader
    finally:
        reader.close()


# Writes a sheet's rows from the reader into the file at path; returns the rows written.
SheetWriter = Callable[[pa.RecordBatchReader, Path], int]


def write_sheet_files(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    window: Window,
    folder: Path,
    suffix: str,
    batch_rows: int,
    write: SheetWriter,
) -> list[tuple[Path, int]]:
    """Write ``folder/<sheet><suffix>`` for every sheet with ``write``; the files and
    their data rows. Each file is written as ``<name>.partial`` beside it and renamed
    into place only once complete, so a failure leaves the file of the same name as it
    was (and no partial file behind)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in SHEETS:
        path = folder / f"{sheet.name}{suffix}"
        partial = path.with_name(path.name + ".partial")
        try:
            with sheet_reader(con, sheet, scope, window, batch_rows) as reader:
                rows = write(reader, partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        written.append((path, rows))
    return written


def count_rows(con: duckdb.DuckDBPyConnection, sheet: Sheet, scope: Scope, window: Window) -> int:
    sql = f"SELECT count(*) FROM ({sheet_sql(sheet)})"
    return fetch_rows(con, sql, parameters(scope, window))[0][0]


def fetch_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
) -> list[tuple]:
    try:
        return con.sql(sql, params=params).fetchall()
    except duckdb.Error as exc:
        raise QueryError(one_line(exc)) from exc


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run id of the build that published this warehouse (the latest in import_log)."""
    rows = fetch_rows(con, "SELECT max_by(run_id, finished_at) FROM main.import_log")
    return rows[0][0]
