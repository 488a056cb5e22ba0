"""The per-sheet files of the CSV and Parquet exports: each is written beside its target
as ``<name>.partial`` and renamed into place only once complete (tables.write_sheet_files);
a database without the tables the sheets read fails in one line."""

from __future__ import annotations

import csv
import errno
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import make_row, run_build, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.export.csv import write_csv as write_csv_sheet
from tikdb.outputs.export.csv import write_csv_files
from tikdb.outputs.export.parquet import write_parquet_files
from tikdb.outputs.export.tables import EVERYONE, SHEETS, Window, write_sheet_files
from tikdb.outputs.warehouse import connect_read_only, define_scope


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sheets")
    return run_build(tmp, write_csv(tmp / "master.csv", [make_row(n) for n in range(1, 8)])).db_path


@pytest.fixture
def con(db):
    con = connect_read_only(db)
    define_scope(con)
    yield con
    con.close()


def test_a_failing_sheet_leaves_its_previous_file_and_no_partial_file(con, tmp_path):
    (tmp_path / "top_posts.csv").write_text("the previous export\n")

    calls = []

    def write(reader, path: Path) -> int:
        """The CSV writer, but the disk fills half-way through the third sheet."""
        calls.append(path.name)
        if len(calls) == 3:
            path.write_text("half a sheet")
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_csv_sheet(reader, path)

    with pytest.raises(OSError, match="No space left"):
        write_sheet_files(con, EVERYONE, Window(), tmp_path, ".csv", 2, write)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "posts.csv",
        "summary.csv",
        "top_posts.csv",
    ]
    assert (tmp_path / "top_posts.csv").read_text() == "the previous export\n"
    assert SHEETS[2].name == "top_posts"


def test_csv_and_parquet_files_hold_every_row_they_report(con, tmp_path):
    ((posts,),) = con.execute("SELECT count(*) FROM main.posts").fetchall()
    for write, read in (
        (write_csv_files, lambda p: len(list(csv.reader(p.open(encoding="utf-8-sig")))) - 1),
        (write_parquet_files, lambda p: pq.read_metadata(p).num_rows),
    ):
        written = write(con, EVERYONE, Window(), tmp_path / write.__name__)
        assert [p.stem for p, _ in written] == [s.name for s in SHEETS]
        assert all(read(path) == rows for path, rows in written)
        assert dict((p.stem, rows) for p, rows in written)["posts"] == posts
        assert not list((tmp_path / write.__name__).glob("*.partial"))


def test_exporting_a_database_without_the_published_tables_is_one_line(tmp_path):
    db = tmp_path / "other.duckdb"
    other = duckdb.connect(str(db))
    other.execute("CREATE TABLE import_log (run_id VARCHAR, finished_at TIMESTAMP)")
    other.close()
    result = CliRunner().invoke(
        app, ["export", "--format", "csv", "--db", str(db), "--out", str(tmp_path / "out")]
    )
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {db}: Catalog Error: Table with name posts does not exist! Did you mean "
        '"import_log"? It is not a complete tikdb warehouse; rebuild it with `tikdb build`, '
        "or pass --db PATH of one.\n"
    )
