"""``tikdb pull``: add a dated snapshot of the master CSV to the snapshots folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import app, call, fail
from tikdb.terminal import safe_text


@app.command()
def pull(
    file: Annotated[
        Path | None,
        typer.Option(metavar="PATH", readable=False, help="A master CSV export on this machine."),
    ] = None,
    observed_at: Annotated[
        str | None,
        typer.Option(
            metavar="TIMESTAMP",
            help="When the export was taken, ISO 8601 (no offset = UTC). [default: now]",
        ),
    ] = None,
    snapshots: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            readable=False,
            help="The snapshots folder. [default: data/raw/snapshots]",
        ),
    ] = None,
) -> None:
    """Add a dated, immutable snapshot of the master CSV to the snapshots folder.

    Content identical to a snapshot already there adds nothing.

    Example: tikdb pull --file exports/MASTER_TIKTOK_DATABASE.csv
    """
    from tikdb.sources import snapshots as store

    now = store.utc_now()
    when = call(lambda: store.parse_observed_at(observed_at, now)) if observed_at else now
    folder = snapshots or store.DEFAULT_SNAPSHOTS
    if file is None:
        raise fail("pass --file PATH (a master CSV export). See tikdb pull --help.", 2)
    result = call(lambda: store.add_file(file, folder, when))
    typer.echo(describe(result))


def describe(result) -> str:
    """One line saying what a pull did."""
    snapshot = result.snapshot
    name = safe_text(str(snapshot.path))
    if result.added:
        return f"added {name} ({snapshot.bytes:,} bytes, observed at {snapshot.observed_text})"
    if result.was_latest:
        return f"unchanged since {snapshot.observed_text} ({name}); nothing added"
    return f"identical to {name} (observed at {snapshot.observed_text}); nothing added"
