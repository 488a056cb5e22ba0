"""``tikdb build``: the phases of a build, in order.

Reading (each snapshot parsed, or its parse taken from the cache; the OCR) →
transforming (the SQL models in DuckDB) → checking (the rules) → writing (the DuckDB
file and Parquet) → publishing (one atomic swap). The whole build happens in a staging
area inside the output directory; the previous warehouse is replaced only when the new
one is complete and its blocking checks pass.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tikdb.contract import (
    CHECKSUMS_NAME,
    DB_NAME,
    DEFAULT_CSV,
    DEFAULT_KEEP,
    DEFAULT_OCR,
    PARQUET_DIR,
    PUBLISHED_TABLES,
)
from tikdb.engine.checks import (
    CheckReport,
    CheckSettings,
    ChecksFailedError,
    load_rules,
    run_rules,
    store_results,
)
from tikdb.engine.checksums import record_checksums
from tikdb.engine.connection import (
    CATALOGS,
    connect_for_build,
    default_memory_limit,
    jobs_at_once,
    prepare_cursor,
)
from tikdb.engine.models import execution_order, load_models, run_models
from tikdb.engine.steps import StepListener, Steps
from tikdb.errors import (
    NO_SPACE,
    BuildError,
    DiskFullError,
    InputError,
    TikdbError,
    is_disk_full,
    one_line,
)
from tikdb.pipeline import publish, versions
from tikdb.pipeline.cache import ParseCache, Parsed
from tikdb.pipeline.files import write_files
from tikdb.pipeline.guards import PublishGuards, count_published, refuse_worse_build
from tikdb.pipeline.history import write_import_log
from tikdb.pipeline.parse import parse_snapshot
from tikdb.pipeline.raw import RAW_INPUTS, SnapshotFile, load_raw
from tikdb.pipeline.warnings import data_warnings, input_warnings
from tikdb.sources.files import require_utf8_path
from tikdb.sources.ocr import read_ocr

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    # The one master CSV to build from (observed at the build's start), or None when
    # building from ``snapshots``.
    csv_path: Path | None
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
    # After publishing, keep this many of the most recent builds (and the published one)
    # for `tikdb rollback`; delete older ones.
    keep: int = DEFAULT_KEEP
    # When a build that passes its checks is still not published (much worse than the
    # published one).
    guards: PublishGuards = field(default_factory=PublishGuards)
    # Build from these snapshots (oldest first) instead of csv_path; ``snapshots_dir`` is
    # the folder they were listed from, recorded as the build's CSV input.
    snapshots: tuple[SnapshotFile, ...] = ()
    snapshots_dir: Path | None = None
    # Reuse (and keep) each snapshot's parse in OUT/.tikdb-cache/; False parses every
    # snapshot again. A --csv build never uses the cache: its observation time is new.
    use_cache: bool = True


@dataclass
class BuildResult:
    run_id: str
    out_dir: Path
    db_path: Path
    table_rows: dict[str, int]
    rejects_by_reason: list[tuple[str, str, int]]
    warnings: list[str]
    elapsed_seconds: float
    # Every rule's result; the build was published, so only warn rules can have failed.
    checks: CheckReport = field(default_factory=lambda: CheckReport([]))
    parsed: list[Parsed] = field(default_factory=list)  # each snapshot's parse, in order


def input_paths(csv_path: Path | None, ocr_dir: Path | None) -> tuple[Path, Path | None]:
    """The CSV and the OCR folder a build reads, from what the command line was given.

    The default OCR folder (data/raw/october_ocr_data) holds the OCR of the posts in the
    default CSV beside it, so it applies only together with that CSV, and only if it is
    there (OCR is optional). With another CSV and no OCR folder the build has no OCR:
    OCR records of posts not in the CSV would only become rejects.
    """
    csv = DEFAULT_CSV if csv_path is None else Path(csv_path)
    if ocr_dir is not None:
        return csv, Path(ocr_dir)
    if csv.resolve() == DEFAULT_CSV.resolve() and DEFAULT_OCR.is_dir():
        return csv, DEFAULT_OCR
    return csv, None


def new_run_id(now: datetime) -> str:
    """The start time to the microsecond, so run ids sort in the order builds started
    (kept builds are pruned in that order), then a random part."""
    return f"{now:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


def build(
    options: BuildOptions, progress: Progress | None = None, steps: StepListener | None = None
) -> BuildResult:
    """Build the warehouse from the inputs and publish it atomically.

    ``progress`` is told each phase as it starts, ``steps`` each step as it ends. A
    full disk, or an --out that cannot be written, is one line naming --out.
    """
    out_dir = Path(options.out_dir)
    try:
        return _build(options, progress, steps)
    except DiskFullError:
        raise
    except (TikdbError, OSError) as exc:
        if is_disk_full(exc):
            raise DiskFullError(
                f"{out_dir}: the disk is full ({NO_SPACE}). Free some space there, or pass "
                "--out on a disk with more room, and build again."
            ) from exc
        if isinstance(exc, TikdbError):
            raise
        raise _write_failure(out_dir, exc) from exc


def _write_failure(out_dir: Path, exc: OSError) -> TikdbError:
    """The one-line error for a failure of the operating system during a build."""
    where = Path(exc.filename) if exc.filename else out_dir
    inside = Path(os.path.abspath(where)).is_relative_to(os.path.abspath(out_dir))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and inside:
        return InputError(
            f"{out_dir}: cannot be written ({exc.strerror}). Pass an --out folder you can write to."
        )
    return BuildError(f"{where}: {exc.strerror}; the build stopped. Fix this and build again.")


def _build(
    options: BuildOptions, progress: Progress | None = None, steps: StepListener | None = None
) -> BuildResult:
    report = progress or (lambda phase: None)
    clock = time.perf_counter()
    started = datetime.now(UTC).replace(tzinfo=None)
    run_id = new_run_id(started)
    out_dir = Path(options.out_dir)
    require_utf8_path(out_dir, "pass another --out DIR")
    _require_ocr_dir(options.ocr_dir)
    versions.require_keep(options.keep)
    options.guards.validate()
    # Before anything is made or changed in out_dir: is what it holds tikdb's?
    publish.require_own(out_dir)
    if options.profile_dir is not None:
        require_utf8_path(options.profile_dir, "pass another --profile DIR")
        _make_profile_dir(Path(options.profile_dir))
    with publish.build_lock(out_dir):
        publish.require_own(out_dir)
        publish.adopt_current(out_dir)
        publish.remove_leftovers(out_dir)
        staging = publish.new_staging(out_dir, run_id)
        try:
            result = _build_staged(options, staging, run_id, started, report, Steps(steps))
            report("publishing")
            publish.publish(out_dir, staging, run_id)
            if options.use_cache and options.snapshots:
                # The cache keeps what the published build read, nothing more.
                ParseCache(out_dir).keep_only(result.parsed)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        versions.prune(out_dir, options.keep)
    result.elapsed_seconds = time.perf_counter() - clock
    return result


def _require_ocr_dir(ocr_dir: Path | None) -> None:
    """An OCR folder that was named must be there: building without it would publish a
    warehouse that silently lacks the OCR the user asked for."""
    if ocr_dir is not None and not Path(ocr_dir).exists():
        raise InputError(
            f"{ocr_dir}: no such folder. Pass the OCR folder with --ocr DIR, "
            "or leave --ocr out to build without OCR."
        )


def _make_profile_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be made a folder for query profiles ({exc.strerror}); "
            "pass another --profile folder."
        ) from exc


def _build_staged(
    options: BuildOptions,
    staging: Path,
    run_id: str,
    started: datetime,
    report: Progress,
    steps: Steps,
) -> BuildResult:
    report("reading")
    files, csv_input = _csv_inputs(options, started)
    threads = options.threads or os.cpu_count() or 1
    cache = ParseCache(options.out_dir) if options.use_cache and options.snapshots else None
    parsed = _parse_all(files, cache, options, staging, run_id, threads, steps)
    with steps("read the OCR"):
        ocr = read_ocr(options.ocr_dir)
    ignored = [(f.path, p.result.ignored_columns) for f, p in zip(files, parsed, strict=True)]
    warnings = input_warnings(options.ocr_dir, ignored, ocr)
    if cache:
        warnings.extend(cache.warnings)
    input_bytes = sum(p.result.bytes for p in parsed)

    # Intermediate tables (schemas raw and staging) live in the in-memory database,
    # which spills to the staging area's tmp/ past memory_limit; the parsed rows stay in
    # their Parquet files; the published tables (schema main) are created directly in
    # the staged file.
    memory_limit = options.memory_limit or default_memory_limit(input_bytes)
    try:
        con = connect_for_build(staging / DB_NAME, staging / "tmp", memory_limit, threads)
    except duckdb.Error as exc:
        raise BuildError(f"{options.out_dir}: the build failed in DuckDB: {one_line(exc)}") from exc
    try:
        with steps("load the raw tables"):
            load_raw(con, csv_input, files, parsed, ocr, run_id, started, warnings)

        report("transforming")
        models = load_models()
        run_models(
            con,
            execution_order(models, RAW_INPUTS),
            catalogs=CATALOGS,
            workers=jobs_at_once(threads, input_bytes),
            prepare_cursor=prepare_cursor,
            steps=steps,
            profile_dir=options.profile_dir,
        )
        with steps("warnings, import log"):
            warnings.extend(data_warnings(con))
            write_import_log(con, Path(options.out_dir) / DB_NAME, warnings)
        con.execute("DROP SCHEMA memory.raw CASCADE; DROP SCHEMA memory.staging CASCADE;")

        report("checking")
        checks = run_rules(
            con,
            load_rules(),
            options.check_settings,
            steps=steps,
            profile_dir=options.profile_dir,
        )
        store_results(con, run_id, checks)
        if not checks.ok:
            raise ChecksFailedError(checks)
        published = count_published(con, Path(options.out_dir) / DB_NAME)
        refuse_worse_build(con, run_id, Path(options.out_dir), published, options.guards)

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
        write_files(
            con,
            PUBLISHED_TABLES + views,
            staging / PARQUET_DIR,
            options.partition_by_month,
            jobs_at_once=jobs_at_once(threads),
            steps=steps,
            profile_dir=options.profile_dir,
        )
        con.execute("USE memory")
        con.execute("DETACH wh")
    except duckdb.Error as exc:
        raise BuildError(f"{options.out_dir}: the build failed in DuckDB: {one_line(exc)}") from exc
    finally:
        con.close()
    # Every file is complete and closed: record what `tikdb check` will verify.
    with steps(CHECKSUMS_NAME):
        record_checksums(staging)
    return BuildResult(
        run_id=run_id,
        out_dir=Path(options.out_dir),
        db_path=Path(options.out_dir) / DB_NAME,
        table_rows=table_rows,
        rejects_by_reason=rejects,
        warnings=warnings,
        elapsed_seconds=0.0,
        parsed=parsed,
        checks=checks,
    )


def _csv_inputs(options: BuildOptions, started: datetime) -> tuple[list[SnapshotFile], Path]:
    """The CSV files to read, oldest first, and what import_log names as the CSV input."""
    if options.snapshots:
        files = list(options.snapshots)
        times = [f.observed_at for f in files]
        if len(set(times)) != len(times):
            twice = next(t for t in times if times.count(t) > 1)
            names = ", ".join(f.path.name for f in files if f.observed_at == twice)
            raise InputError(
                f"{options.snapshots_dir or files[0].path.parent}: snapshots {names} were all "
                f"observed at {twice:%Y-%m-%dT%H:%M:%SZ}; a post can have one observation "
                "at a time. Move all but one of them out of the folder."
            )
        return files, Path(options.snapshots_dir or files[0].path.parent)
    if options.csv_path is None:
        raise InputError("no input: pass --csv PATH or --snapshots DIR.")
    # One CSV is one observation, taken when the build starts.
    return [SnapshotFile(Path(options.csv_path), started)], Path(options.csv_path)


def _parse_all(
    files: list[SnapshotFile],
    cache: ParseCache | None,
    options: BuildOptions,
    staging: Path,
    run_id: str,
    threads: int,
    steps: Steps,
) -> list[Parsed]:
    """Each file's parse: from the cache when it holds one, else parsed now (and kept
    in the cache when there is one)."""
    if cache:
        cache.remove_leftovers()
    parsed = []
    for n, file in enumerate(files, 1):
        name = file.path.name
        # Several files: each step says which file it belongs to.
        label = f"{name}: " if len(files) > 1 else ""
        found = None
        if cache and file.sha256:
            _require_size(file)
            found = cache.load(file.sha256, file.observed_at, name)
        if found:
            parsed.append(found)
            continue
        target = cache.new_entry(f"{run_id}-{n}") if cache else staging / "tmp" / f"parse-{n}"
        result = parse_snapshot(
            file.path,
            file.observed_at,
            target,
            staging / "tmp" / "work",
            threads=threads,
            memory_limit=options.memory_limit,
            steps=Steps(_prefixed(steps, label)),
            profile_dir=options.profile_dir,
        )
        if file.sha256 is not None and result.sha256 != file.sha256:
            raise InputError(
                f"{file.path}: its content no longer matches the sha256 in its sidecar; the "
                "snapshot was changed after it was taken. Restore it from a backup, or move "
                "it and its sidecar out of the folder."
            )
        if cache:
            parsed.append(cache.commit(target, result, file.observed_at))
        else:
            parsed.append(Parsed(target, result, reused=False))
    return parsed


def _require_size(file: SnapshotFile) -> None:
    """A cached snapshot is not read again; a size that differs from its sidecar's says
    it was changed (with --no-cache its sha256 is checked too)."""
    try:
        size = file.path.stat().st_size
    except OSError as exc:
        raise InputError(
            f"{file.path}: cannot be read ({exc.strerror}). Check that the snapshot is there."
        ) from exc
    if file.bytes is not None and size != file.bytes:
        raise InputError(
            f"{file.path}: is {size} bytes, its sidecar says {file.bytes}; the snapshot was "
            "changed after it was taken. Restore it from a backup, or move it and its "
            "sidecar out of the folder."
        )


def _prefixed(steps: Steps, label: str) -> StepListener | None:
    if steps.listener is None or not label:
        return steps.listener
    listener = steps.listener
    return lambda name, seconds: listener(f"{label}{name}", seconds)
