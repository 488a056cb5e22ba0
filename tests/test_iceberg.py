"""`tikdb export --format iceberg` into a SQLite catalog: every table read back exactly,
one tagged snapshot per table per export, time travel, schema evolution, and a failure
half-way leaving every table at its previous snapshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, ocr_record, query, run_build, write_csv, write_ocr
from pyiceberg.catalog.sql import SqlCatalog
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.export import iceberg
from tikdb.outputs.export.iceberg import (
    IcebergExportError,
    export_iceberg,
    published_names,
    tag_name,
)
from tikdb.outputs.warehouse import connect_read_only

runner = CliRunner()
NOVEMBER = 2600  # created 2025-11-01


def build_warehouse(tmp: Path, numbers: list[int], out: Path | None = None) -> Path:
    rows = [make_row(n) for n in numbers]
    rows[0]["slides"] = rows[1]["slides"]  # a reused image: slide_reuse has a row
    ocr = write_ocr(
        tmp / "ocr",
        {"Carla": [ocr_record(rows[0], "same hook"), ocr_record(rows[1], "same hook")]},
    )
    csv_path = write_csv(tmp / "master.csv", rows + [make_row(99, likes="lots")])
    return run_build(tmp, csv_path, ocr, out).db_path


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    """A warehouse of 5 posts (and one reject)."""
    tmp = tmp_path_factory.mktemp("first")
    return build_warehouse(tmp, [1, 2, 3, 4, NOVEMBER])


def names_of(db: Path) -> list[str]:
    con = connect_read_only(db)
    try:
        return published_names(con)
    finally:
        con.close()


def catalog_at(tmp: Path) -> tuple[str, str]:
    return f"sqlite:///{tmp / 'catalog.db'}", str(tmp / "lake")


def load(uri: str, name: str):
    return SqlCatalog("tikdb", uri=uri).load_table(("tikdb", name))


def data_files(location: str) -> set[Path]:
    return {p for p in Path(location).rglob("data/*.parquet")}


def assert_same_as_duckdb(db: Path, arrow_table, name: str) -> None:
    """The Iceberg rows equal the DuckDB table's as multisets, with the same columns and
    types."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS wh (READ_ONLY)", [str(db)])
        con.register("ice", arrow_table)
        wanted = con.execute(f"DESCRIBE wh.main.{name}").fetchall()
        got = con.execute("DESCRIBE ice").fetchall()
        assert [(c[0], c[1]) for c in got] == [(c[0], c[1]) for c in wanted], name
        for a, b in ((f"wh.main.{name}", "ice"), ("ice", f"wh.main.{name}")):
            extra = con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchone()
            assert extra == (0,), (name, a, b)
        counts = con.execute(
            f"SELECT (FROM (SELECT count(*) FROM wh.main.{name})), count(*) FROM ice"
        )
        total, ice_total = counts.fetchone()
        assert total == ice_total, name
    finally:
        con.close()


def test_every_table_reads_back_exactly(first, tmp_path):
    uri, location = catalog_at(tmp_path)
    report = export_iceberg(first, uri, location)
    names = names_of(first)
    # the published tables and every analytics table and view
    assert {"posts", "slides", "vas", "accounts", "post_ocr", "rejects", "import_log"} <= set(names)
    assert {"va_performance", "post_performance", "slide_reuse", "account_daily"} <= set(names)
    assert [t.name for t in report.tables] == names
    for name in names:
        table = load(uri, name)
        arrow = table.scan().to_arrow()
        assert_same_as_duckdb(first, arrow, name)
        assert report.tables[names.index(name)].rows == arrow.num_rows
    non_empty = [n for n in names if query(first, f"SELECT count(*) FROM {n}")[0][0]]
    assert {"posts", "slides", "post_ocr", "rejects", "slide_reuse", "ocr_text_reuse"} <= set(
        non_empty
    )


def test_each_export_is_one_snapshot_per_table_tagged_with_the_run_id(first, tmp_path):
    uri, location = catalog_at(tmp_path)
    run_id = query(first, "SELECT max_by(run_id, finished_at) FROM import_log")[0][0]
    one = export_iceberg(first, uri, location)
    two = export_iceberg(first, uri, location)
    assert one.run_id == two.run_id == run_id and one.export_id != two.export_id
    for name in names_of(first):
        table = load(uri, name)
        snapshots = table.snapshots()
        assert len(snapshots) == 2, name
        older, newer = snapshots
        assert newer.parent_snapshot_id == older.snapshot_id
        assert table.current_snapshot().snapshot_id == newer.snapshot_id
        for snapshot, report in ((older, one), (newer, two)):
            props = snapshot.summary.additional_properties
            assert props["tikdb.run-id"] == run_id
            assert props["tikdb.export-id"] == report.export_id
        assert newer.summary.operation.value == "overwrite"
        # the build's tag moves to the latest export of that build
        assert table.refs()[tag_name(run_id)].snapshot_id == newer.snapshot_id
        assert (
            int(newer.summary["total-records"])
            == query(first, f"SELECT count(*) FROM {name}")[0][0]
        )
        assert {t.name: t.snapshot_id for t in two.tables}[name] == newer.snapshot_id


