"""``tikdb export``: the warehouse as Excel, CSV or Parquet files, or as Iceberg tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import DbOption, app, call, fail
from tikdb.contract import DEFAULT_DB


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    parquet = "parquet"
    iceberg = "iceberg"


@app.command()
def export(
    output: Annotated[
        ExportFormat,
        typer.Option("--format", help="xlsx, csv or parquet files; or iceberg tables."),
    ],
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="The folder to write files into (not iceberg)."),
    ] = None,
    per_va: Annotated[
        bool, typer.Option("--per-va", help="One workbook (or folder) per VA.")
    ] = False,
    since: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="DATE",
            help="Only posts created on or after this UTC day (YYYY-MM-DD).",
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="DATE",
            help="Only posts created on or before this UTC day.",
        ),
    ] = None,
    catalog: Annotated[
        str | None,
        typer.Option(
            metavar="URI",
            help="iceberg: sqlite:///PATH or postgresql+psycopg2://USER@HOST/DB.",
        ),
    ] = None,
    location: Annotated[
        str | None,
        typer.Option(
            metavar="DIR_OR_URI",
            help="iceberg: where table files go: a folder or s3://BUCKET/PATH.",
        ),
    ] = None,
    namespace: Annotated[
        str, typer.Option(metavar="NAME", help="iceberg: the namespace of the tables.")
    ] = "tikdb",
    prop: Annotated[
        list[str] | None,
        typer.Option(
            "--property",
            metavar="KEY=VALUE",
            help="iceberg: a catalog or file-IO property, e.g. s3.region=eu-west-1; repeatable.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Export the warehouse: Summary, Posts, Top posts, Accounts and Daily sheets as
    an Excel workbook, CSV or Parquet files; or every table to an Iceberg catalog.

    --since/--until bound the UTC day of each post's created_at, both included, in
    every sheet.

    Example: tikdb export --format xlsx --out reports --since 2025-10-01

    Example: tikdb export --format iceberg --catalog sqlite:///lake/catalog.db
    --location lake
    """
    if output is ExportFormat.iceberg:
        _iceberg(out, per_va, since, until, catalog, location, namespace, prop or [], db)
    else:
        _files(output, out, per_va, since, until, catalog, location, prop or [], db)


def _files(output, out, per_va, since, until, catalog, location, props, db) -> None:
    from tikdb.outputs.export.reporting import FileFormat, export_files
    from tikdb.outputs.export.tables import Window

    if catalog or location or props:
        raise fail("--catalog, --location and --property are for --format iceberg.", 2)
    if out is None:
        raise fail(f"--format {output} needs --out DIR, the folder to write into.", 2)
    window = call(lambda: Window(_day(since), _day(until)))
    report = call(lambda: export_files(db, FileFormat(output.value), out, per_va, window))
    for written in report.files:
        sheets = ", ".join(f"{title} {rows:,}" for title, rows in written.rows)
        typer.echo(f"wrote {written.path} ({sheets} rows)")
    if report.cut_cells:
        typer.echo(
            f"Warning: {report.cut_cells:,} text cells were longer than the 32,767 "
            "characters an Excel cell holds and were cut (marked …[cut: …]); "
            "--format parquet keeps them whole.",
            err=True,
        )


def _iceberg(out, per_va, since, until, catalog, location, namespace, props, db) -> None:
    from tikdb.outputs.export.iceberg import export_iceberg

    if out is not None or per_va or since or until:
        raise fail(
            "--out, --per-va, --since and --until are for file formats; "
            "--format iceberg exports every table whole.",
            2,
        )
    if not catalog or not location:
        raise fail("--format iceberg needs --catalog URI and --location DIR_OR_URI.", 2)
    properties = {}
    for item in props:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise fail(f"--property {item!r}: write KEY=VALUE, e.g. s3.region=eu-west-1.", 2)
        properties[key] = value
    print_iceberg_report(call(lambda: export_iceberg(db, catalog, location, namespace, properties)))


def print_iceberg_report(report) -> None:
    """One line per table, then the snapshot tag (also after a build, from tikdb.toml)."""
    for table in report.tables:
        typer.echo(f"{report.namespace}.{table.name}\t{table.rows}")
    retried = f" after {report.attempts} attempts" if report.attempts > 1 else ""
    typer.echo(
        f"exported build {report.run_id} to {report.catalog} as snapshots tagged "
        f"{report.tag}{retried}"
    )


def _day(value: datetime | None):
    return value.date() if value else None
