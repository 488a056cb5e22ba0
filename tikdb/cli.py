"""The ``tikdb`` command line: thin commands over the library functions.

Each command parses options, calls one function, renders its result and picks the exit
code: 0 success, 1 build or check failed, 2 usage or input error. Expected failures
(``TikdbError``) print one line, ``Error: ...``, on stderr; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tikdb import __version__
from tikdb.errors import TikdbError

T = TypeVar("T")

DEFAULT_CSV = Path("data/raw/MASTER_TIKTOK_DATABASE.csv")
DEFAULT_OCR = Path("data/raw/october_ocr_data")
DEFAULT_OUT = Path("data/warehouse")

app = typer.Typer(
    name="tikdb",
    help="Turn the agency's master CSV and OCR JSON into a DuckDB + Parquet warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tikdb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """tikdb: an embedded analytical warehouse for TikTok slideshow exports."""


def _call(fn: Callable[[], T]) -> T:
    """Run fn; turn expected failures into one line on stderr and their exit code."""
    from tikdb.checks import ChecksFailedError

    try:
        return fn()
    except ChecksFailedError:
        raise
    except TikdbError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("Error: interrupted; nothing was published.", err=True)
        raise typer.Exit(1) from None


@app.command()
def build(
    csv: Annotated[Path, typer.Option(readable=False, help="The master CSV export.")] = DEFAULT_CSV,
    ocr: Annotated[
        Path,
        typer.Option(readable=False, help="The OCR folder (by_va/<VA>/ocr_posts.json); optional."),
    ] = DEFAULT_OCR,
    out: Annotated[
        Path, typer.Option(readable=False, help="The warehouse directory.")
    ] = DEFAULT_OUT,
    memory_limit: Annotated[
        str | None,
        typer.Option(help="DuckDB memory limit, e.g. 4GB [default: the input size, 1-2 GB]."),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1, help="Threads for DuckDB, Polars and the CSV scan [default: all cores]."
        ),
    ] = None,
    max_reject_rate: Annotated[
        float, typer.Option(help="Warn when more than this share of an input is rejected.")
    ] = 0.02,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Print each phase, and each step with its seconds, on stderr, even when piped.",
        ),
    ] = False,
    partition_by_month: Annotated[
        bool,
        typer.Option(
            help="Also write posts and slides as parquet/<table>/month=YYYY-MM/ (hive layout)."
        ),
    ] = False,
    profile: Annotated[
        Path | None,
        typer.Option(
            readable=False,
            help="Save DuckDB's JSON query profile of each SQL model and Parquet file to "
            "this folder (<step>.json: operators, their time and rows, bytes spilled).",
        ),
    ] = None,
) -> None:
    """Build the warehouse, run the blocking checks, and publish it atomically.

    Example: tikdb build --csv exports/MASTER_TIKTOK_DATABASE.csv --out data/warehouse
    """
    if threads is not None:
        _bound_polars_threads(threads)
    from tikdb.build import BuildOptions
    from tikdb.build import build as run_build
    from tikdb.checks import CheckSettings, ChecksFailedError

    settings = CheckSettings(max_reject_rate=max_reject_rate)
    options = BuildOptions(
        csv,
        ocr,
        out,
        memory_limit=memory_limit,
        threads=threads,
        check_settings=settings,
        partition_by_month=partition_by_month,
        profile_dir=profile,
    )
    try:
        if stderr.is_terminal:
            with stderr.status("Starting…") as status:

                def progress(phase: str) -> None:
                    status.update(Text(f"{phase.capitalize()}…"))
                    stderr.print(Text(f"  {phase}", style="dim"))

                result = _call(lambda: run_build(options, progress))
        elif verbose:
            result = _call(
                lambda: run_build(
                    options,
                    lambda phase: typer.echo(phase, err=True),
                    # Indented: the steps of the phase above, each with its seconds.
                    lambda step, seconds: typer.echo(f"  {step}: {seconds:.2f}s", err=True),
                )
            )
        else:
            result = _call(lambda: run_build(options))
    except ChecksFailedError as failed:
        _print_check_report(failed.report, rich=stdout.is_terminal, only_failures=True)
        typer.echo(f"Error: {out}: {failed}", err=True)
        raise typer.Exit(1) from None
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    _print_build_summary(result, rich=stdout.is_terminal)


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
    stdout.print(Text(f"Built {result.db_path} in {result.elapsed_seconds:.2f} s"))


@app.command()
def check(
    db: Annotated[Path, typer.Option(readable=False, help="The warehouse database.")] = DEFAULT_OUT
    / "tikdb.duckdb",
    select: Annotated[
        str | None, typer.Option(help="Only rules whose name matches this glob, e.g. 'posts__*'.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report for CI.")] = False,
    max_reject_rate: Annotated[
        float, typer.Option(help="Warn when more than this share of an input is rejected.")
    ] = 0.02,
) -> None:
    """Run the SQL assertions in sql/checks/ against the warehouse (read-only).

    Exits 1 if any error rule fails. Example: tikdb check --select 'posts__*'
    """
    import json

    from tikdb.checks import CheckSettings, check_warehouse

    settings = CheckSettings(max_reject_rate=max_reject_rate)
    report = _call(lambda: check_warehouse(db, select, settings))
    if as_json:
        payload = {
            "db": str(db),
            "ok": report.ok,
            "results": [r.as_dict() for r in report.results],
        }
        typer.echo(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    else:
        _print_check_report(report, rich=stdout.is_terminal)
    raise typer.Exit(0 if report.ok else 1)


def _print_check_report(report, rich: bool, only_failures: bool = False) -> None:
    """One line per rule (name, severity, result, offending rows), then samples of failures."""
    shown = [r for r in report.results if not (only_failures and r.passed)]
    if rich:
        table = Table(title="Checks", title_justify="left")
        for column in ("rule", "severity", "result", "rows"):
            table.add_column(column, justify="right" if column == "rows" else "left")
        for r in shown:
            status = (
                Text("pass", style="green")
                if r.passed
                else Text("FAIL", style="bold red" if r.severity == "error" else "yellow")
            )
            table.add_row(Text(r.name), Text(r.severity), status, f"{r.offending_rows:,}")
        stdout.print(table)
    else:
        for r in shown:
            result = "pass" if r.passed else "FAIL"
            typer.echo(f"{r.name}\t{r.severity}\t{result}\t{r.offending_rows}")
    for r in shown:
        if r.passed:
            continue
        typer.echo(f"-- {r.name}: {r.description}")
        typer.echo("   " + "\t".join(r.columns))
        for row in r.sample:
            typer.echo("   " + "\t".join(_cell(v) for v in row))


def _cell(value: object) -> str:
    """A value on one line: newlines and tabs in untrusted text are shown escaped."""
    text = "NULL" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(readable=False, help="Where to write the dataset.")],
    posts: Annotated[int, typer.Option(min=1, help="Number of posts.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 0,
) -> None:
    """Write a realistic generated dataset in the real export layout.

    Example: tikdb generate /tmp/sample --posts 45077 --seed 1
    """
    from tikdb.generate import generate as run_generate

    result = _call(lambda: run_generate(out_dir, posts, seed))
    typer.echo(
        f"wrote {result.posts} posts, {result.slides} slides, {result.ocr_records} OCR "
        f"records to {out_dir}"
    )


from tikdb import analyst_cli  # noqa: E402

analyst_cli.register(app)


def main() -> None:
    app(prog_name="tikdb")


if __name__ == "__main__":
    sys.exit(main())