@pytest.mark.slow
def test_time_travel_to_the_previous_build_gives_its_counts(tmp_path):
    out = tmp_path / "wh"
    old = build_warehouse(tmp_path / "a", [1, 2, 3], out)
    old_counts = {n: query(old, f"SELECT count(*) FROM {n}")[0][0] for n in names_of(old)}
    old_run = query(old, "SELECT max_by(run_id, finished_at) FROM import_log")[0][0]
    uri, location = catalog_at(tmp_path)
    export_iceberg(old, uri, location)
    new = build_warehouse(tmp_path / "b", [1, 2, 3, 4, 5, NOVEMBER], out)  # the next build
    new_counts = {n: query(new, f"SELECT count(*) FROM {n}")[0][0] for n in names_of(new)}
    assert new_counts["posts"] == 6 and old_counts["posts"] == 3
    assert new_counts["import_log"] == 2  # the history holds both builds
    export_iceberg(new, uri, location)
    for name, count in new_counts.items():
        table = load(uri, name)
        assert table.scan().to_arrow().num_rows == count, name
        earlier = table.snapshot_by_name(tag_name(old_run))
        assert table.scan(snapshot_id=earlier.snapshot_id).to_arrow().num_rows == old_counts[name]


@pytest.mark.slow
def test_a_column_added_by_a_later_version_evolves_the_schema(first, tmp_path):
    uri, location = catalog_at(tmp_path)
    export_iceberg(first, uri, location)
    later = tmp_path / "later.duckdb"
    shutil.copy(first, later)
    con = duckdb.connect(str(later))
    con.execute("ALTER TABLE posts ADD COLUMN bookmarks BIGINT")
    con.execute("UPDATE posts SET bookmarks = views // 10")
    con.execute("ALTER TABLE vas DROP COLUMN spellings")  # a column a later version dropped
    con.close()
    export_iceberg(later, uri, location)
    posts = load(uri, "posts")
    assert posts.schema().find_field("bookmarks").field_type.__class__.__name__ == "LongType"
    assert_same_as_duckdb(later, posts.scan().to_arrow(), "posts")
    before = posts.snapshots()[0]
    assert posts.scan(snapshot_id=before.snapshot_id).to_arrow().num_rows == 5
    assert before.schema_id != posts.schema().schema_id  # the older snapshot keeps its schema
    # A dropped column stays in the Iceberg table, NULL from that export on.
    vas = load(uri, "vas").scan().to_arrow()
    assert "spellings" in vas.column_names
    assert vas.column("spellings").null_count == vas.num_rows > 0


def current_snapshots(uri: str, names: list[str]) -> dict[str, int]:
    return {n: load(uri, n).current_snapshot().snapshot_id for n in names}


class Boom(Exception):
    pass


@pytest.mark.parametrize("fail_at", ["staged account_daily", "staged slides", "committing"])
def test_a_failure_half_way_leaves_every_table_at_its_previous_snapshot(first, tmp_path, fail_at):
    uri, location = catalog_at(tmp_path)
    export_iceberg(first, uri, location)
    names = names_of(first)
    before = current_snapshots(uri, names)
    files_before = data_files(location)

    def on_step(step: str) -> None:
        if step == fail_at:
            raise Boom("disk full")

    with pytest.raises(IcebergExportError) as failed:
        export_iceberg(first, uri, location, on_step=on_step)
    where = "the commit" if fail_at == "committing" else fail_at.removeprefix("staged ")
    assert str(failed.value) == (
        f"Iceberg export to {uri} failed at {where}: disk full. Every table is still at its "
        "previous snapshot; fix the cause and export again."
    )
    assert current_snapshots(uri, names) == before
    assert all(len(load(uri, n).snapshots()) == 1 for n in names)
    assert data_files(location) == files_before  # the failed export's files are gone


