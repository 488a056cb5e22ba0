"""The master CSV as an input: header checks, then a lazy Polars read of its good records.

Every column is read as text so nothing is coerced on the way in; typing and cleaning
happen in SQL. Records the scanner found malformed never reach Polars: when there are
any, the well-formed records are copied to a clean file in the staging area first.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from tikdb.contract import COLUMNS, OPTIONAL_COLUMNS
from tikdb.errors import NO_SPACE, BuildError, InputError, is_disk_full, one_line
from tikdb.sources.csv_scan import WORKERS, ScanResult, scan_csv
from tikdb.sources.files import CHANGED, is_unchanged, open_regular, require_utf8_path
from tikdb.terminal import brief


@dataclass(frozen=True)
class CsvInput:
    """A scanned master CSV, ready to be read."""

    scan: ScanResult
    # column name -> position in the file's header; an optional column only when present
    positions: dict[str, int]
    ignored_columns: tuple[str, ...]
    parse_path: Path  # the file itself, or a clean copy without malformed records

    @property
    def path(self) -> Path:
        return self.scan.path

    def require_unchanged(self) -> None:
        """Raise an InputError if the file changed since it was scanned: what is read
        from it now would not be what its size, sha256 and records describe."""
        if not is_unchanged(self.path, self.scan.identity):
            raise InputError(f"{self.path}: {CHANGED}")

    def reopen(self) -> BinaryIO:
        """The scanned file, open again for reading."""
        return reopen(self.scan)


def reopen(scan: ScanResult) -> BinaryIO:
    """The scanned file, open again; an InputError if the path no longer names it (it was
    replaced, removed, written to, or swapped for a FIFO that would block the read)."""
    try:
        f, identity = open_regular(scan.path)
    except OSError as exc:
        raise InputError(f"{scan.path}: {CHANGED}") from exc
    if identity != scan.identity:
        f.close()
        raise InputError(f"{scan.path}: {CHANGED}")
    return f


def open_csv(path: Path, work_dir: Path, threads: int | None = None) -> CsvInput:
    """Scan ``path`` (on at most ``threads`` threads), check its header, and prepare the
    records for reading.

    Raises InputError for a file that is not a usable master CSV.
    """
    require_utf8_path(path, "rename the file (or its folder) and build again")
    scan = scan_csv(path, workers=WORKERS if threads is None else min(WORKERS, threads))
    positions, ignored = match_columns(path, scan.header)
    if scan.records == 0:
        raise InputError(
            f"{path}: has a header but no records. Export the master CSV again; "
            "nothing was published."
        )
    parse_path = path if scan.is_clean else _write_clean_copy(scan, work_dir / "clean.csv")
    csv = CsvInput(scan, positions, ignored, parse_path)
    csv.require_unchanged()  # the clean copy holds what was scanned
    return csv


def match_columns(path: Path, header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Map each expected column, and each optional one present, to its position by name
    (case and spaces ignored)."""
    known = COLUMNS + OPTIONAL_COLUMNS
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.strip().lower()
        if key in seen and key in known:
            raise InputError(
                f'{path}: column "{key}" appears twice in the header (columns {seen[key] + 1} '
                f"and {i + 1}). Remove one of them."
            )
        seen.setdefault(key, i)
    unknown = tuple(name for name in header if name.strip().lower() not in known)
    missing = [name for name in COLUMNS if name not in seen]
    if missing:
        found = f'; found unknown column "{brief(unknown[0])}"' if unknown else ""
        plural = "s" if len(missing) > 1 else ""
        names = ", ".join(f'"{m}"' for m in missing)
        raise InputError(
            f"{path}: column{plural} {names} missing (header has {len(header)} "
            f"column{'s' if len(header) != 1 else ''}{found}). "
            f"The header must name: {','.join(COLUMNS)}."
        )
    return {name: seen[name] for name in known if name in seen}, unknown


