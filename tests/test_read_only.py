"""Read-only means read-only: `tikdb sql`, `check` and `report` can read the warehouse
and nothing else, and can write nothing at all."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, run_build, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.warehouse import connect_read_only

runner = CliRunner()
DISABLED = "file system operations are disabled by configuration"
PLATFORM = duckdb.sql("PRAGMA platform").fetchall()[0][0]


def locked(option: str) -> str:
    return (
        f'Error: Invalid Input Error: Cannot change configuration option "{option}" - the '
        "configuration has been locked\n"
    )


def no_access(path: str) -> str:
    return f'Error: Permission Error: Cannot access file "{path}" - {DISABLED}\n'


def tree(root: Path) -> dict[str, str]:
    """Every file under root (following links) with its sha256."""
    files = {}
    for folder, _dirs, names in os.walk(root, followlinks=True):
        for name in names:
            path = Path(folder) / name
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("read-only")
    rows = [make_row(n) for n in range(1, 5)]
    return run_build(tmp, write_csv(tmp / "master.csv", rows)).out_dir


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside the warehouse holding a CSV file and another DuckDB file."""
    (tmp_path / "secret.csv").write_text("a,b\n1,2\n")
    con = duckdb.connect(str(tmp_path / "other.duckdb"))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    return tmp_path


def attacks(w: Path, o: Path) -> list[tuple[str, str]]:
    """(SQL, the exact one-line error) for each way to reach past the warehouse."""
    posts = f"{w}/parquet/posts.parquet"
    db = (w / "tikdb.duckdb").resolve()
    return [
        # Writing files: over a published one, anywhere else, a whole export.
        (f"COPY (SELECT 42 AS answer) TO '{posts}' (FORMAT parquet)", no_access(posts)),
        (f"COPY posts TO '{o}/posts.csv'", no_access(f"{o}/posts.csv")),
        (f"EXPORT DATABASE '{o}/export'", no_access(f"{o}/export/accounts.csv")),
        # Reading files beside the warehouse, or listing them.
        ("SELECT * FROM read_csv('/etc/passwd', sep = ':')", no_access("/etc/passwd")),
        ("SELECT * FROM read_text('/etc/passwd')", no_access("/etc/passwd")),
        ("SELECT * FROM read_blob('/etc/passwd')", no_access("/etc/passwd")),
        ("SELECT * FROM sniff_csv('/etc/passwd')", no_access("/etc/passwd")),
        (f"SELECT * FROM '{o}/secret.csv'", no_access(f"{o}/secret.csv")),
        ("SELECT * FROM glob('/etc/*')", no_access("/etc/*")),
        (f"SELECT * FROM read_parquet('{posts}')", no_access(posts)),
        # Another database, read-write.
        (f"ATTACH '{o}/other.duckdb' AS other", no_access(f"{o}/other.duckdb")),
        (f"ATTACH '{o}/new.duckdb' AS new", no_access(f"{o}/new.duckdb")),
        # Settings that would undo the above, or write files of their own.
        ("SET enable_external_access = true", locked("enable_external_access")),
        ("SET lock_configuration = false", locked("lock_configuration")),
        ("RESET lock_configuration", locked("lock_configuration")),
        ("SET threads = 1", locked("threads")),
        (f"SET temp_directory = '{o}/spill'", locked("temp_directory")),
        ("PRAGMA enable_profiling = 'json'", locked("enable_profiling")),
        (f"PRAGMA profiling_output = '{o}/profile.json'", locked("profiling_output")),
        (
            f"CALL enable_logging(storage = 'file', storage_path = '{o}/log')",
            locked("enable_logging"),
        ),
        # Extensions.
        (
            "INSTALL httpfs",
            "Error: Permission Error: Cannot access directory "
            f'"{Path.home()}/.duckdb/extensions/v{duckdb.__version__}/{PLATFORM}" - {DISABLED}\n',
        ),
        (
            "LOAD httpfs",
            "Error: Permission Error: Loading external extensions is disabled through "
            "configuration\n",
        ),
        # The warehouse itself: over its file or its WAL, or by statement.
        (
            f"COPY (SELECT 1) TO '{db}' (FORMAT csv)",
            f'Error: Binder Error: Cannot COPY to "{db}": the file belongs to an attached '
            "database\n",
        ),
        (
            f"COPY (SELECT 1) TO '{db}.wal' (FORMAT csv)",
            f'Error: Binder Error: Cannot COPY to "{db}.wal": the file belongs to an attached '
            "database\n",
        ),
        (
            "CREATE TABLE sneaky AS SELECT 1",
            'Error: Invalid Input Error: Cannot execute statement of type "CREATE" on database '
            '"tikdb" which is attached in read-only mode!\n',
        ),
    ]


