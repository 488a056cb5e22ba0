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
from tikdb.pipeline.publish import LOCK_NAME, new_staging


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
    # A staging area as a killed build leaves it (with tikdb's marker), half written.
    stale = new_staging(published, "20200101T000000Z-dead00")
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


# --- tikdb replaces and deletes only what it made -------------------------------------------


def tree(out: Path) -> dict[str, str]:
    """Every entry under out, not following links: file hashes, link targets, folders."""
    entries = {}
    for root, dirs, names in os.walk(out):
        for name in dirs + names:
            path = Path(root) / name
            rel = str(path.relative_to(out))
            if path.is_symlink():
                entries[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                entries[rel] = "dir"
            else:
                entries[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def cli_build(csv_path: Path, out: Path, *extra: str):
    from typer.testing import CliRunner

    from tikdb.cli import app

    return CliRunner().invoke(app, ["build", "--csv", str(csv_path), "--out", str(out), *extra])


def test_a_users_parquet_folder_is_refused_and_kept(tmp_path, rows):
    out = tmp_path / "wh"
    (out / "parquet").mkdir(parents=True)
    (out / "parquet" / "mine.parquet").write_bytes(b"the user's own data")
    before = tree(out)
    result = cli_build(write_csv(tmp_path / "m.csv", rows), out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out}: parquet (a folder) is not tikdb's (tikdb replaces only what it made); "
        "nothing was changed. Move it elsewhere, or pass another --out DIR.\n"
    )
    assert tree(out) == before  # not even the build lock was created


def test_a_file_that_is_not_tikdbs_at_the_database_path_is_refused(tmp_path, rows, published):
    out = tmp_path / "other"
    out.mkdir()
    (out / "tikdb.duckdb").write_bytes(b"not a DuckDB file")
    (out / ".current").symlink_to("/somewhere/else")
    before = tree(out)
    result = cli_build(tmp_path / "master.csv", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out}: tikdb.duckdb (a file), .current (a link to /somewhere/else) are not "
        "tikdb's (tikdb replaces only what it made); nothing was changed. Move them "
        "elsewhere, or pass another --out DIR.\n"
    )
    assert tree(out) == before


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("tikdb.duckdb", lambda p: p.symlink_to("mine.duckdb"), "a link to mine.duckdb"),
        ("parquet", lambda p: p.symlink_to(".current/other"), "a link to .current/other"),
        (".current", lambda p: p.mkdir(), "a folder"),
        (".current", lambda p: p.symlink_to(".v-mine"), "a link to .v-mine"),
        (".tikdb-publish.log", lambda p: p.mkdir(), "a folder"),
        (".tikdb-build.lock", lambda p: p.symlink_to("elsewhere"), "a link to elsewhere"),
    ],
)
def test_every_managed_name_is_checked(tmp_path, published, name, make, kind):
    """In a warehouse tikdb built, one managed name replaced by something else."""
    path = published / name
    if os.path.lexists(path):
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    make(path)
    before = tree(published)
    with pytest.raises(InputError) as caught:
        run_build(tmp_path, tmp_path / "master.csv", out=published)
    assert str(caught.value).startswith(f"{published}: {name} ({kind}) is not tikdb's")
    assert tree(published) == before


def test_a_wal_beside_a_database_that_is_not_tikdbs_is_refused(tmp_path, rows):
    out = tmp_path / "wh"
    out.mkdir()
    (out / "tikdb.duckdb.wal").write_bytes(b"someone's WAL")
    with pytest.raises(InputError) as caught:
        run_build(tmp_path, write_csv(tmp_path / "m.csv", rows), out=out)
    assert str(caught.value).startswith(f"{out}: tikdb.duckdb.wal (a file) is not tikdb's")
    assert (out / "tikdb.duckdb.wal").read_bytes() == b"someone's WAL"


def test_only_leftovers_tikdb_can_tell_it_made_are_removed(tmp_path, published):
    run = "20200101T000000Z-dead00"
    other = "20200102T000000Z-beef00"
    # Things under tikdb's names that tikdb did not make: kept, untouched.
    theirs = {
        f".tikdb-staging-{other}/notes.txt": b"no marker",
        f".v-{other}/notes.txt": b"no marker",
        ".v-old/notes.txt": b"not a run id",
        f".tikdb-staging-{run}x/notes.txt": b"not a run id",
        ".tikdb-link-mine": b"a file, not a link",
    }
    for rel, data in theirs.items():
        (published / rel).parent.mkdir(parents=True, exist_ok=True)
        (published / rel).write_bytes(data)
    (published / ".tikdb-link-theirs").symlink_to("/home")
    marked_other = published / f".v-{run}"  # a marker with another run id
    marked_other.mkdir()
    (marked_other / ".tikdb-run").write_text(other + "\n")
    # What a killed build leaves: its marked staging area, a temporary link, an empty folder.
    new_staging(published, run)
    (published / f".tikdb-link-current-{run}").symlink_to(f".v-{run}")
    (published / f".tikdb-staging-{other}0").mkdir()  # not a run id: kept
    (published / ".tikdb-staging-20200103T000000Z-cafe00").mkdir()  # empty: removed
    # Killed while writing the marker: only its start, removed; beside a file: kept.
    unfinished = published / ".tikdb-staging-20200104T000000Z-cafe01"
    unfinished.mkdir()
    (unfinished / ".tikdb-run.tmp").write_text("20200104T00")
    mixed = published / ".tikdb-staging-20200105T000000Z-cafe02"
    mixed.mkdir()
    (mixed / ".tikdb-run.tmp").write_text("20200105T00")
    (mixed / "notes.txt").write_text("mine")
    wrong = published / ".tikdb-staging-20200106T000000Z-cafe03"
    wrong.mkdir()
    (wrong / ".tikdb-run").write_text("20200101T000000Z-dead00\n")  # another run's marker

    run_build(tmp_path, tmp_path / "master.csv", out=published)
    for rel, data in theirs.items():
        assert (published / rel).read_bytes() == data, rel
    assert os.readlink(published / ".tikdb-link-theirs") == "/home"
    assert (marked_other / ".tikdb-run").read_text() == other + "\n"
    assert (published / f".tikdb-staging-{other}0").is_dir()
    assert not os.path.lexists(published / f".tikdb-staging-{run}")
    assert not os.path.lexists(published / f".tikdb-link-current-{run}")
    assert not os.path.lexists(published / ".tikdb-staging-20200103T000000Z-cafe00")
    assert not os.path.lexists(unfinished)
    assert (mixed / "notes.txt").read_text() == "mine"
    assert (wrong / ".tikdb-run").is_file()
