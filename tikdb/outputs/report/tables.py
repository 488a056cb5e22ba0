"""The report's HTML tables and the cells in them.

Every table row carries a ``data-key`` and the numbers tests look up a ``data-metric``
(cell(value, metric)), so a value can be found without parsing the layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tikdb.outputs.report.markup import Html, tag


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned, tabular figures


def text(header: str) -> Column:
    return Column(header)


def num(header: str) -> Column:
    return Column(header, numeric=True)


@dataclass(frozen=True)
class Row:
    key: str  # data-key: what identifies the row (a VA id, a rule, a run id)
    cells: tuple[object, ...]  # one per column; text is escaped, Html kept


def row(key: object, *cells: object) -> Row:
    return Row("" if key is None else str(key), cells)


def table(columns: Sequence[Column], rows: Sequence[Row]) -> Html:
    """A table with a header row; "none" in one wide cell when there are no rows."""
    kinds = ["num" if c.numeric else "" for c in columns]
    head = [tag("th", c.header, class_=kind) for c, kind in zip(columns, kinds, strict=True)]
    body = [
        tag(
            "tr",
            *(tag("td", c, class_=kind) for c, kind in zip(r.cells, kinds, strict=True)),
            data_key=r.key,
        )
        for r in rows
    ]
    if not rows:
        body.append(tag("tr", tag("td", "none", colspan=len(columns), class_="empty")))
    return tag(
        "div",
        tag("table", tag("thead", tag("tr", *head)), tag("tbody", *body)),
        class_="scroll",
    )


def stack(*parts: object) -> Html:
    """Values one under the other in one cell (a run's details, a build's counts), so a
    table keeps few columns and fits a printed page."""
    return tag("span", *(tag("span", p, class_="line") for p in parts), class_="stack")


def link(text: object, href: str) -> Html:
    """A link to href (a post's own URL, or a report file beside the page)."""
    return tag("a", text, href=href, rel="noreferrer")


def cell(value: object, metric: str | None = None) -> Html:
    """A value, and the name tests find it by when it is a metric."""
    return tag("span", value, data_metric=metric)


def long(value: object) -> Html:
    """A value that may be long (a caption, a list, a path): it wraps instead of widening
    the table."""
    return tag("span", value, class_="long")


def code(value: object) -> Html:
    """An identifier (an image id, a run id, a table name)."""
    return tag("code", value)
