"""How one value of a sheet becomes text or a cell: shared by the XLSX and CSV writers.

Untrusted text (hashtags, sound names, OCR hooks, VA names) is data in every format:
XLSX cells are always written as strings, never formulas; CSV fields that Excel would
run as a formula get the apostrophe it reads as "this is text" (see ``csv_text``).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from tikdb.outputs.render import text_value

# A text starting with one of these is a formula (or DDE command) when Excel opens a
# CSV file: "=HYPERLINK(...)", "+cmd|...", "-2+3", "@SUM(...)"; a tab or carriage return
# in front hides the rest. OWASP's CSV-injection rule, applied to text columns only.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Integers an Excel cell (an IEEE double) holds exactly; larger ones are written as text.
MAX_EXACT_NUMBER = 2**53 - 1


def is_id_column(name: str) -> bool:
    """Ids are labels, not quantities: Excel rounds a 19-digit post_id, so it is text."""
    return name == "post_id" or name.endswith("_id")


def csv_text(value: Any) -> str:
    """A value as one CSV field: NULL empty, timestamps ``2025-10-01 08:17:00`` (a
    form Excel reads as a date), lists as ``[a, b]``; text that Excel would run as a
    formula gets a leading apostrophe (``'=1+1``), which Excel shows as the text itself
    and other readers see as one extra character."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, datetime | date):
        return str(value)
    text = text_value(value, null="")
    if isinstance(value, list | tuple | dict):
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    return text


def utf16_length(text: str) -> int:
    """Excel counts a cell's characters in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def cut_text(text: str, limit: int) -> str | None:
    """``text`` cut to ``limit`` UTF-16 units with a marker saying so, or None when it
    fits. The marker tells a reader the cell is incomplete and where the whole text is."""
    if utf16_length(text) <= limit:
        return None
    marker = f" …[cut: {len(text):,} characters in all, see the Parquet export]"
    room = limit - utf16_length(marker)
    kept = text[:room]
    while utf16_length(kept) > room:  # characters beyond U+FFFF take two units
        kept = kept[: room - (utf16_length(kept) - room)]
    return kept + marker
