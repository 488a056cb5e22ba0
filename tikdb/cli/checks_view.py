"""How a check report is printed: one line per rule, then samples of the failures."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from tikdb.cli.app import stdout
from tikdb.engine.checks import CheckReport
from tikdb.outputs.render import text_value
from tikdb.terminal import safe_text


def print_check_report(report: CheckReport, rich: bool, only_failures: bool = False) -> None:
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
        typer.echo("   " + "\t".join(safe_text(c) for c in r.columns))
        for row in r.sample:
            typer.echo("   " + "\t".join(safe_text(text_value(v)) for v in row))