def _write_clean_copy(scan: ScanResult, target: Path) -> Path:
    """Copy the header and the well-formed records, in order, to ``target``.

    Consecutive records are copied as one byte range. A file whose records end in
    CR CR LF gets plain LF line ends instead, so no CR reaches the last field.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with reopen(scan) as src, target.open("wb") as out:
        out.write(src.read(scan.header_end))
        if scan.odd_line_ends:
            for start, end in zip(scan.good_starts.tolist(), scan.good_ends.tolist(), strict=True):
                src.seek(start)
                out.write(src.read(end - start).rstrip(b"\r\n") + b"\n")
            return target
        for start, end in _merged_ranges(scan):
            src.seek(start)
            remaining = end - start
            while remaining:
                block = src.read(min(remaining, 16 * 2**20))
                out.write(block)
                remaining -= len(block)
    return target


def _merged_ranges(scan: ScanResult) -> list[tuple[int, int]]:
    """Byte ranges of consecutive good records, merged so the copy is a few big reads."""
    ranges: list[tuple[int, int]] = []
    for start, end in zip(scan.good_starts.tolist(), scan.good_ends.tolist(), strict=True):
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def write_records(csv: CsvInput, target: Path) -> Path:
    """Write the good records to a Parquet file: text columns, ``record_no``, ``line``,
    ``line_span`` and ``field_newlines``; return ``target``.

    ``record_no`` is the 0-based position among the good records. Polars streams the
    file on all cores with bounded memory, and DuckDB then reads the Parquet file in
    parallel straight from disk; the raw text is never held in memory as a whole (a
    Python Arrow stream is read on one thread, and a table of it costs its full size).
    """
    ncols = len(csv.scan.header)
    records = (
        pl.scan_csv(
            csv.parse_path,
            has_header=False,
            skip_rows=1,
            schema={f"c{i}": pl.String for i in range(ncols)},
            empty_string_is_null=False,
            quote_char='"',
            raise_if_empty=False,
        )
        .select(
            *(pl.col(f"c{pos}").alias(name) for name, pos in csv.positions.items()),
            # An optional column the file lacks is read as all NULL, so the models see it.
            *(
                pl.lit(None, pl.String).alias(name)
                for name in OPTIONAL_COLUMNS
                if name not in csv.positions
            ),
            # Newlines inside the fields: must equal the lines the record spans minus one,
            # which proves that Polars and the scanner split the file the same way.
            pl.sum_horizontal(
                pl.col(f"c{i}").str.count_matches("\n", literal=True) for i in range(ncols)
            )
            .cast(pl.Int64)
            .alias("field_newlines"),
        )
        .with_row_index("record_no")
    )
    # The scanner's line numbers, side by side with the parsed records (the build proves
    # that each record's newlines match its line span). Different heights fail the sink.
    lines = pl.LazyFrame(
        {"line": csv.scan.good_lines, "line_span": csv.scan.good_line_spans},
        schema={"line": pl.Int64, "line_span": pl.Int64},
    )
    frame = pl.concat([records, lines], how="horizontal").with_columns(
        pl.col("record_no").cast(pl.Int64)
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    csv.require_unchanged()
    # lz4: as fast to write as no compression, and a third of the disk space.
    try:
        frame.sink_parquet(target, compression="lz4", statistics=False)
    except pl.exceptions.ShapeError as exc:
        csv.require_unchanged()  # a file written to meanwhile is the likely cause
        raise BuildError(
            f"{csv.path}: the CSV parser and the scanner found different numbers of records; "
            "the line numbers would be wrong, so nothing was published. "
            "Please report this with the file."
        ) from exc
    except pl.exceptions.PolarsError as exc:
        csv.require_unchanged()
        # Polars may report a full disk as a malformed Parquet file; the input is not to
        # blame, so say what happened when the disk has no room left.
        if is_disk_full(exc) or shutil.disk_usage(target.parent).free < 2**20:
            raise OSError(errno.ENOSPC, NO_SPACE, str(target)) from exc
        raise BuildError(f"{csv.path}: the CSV parser failed: {one_line(exc)}") from exc
    csv.require_unchanged()
    return target
