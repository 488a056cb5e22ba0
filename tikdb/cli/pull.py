"""``tikdb pull``: add dated snapshots of the master CSV to the snapshots folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import app, call, fail
from tikdb.terminal import safe_text


@dataclass(frozen=True)
class _Job:
    """One source to pull, ready to run."""

    run: Callable[[], object]  # returns an AddResult or a SheetPull


@app.command()
def pull(
    file: Annotated[
        Path | None,
        typer.Option(metavar="PATH", readable=False, help="A master CSV export on this machine."),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            metavar="URL_OR_KEY",
            help="A Google Sheet: shared by link (its CSV export), or read by a service "
            "account with --credentials.",
        ),
    ] = None,
    gid: Annotated[
        int | None,
        typer.Option(
            min=0, metavar="N", help="The sheet's tab. [default: the URL's gid, else the first]"
        ),
    ] = None,
    range_: Annotated[
        str | None,
        typer.Option(
            "--range",
            metavar="RANGE",
            help="With --credentials: the tab and columns to read, e.g. Master!A:O.",
        ),
    ] = None,
    credentials: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            readable=False,
            help="A service account's JSON key file: read the sheet through the Sheets API. "
            "[default: $GOOGLE_APPLICATION_CREDENTIALS]",
        ),
    ] = None,
    time_zone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE",
            help="With --credentials: the time zone of the sheet's dates, e.g. UTC. "
            "[default: the spreadsheet's]",
        ),
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
            help="The snapshots folder. [default: tikdb.toml's, else data/raw/snapshots]",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            readable=False,
            help="The sources to pull without --file or --sheet. [default: tikdb.toml]",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(min=0.001, metavar="SECONDS", help="Give up on a silent server after this."),
    ] = 60.0,
) -> None:
    """Add a dated, immutable snapshot of the master CSV to the snapshots folder.

    From a local export (--file), a Google Sheet (--sheet), or, with neither, every
    source listed in tikdb.toml. Content identical to a snapshot already there adds
    nothing. Exit code 1 when Google refuses or fails, 2 for a usage or input error.

    Example: tikdb pull --sheet https://docs.google.com/spreadsheets/d/KEY/edit

    Example: tikdb pull --file exports/MASTER_TIKTOK_DATABASE.csv
    """
    from tikdb.config import CONFIG_NAME, load_config
    from tikdb.sources import snapshots as store

    now = store.utc_now()
    when = call(lambda: store.parse_observed_at(observed_at, now)) if observed_at else now
    if file is not None and sheet is not None:
        raise fail("pass either --file PATH or --sheet URL_OR_KEY, not both.", 2)
    if sheet is None:
        for name, value in (
            ("--gid", gid),
            ("--range", range_),
            ("--credentials", credentials),
            ("--time-zone", time_zone),
        ):
            if value is not None:
                raise fail(f"{name} applies to --sheet only. See tikdb pull --help.", 2)
    if file is not None or sheet is not None:
        if config is not None:
            raise fail("--config lists sources to pull; pass it without --file or --sheet.", 2)
        folder = snapshots or store.DEFAULT_SNAPSHOTS
        if file is not None:
            jobs = [_Job(lambda: store.add_file(file, folder, when))]
        else:
            jobs = [
                call(
                    lambda: _sheet_job(
                        sheet,
                        gid,
                        range_,
                        credentials,
                        "--credentials",
                        time_zone,
                        folder,
                        when,
                        timeout,
                    )
                )
            ]
    else:
        settings = call(lambda: load_config(config or Path(CONFIG_NAME)))
        folder = snapshots or settings.snapshots or store.DEFAULT_SNAPSHOTS
        jobs = []
        for entry in settings.pulls:
            if entry.file is not None:
                jobs.append(_Job(lambda f=entry.file: store.add_file(f, folder, when)))
            else:
                jobs.append(
                    call(
                        lambda e=entry: _sheet_job(
                            e.sheet,
                            e.gid,
                            e.range,
                            e.credentials,
                            str(settings.path),
                            e.time_zone,
                            folder,
                            when,
                            timeout,
                        )
                    )
                )
    # Every source is tried; the exit code is the worst of their outcomes.
    worst = 0
    for job in jobs:
        try:
            outcome = call(job.run)
        except typer.Exit as failed:
            worst = max(worst, failed.exit_code)
            continue
        result = getattr(outcome, "result", outcome)
        for warning in getattr(outcome, "warnings", []):
            typer.echo(f"Warning: {warning}", err=True)
        typer.echo(describe(result))
    if worst:
        raise typer.Exit(worst)


def _sheet_job(sheet, gid, range_, credentials, named_by, time_zone, folder, when, timeout) -> _Job:
    """Check a sheet source's settings (InputError now, before anything is pulled)."""
    from tikdb.errors import InputError
    from tikdb.sources import sheets

    key, url_gid = sheets.parse_sheet_ref(sheet)
    title = sheets.split_range(range_)[0] if range_ else None
    if title is not None and gid is not None:
        raise InputError(f"the range names its tab ({safe_text(title)}); pass no gid with it.")
    if gid is not None and url_gid is not None and gid != url_gid:
        raise InputError(
            f"the sheet's URL names gid {url_gid} but the gid given is {gid}; keep one of them."
        )
    if credentials is None and os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        credentials = Path(os.environ["GOOGLE_APPLICATION_CREDENTIALS"])
        named_by = "GOOGLE_APPLICATION_CREDENTIALS"
    if credentials is None:
        for name, value in (("a range", range_), ("a time zone", time_zone)):
            if value is not None:
                raise InputError(
                    f"{name} needs a service account (--credentials FILE): the CSV export "
                    "of a shared sheet reads a whole tab, with its dates as shown."
                )
    source = sheets.SheetSource(
        key=key,
        gid=gid if gid is not None else (None if title else url_gid),
        range=range_,
        credentials=credentials,
        credentials_named_by=named_by,
        time_zone=time_zone,
    )
    return _Job(lambda: sheets.pull_sheet(source, folder, when, timeout=timeout))


def describe(result) -> str:
    """One line saying what a pull did."""
    snapshot = result.snapshot
    name = safe_text(str(snapshot.path))
    if result.added:
        return f"added {name} ({snapshot.bytes:,} bytes, observed at {snapshot.observed_text})"
    if result.was_latest:
        return f"unchanged since {snapshot.observed_text} ({name}); nothing added"
    return f"identical to {name} (observed at {snapshot.observed_text}); nothing added"
