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

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tikdb.errors import InputError, TikdbError, one_line
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
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
