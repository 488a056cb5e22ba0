"""Every published table and analytics table of the warehouse as an Apache Iceberg table,
in a SQL catalog (a SQLite file for one person, PostgreSQL for a team).

One export is one Iceberg snapshot per table (an overwrite: the table then holds exactly
the warehouse's rows), carrying the build's run id in its summary (``tikdb.run-id``) and
a tag ``build-<run id>``, so a reader can time-travel to any exported build.

All tables or none: the export first writes every table's data files and metadata (the
slow part, invisible to readers), then moves every table's catalog pointer in ONE
transaction of the catalog database. A failure before that transaction, or a process
killed at any point, leaves every table at its previous snapshot; the files written for
the failed export are deleted (or, if the process was killed, left unreferenced, for
Iceberg's orphan-file clean-up). Two exports committing at once: the database lets one
transaction through; the other finds a table moved, rolls back, and stages its snapshots
again on top of the winner's (no data is rewritten), up to ``COMMIT_ATTEMPTS`` times.

pyiceberg commits one table at a time; the one multi-table transaction uses three of its
internal helpers (``_update_and_stage_table``, ``_write_metadata`` and the transaction's
staged updates), pinned by the version range in pyproject.toml.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from tikdb import __version__
from tikdb.errors import InputError, TikdbError, one_line
from tikdb.outputs.export.tables import fetch_rows, latest_run_id
from tikdb.outputs.warehouse import connect_read_only

if TYPE_CHECKING:
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.table import Table
    from pyiceberg.typedef import Identifier

DEFAULT_NAMESPACE = "tikdb"
CATALOG_NAME = "tikdb"  # the catalog_name column of the SQL catalog's tables
RUN_ID_PROPERTY = "tikdb.run-id"
EXPORT_ID_PROPERTY = "tikdb.export-id"
VERSION_PROPERTY = "tikdb.version"
TAG_PREFIX = "build-"
COMMIT_ATTEMPTS = 8
SETUP_ATTEMPTS = 3
BATCH_ROWS = 100_000

Step = Callable[[str], None]


class IcebergExportError(TikdbError):
    """The Iceberg export failed; every table is still at its previous snapshot."""

    exit_code = 1


@dataclass
class ExportedTable:
    name: str
    rows: int
    snapshot_id: int = 0


@dataclass
class IcebergReport:
    catalog: str  # the catalog URI without its password
    namespace: str
    run_id: str
    tag: str
    export_id: str
    tables: list[ExportedTable] = field(default_factory=list)
    attempts: int = 1  # commit attempts; more than 1 when another export committed first


def tag_name(run_id: str) -> str:
    return TAG_PREFIX + run_id


def redacted(uri: str) -> str:
    """The catalog URI as it may be printed: any password replaced by ***."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(uri).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: show only its scheme
        return uri.split(":", 1)[0] + ":…"


def location_uri(location: str) -> str:
    """A local folder as an absolute path (created if missing); a URI (s3://…) as given."""
    if "://" in location:
        return location.rstrip("/")
    folder = Path(location).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{location}: is a file; pass a folder or a URI with --location.")
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def open_catalog(uri: str, location: str, properties: dict[str, str] | None = None) -> SqlCatalog:
    """The SQL catalog at ``uri``; its tables are created on first use. Two exports that
    create them at once can collide (a duplicate-table error): the loser tries again."""
    from pyiceberg.catalog.sql import SqlCatalog

    if not uri.startswith(("sqlite:", "postgresql")):
        raise InputError(
            f"--catalog {redacted(uri)}: not a SQL catalog URI. Pass sqlite:///PATH "
            "or postgresql+psycopg2://USER@HOST/DB."
        )
    for attempt in range(1, SETUP_ATTEMPTS + 1):
        try:
            return SqlCatalog(CATALOG_NAME, uri=uri, warehouse=location, **(properties or {}))
        except Exception as exc:
            if attempt == SETUP_ATTEMPTS:
                raise IcebergExportError(
                    f"cannot open the Iceberg catalog {redacted(uri)}: {one_line(exc)}. "
                    "Check the URI, that the database is running, and its credentials."
                ) from exc
            time.sleep(random.uniform(0.1, 0.5))
    raise AssertionError("unreachable")


