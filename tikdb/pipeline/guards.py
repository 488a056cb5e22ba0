"""The publish guards: a build that passes its checks is still not published when it is
much worse than what it would replace.

Two rules, each with a threshold the caller can change:

* ``--refuse-reject-rate`` (default 0.5): no input may have more than this share of its
  records rejected. A whole export in a new, wrong shape (a trailing comma on every row)
  makes every record a reject; the checks pass on an empty warehouse, the guard does
  not. It is separate from the warn rule ``rejects__rate`` (``--max-reject-rate``,
  0.02): on the real export the OCR input has 43% rejects (OCR records of posts the CSV
  does not hold), which is worth a warning every day but must not stop the pipeline.
* ``--max-shrink`` (default 0.2): the new build may not have more than this share fewer
  posts, slides or posts with OCR than the published one. The master export only
  grows, bar a VA's accounts being removed (a few percent); a partial or truncated
  export, an emptied column or a forgotten OCR folder loses far more.
  ``--allow-shrink`` publishes a deliberate shrink. A first build (nothing published)
  has nothing to shrink from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from tikdb.contract import DEFAULT_MAX_SHRINK, DEFAULT_REFUSE_REJECT_RATE
from tikdb.engine.sqlfiles import read_sql, sql_string
from tikdb.errors import BuildError, InputError


@dataclass(frozen=True)
class PublishGuards:
    refuse_reject_rate: float = DEFAULT_REFUSE_REJECT_RATE
    max_shrink: float = DEFAULT_MAX_SHRINK
    allow_shrink: bool = False

    def validate(self) -> None:
        for option, value in (
            ("--refuse-reject-rate", self.refuse_reject_rate),
            ("--max-shrink", self.max_shrink),
        ):
            if not 0 <= value <= 1:
                raise InputError(f"{option} {value:g}: pass a share between 0 and 1.")


class PublishRefusedError(BuildError):
    """The build is complete and its checks pass, but a guard refused to publish it."""


# The published tables whose rows a build may not lose past --max-shrink, with how a
# message names their rows.
SHRINK_TABLES = {"posts": "posts", "slides": "slides", "post_ocr": "posts with OCR"}


def refuse_worse_build(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    out_dir: Path,
    published: dict[str, int] | None,
    guards: PublishGuards,
) -> None:
    """Raise PublishRefusedError when the staged build breaks a guard.

    ``published`` holds the rows of SHRINK_TABLES in the published build, None if
    there is none.
    """
    rates = con.execute(read_sql("guards", "reject_rates.sql"), {"run_id": run_id}).fetchall()
    over = [
        f"{rejected:,} of {total:,} {what} were rejected ({_percent(rejected / total)})"
        for what, total, rejected in rates
        if total and rejected / total > guards.refuse_reject_rate
    ]
    if over:
        raise PublishRefusedError(
            f"{out_dir}: not published: {'; '.join(over)}, more than --refuse-reject-rate "
            f"{guards.refuse_reject_rate:g} allows; nothing was published. Fix the input, or "
            "pass --refuse-reject-rate 1 to publish it anyway."
        )
    if published is None or guards.allow_shrink:
        return
    for table, what in SHRINK_TABLES.items():
        before = published.get(table, 0)
        if not before:
            continue
        now = con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
        lost = (before - now) / before
        if lost > guards.max_shrink:
            raise PublishRefusedError(
                f"{out_dir}: not published: the new build has {now:,} {what}, {_percent(lost)} "
                f"fewer than the {before:,} of the published build, more than --max-shrink "
                f"{guards.max_shrink:g} allows; nothing was published. Check the input, or "
                "pass --allow-shrink to publish it anyway."
            )


def _percent(share: float) -> str:
    """53.3%, 100%: one decimal, none when it is 0."""
    return f"{share:.1%}".replace(".0%", "%")


def count_published(con: duckdb.DuckDBPyConnection, live_db: Path) -> dict[str, int] | None:
    """The rows of SHRINK_TABLES in the published build, or None when there is none (or
    it cannot be read: the build then says so as a warning when it carries over the
    history)."""
    if not live_db.exists():
        return None
    try:
        con.execute(f"ATTACH {sql_string(str(live_db))} AS published (READ_ONLY)")
    except duckdb.Error:
        return None
    try:
        return {
            table: con.execute(f"SELECT count(*) FROM published.main.{table}").fetchone()[0]
            for table in SHRINK_TABLES
        }
    except duckdb.Error:
        return None
    finally:
        con.execute("DETACH published")
