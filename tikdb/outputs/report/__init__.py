"""``tikdb report``: one self-contained HTML file about a published warehouse.

The package, in the order a report is made:

- data.py: one query per section (sql/report/<section>.sql), rows read by column name
  into frozen dataclasses (rows.py);
- sections.py: one function per section, from its rows to its HTML, through tables.py
  and charts.py (inline SVG; axes.py holds what the charts share);
- page.py: the document head and the sections in order;
- markup.py: the HTML builders and the one escaping function every value goes through;
  formats.py (numbers and times) and style.py (font, colours, CSS).

Everything is inline, so the file opens offline and can be mailed around. Numbers shown
carry a ``data-metric`` attribute (and table rows a ``data-key``) so tests can find them.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tikdb.errors import NO_SPACE, DiskFullError, InputError, TikdbError, is_disk_full, one_line
from tikdb.outputs.report.data import collect
from tikdb.outputs.report.page import render
from tikdb.outputs.warehouse import connect_read_only

__all__ = ["build_report", "write_report"]


def build_report(db: Path, generated_at: datetime | None = None) -> str:
    """The HTML report of the warehouse at db (opened read-only)."""
    con = connect_read_only(Path(db))
    try:
        try:
            data = collect(con)
        except duckdb.CatalogException as exc:
            raise TikdbError(
                f"{db}: {one_line(exc)} The warehouse predates the analytics views; "
                "rebuild it with `tikdb build`."
            ) from exc
    finally:
        con.close()
    when = generated_at or datetime.now(UTC).replace(tzinfo=None)
    return render(data, Path(db), when)


def write_report(db: Path, out: Path) -> Path:
    """Write the report to out (atomically: a reader never sees half a file)."""
    text = build_report(db)
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
