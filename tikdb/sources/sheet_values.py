"""A sheet's rows as master CSV bytes: the columns by name in contract order, cells
written exactly, serial dates back in UTC, and the sheet's own id column judged against
post_url. Pure functions; ``sheets.py`` fetches the rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tikdb.contract import COLUMNS, ID_COLUMN
from tikdb.errors import InputError, RemoteError
from tikdb.terminal import safe_text

# A sheet's own id column, by any of these names (case, spaces and dashes ignored).
ID_NAMES = ("video_id", "post_id", "id", "videoid", "tiktok_id")
# Days are counted from here in a sheet's serial numbers (Lotus 1-2-3's leap-year bug
# folded in, as every spreadsheet does).
SERIAL_EPOCH = datetime(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31
# The id in a post URL, read as sql/macros.sql's tikdb_post_url_parts reads it.
_POST_ID = re.compile(
    r"https?://(?:www\.|m\.)?tiktok\.com/@[A-Za-z0-9._]{1,40}/(?:video|photo)/([0-9]{19})/?(?:[?#].*)?"
)


@dataclass(frozen=True)
class MasterTable:
    """A sheet written as a master CSV."""

    data: bytes
    rows: int
    ignored_columns: tuple[str, ...]
    id_conflicts: int


def to_master_csv(
    rows: Sequence[Sequence[Any]], where: str, zone: ZoneInfo | None = None
) -> MasterTable:
    """The sheet's rows (header first) as master CSV bytes.

    Cells are text, or (from the API) numbers as ``int``/``Decimal`` and booleans.
    Columns are matched by name as the build matches them and written in ``COLUMNS``
    order; columns of other names are left out (and named). Short rows are padded; cells
    past the header's end are kept, so the build rejects the row as too long; an empty
    row is a blank line (the build does not count it as a record); trailing empty rows
    are dropped. With ``zone``, date and time serial numbers are read in that zone and
    written in UTC. A sheet's id column is kept as ``video_id``: the id in post_url
    where the cell agrees with it, the cell as written where it does not (the build
    rejects such a row).
    """
    from tikdb.sources.csv import match_columns

    if not rows:
        raise RemoteError(
            f"{where}: the sheet is empty. Check the gid or range; nothing was added."
        )
    header = [cell_text(c).strip() for c in rows[0]]
    id_positions = [i for i, name in enumerate(header) if _id_key(name) in ID_NAMES]
    if len(id_positions) > 1:
        names = ", ".join(f'"{safe_text(header[i])}"' for i in id_positions)
        raise RemoteError(
            f"{where}: the header has more than one id column ({names}). Keep one; "
            "nothing was added."
        )
    id_pos = id_positions[0] if id_positions else None
    try:
        positions, unknown = match_columns(Path(where), header)
    except InputError as exc:
        raise RemoteError(str(exc)) from None
    ignored = tuple(name for name in unknown if _id_key(name) not in ID_NAMES)
    body = list(rows[1:])
    while body and _is_blank(body[-1]):
        body.pop()
    if not body:
        raise RemoteError(
            f"{where}: has a header but no rows. Check the gid or range names the master "
            "sheet; nothing was added."
        )
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # CRLF line ends and minimal quoting, as the exports have
    writer.writerow([*COLUMNS, ID_COLUMN] if id_pos is not None else COLUMNS)
    date_pos, time_pos = positions["created_date"], positions["created_time"]
    url_pos = positions["post_url"]
    conflicts = records = 0
    width = len(header)
    for cells in body:
        if _is_blank(cells):
            writer.writerow([])
            continue
        records += 1
        padded = [*cells, *[None] * (width - len(cells))]
        record = [cell_text(padded[positions[name]]) for name in COLUMNS]
        if zone is not None:
            converted = serial_to_utc(padded[date_pos], padded[time_pos], zone)
            if converted is not None:
                record[0], record[1] = converted
        if id_pos is not None:
            url_id = _url_id(cell_text(padded[url_pos]))
            cell = padded[id_pos]
            if url_id is not None and cell_text(cell).strip() != "" and id_agrees(cell, url_id):
                record.append(url_id)
            else:
                record.append(cell_text(cell))
                conflicts += url_id is not None and cell_text(cell).strip() != ""
        extra = list(padded[width:])
        while extra and cell_text(extra[-1]) == "":
            extra.pop()
        record.extend(cell_text(c) for c in extra)
        writer.writerow(record)
    return MasterTable(out.getvalue().encode("utf-8"), records, ignored, conflicts)


def cell_text(cell: Any) -> str:
    """A cell as CSV text; numbers exactly, in plain notation (``7502407048114605000``,
    ``3.77``), whole numbers without ``.0``; booleans as the sheet shows them."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):  # not from our JSON parsing; repr round-trips exactly
        cell = Decimal(repr(cell))
    if isinstance(cell, Decimal):
        if not cell.is_finite():
            return str(cell)
        if cell == cell.to_integral_value():
            return str(int(cell))
        return format(cell.normalize(), "f")
    return json.dumps(cell, ensure_ascii=False)


