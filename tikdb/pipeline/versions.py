"""The builds kept in a warehouse directory: list them, keep the last few, roll back.

A build that is published stays in ``OUT/.v-<run>/`` after newer builds replace it, so
an earlier build can be made the published one again (``tikdb rollback``) with the same
single swap of ``.current`` that publishes a build. After each build, tikdb keeps the
``keep`` most recent builds by run id (the order they started) plus the published one,
and deletes the others; a rollback deletes nothing, so it can itself be undone by
rolling back to the newer build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from tikdb.contract import DB_NAME, PARQUET_DIR
from tikdb.errors import InputError, one_line
from tikdb.pipeline import publish
from tikdb.terminal import safe_text

COUNTED_TABLES = ("posts", "slides", "post_ocr", "rejects")


@dataclass(frozen=True)
class KeptBuild:
    """A build kept in the warehouse directory, as its own database describes it."""

    run_id: str
    published: bool
    started_at: datetime | None = None
    csv_path: str | None = None
    csv_sha256: str | None = None
    ocr_path: str | None = None
    ocr_sha256: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows, COUNTED_TABLES
    failed_checks: list[tuple[str, str, int]] = field(default_factory=list)  # rule, severity, rows
    problem: str | None = None  # why its database could not be read


@dataclass(frozen=True)
class History:
    out_dir: Path
    builds: list[KeptBuild]  # newest first
    log: list[publish.LogEntry]  # oldest first


@dataclass(frozen=True)
class Rollback:
    out_dir: Path
    run_id: str  # the build published now
    previous: str  # the build published before
    changed: bool  # False when run_id was already the published build


def history(out_dir: Path) -> History:
    """The kept builds of a warehouse directory, newest first, and its publish log."""
    out_dir = Path(out_dir)
    published = _require_warehouse(out_dir)
    runs = publish.kept_runs(out_dir)
    if published not in runs:
        # An earlier tikdb marked no build; its published one is adopted (marked) by the
        # next build or rollback, which history, being read-only, does not do.
        runs = sorted([*runs, published], key=publish.run_order)
    builds = [_describe(out_dir, run_id, run_id == published) for run_id in reversed(runs)]
    return History(out_dir, builds, publish.read_log(out_dir))


def prune(out_dir: Path, keep: int) -> list[str]:
    """Delete the kept builds beyond the ``keep`` most recent and the published one;
    returns their run ids. Call only while holding the build lock."""
    runs = publish.kept_runs(out_dir)
    kept = set(runs[-keep:]) | {publish.current_run(out_dir)}
    removed = [run_id for run_id in runs if run_id not in kept]
    for run_id in removed:
        publish.remove_kept(out_dir, run_id)
    return removed


def require_keep(keep: int) -> None:
    if keep < 1:
        raise InputError(f"--keep {keep}: keep at least 1 build (the published one).")


def rollback(out_dir: Path, run_id: str | None = None) -> Rollback:
    """Make a kept build the published one: ``run_id``, or by default the newest build
    older than the published one. Newer builds stay, so the rollback can be undone."""
    out_dir = Path(out_dir)
    _require_warehouse(out_dir)
    publish.require_own(out_dir)
    with publish.build_lock(out_dir):
        publish.require_own(out_dir)
        publish.adopt_current(out_dir)
        current = publish.current_run(out_dir)
        runs = publish.kept_runs(out_dir)
        target = run_id if run_id is not None else _previous(out_dir, runs, current)
        if target not in runs:
            raise InputError(
                f"{out_dir}: no kept build {safe_text(target)}. "
                f"tikdb history --out {out_dir} lists the kept builds."
            )
        if target == current:
            return Rollback(out_dir, target, current, changed=False)
        _require_whole(out_dir, target)
        publish.republish(out_dir, target)
    return Rollback(out_dir, target, current, changed=True)


def _previous(out_dir: Path, runs: list[str], current: str) -> str:
    older = [r for r in runs if publish.run_order(r) < publish.run_order(current)]
    if not older:
        raise InputError(
            f"{out_dir}: no build older than the published {current} is kept, so there is "
            f"nothing to roll back to. tikdb history --out {out_dir} lists the kept builds."
        )
    return older[-1]


def _require_warehouse(out_dir: Path) -> str:
    """The run id of the published build; an InputError when out_dir has none."""
    run_id = publish.current_run(out_dir) if out_dir.is_dir() else None
    if run_id is None:
        raise InputError(
            f"{out_dir}: no tikdb warehouse here. Build one with tikdb build, or pass --out DIR."
        )
    return run_id


def _require_whole(out_dir: Path, run_id: str) -> None:
    folder = publish.version_dir(out_dir, run_id)
    db, parquet = folder / DB_NAME, folder / PARQUET_DIR
    if db.is_symlink() or not db.is_file() or parquet.is_symlink() or not parquet.is_dir():
        raise InputError(
            f"{folder}: the kept build {run_id} lacks its {DB_NAME} or {PARQUET_DIR}/ folder; "
            "it cannot be published. Pick another with tikdb history."
        )


def _describe(out_dir: Path, run_id: str, published: bool) -> KeptBuild:
    """What a kept build's own database says about it, read-only."""
    db = publish.version_dir(out_dir, run_id) / DB_NAME
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        return KeptBuild(run_id, published, problem=f"cannot be read: {one_line(exc)}")
    try:
        rows_columns = ", ".join(f"rows_{t}" for t in COUNTED_TABLES)
        row = con.execute(
            "SELECT started_at, csv_path, csv_sha256, ocr_path, ocr_sha256, "
            f"{rows_columns} FROM main.import_log WHERE run_id = ?",
            [run_id],
        ).fetchone()
        if row is None:
            return KeptBuild(run_id, published, problem="its import_log has no row for this run")
        failed = con.execute(
            "SELECT rule, severity, offending_rows FROM main.check_results "
            "WHERE run_id = ? AND NOT passed ORDER BY severity, rule",
            [run_id],
        ).fetchall()
    except duckdb.Error as exc:
        return KeptBuild(run_id, published, problem=f"cannot be read: {one_line(exc)}")
    finally:
        con.close()
    started_at, csv_path, csv_sha256, ocr_path, ocr_sha256, *counts = row
    return KeptBuild(
        run_id,
        published,
        started_at=started_at,
        csv_path=csv_path,
        csv_sha256=csv_sha256,
        ocr_path=ocr_path,
        ocr_sha256=ocr_sha256,
        rows=dict(zip(COUNTED_TABLES, counts, strict=True)),
        failed_checks=[tuple(r) for r in failed],
    )