def test_every_way_past_the_warehouse_is_refused_on_one_line(warehouse, outside):
    before, around = tree(warehouse), tree(outside)
    for sql, error in attacks(warehouse, outside):
        result = runner.invoke(app, ["sql", sql, "--db", str(warehouse / "tikdb.duckdb")])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", error), sql
    assert tree(warehouse) == before
    assert tree(outside) == around


def test_the_issue_case_leaves_the_published_parquet_alone_and_check_passes(warehouse):
    posts = warehouse / "parquet" / "posts.parquet"
    before = posts.read_bytes()
    sql = f"COPY (SELECT 42 AS answer) TO '{posts}' (FORMAT parquet)"
    result = runner.invoke(app, ["sql", sql, "--db", str(warehouse / "tikdb.duckdb")])
    assert result.exit_code == 1
    assert posts.read_bytes() == before
    check = runner.invoke(app, ["check", "--db", str(warehouse / "tikdb.duckdb")])
    assert check.exit_code == 0, check.output


def test_reading_the_warehouse_and_temporary_tables_still_work(warehouse):
    db = str(warehouse / "tikdb.duckdb")
    result = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM posts", "--db", db])
    assert (result.exit_code, result.stdout) == (0, "n\n4\n")
    # A session-only table lives in memory; the file is not touched.
    temp = runner.invoke(app, ["sql", "CREATE TEMP TABLE t AS SELECT 1 AS a", "--db", db])
    assert temp.exit_code == 0, temp.output


def test_spills_go_to_a_folder_of_their_own_never_beside_the_warehouse(warehouse, monkeypatch):
    spill_root = warehouse.parent / "tmp-for-spills"
    spill_root.mkdir()
    monkeypatch.setenv("TMPDIR", str(spill_root))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    before = tree(warehouse)
    con = connect_read_only(warehouse / "tikdb.duckdb")
    try:
        (spill,) = con.execute("SELECT current_setting('temp_directory')").fetchone()
        assert Path(spill).parent == spill_root
        assert not Path(spill).is_relative_to(warehouse.resolve())
    finally:
        con.close()
    assert tree(warehouse) == before
    assert list(spill_root.iterdir()) == []


def test_connect_read_only_is_the_only_way_the_readers_open_a_database():
    """sql, check and report reach the warehouse through connect_read_only alone: a
    second duckdb.connect in tikdb/outputs or tikdb/cli would bypass its settings."""
    root = Path(__file__).resolve().parent.parent / "tikdb"
    calls = {
        str(path.relative_to(root)): path.read_text(encoding="utf-8").count("duckdb.connect(")
        for folder in ("outputs", "cli")
        for path in sorted((root / folder).rglob("*.py"))
    }
    assert {name: n for name, n in calls.items() if n} == {"outputs/warehouse.py": 1}


def test_the_read_only_connection_has_external_access_off_and_its_settings_locked(warehouse):
    con = connect_read_only(warehouse / "tikdb.duckdb")
    try:
        got = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('enable_external_access', 'lock_configuration', 'autoload_known_extensions', "
                "'autoinstall_known_extensions', 'temp_directory')"
            ).fetchall()
        )
        (allowed,) = con.execute("SELECT current_setting('allowed_paths')").fetchone()
        (folders,) = con.execute("SELECT current_setting('allowed_directories')").fetchone()
    finally:
        con.close()
    spill = got.pop("temp_directory")
    assert got == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
    }
    # The only exceptions are DuckDB's own: the database with its WAL files (which it
    # refuses to COPY over) and the private spill folder.
    db = str((warehouse / "tikdb.duckdb").resolve())
    assert sorted(allowed) == sorted(
        [db, f"{db}.wal", f"{db}.wal.checkpoint", f"{db}.wal.recovery"]
    )
    assert folders == [spill + "/"]
