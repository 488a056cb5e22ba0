"""Warnings a build prints and records in ``import_log.warnings``: things worth saying
that do not stop the build."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tikdb.contract import SOURCES
from tikdb.sources.ocr import OcrInput
from tikdb.terminal import brief, brief_list


def input_warnings(
    ocr_dir: Path | None, ignored_columns: list[tuple[Path, tuple[str, ...]]], ocr: OcrInput
) -> list[str]:
    """What reading the inputs noticed: an OCR folder without OCR files, unknown columns
    (``ignored_columns``: each CSV file read, with the header columns it ignored).

    (A named OCR folder that does not exist stops the build before anything is read.)
    """
    warnings = []
    if ocr.found and not ocr.files:
        warnings.append(f"{ocr_dir}: no OCR files (by_va/*/ocr_posts.json or all_results.json)")
    for path, columns in ignored_columns:
        if columns:
            names = brief_list(columns)
            warnings.append(f"{path}: ignored unknown column(s) {names}")
    return warnings


def data_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the models noticed: unknown sources, OCR timestamps that are not times."""
    rows = con.execute(
        "SELECT source, count(*) FROM main.posts WHERE source IS NOT NULL "
        "AND NOT list_contains(?, source) GROUP BY ALL ORDER BY 2 DESC, 1",
        [list(SOURCES)],
    ).fetchall()
    warnings = [f'unknown source "{brief(source)}" on {n} post(s)' for source, n in rows[:5]]
    if len(rows) > 5:
        posts = sum(n for _source, n in rows[5:])
        warnings.append(f"and {len(rows) - 5:,} more unknown sources on {posts:,} post(s)")
    # A timestamp that is not a date and time loads as a NULL ocr_at, and such a record
    # loses to a dated one of the same post: say so rather than let it pass silently.
    unread = con.execute(
        "SELECT count(*) OVER (), ocr_timestamp, source_file, record_index "
        "FROM staging.ocr_records WHERE ocr_at IS NULL AND trim(ocr_timestamp) <> '' "
        "ORDER BY source_file, record_index LIMIT 1"
    ).fetchone()
    if unread:
        count, text, source_file, index = unread
        warnings.append(
            f"{count} OCR record(s) have a timestamp that is not a date and time, e.g. "
            f'"{brief(text)}" in {source_file} record {index}; their ocr_at is NULL, and a '
            "record of the same post with a readable timestamp wins over them"
        )
    return warnings
