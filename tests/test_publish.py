"""Write, audit, publish: a failed or interrupted build never damages the live warehouse."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, query, run_build, write_csv

from tikdb.errors import BuildLockedError, InputError
from tikdb.pipeline.publish import LOCK_NAME


def snapshot(out: Path) -> dict[str, str]:
    """Every file under the warehouse (following the parquet link) with its sha256."""
    files = {}
    for root, _dirs, names in os.walk(out, followlinks=True):
        for name in names:
            path = Path(root) / name
            if name != LOCK_NAME:
                files[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


@pytest.fixture
def published(tmp_path, rows):
    csv_path = write_csv(tmp_path / "master.csv", rows)
    result = run_build(tmp_path, csv_path)
    return result.out_dir


def test_a_failed_build_leaves_the_warehouse_byte_identical(tmp_path, published):
    before = snapshot(published)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    with pytest.raises(InputError):
        run_build(tmp_path, bad, out=published)
    assert snapshot(published) == before
    assert not [p for p in published.iterdir() if p.name.startswith(".tikdb-staging-")]


def test_a_failing_model_publishes_nothing(tmp_path, published, monkeypatch):
    from tikdb.engine import models
    from tikdb.errors import BuildError

    before = snapshot(published)
    real = models.run_models

    def broken(con, ordered, **kwargs):
        real(con, ordered, **kwargs)
        raise BuildError("injected failure after the models ran")

    monkeypatch.setattr("tikdb.pipeline.build.run_models", broken)
    with pytest.raises(BuildError, match="injected failure"):
        run_build(tmp_path, tmp_path / "master.csv", out=published)
    assert snapshot(published) == before


def test_leftovers_of_a_crashed_build_are_removed_and_never_leak(tmp_path, published):
    stale = published / ".tikdb-staging-20200101T000000Z-dead00"
    (stale / "parquet").mkdir(parents=True)
    (stale / "parquet" / "posts.parquet").write_bytes(b"junk")
    orphan = published / ".v-20200101T000000Z-dead00"
    orphan.mkdir()
    # A WAL from a crashed writer must not be replayed into the new file.
    shutil.copy(published / "tikdb.duckdb", tmp_path / "copy.duckdb")
    con = duckdb.connect(str(tmp_path / "copy.duckdb"))
    con.execute("SET checkpoint_threshold = '1TB'")
    con.execute("CREATE TABLE leaked AS SELECT 42 AS x")
    wal = Path(f"{tmp_path / 'copy.duckdb'}.wal")
    assert wal.exists()
    shutil.copy(wal, published / "tikdb.duckdb.wal")
    con.close()

    result = run_build(tmp_path, tmp_path / "master.csv", out=published)
    assert not stale.exists() and not orphan.exists()
    assert not Path(f"{result.db_path}.wal").exists()
    tables = query(result.db_path, "SELECT table_name FROM duckdb_tables() ORDER BY 1")
    assert ("leaked",) not in tables
    assert query(result.db_path, "SELECT count(*) FROM posts") == [(6,)]


def test_a_second_build_at_the_same_time_is_refused(tmp_path, published):
    fd = os.open(published / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.pwrite(fd, b"4242\n", 0)
        before = snapshot(published)
        with pytest.raises(BuildLockedError) as caught:
            run_build(tmp_path, tmp_path / "master.csv", out=published)
        assert str(caught.value) == (
            f"{published}: another tikdb build is running (pid 4242). "
            "Wait for it to finish, then build again."
        )
        assert snapshot(published) == before
    finally:
        os.close(fd)


READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM posts").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM posts").fetchone()[0], flush=True)
"""


def test_a_reader_holding_the_file_open_does_not_block_the_build(tmp_path, published):
    db = published / "tikdb.duckdb"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "6"
        bigger = write_csv(tmp_path / "bigger.csv", [make_row(n) for n in range(1, 10)])
        run_build(tmp_path, bigger, out=published)
        reader.stdin.write("\n")
        reader.stdin.flush()
        # The reader keeps its snapshot of the old file; new readers see the new build.
        assert reader.stdout.readline().strip() == "6"
        assert query(db, "SELECT count(*) FROM posts") == [(9,)]
    finally:
        reader.kill()
        reader.wait()


def test_a_writer_holding_the_file_blocks_the_build_with_a_clear_message(tmp_path, published):
    from tikdb.errors import BuildError

    db = published / "tikdb.duckdb"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); sys.stdin.readline()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ok"
        before = snapshot(published)
        with pytest.raises(BuildError) as caught:
            run_build(tmp_path, tmp_path / "master.csv", out=published)
        assert str(caught.value) == (
            f"{db}: is open for writing by another process; close it (or open it with "
            "-readonly) and build again."
        )
        assert snapshot(published) == before
    finally:
        writer.kill()
        writer.wait()


def test_the_database_opens_in_the_duckdb_cli_shell(published):
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli, "the duckdb-cli package provides the duckdb shell"
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1.5.")
    done = subprocess.run(
        [
            cli,
            "-readonly",
            "-csv",
            str(published / "tikdb.duckdb"),
            "-c",
            "SELECT count(*) AS n FROM posts; SELECT count(*) AS s FROM slides;",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "6", "s", "12"]
    # And in the Python duckdb the project pins.
    assert query(published / "tikdb.duckdb", "SELECT count(*) FROM slides") == [(12,)]


def test_an_unreadable_previous_warehouse_is_replaced_with_a_warning(tmp_path, published):
    live = (published / "tikdb.duckdb").resolve()
    live.write_bytes(b"this is not a DuckDB file" * 100)
    result = run_build(tmp_path, tmp_path / "master.csv", out=published)
    assert len(result.warnings) == 1  # the lost history
    assert result.warnings[0].startswith(
        f"{published / 'tikdb.duckdb'}: the previous warehouse cannot be read ("
    )
    assert result.warnings[0].endswith("); its build history is not carried over")
    assert query(result.db_path, "SELECT run_id FROM import_log") == [(result.run_id,)]
