"""The analyst's commands: ``tikdb shell``, ``tikdb sql`` and ``tikdb report``.

Every one opens the published warehouse read-only, so it can run while another process
reads it, and can never change it.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import app, call, fail, stdout
from tikdb.contract import DEFAULT_DB


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


@app.command()
def shell(
    db: Annotated[
        Path, typer.Option(metavar="PATH", readable=False, help="The warehouse database.")
    ] = DEFAULT_DB,
    unsafe: Annotated[
        bool,
        typer.Option(
            "--unsafe",
            help="Leave the shell's safe mode off: SQL and dot commands may then read and "
            "write other files (COPY, ATTACH, .read, .output, .shell). The warehouse is "
            "still opened read-only.",
        ),
    ] = False,
) -> None:
    """Open the warehouse read-only in the DuckDB shell (tables and analytics views),
    in the shell's safe mode: no other file can be read or written.

    Example: tikdb shell, then: SELECT * FROM va_performance;
    """
    from tikdb.outputs.warehouse import shell_command

    argv = call(lambda: shell_command(db, safe=not unsafe))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(metavar="SQL", help="One SQL statement.")],
    db: Annotated[
        Path, typer.Option(metavar="PATH", readable=False, help="The warehouse database.")
    ] = DEFAULT_DB,
    output: Annotated[
        Format,
        typer.Option(
            "--format",
            help="table (a table on a terminal, tab-separated otherwise), csv, json or markdown.",
        ),
    ] = Format.table,
) -> None:
    """Run one SQL statement on the warehouse, read-only, and print the result.

    Example: tikdb sql "SELECT va_id, total_views FROM va_performance" --format csv
    """
    from tikdb.outputs import render
    from tikdb.outputs.warehouse import run_query

    result = call(lambda: run_query(db, query))
    if output is Format.table and stdout.is_terminal:
        stdout.print(render.rich_table(result))
        return
    renderer = {
        Format.table: render.render_tsv,
        Format.csv: render.render_csv,
        Format.json: render.render_json,
        Format.markdown: render.render_markdown,
    }[output]
    typer.echo(renderer(result), nl=False)


DATE_FORMATS = ["%Y-%m-%d"]


@app.command()
def report(
    db: Annotated[
        Path, typer.Option(metavar="PATH", readable=False, help="The warehouse database.")
    ] = DEFAULT_DB,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="The HTML file to write. [default: report.html beside the database; "
            "with --va, report-<va>-<hash>.html there]",
        ),
    ] = None,
    va: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Report on one VA: its accounts, posts, posting hours, top posts and "
            "reused images. NAME is the VA's id or display name, in any case.",
        ),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            metavar="DATE",
            formats=DATE_FORMATS,
            help="Only posts created on or after this UTC day (YYYY-MM-DD). "
            "[default: the first post]",
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            metavar="DATE",
            formats=DATE_FORMATS,
            help="Only posts created on or before this UTC day (YYYY-MM-DD, "
            "included). [default: the last post]",
        ),
    ] = None,
    per_va: Annotated[
        Path | None,
        typer.Option(
            "--per-va",
            metavar="DIR",
            help="Write one report per VA into DIR, and DIR/index.html linking them "
            "(instead of --out and --va).",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report (charts, leaderboard, checks, build history).

    --since and --until pick posts by the UTC day they were created (both days
    included) and apply to every section about posts.

    Example: tikdb report --va carla --since 2025-10-01 --until 2025-10-31
    """
    from tikdb.outputs.report import write_per_va, write_report

    first = since.date() if since else None
    last = until.date() if until else None
    if per_va is not None:
        if out is not None or va is not None:
            raise fail("--per-va DIR writes one file per VA into DIR; leave out --out and --va.", 2)
        written = call(lambda: write_per_va(db, per_va, since=first, until=last))
        typer.echo(f"wrote {len(written) - 1} VA reports and {written[-1]}")
        return
    target = call(lambda: write_report(db, out, va=va, since=first, until=last))
    typer.echo(f"wrote {target}")
