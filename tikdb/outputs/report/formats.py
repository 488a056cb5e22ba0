"""How the report writes numbers and times: thousands separators, a dash for unknown."""

from __future__ import annotations

from datetime import date, datetime

MISSING = "–"  # an unknown (NULL) value


def fmt_int(n: int | float | None) -> str:
    """1,234 (rounded to a whole number)."""
    return MISSING if n is None else f"{round(n):,}"


def fmt_float(x: float | None, digits: int = 1) -> str:
    return MISSING if x is None else f"{x:,.{digits}f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    return MISSING if x is None else f"{x:.{digits}f}%"


def fmt_compact(x: float) -> str:
    """Axis tick labels: 0, 250, 1.5k, 20k, 1.2M."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}" if x != int(x) else str(int(x))


def fmt_ts(value: datetime | date | None) -> str:
    """2025-10-01 08:17 for a time, 2025-10-01 for a date."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