def export_iceberg(
    db: Path,
    catalog_uri: str,
    location: str,
    namespace: str = DEFAULT_NAMESPACE,
    properties: dict[str, str] | None = None,
    on_step: Step | None = None,
) -> IcebergReport:
    """Export every table and analytics table of the warehouse ``db`` to the catalog.

    ``on_step`` is told ``"staged <table>"`` after each table's data files are written
    and ``"committing"`` when every table's new metadata is written, just before the
    catalog transaction (again on each retry); for progress, and for tests.
    """
    step = on_step or (lambda message: None)
    if not namespace or not namespace.replace("_", "").isalnum():
        raise InputError(f"--namespace {namespace!r}: use letters, digits and _ only, e.g. tikdb.")
    location = location_uri(location)
    con = connect_read_only(db)
    try:
        run_id = latest_run_id(con)
        if run_id is None:
            raise InputError(f"{db}: import_log is empty; build the warehouse first.")
        names = published_names(con)
        catalog = open_catalog(catalog_uri, location, properties)
        report = IcebergReport(
            redacted(catalog_uri), namespace, run_id, tag_name(run_id), uuid.uuid4().hex
        )
        snapshot_properties = {
            RUN_ID_PROPERTY: run_id,
            EXPORT_ID_PROPERTY: report.export_id,
            VERSION_PROPERTY: __version__,
        }
        written: list[_Written] = []
        where = "the namespace"
        try:
            _ensure_namespace(catalog, namespace)
            for name in names:
                where = name
                written.append(_write_table(con, catalog, (namespace, name), name))
                report.tables.append(ExportedTable(name, written[-1].rows))
                step(f"staged {name}")
            where = "the commit"
            snapshots, report.attempts = _commit_all(catalog, written, snapshot_properties, step)
        except _OutcomeUnknown as exc:
            raise IcebergExportError(
                f"Iceberg export to {report.catalog}: the catalog database failed while "
                f"committing ({exc}); the export may or may not have landed. Export again."
            ) from exc
        except BaseException as exc:
            for w in written:
                w.delete_files()
            if isinstance(exc, TikdbError):
                raise
            if isinstance(exc, Exception):
                raise IcebergExportError(
                    f"Iceberg export to {report.catalog} failed at {where}: {one_line(exc)}. "
                    "Every table is still at its previous snapshot; fix the cause and "
                    "export again."
                ) from exc
            raise
        for table in report.tables:
            table.snapshot_id = snapshots[table.name]
        return report
    finally:
        con.close()


def published_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the warehouse (the published tables, the analytics
    tables and views), so a table added by a later tikdb version is exported too."""
    rows = fetch_rows(
        con,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = 'main' "
        "ORDER BY table_name",
    )
    return [r[0] for r in rows]


def _ensure_namespace(catalog: SqlCatalog, namespace: str) -> None:
    """Create the namespace unless it exists; another export creating it at the same
    moment makes the insert fail, and then it exists."""
    try:
        catalog.create_namespace_if_not_exists(namespace)
    except Exception:
        if not catalog.namespace_exists(namespace):
            raise


@dataclass
class _Written:
    """One table's new data files, written but not yet part of any snapshot."""

    identifier: Identifier
    name: str
    arrow_schema: Any  # pa.Schema, as DuckDB gave it
    schema: Any  # the Iceberg schema (with field ids) the files were written with
    data_files: list[Any]  # pyiceberg DataFile
    rows: int
    io: Any  # the table's FileIO

    def delete_files(self) -> None:
        for data_file in self.data_files:
            _delete(self.io, data_file.file_path)