def serial_to_utc(date_cell: Any, time_cell: Any, zone: ZoneInfo) -> tuple[str, str] | None:
    """created_date and created_time from serial numbers read in ``zone``, in UTC.

    A date serial with a time serial (0 <= t < 1), or a date-time serial alone, is
    converted; a whole date serial alone gives its calendar date and no time (the build
    then rejects the row for its missing time). Anything else (text, or text mixed with
    a number) returns None: the cells are written as they are and the build judges them.
    Times are rounded to the second. A local time that a clock change makes ambiguous
    is read as its first occurrence; one it skips, as if the clock had not yet changed.
    """
    date = _number(date_cell)
    if date is None or not 0 <= date <= MAX_SERIAL:
        return None
    if cell_text(time_cell) == "":
        if date == date.to_integral_value():
            day = SERIAL_EPOCH + timedelta(days=int(date))
            return day.strftime("%Y-%m-%d"), ""
        seconds = (date * 86400).to_integral_value(ROUND_HALF_EVEN)
    else:
        fraction = _number(time_cell)
        if fraction is None or not 0 <= fraction < 1:
            return None
        days = int(date.to_integral_value(ROUND_FLOOR))
        seconds = days * 86400 + (fraction * 86400).to_integral_value(ROUND_HALF_EVEN)
    local = SERIAL_EPOCH + timedelta(seconds=int(seconds))
    moment = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")


def id_agrees(cell: Any, url_id: str) -> bool:
    """Whether a sheet's id cell says the same as the 19-digit id in post_url, allowing
    for what a spreadsheet does to a number: keep it as a double (``7502407048114605056``,
    ``7.502407048114605E+18``) or show it rounded (``7.50241E+18``, ``7502407048114610000``).

    Exactly the id agrees. Otherwise the cell must be a number of at most 17 significant
    digits that the id, or the double nearest to it, rounds to; or that double written in
    full. A cell of 18 or more digits that is not the id, or any other text, disagrees.
    """
    if isinstance(cell, bool):
        return False
    text = cell_text(cell).strip()
    if text == url_id:
        return True
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", text):
        text = text.replace(",", "")
    value = _number(text)
    if value is None or value <= 0:
        return False
    exact = Decimal(url_id)
    as_double = Decimal(float(exact))  # the exact value of the nearest double
    if value == as_double:
        return True
    digits = len(value.normalize().as_tuple().digits)
    if digits > 17:
        return False
    return any(
        _round_significant(candidate, digits, rounding) == value
        for candidate in (exact, as_double)
        for rounding in (ROUND_HALF_UP, ROUND_HALF_EVEN)
    )


def _round_significant(value: Decimal, digits: int, rounding: str) -> Decimal:
    exponent = value.adjusted() - digits + 1
    return value.scaleb(-exponent).to_integral_value(rounding).scaleb(exponent)


def _number(cell: Any) -> Decimal | None:
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | Decimal):
        value = Decimal(cell)
    elif isinstance(cell, str) and re.fullmatch(r"[0-9.eE+-]+", cell.strip()):
        try:
            value = Decimal(cell.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return value if value.is_finite() else None


def _url_id(url: str) -> str | None:
    match = _POST_ID.fullmatch(url.strip())
    return match.group(1) if match else None


def _id_key(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(cell_text(c) == "" for c in cells)
