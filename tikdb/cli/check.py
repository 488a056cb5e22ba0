"""``tikdb check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import app, call, stdout
from tikdb.cli.checks_view import print_check_report
from tikdb.contract import DEFAULT_DB


@app.command()
def check(
    db: Annotated[
        Path, typer.Option(metavar="PATH", readable=False, help="The warehouse database.")
    ] = DEFAULT_DB,
    select: Annotated[
        str | None,
        typer.Option(
            metavar="GLOB", help="Only rules whose name matches this glob, e.g. 'posts__*'."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report for CI.")] = False,
    max_reject_rate: Annotated[
        float,
        typer.Option(
            metavar="RATE", help="Warn when more than this share of an input is rejected."
        ),
    ] = 0.02,
) -> None:
    """Run the SQL assertions in sql/checks/ against the warehouse (read-only).

    Exits 1 if any error rule fails. Example: tikdb check --select 'posts__*'
    """
    from tikdb.engine.checks import CheckSettings
    from tikdb.outputs.warehouse import check_published

    settings = CheckSettings(max_reject_rate=max_reject_rate)
    report = call(lambda: check_published(db, select, settings))
    if as_json:
        payload = {
            "db": str(db),
            "ok": report.ok,
            "results": [r.as_dict() for r in report.results],
        }
        typer.echo(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    else:
        print_check_report(report, rich=stdout.is_terminal)
    raise typer.Exit(0 if report.ok else 1)