def _write_table(
    con: duckdb.DuckDBPyConnection, catalog: SqlCatalog, identifier: Identifier, name: str
) -> _Written:
    """Write the data files of one table (streamed from DuckDB in batches) under the
    table's location, creating the table (empty) if it does not exist yet."""
    from pyiceberg.io.pyarrow import _dataframe_to_data_files

    quoted = '"' + name.replace('"', '""') + '"'
    reader = con.sql(f"SELECT * FROM main.{quoted}").to_arrow_reader(BATCH_ROWS)
    try:
        if catalog.table_exists(identifier):  # creating first would leave a metadata file
            table = catalog.load_table(identifier)
        else:
            table = catalog.create_table_if_not_exists(identifier, schema=reader.schema)
        # Only to evolve the schema the files are written with; the commit stages the
        # same evolution again (see _stage_snapshot).
        draft = table.transaction()
        _evolve_schema(draft, reader.schema)
        counted = _CountingReader(reader)
        data_files = list(
            _dataframe_to_data_files(
                table_metadata=draft.table_metadata,
                df=counted.reader,
                io=table.io,
                write_uuid=uuid.uuid4(),
            )
        )
    finally:
        reader.close()
    return _Written(
        identifier,
        name,
        reader.schema,
        draft.table_metadata.schema(),
        data_files,
        counted.rows,
        table.io,
    )


class _CountingReader:
    """A RecordBatchReader that counts the rows passing through it."""

    def __init__(self, source: Any) -> None:
        import pyarrow as pa

        self.rows = 0

        def batches():
            for batch in source:
                self.rows += batch.num_rows
                yield batch

        self.reader = pa.RecordBatchReader.from_batches(source.schema, batches())


def _evolve_schema(transaction: Any, arrow_schema: Any) -> None:
    """Add the columns the warehouse has and the table lacks (a later tikdb version),
    and widen promoted types; a column the warehouse dropped stays, NULL from now on."""
    with transaction.update_schema() as update:
        update.union_by_name(arrow_schema)


def _stage_snapshot(
    table: Table, written: _Written, snapshot_properties: dict[str, str]
) -> tuple[tuple, tuple, Any]:
    """The updates and requirements that make ``written`` the table's one new snapshot
    (an overwrite of every current data file) and tag it, without committing them; and
    the snapshot producer (its snapshot id, and the manifest files it wrote)."""
    from pyiceberg.table.update.snapshot import ManageSnapshots

    transaction = table.transaction()
    _evolve_schema(transaction, written.arrow_schema)
    if transaction.table_metadata.schema().as_struct() != written.schema.as_struct():
        raise IcebergExportError(
            f"the schema of {'.'.join(written.identifier)} was changed by another "
            "process during the export; export again."
        )
    producer = transaction.update_snapshot(snapshot_properties=snapshot_properties).overwrite()
    current = transaction.table_metadata.current_snapshot()
    if current is not None:
        for manifest in current.manifests(table.io):
            for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True):
                producer.delete_data_file(entry.data_file)
    for data_file in written.data_files:
        producer.append_data_file(data_file)
    producer.commit()  # stages into the transaction (writes manifests); no catalog change
    tag = tag_name(snapshot_properties[RUN_ID_PROPERTY])
    with ManageSnapshots(transaction) as refs:
        refs.create_tag(producer.snapshot_id, tag)  # exporting a build again moves its tag
    return transaction._updates, transaction._requirements, producer


class _OutcomeUnknown(Exception):
    """The catalog database failed while committing: the commit may have landed."""


def _commit_all(
    catalog: SqlCatalog, written: list[_Written], snapshot_properties: dict[str, str], step: Step
) -> tuple[dict[str, int], int]:
    """Commit every table's new snapshot in one transaction of the catalog database;
    on a concurrent export's commit, stage again on top of it. The new snapshot ids and
    the number of attempts."""
    from pyiceberg.exceptions import CommitFailedException

    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            return _commit_once(catalog, written, snapshot_properties, step), attempt
        except CommitFailedException:
            if attempt == COMMIT_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.05, 0.2) * attempt)
    raise AssertionError("unreachable")


