"""``tikdb build``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tikdb.cli.app import app, call, fail, stderr, stdout
from tikdb.cli.checks_view import print_check_report
from tikdb.contract import (
    DEFAULT_CSV,
    DEFAULT_KEEP,
    DEFAULT_MAX_SHRINK,
    DEFAULT_OCR,
    DEFAULT_OUT,
    DEFAULT_REFUSE_REJECT_RATE,
)
from tikdb.sources.snapshots import DEFAULT_SNAPSHOTS


@app.command()
def build(
    csv: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            readable=False,
            help="One master CSV export, observed now. "
            f"[default: {DEFAULT_CSV} when {DEFAULT_SNAPSHOTS} holds no snapshot]",
        ),
    ] = None,
    snapshots: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            readable=False,
            help="Build from every snapshot in this folder (tikdb pull). "
            f"[default: {DEFAULT_SNAPSHOTS} when it holds snapshots]",
        ),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Parse every snapshot again instead of reusing the parse kept in "
            "OUT/.tikdb-cache/.",
        ),
    ] = False,
    ocr: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            readable=False,
            help="The OCR folder (by_va/<VA>/ocr_posts.json); optional. [default: "
            f"{DEFAULT_OCR} if it exists, with the default CSV only; else no OCR]",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option(metavar="DIR", readable=False, help="The warehouse directory.")
    ] = DEFAULT_OUT,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            metavar="SIZE",
            help="DuckDB memory limit, e.g. 4GB. [default: the input's size, 1-2 GB]",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Threads for DuckDB, Polars and the CSV scan. [default: all cores]",
        ),
    ] = None,
    max_reject_rate: Annotated[
        float,
        typer.Option(
            metavar="RATE", help="Warn when more than this share of an input is rejected."
        ),
    ] = 0.02,
    refuse_reject_rate: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="RATE",
            help="Do not publish when more than this share of an input's records (or OCR "
            "files) is rejected; 1 turns this off.",
        ),
    ] = DEFAULT_REFUSE_REJECT_RATE,
    max_shrink: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="RATE",
            help="Do not publish a build with more than this share fewer posts, slides or "
            "posts with OCR than the published one.",
        ),
    ] = DEFAULT_MAX_SHRINK,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Publish even with far fewer posts than the published build (a deliberate "
            "shrink).",
        ),
    ] = False,
    keep: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="N",
            help="Keep the N most recent builds, and the published one, for tikdb rollback; "
            "delete older ones.",
        ),
    ] = DEFAULT_KEEP,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Print each phase, and each step with its seconds, on stderr.",
        ),
    ] = False,
    partition_by_month: Annotated[
        bool,
        typer.Option(
            "--partition-by-month",
            help="Also write posts and slides as parquet/<table>/month=YYYY-MM/ (hive layout).",
        ),
    ] = False,
    profile: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            readable=False,
            help="Save DuckDB's JSON query profile of each SQL model, check rule and "
            "Parquet file to this folder (<step>.json: operators, their time and rows, "
            "bytes spilled).",
        ),
    ] = None,
) -> None:
    """Build the warehouse, run the blocking checks, and publish it atomically.

    Example: tikdb build --snapshots data/raw/snapshots --out data/warehouse
    """
    if csv is not None and snapshots is not None:
        raise fail("--csv and --snapshots cannot be used together. Pass one of them.", 2)
    if threads is not None:
        _bound_polars_threads(threads)
    from tikdb.engine.checks import CheckSettings, ChecksFailedError
    from tikdb.pipeline.build import BuildOptions
    from tikdb.pipeline.build import build as run_build
    from tikdb.pipeline.guards import PublishGuards
    from tikdb.pipeline.inputs import choose_inputs
    from tikdb.pipeline.publish import current_run

    inputs = call(lambda: choose_inputs(csv, snapshots, ocr))
    for warning in inputs.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    options = BuildOptions(
        inputs.csv_path,
        inputs.ocr_dir,
        out,
        memory_limit=memory_limit,
        threads=threads,
        check_settings=CheckSettings(max_reject_rate=max_reject_rate),
        partition_by_month=partition_by_month,
        profile_dir=profile,
        keep=keep,
        guards=PublishGuards(refuse_reject_rate, max_shrink, allow_shrink),
        snapshots=inputs.snapshots,
        snapshots_dir=inputs.snapshots_dir,
        use_cache=not no_cache,
    )

    def step(name: str, seconds: float) -> None:
        # Indented: the steps of the phase above, each with its seconds.
        stderr.print(Text(f"  {name}: {seconds:.2f}s"))

    steps = step if verbose else None
    published_before = current_run(out)

    def interrupted() -> str:
        # Ctrl-C can land after the swap (while old builds are pruned): say what is live.
        now = current_run(out)
        if now != published_before:
            return f"interrupted after build {now} was published; it stays published."
        return "interrupted; nothing was published."

    try:
        if stderr.is_terminal:
            with stderr.status("Starting…") as status:

                def progress(phase: str) -> None:
                    status.update(Text(f"{phase.capitalize()}…"))
                    stderr.print(Text(f"  {phase}", style="dim"))

                result = call(lambda: run_build(options, progress, steps), interrupted)
        elif verbose:
            result = call(
                lambda: run_build(options, lambda p: stderr.print(Text(p)), steps), interrupted
            )
        else:
            result = call(lambda: run_build(options), interrupted)
    except ChecksFailedError as failed:
        print_check_report(failed.report, rich=stdout.is_terminal, only_failures=True)
        raise fail(f"{out}: {failed}", 1) from None
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    _print_build_summary(result, rich=stdout.is_terminal)
    _export_after_build(result.db_path)


def _bound_polars_threads(threads: int) -> None:
    """Make Polars use at most ``threads`` threads, as DuckDB and the scanner do.

    Polars sizes its thread pool once, when it is first imported, from
    POLARS_MAX_THREADS; the build command imports it only after this runs. A smaller
    value already set by the user is kept.
    """
    current = os.environ.get("POLARS_MAX_THREADS", "")
    if not (current.isdigit() and 0 < int(current) <= threads):
        os.environ["POLARS_MAX_THREADS"] = str(threads)


def _print_build_summary(result, rich: bool) -> None:
    if not rich:
        for name, rows in result.table_rows.items():
            typer.echo(f"{name}\t{rows}")
        for input_name, reason, count in result.rejects_by_reason:
            typer.echo(f"rejects\t{input_name}\t{reason}\t{count}")
        _print_failed_checks(result, rich)
        typer.echo(f"built {result.db_path} in {result.elapsed_seconds:.2f}s")
        return
    tables = Table(title="Published tables", title_justify="left")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, rows in result.table_rows.items():
        tables.add_row(Text(name), f"{rows:,}")
    stdout.print(tables)
    if result.rejects_by_reason:
        rejects = Table(title="Rejects by reason", title_justify="left")
        rejects.add_column("input")
        rejects.add_column("reason")
        rejects.add_column("rows", justify="right")
        for input_name, reason, count in result.rejects_by_reason:
            rejects.add_row(Text(input_name), Text(reason), f"{count:,}")
        stdout.print(rejects)
    _print_failed_checks(result, rich)
    stdout.print(Text(f"Built {result.db_path} in {result.elapsed_seconds:.2f} s"))


def _print_failed_checks(result, rich: bool) -> None:
    """The rules that failed (warn rules: the build was published), as `tikdb check`
    prints them."""
    if any(not r.passed for r in result.checks.results):
        print_check_report(result.checks, rich=rich, only_failures=True)


def _export_after_build(db: Path) -> None:
    """Run the Iceberg export that ``tikdb.toml`` (in the working directory) asks for
    after every successful build, if it asks for one. A failed export is exit 1 with one
    line; the build stays published."""
    from tikdb.config import CONFIG_NAME, read_toml

    config = Path(CONFIG_NAME)
    if not config.is_file():
        return
    from tikdb.cli.export import print_iceberg_report
    from tikdb.outputs.export.iceberg import export_from_config

    def interrupted() -> str:
        return (
            "interrupted during the Iceberg export of tikdb.toml; the build is published. "
            "Run tikdb export --format iceberg to export it."
        )

    data = call(lambda: read_toml(config), interrupted)
    report = call(lambda: export_from_config(data, db), interrupted)
    if report is not None:
        print_iceberg_report(report)
