"""``tikdb history`` and ``tikdb rollback``: the builds kept in a warehouse directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tikdb.cli.app import app, call, stdout
from tikdb.contract import DEFAULT_OUT
from tikdb.terminal import safe_text

# The tables whose rows each kept build shows (as in versions.COUNTED_TABLES, which
# this module does not import before a command runs: it loads DuckDB).
COUNTED = ("posts", "slides", "post_ocr", "rejects")
OutOption = Annotated[
    Path, typer.Option(metavar="DIR", readable=False, help="The warehouse directory.")
]


@app.command()
def history(out: OutOption = DEFAULT_OUT) -> None:
    """List the builds kept for rollback, newest first (* marks the published one), then
    every swap of the published build (builds and rollbacks).

    Each build: run id, start time (UTC), the inputs with their sha256, rows of posts,
    slides, post_ocr and rejects, and the check rules that failed.

    Example: tikdb history --out data/warehouse
    """
    from tikdb.pipeline.versions import history as read_history

    found = call(lambda: read_history(out))
    if stdout.is_terminal:
        _print_rich(found)
    else:
        _print_plain(found)


@app.command()
def rollback(
    run_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[RUN_ID]",
            help="The kept build to publish. [default: the one before the published one]",
            show_default=False,
        ),
    ] = None,
    out: OutOption = DEFAULT_OUT,
) -> None:
    """Publish an earlier kept build again, with the same atomic swap as a build.

    Newer builds stay, so `tikdb rollback NEWER_RUN_ID` undoes it; `tikdb history`
    lists the run ids.

    Example: tikdb rollback --out data/warehouse
    """
    from tikdb.pipeline.versions import rollback as run_rollback

    done = call(lambda: run_rollback(out, run_id))
    if done.changed:
        typer.echo(f"published {done.run_id} in {out} (was {done.previous})")
    else:
        typer.echo(f"{done.run_id} is already the published build in {out}; nothing changed")


def _checks(build) -> str:
    if build.problem:
        return build.problem
    if not build.failed_checks:
        return "pass"
    return ", ".join(f"{rule} ({severity}, {rows})" for rule, severity, rows in build.failed_checks)


def _started(build) -> str:
    return "" if build.started_at is None else f"{build.started_at:%Y-%m-%d %H:%M:%S}"


def _print_plain(found) -> None:
    """Tab-separated lines: one ``build`` line per kept build, one ``publish`` line per
    swap."""
    for b in found.builds:
        fields = [
            "build",
            "*" if b.published else "",
            b.run_id,
            _started(b),
            safe_text(b.csv_path or ""),
            b.csv_sha256 or "",
            safe_text(b.ocr_path or ""),
            b.ocr_sha256 or "",
            *(str(b.rows.get(t, "")) for t in COUNTED),
            safe_text(_checks(b)),
        ]
        typer.echo("\t".join(fields))
    for e in found.log:
        typer.echo("\t".join(["publish", e.at, e.action, e.run_id, e.previous or ""]))


def _print_rich(found) -> None:
    """One block per kept build (the run id whole, whatever the terminal's width), then
    the publish log as a table."""
    stdout.print(
        Text(f"Builds kept in {safe_text(str(found.out_dir))}, newest first", style="bold")
    )
    for b in found.builds:
        head = Text("* " if b.published else "  ", style="bold green")
        head.append(b.run_id, style="bold")
        head.append(f"  started {_started(b)} UTC" if b.started_at else "")
        head.append("  (published)" if b.published else "", style="green")
        stdout.print(head)
        for name, path, sha256 in (
            ("csv", b.csv_path, b.csv_sha256),
            ("ocr", b.ocr_path, b.ocr_sha256),
        ):
            if path or name == "csv":
                where = f"{safe_text(path or '')}  sha256 {sha256 or ''}".rstrip()
            else:
                where = "none"
            stdout.print(Text(f"    {name}     {where}"))
        if b.rows:
            counts = ", ".join(f"{t} {b.rows[t]:,}" for t in COUNTED)
            stdout.print(Text(f"    rows    {counts}"))
        checks = _checks(b)
        style = "green" if checks == "pass" else "yellow"
        stdout.print(Text("    checks  ").append(safe_text(checks), style=style))
    if found.log:
        log = Table(title="Publish log", title_justify="left")
        for column in ("at (UTC)", "action", "published", "was"):
            log.add_column(column)
        for e in found.log:
            log.add_row(Text(e.at), Text(e.action), Text(e.run_id), Text(e.previous or ""))
        stdout.print(log)