def _commit_once(
    catalog: SqlCatalog, written: list[_Written], snapshot_properties: dict[str, str], step: Step
) -> dict[str, int]:
    """One attempt. Until the database transaction commits, nothing a reader sees has
    changed, and the metadata and manifest files of the attempt are deleted on failure."""
    from pyiceberg.catalog.sql import IcebergTables
    from pyiceberg.exceptions import CommitFailedException
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    producers, new_metadata, moves = [], [], []
    committing = False
    try:
        for w in written:
            table = catalog.load_table(w.identifier)
            updates, requirements, producer = _stage_snapshot(table, w, snapshot_properties)
            producers.append(producer)
            new = catalog._update_and_stage_table(table, w.identifier, requirements, updates)
            catalog._write_metadata(new.metadata, new.io, new.metadata_location)
            new_metadata.append((new.io, new.metadata_location))
            moves.append((w.identifier, table.metadata_location, new.metadata_location))
        step("committing")
        # Rows are updated in one order, so two exports never wait on each other in a cycle.
        with Session(catalog.engine) as session:
            for (namespace, name), old, new_location in sorted(moves):
                moved = session.execute(
                    update(IcebergTables)
                    .where(
                        IcebergTables.catalog_name == catalog.name,
                        IcebergTables.table_namespace == namespace,
                        IcebergTables.table_name == name,
                        IcebergTables.metadata_location == old,
                    )
                    .values(metadata_location=new_location, previous_metadata_location=old)
                )
                if moved.rowcount != 1:
                    raise CommitFailedException(f"{namespace}.{name} was changed by another export")
            committing = True
            session.commit()
    except BaseException as exc:
        if committing:  # the files may be referenced now: keep them
            raise _OutcomeUnknown(one_line(exc)) from exc
        for io, path in new_metadata:
            _delete(io, path)
        for producer in producers:
            producer._clean_all_uncommitted()
        raise
    return {w.name: p.snapshot_id for w, p in zip(written, producers, strict=True)}


def _delete(io: Any, path: str) -> None:
    with contextlib.suppress(Exception):  # best effort: an unreferenced file is harmless
        io.delete(path)


CONFIG_KEYS = {"catalog", "location", "namespace", "properties"}


def export_from_config(
    config: dict[str, Any], db: Path, on_step: Step | None = None
) -> IcebergReport | None:
    """Run the export a parsed ``tikdb.toml`` asks for after a successful build, or
    return None when it has no ``[export.iceberg]`` table::

        [export.iceberg]
        catalog = "sqlite:///lake/catalog.db"   # or postgresql+psycopg2://USER@HOST/DB
        location = "lake"                       # a folder, or s3://BUCKET/PATH
        namespace = "tikdb"                     # optional
        [export.iceberg.properties]             # optional: catalog and file-IO settings
        "s3.region" = "eu-west-1"

    Relative paths are relative to the working directory, as on the command line.
    """
    where = "tikdb.toml [export.iceberg]"
    export = config.get("export", {})
    if not isinstance(export, dict):
        raise InputError("tikdb.toml: export must be a table, e.g. [export.iceberg].")
    section = export.get("iceberg")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise InputError(f"{where}: must be a table with catalog and location.")
    unknown = sorted(set(section) - CONFIG_KEYS)
    if unknown:
        names = ", ".join(unknown)
        raise InputError(
            f"{where}: unknown key(s) {names}. Known: catalog, location, namespace, properties."
        )
    for key in ("catalog", "location"):
        if key not in section:
            raise InputError(
                f'{where}: "{key}" missing. Add e.g. catalog = "sqlite:///lake/catalog.db" '
                'and location = "lake".'
            )
    for key in ("catalog", "location", "namespace"):
        if key in section and not isinstance(section[key], str):
            raise InputError(f'{where}: "{key}" must be a string.')
    properties = section.get("properties", {})
    if not isinstance(properties, dict) or not all(isinstance(v, str) for v in properties.values()):
        raise InputError(f'{where}: "properties" must be a table of strings.')
    return export_iceberg(
        db,
        section["catalog"],
        section["location"],
        section.get("namespace", DEFAULT_NAMESPACE),
        dict(properties),
        on_step,
    )
