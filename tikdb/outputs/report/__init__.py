"""``tikdb report``: self-contained HTML files about a published warehouse.

A report covers a Scope of posts (one VA's accounts or all, UTC days since .. until).
The package, in the order a report is made:

- data.py: one query per section (sql/report/<section>.sql, with the scope as named
  parameters), rows read by column name into frozen dataclasses (rows.py);
- sections.py: one function per section, from its rows to its HTML, through tables.py
  and charts.py (matplotlib, inlined as SVG);
- page.py: the document head and the sections in order (the warehouse's report, a VA's
  report, the index of the VA reports); vas.py: finding a VA, naming its file;
- markup.py: the HTML builders and the one escaping function every value goes through;
  formats.py (numbers and times) and style.py (font, colours, CSS).

Everything is inline, so a file opens offline and can be mailed around. Numbers shown
carry a ``data-metric`` attribute (and table rows a ``data-key``) so tests can find them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from tikdb.errors import NO_SPACE, DiskFullError, InputError, TikdbError, is_disk_full
from tikdb.outputs.report.data import Scope, collect, define_scope, list_vas
from tikdb.outputs.report.page import render, render_index
from tikdb.outputs.report.vas import find_va, report_file_name
from tikdb.outputs.warehouse import connect_read_only, require_current_warehouse

__all__ = ["build_report", "default_report_path", "write_per_va", "write_report"]

T = TypeVar("T")
INDEX = "index.html"


def _read(db: Path, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """fn run on the warehouse at db, opened read-only, with the scope macros defined."""
    con = connect_read_only(Path(db))
    try:
        require_current_warehouse(con, Path(db))
        define_scope(con)
        return fn(con)
    finally:
        con.close()


def _check_dates(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise InputError(
            f"--since {since.isoformat()} is after --until {until.isoformat()}. "
            "Pass a first day on or before the last day (both are included)."
        )


def _now(generated_at: datetime | None) -> datetime:
    return generated_at or datetime.now(UTC).replace(tzinfo=None)


def build_report(
    db: Path,
    generated_at: datetime | None = None,
    *,
    va: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> str:
    """The HTML report of the warehouse at db (opened read-only): of every post, or of the
    VA named va (its id or display name, any case), created on the UTC days since ..
    until (inclusive; None: no bound)."""
    _check_dates(since, until)

    def read(con):
        scope = Scope(None, since, until)
        if va is None:
            return collect(con, scope)
        found = find_va(list_vas(con, scope), va, str(db))
        return collect(con, Scope(found.va_id, since, until), found)

    data = _read(db, read)
    return render(data, Path(db), _now(generated_at))


def default_report_path(db: Path, va: str | None = None) -> Path:
    """report.html beside the database; for a VA, report-<its file name> there."""
    if va is None:
        return Path(db).parent / "report.html"
    found = _read(db, lambda con: find_va(list_vas(con, Scope()), va, str(db)))
    return Path(db).parent / f"report-{report_file_name(found)}"


def _write(out: Path, text: str) -> Path:
    """Write text to out atomically: a reader never sees half a file."""
    out = Path(out)
    if out.is_dir():
        raise InputError(
            f"{out}: is a directory; pass a file name, e.g. --out {out / 'report.html'}."
        )
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only disk even this fails
            tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFullError(
                f"{out}: the disk is full ({NO_SPACE}). Free some space there, or pass --out "
                "PATH on a disk with more room."
            ) from exc
        raise InputError(
            f"{out}: cannot be written ({exc.strerror}). Pass --out PATH in a folder you can "
            "write to."
        ) from exc
    return out


def write_report(
    db: Path,
    out: Path | None = None,
    *,
    va: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Path:
    """Write the report (see build_report) to out, by default default_report_path()."""
    text = build_report(db, va=va, since=since, until=until)
    return _write(out or default_report_path(db, va), text)


def write_per_va(
    db: Path, out_dir: Path, *, since: date | None = None, until: date | None = None
) -> list[Path]:
    """Write one report per VA into out_dir, then index.html linking them; return the
    files written, the index last."""
    _check_dates(since, until)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: is a file; pass a folder for the VA reports.")
    when = _now(None)

    def read(con):
        vas = list_vas(con, Scope(None, since, until))
        return [(va, collect(con, Scope(va.va_id, since, until), va)) for va in vas]

    reports = _read(db, read)
    named = [(va, report_file_name(va)) for va, _ in reports]
    if len({name for _, name in named}) != len(named):  # two ids with one hash prefix
        raise TikdbError(f"{db}: two VAs got the same report file name; please report this.")
    written = [
        _write(out_dir / name, render(data, Path(db), when))
        for (_, name), (_, data) in zip(named, reports, strict=True)
    ]
    index = render_index(named, Scope(None, since, until), Path(db), when)
    return [*written, _write(out_dir / INDEX, index)]
