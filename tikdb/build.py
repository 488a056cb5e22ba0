"""``tikdb build``: read the inputs, run the SQL models in DuckDB, audit, publish.

The whole build happens in a staging area inside the output directory; the previous
warehouse is replaced only when the new one is complete and its blocking checks pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from tikdb import __version__, publish
from tikdb.checks import (
    CheckReport,
    CheckSettings,
    ChecksFailedError,
    load_rules,
    run_rules,
    store_results,
)
from tikdb.csv_input import CsvInput, open_csv, shown, write_records
from tikdb.errors import BuildError, InputError
from tikdb.models import PythonModel, execution_order, load_models, run_models, sql_dir
from tikdb.ocr_input import OcrInput, read_ocr
from tikdb.profiling import profiled
from tikdb.sqlutil import sql_string

PUBLISHED_TABLES = (
    "posts",
    "slides",
    "vas",
    "accounts",
    "post_ocr",
    "rejects",
    "import_log",
    "check_results",
)
HISTORY_TABLES = ("import_log", "check_results")
KNOWN_SOURCES = ("old_clean", "current_metrics", "sept_scrape", "oct_scrape")
RAW_INPUTS = (
    "raw.build",
    "raw.csv_records",
    "raw.csv_problems",
    "raw.ocr_records",
    "raw.ocr_file_problems",
)
# DuckDB file format readable by DuckDB 1.2 and newer (the duckdb-cli 1.5 shell included);
# DuckDB 2.0's default format is refused by every 1.x reader.
STORAGE_VERSION = "v1.2.0"
# zstd level 1 rather than DuckDB's default 3: on 1M posts the slides file is 1% larger
# and written ~1.5x faster.
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"

Progress = Callable[[str], None]
# Told each timed step of a build and its seconds (models, Parquet files, ...); steps that
# run at once overlap.
StepTimer = Callable[[str, float], None]
PARALLEL_MODELS_BELOW = 128 * 2**20  # bytes of CSV; ~170k posts
RAW_RECORDS_FILE = "csv_records.parquet"  # in the staging area's tmp/, during the build
# Where each schema's tables are created: intermediates in memory, published in the file.
CATALOGS = {"raw": "memory", "staging": "memory", "main": "wh"}


@dataclass(frozen=True)
class BuildOptions:
    csv_path: Path
    ocr_dir: Path | None
    out_dir: Path
    memory_limit: str | None = None  # e.g. "4GB"; default: default_memory_limit()
    # DuckDB's threads and the CSV scanner's workers. Polars sizes its pool when it is
    # first imported (POLARS_MAX_THREADS): `tikdb build --threads N` sets that first.
    threads: int | None = None
    check_settings: CheckSettings = field(default_factory=CheckSettings)
    # Also write posts and slides as parquet/<table>/month=YYYY-MM/*.parquet (hive layout).
    partition_by_month: bool = False
    # Save DuckDB's JSON profile of each SQL model, check rule and Parquet write here.
    profile_dir: Path | None = None


@dataclass
class BuildResult:
    run_id: str
    out_dir: Path
    db_path: Path
    table_rows: dict[str, int]
    rejects_by_reason: list[tuple[str, str, int]]
    warnings: list[str]
    elapsed_seconds: float
    checks: CheckReport | None = None


def default_memory_limit(input_bytes: int = 0) -> str:
    """DuckDB's memory limit: about the size of the input, at least 1 GiB and at most
    2 GiB or a quarter of the machine. Past it, DuckDB spills to the staging area, so
    a build never takes most of the machine and peak memory stays flat as data grows
    (10M posts, a 7.5 GB CSV, peak at 3.8 GB in all)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 8 * 2**30
    ceiling = max(2**30, min(2 * 2**30, total // 4))
    limit = min(max(input_bytes, 2**30), ceiling)
    return f"{limit // 2**20}MB"


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def build(
    options: BuildOptions, progress: Progress | None = None, steps: StepTimer | None = None
) -> BuildResult:
    """Build the warehouse from the inputs and publish it atomically.

    ``progress`` is told each phase as it starts, ``steps`` each step as it ends.
    """
    report = progress or (lambda phase: None)
    timed = _Timed(steps)
    clock = time.perf_counter()
    started = datetime.now(UTC).replace(tzinfo=None)
    run_id = new_run_id(started)
    out_dir = Path(options.out_dir)
    if options.profile_dir is not None:
        _make_profile_dir(Path(options.profile_dir))
    with publish.build_lock(out_dir):
        publish.remove_leftovers(out_dir)
        staging = publish.new_staging(out_dir, run_id)
        try:
            result = _build_staged(options, staging, run_id, started, report, timed)
            report("publishing")
            publish.publish(out_dir, staging, run_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    result.elapsed_seconds = time.perf_counter() - clock
    return result


def _make_profile_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be made a folder for query profiles ({exc.strerror}); "
            "pass another --profile folder."
        ) from exc


class _Timed:
    """``with timed("name"):`` reports the block's seconds to a StepTimer."""

    def __init__(self, steps: StepTimer | None):
        self.steps = steps

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        if self.steps:
            self.steps(name, time.perf_counter() - started)


def _build_staged(
    options: BuildOptions,
    staging: Path,
    run_id: str,
    started: datetime,
    report: Progress,
    timed: _Timed,
) -> BuildResult:
    report("reading")
    with timed("scan the CSV"):
        csv = open_csv(Path(options.csv_path), staging, options.threads)
    with timed("read the OCR"):
        ocr = read_ocr(options.ocr_dir)
    warnings = _input_warnings(options, csv, ocr)

    # The raw CSV records stay in a Parquet file in the staging area (raw.csv_records is
    # a view over it). Intermediate tables (schemas raw and staging) live in the
    # in-memory database, which spills to the staging area's tmp/ past memory_limit; the
    # published tables (schema main) are created directly in the staged file.
    threads = options.threads or os.cpu_count() or 1
    records_file = staging / "tmp" / RAW_RECORDS_FILE
    con = duckdb.connect(
        config={
            "memory_limit": options.memory_limit or default_memory_limit(csv.scan.size),
            "threads": threads,
            "temp_directory": str(staging / "tmp"),
            "preserve_insertion_order": True,
            # Big tables are written to the file as they are built; small ones wait in
            # the WAL for the final checkpoint, which runs beside the Parquet writes
            # instead of stalling a model (45k posts: ~0.2 s faster).
            "checkpoint_threshold": "1GB",
        }
    )
    try:
        staged_db = staging / publish.DB_NAME
        con.execute(
            f"ATTACH {sql_string(str(staged_db))} AS wh (STORAGE_VERSION '{STORAGE_VERSION}')"
        )
        con.execute("CREATE SCHEMA memory.raw; CREATE SCHEMA memory.staging;")
        _prepare_connection(con)
        with timed("CSV records to Parquet (Polars)"):
            _load_raw(con, csv, ocr, run_id, started, warnings, records_file)

        report("transforming")
        reject_text = PythonModel(
            "raw.csv_reject_text",
            frozenset({"staging.csv_posts", "staging.post_rows"}),
            lambda c: _load_reject_text(c, csv),
        )
        models = load_models()
        ordered = execution_order([*models, reject_text], RAW_INPUTS)
        run_models(
            con,
            ordered,
            catalogs=CATALOGS,
            workers=_jobs_at_once(threads, csv.scan.size),
            prepare_cursor=_prepare_connection,
            on_finished=timed.steps,
            profile_dir=options.profile_dir,
        )
        with timed("alignment proof, warnings, import log"):
            _assert_csv_alignment(con, csv)
            warnings.extend(_data_warnings(con))
            _write_import_log(con, options.out_dir, warnings)
        con.execute("DROP SCHEMA memory.raw CASCADE; DROP SCHEMA memory.staging CASCADE;")
        # The raw records file is ~30% of the CSV's size; free the disk before writing.
        records_file.unlink()

        report("checking")
        checks = run_rules(
            con,
            load_rules(),
            options.check_settings,
            on_finished=timed.steps,
            profile_dir=options.profile_dir,
        )
        store_results(con, run_id, checks)
        if not checks.ok:
            raise ChecksFailedError(checks)

        report("writing")
        views = tuple(m.name.split(".", 1)[1] for m in models if m.is_published_view)
        table_rows = {
            name: con.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]
            for name in PUBLISHED_TABLES
        }
        rejects = [
            tuple(row)
            for row in con.execute(
                "SELECT input, reason, count(*) FROM main.rejects "
                "GROUP BY ALL ORDER BY 1, 3 DESC, 2"
            ).fetchall()
        ]
        _write_files(
            con,
            PUBLISHED_TABLES + views,
            staging / "parquet",
            options.partition_by_month,
            jobs_at_once=_jobs_at_once(threads),
            timed=timed,
            profile_dir=options.profile_dir,
        )
        con.execute("USE memory")
        con.execute("DETACH wh")
    except duckdb.Error as exc:
        raise BuildError(
            f"{options.out_dir}: the build failed in DuckDB: {_first_line(exc)}"
        ) from exc
    finally:
        con.close()
    return BuildResult(
        run_id=run_id,
        out_dir=Path(options.out_dir),
        db_path=Path(options.out_dir) / publish.DB_NAME,
        table_rows=table_rows,
        rejects_by_reason=rejects,
        warnings=warnings,
        elapsed_seconds=0.0,
        checks=checks,
    )


def _prepare_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Name resolution and the helper macros the models need (both per connection)."""
    con.execute("USE wh")
    con.execute("SET search_path = 'wh.main,memory.staging,memory.raw'")
    con.execute((sql_dir() / "macros.sql").read_text(encoding="utf-8"))


def _jobs_at_once(threads: int, input_bytes: int = 0) -> int:
    """Statements run at once on separate cursors: two, unless one thread was asked for.

    Pass ``input_bytes`` for the models: they run two at once only on small inputs,
    where DuckDB runs each statement on one thread (a table under ~120k rows is one row
    group). Big inputs already use every thread per statement, and two models at once
    would only add memory pressure.
    """
    if threads < 2 or input_bytes >= PARALLEL_MODELS_BELOW:
        return 1
    return 2


def _write_files(
    con: duckdb.DuckDBPyConnection,
    names: tuple[str, ...],
    parquet_dir: Path,
    partition_by_month: bool,
    jobs_at_once: int,
    timed: _Timed,
    profile_dir: Path | None = None,
) -> None:
    """Checkpoint the staged DuckDB file and write ``parquet_dir/<name>.parquet`` for
    each table and view, ``jobs_at_once`` jobs at a time.

    Small tables are one row group, which DuckDB compresses (at the checkpoint) or
    writes to Parquet on one thread; running two jobs at once keeps both cores busy on
    small builds. A checkpoint runs alongside readers. Parquet files need not keep the
    tables' row order, which lets DuckDB write a big table on all threads.
    """
    con.execute("SET preserve_insertion_order = false")

    def on_cursor(step: str, *statements: str) -> None:
        with timed(step), con.cursor() as cursor:
            cursor.execute("USE wh")
            for i, statement in enumerate(statements, 1):
                # A COPY has a query plan worth profiling; a CHECKPOINT has none.
                name = step if len(statements) == 1 else f"{step} {i}"
                worth_profiling = statement.startswith("COPY")
                with profiled(cursor, profile_dir if worth_profiling else None, name):
                    cursor.execute(statement)

    jobs = [("checkpoint tikdb.duckdb", "CHECKPOINT wh")]
    for name in names:
        path = sql_string(str(parquet_dir / f"{name}.parquet"))
        jobs.append((f"{name}.parquet", f"COPY main.{name} TO {path} ({PARQUET_OPTIONS})"))
    if partition_by_month:
        jobs.append(("posts/ and slides/ by month", *_month_partition_statements(parquet_dir)))
    with ThreadPoolExecutor(jobs_at_once) as pool:
        for future in [pool.submit(on_cursor, *job) for job in jobs]:
            future.result()


def _input_warnings(options: BuildOptions, csv: CsvInput, ocr: OcrInput) -> list[str]:
    warnings = []
    if options.ocr_dir is not None and not ocr.found:
        warnings.append(f"{options.ocr_dir}: no such folder; building without OCR")
    elif ocr.found and not ocr.files:
        warnings.append(
            f"{options.ocr_dir}: no OCR files (by_va/*/ocr_posts.json or all_results.json)"
        )
    if csv.ignored_columns:
        names = ", ".join(f'"{shown(c)}"' for c in csv.ignored_columns)
        warnings.append(f"{csv.path}: ignored unknown column(s) {names}")
    return warnings


def _load_raw(
    con: duckdb.DuckDBPyConnection,
    csv: CsvInput,
    ocr: OcrInput,
    run_id: str,
    started: datetime,
    warnings: list[str],
    records_file: Path,
) -> None:
    ocr_inputs = [
        {"path": str(f.path), "bytes": f.size, "sha256": f.sha256, "records": f.records}
        for f in ocr.files
    ]
    build_row = pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "started_at": started,
                "finished_at": started,
                "built_at": started,
                "tikdb_version": __version__,
                "csv_path": str(csv.path),
                "csv_bytes": csv.scan.size,
                "csv_sha256": csv.scan.sha256,
                "csv_records": csv.scan.records,
                "csv_blank_lines": csv.scan.blank_lines,
                "csv_ignored_columns": list(csv.ignored_columns),
                "ocr_path": str(ocr.root) if ocr.found else None,
                "ocr_found": ocr.found,
                "ocr_files": len(ocr.files),
                "ocr_bytes": sum(f.size for f in ocr.files),
                "ocr_sha256": _combined_sha256(ocr),
                "ocr_records": ocr.record_count,
                "ocr_inputs": ocr_inputs,
                "warnings": list(warnings),
            }
        ],
        schema=pa.schema(
            [
                ("run_id", pa.string()),
                ("started_at", pa.timestamp("us")),
                ("finished_at", pa.timestamp("us")),
                ("built_at", pa.timestamp("us")),
                ("tikdb_version", pa.string()),
                ("csv_path", pa.string()),
                ("csv_bytes", pa.int64()),
                ("csv_sha256", pa.string()),
                ("csv_records", pa.int64()),
                ("csv_blank_lines", pa.int64()),
                ("csv_ignored_columns", pa.list_(pa.string())),
                ("ocr_path", pa.string()),
                ("ocr_found", pa.bool_()),
                ("ocr_files", pa.int64()),
                ("ocr_bytes", pa.int64()),
                ("ocr_sha256", pa.string()),
                ("ocr_records", pa.int64()),
                (
                    "ocr_inputs",
                    pa.list_(
                        pa.struct(
                            [
                                ("path", pa.string()),
                                ("bytes", pa.int64()),
                                ("sha256", pa.string()),
                                ("records", pa.int64()),
                            ]
                        )
                    ),
                ),
                ("warnings", pa.list_(pa.string())),
            ]
        ),
    )
    problems = pa.table(
        {
            "line": pa.array([p.line for p in csv.scan.problems], pa.int64()),
            "last_line": pa.array([p.last_line for p in csv.scan.problems], pa.int64()),
            "reason": pa.array([p.reason for p in csv.scan.problems], pa.string()),
            "message": pa.array([p.message for p in csv.scan.problems], pa.string()),
            "raw_text": pa.array(
                [p.raw.decode("utf-8", errors="replace") for p in csv.scan.problems], pa.string()
            ),
        }
    )
    tables = {
        "raw.build": build_row,
        "raw.csv_problems": problems,
        "raw.ocr_records": ocr.records_table(),
        "raw.ocr_file_problems": ocr.file_problems_table(),
    }
    for name, table in tables.items():
        _create_from_arrow(con, f"memory.{name}", table)
    # The records stay on disk, in a Parquet file DuckDB scans on all cores when the
    # models read them; only the typed, narrower tables are held in memory.
    records = write_records(csv, records_file)
    con.execute(
        "CREATE VIEW memory.raw.csv_records AS "
        f"SELECT * FROM read_parquet({sql_string(str(records))})"
    )


def _create_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    view = "_tikdb_arrow_input"
    con.register(view, table)
    try:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def _combined_sha256(ocr: OcrInput) -> str | None:
    """One digest over the OCR files (path and content hash of each, in order)."""
    if not ocr.files:
        return None
    digest = hashlib.sha256()
    for f in ocr.files:
        digest.update(f"{f.path.relative_to(ocr.root)}\0{f.sha256}\n".encode())
    return digest.hexdigest()


def _load_reject_text(con: duckdb.DuckDBPyConnection, csv: CsvInput) -> None:
    """Read back the raw text of the CSV records rejected by the SQL rules."""
    rows = con.execute(
        "SELECT record_no FROM staging.csv_posts WHERE reject_reason IS NOT NULL "
        "UNION ALL SELECT record_no FROM staging.post_rows WHERE NOT is_kept ORDER BY 1"
    ).fetchall()
    record_nos = [r[0] for r in rows]
    texts = []
    starts, ends = csv.scan.good_starts, csv.scan.good_ends
    with csv.path.open("rb") as f:
        for record_no in record_nos:
            start, end = int(starts[record_no]), int(ends[record_no])
            f.seek(start)
            texts.append(f.read(end - start).rstrip(b"\r\n").decode("utf-8"))
    table = pa.table(
        {"record_no": pa.array(record_nos, pa.int64()), "raw_text": pa.array(texts, pa.string())}
    )
    _create_from_arrow(con, "memory.raw.csv_reject_text", table)


def _assert_csv_alignment(con: duckdb.DuckDBPyConnection, csv: CsvInput) -> None:
    """Prove that the CSV parser saw exactly the records the scanner found.

    Same number of records, and in each one as many newlines inside fields as the record
    has extra lines. A mismatch would put wrong line numbers on rows, so it stops the build.
    """
    expected = len(csv.scan.good_starts)
    # A side that ran out of records is padded with NULLs, hence IS DISTINCT FROM.
    got, misaligned, first_bad = con.execute(
        "SELECT count(*), count(*) FILTER (misaligned), min(record_no) FILTER (misaligned) "
        "FROM (SELECT record_no, field_newlines IS DISTINCT FROM line_span - 1 AS misaligned "
        "FROM staging.csv_posts)"
    ).fetchone()
    if got != expected or misaligned:
        lines = csv.scan.good_lines
        if first_bad is not None and first_bad < len(lines):
            where = f"near line {int(lines[first_bad])}"
        else:
            where = ""
        raise BuildError(
            f"{csv.path}: the CSV parser read {got} records but the scanner found {expected} "
            f"{where}; the line numbers would be wrong, so nothing was published. "
            "Please report this with the file."
        )


def _data_warnings(con: duckdb.DuckDBPyConnection) -> list[str]:
    known = ", ".join(sql_string(s) for s in KNOWN_SOURCES)
    rows = con.execute(
        f"SELECT source, count(*) FROM main.posts WHERE source IS NOT NULL "
        f"AND source NOT IN ({known}) GROUP BY ALL ORDER BY 2 DESC, 1"
    ).fetchall()
    warnings = [f'unknown source "{source}" on {n} post(s)' for source, n in rows]
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
            f'"{shown(text)}" in {source_file} record {index}; their ocr_at is NULL, and a '
            "record of the same post with a readable timestamp wins over them"
        )
    return warnings


def _write_import_log(con: duckdb.DuckDBPyConnection, out_dir: Path, warnings: list[str]) -> None:
    for table in HISTORY_TABLES:
        con.execute((sql_dir() / "schema" / f"{table}.sql").read_text(encoding="utf-8"))
    warning = _copy_history(con, Path(out_dir) / publish.DB_NAME)
    if warning:
        warnings.append(warning)
    finished = datetime.now(UTC).replace(tzinfo=None)
    con.execute("UPDATE memory.raw.build SET finished_at = ?, warnings = ?", [finished, warnings])
    con.execute((sql_dir() / "schema" / "import_log_row.sql").read_text(encoding="utf-8"))


def _copy_history(con: duckdb.DuckDBPyConnection, live_db: Path) -> str | None:
    """Carry the build and check history of the warehouse being replaced into the new one.

    Returns a warning when the previous warehouse exists but cannot be read.
    """
    if not live_db.exists():
        return None
    try:
        con.execute(f"ATTACH {sql_string(str(live_db))} AS previous (READ_ONLY)")
    except duckdb.Error as exc:
        message = _first_line(exc)
        if "lock" in message.lower():
            raise BuildError(
                f"{live_db}: is open for writing by another process; close it (or open it "
                "with -readonly) and build again."
            ) from exc
        return (
            f"{live_db}: the previous warehouse cannot be read ({message}); "
            "its build history is not carried over"
        )
    try:
        present = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous' "
                "AND schema_name = 'main'"
            ).fetchall()
        }
        for table in HISTORY_TABLES:
            if table in present:
                con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM previous.main.{table}")
    finally:
        con.execute("DETACH previous")
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _month_partition_statements(parquet_dir: Path) -> tuple[str, ...]:
    """The statements that write posts and slides again, hive-partitioned by the post's
    UTC month.

    ``parquet/posts/month=2025-10/data_0.parquet``; a slide gets the month of its post.
    The single-file ``posts.parquet`` and ``slides.parquet`` are written as well. The
    target directories are new (inside the staging area), so no stale partition survives.
    """
    sources = {
        "posts": "SELECT *, strftime(created_at, '%Y-%m') AS month FROM main.posts",
        "slides": (
            "SELECT slides.*, strftime(posts.created_at, '%Y-%m') AS month "
            "FROM main.slides AS slides JOIN main.posts AS posts USING (post_id)"
        ),
    }
    return tuple(
        f"COPY ({select}) TO {sql_string(str(parquet_dir / name))} "
        f"({PARQUET_OPTIONS}, PARTITION_BY (month))"
        for name, select in sources.items()
    )