def test_a_table_moved_during_the_commit_rolls_back_the_tables_already_moved(
    first, tmp_path, monkeypatch
):
    """The commit moves every table in one database transaction: when the LAST table
    was changed by someone else, the tables before it are not moved either."""
    uri, location = catalog_at(tmp_path)
    export_iceberg(first, uri, location)
    names = names_of(first)
    last = sorted(names)[-1]
    monkeypatch.setattr(iceberg, "COMMIT_ATTEMPTS", 1)

    def on_step(step: str) -> None:
        if step == "committing":  # another writer commits to the last table
            table = load(uri, last)
            table.append(table.scan().to_arrow())

    before = current_snapshots(uri, names)
    with pytest.raises(IcebergExportError) as failed:
        export_iceberg(first, uri, location, on_step=on_step)
    assert f"tikdb.{last} was changed by another export" in str(failed.value)
    after = current_snapshots(uri, names)
    assert {n: after[n] for n in names if n != last} == {n: before[n] for n in names if n != last}
    assert after[last] != before[last]  # only the other writer's snapshot landed


def test_a_concurrent_commit_is_retried_on_top_of_it(first, tmp_path):
    uri, location = catalog_at(tmp_path)
    export_iceberg(first, uri, location)
    names = names_of(first)
    last = sorted(names)[-1]
    foreign = {}

    def on_step(step: str) -> None:
        if step == "committing" and not foreign:
            table = load(uri, last)
            table.append(table.scan().to_arrow())
            foreign["id"] = load(uri, last).current_snapshot().snapshot_id

    report = export_iceberg(first, uri, location, on_step=on_step)
    assert report.attempts == 2
    for name in names:
        table = load(uri, name)
        assert_same_as_duckdb(first, table.scan().to_arrow(), name)  # overwrote the append
        expected = 3 if name == last else 2  # no partial commit of the first attempt
        assert len(table.snapshots()) == expected, name
    assert load(uri, last).current_snapshot().parent_snapshot_id == foreign["id"]


def test_cli_exports_and_prints_each_table(first, tmp_path):
    uri, location = catalog_at(tmp_path)
    result = runner.invoke(
        app,
        [
            "export",
            "--format",
            "iceberg",
            "--catalog",
            uri,
            "--location",
            location,
            "--db",
            str(first),
        ],
    )
    assert result.exit_code == 0, result.output
    run_id = query(first, "SELECT max_by(run_id, finished_at) FROM import_log")[0][0]
    lines = result.stdout.splitlines()
    assert lines[:-1] == [
        f"tikdb.{n}\t{query(first, f'SELECT count(*) FROM {n}')[0][0]}" for n in names_of(first)
    ]
    assert lines[-1] == f"exported build {run_id} to {uri} as snapshots tagged build-{run_id}"


def test_an_unreachable_catalog_is_one_line_without_the_password(first, tmp_path):
    uri = "postgresql+psycopg2://tikdb:s3cret@127.0.0.1:1/lake"
    result = runner.invoke(
        app,
        [
            "export",
            "--format",
            "iceberg",
            "--catalog",
            uri,
            "--location",
            str(tmp_path),
            "--db",
            str(first),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot open the Iceberg catalog postgresql+psycopg2://tikdb:***@127.0.0.1:1/lake: "
    )
    assert result.stderr.endswith(
        ". Check the URI, that the database is running, and its credentials.\n"
    )
    assert "s3cret" not in result.output and result.stderr.count("\n") == 1


def test_a_catalog_uri_that_is_not_sql_is_a_usage_error(first, tmp_path):
    result = runner.invoke(
        app,
        [
            "export",
            "--format",
            "iceberg",
            "--catalog",
            "thrift://h:9083",
            "--location",
            str(tmp_path),
            "--db",
            str(first),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --catalog thrift://h:9083: not a SQL catalog URI. Pass sqlite:///PATH or "
        "postgresql+psycopg2://USER@HOST/DB.\n"
    )


def readme_block(after: str) -> str:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n", readme.index(after)) + len("```python\n")
    return readme[start : readme.index("```", start)]


def test_the_readme_python_snippet_reads_the_tables(first, tmp_path, capsys):
    uri, location = catalog_at(tmp_path)
    export_iceberg(first, uri, location)
    export_iceberg(first, uri, location)
    code = readme_block("From Python, with pyiceberg and DuckDB")
    assert 'uri="sqlite:///lake/catalog.db"' in code
    exec(code.replace("sqlite:///lake/catalog.db", uri), {})
    lines = capsys.readouterr().out.splitlines()
    posts = query(first, "SELECT count(*) FROM posts")[0][0]
    run_id = query(first, "SELECT max_by(run_id, finished_at) FROM import_log")[0][0]
    assert lines[0] == f"[({posts},)]"
    assert [s[1] for s in eval(lines[1])] == [run_id, run_id]
    assert lines[2] == str(posts)
