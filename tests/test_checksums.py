"""Each build records the sha256 of every file it publishes (SHA256SUMS beside them), and
`tikdb check` fails when a published file was changed, added or removed since."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, query, run_build, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.pipeline.build import BuildOptions, build

runner = CliRunner()
RULE = "published_files__checksums"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(folder: Path) -> list[str]:
    """The files a build publishes, found independently: the database and parquet/**."""
    found = ["tikdb.duckdb"]
    for root, _dirs, names in os.walk(folder / "parquet"):
        found += [(Path(root) / n).relative_to(folder).as_posix() for n in names]
    return sorted(found)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("checksums")
    rows = [make_row(n) for n in range(1, 5)]
    return run_build(tmp, write_csv(tmp / "master.csv", rows)).out_dir


@pytest.fixture
def out(tmp_path, built) -> Path:
    copy = tmp_path / "wh"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def check(out: Path):
    return runner.invoke(app, ["check", "--db", str(out / "tikdb.duckdb"), "--select", RULE])


def failure(out: Path) -> tuple[int, list[list[str]]]:
    """The exit code and the sample rows `tikdb check` prints for the rule."""
    result = check(out)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{RULE}\terror\t"), result.output
    rows = [line.removeprefix("   ").split("\t") for line in lines[3:]]
    return result.exit_code, rows


def test_the_build_records_the_sha256_of_every_published_file(out):
    folder = (out / ".current").resolve()
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    expected = [f"{sha256(folder / name)}  {name}" for name in published(folder)]
    assert sorted(lines, key=lambda line: line.split("  ", 1)[1]) == expected
    assert len(lines) == len(set(lines)) > 10


def test_the_record_is_what_sha256sum_checks(out):
    done = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"],
        cwd=out / ".current",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK\n") == len(published((out / ".current").resolve()))


def test_a_fresh_warehouse_passes(out):
    assert check(out).exit_code == 0
    assert failure(out) == (0, [])


def test_the_build_ran_the_rule_with_nothing_to_compare_and_says_so(out):
    got = query(
        out / "tikdb.duckdb",
        "SELECT passed, offending_rows, description FROM check_results WHERE rule = ?",
        [RULE],
    )
    assert got == [
        (
            True,
            0,
            "the published files (tikdb.duckdb, each Parquet file) are byte for byte what "
            "their build recorded in SHA256SUMS; during a build no file is written yet and "
            "the rule passes with nothing to compare",
        )
    ]


def test_a_parquet_file_overwritten_with_other_valid_parquet_is_caught(out):
    posts = out / "parquet" / "posts.parquet"
    recorded = sha256(posts)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 42 AS answer) TO '{posts}' (FORMAT parquet)")
    con.close()
    assert failure(out) == (1, [["parquet/posts.parquet", "changed", recorded, sha256(posts)]])
    result = check(out)
    assert f"-- {RULE}: the published files" in result.stdout


def test_a_changed_database_file_is_caught(out):
    db = out / "tikdb.duckdb"
    recorded = sha256(db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE posts SET views = views + 1")
    con.close()
    code, rows = failure(out)
    assert code == 1
    assert rows[0][:3] == ["tikdb.duckdb", "changed", recorded]


def test_an_added_and_a_removed_file_are_caught(out):
    shutil.copy(out / "parquet" / "vas.parquet", out / "parquet" / "mine.parquet")
    recorded = sha256(out / "parquet" / "slides.parquet")
    (out / "parquet" / "slides.parquet").unlink()
    mine = sha256(out / "parquet" / "mine.parquet")
    assert failure(out) == (
        1,
        [
            ["parquet/mine.parquet", "not recorded", "NULL", mine],
            ["parquet/slides.parquet", "missing", recorded, "NULL"],
        ],
    )


def test_a_missing_record_fails_and_names_it(out):
    folder = (out / ".current").resolve()
    (folder / "SHA256SUMS").unlink()
    code, rows = failure(out)
    assert code == 1
    assert rows[0] == ["SHA256SUMS", "missing", "NULL", "NULL"]
    result = check(out)
    assert result.stdout.splitlines()[0] == f"{RULE}\terror\tFAIL\t{1 + len(published(folder))}"


def test_a_fifo_among_the_parquet_files_is_reported_not_read(out):
    os.mkfifo(out / "parquet" / "pipe.parquet")
    assert failure(out) == (1, [["parquet/pipe.parquet", "not recorded", "NULL", "NULL"]])


def test_a_wal_left_beside_the_database_is_caught(out):
    # A writer's changes that were never checkpointed: readers would see them.
    db = out / "tikdb.duckdb"
    writer = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1], config={'checkpoint_threshold': '1TB'})\n"
        "con.execute('UPDATE posts SET views = 0')\n"
        "os._exit(0)  # a writer that dies before its checkpoint\n"
    )
    subprocess.run([sys.executable, "-c", writer, str(db)], check=True)
    wal = (out / ".current" / "tikdb.duckdb.wal").resolve()
    assert wal.exists()
    code, rows = failure(out)
    assert (code, rows[-1][:2]) == (1, ["tikdb.duckdb.wal", "not recorded"])


def test_an_edited_record_is_one_line(out):
    folder = (out / ".current").resolve()
    with (folder / "SHA256SUMS").open("a") as f:
        f.write("not a checksum line\n")
    result = check(out)
    assert result.exit_code == 1
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert result.stderr == (
        f"Error: {folder / 'SHA256SUMS'}: line {len(lines)} is not '<sha256>  <file>'; the "
        "record of the published files was edited. Rebuild the warehouse with `tikdb build`.\n"
    )


def test_month_partitions_are_recorded_too(tmp_path):
    rows = [make_row(n) for n in range(1, 4)]
    options = BuildOptions(
        write_csv(tmp_path / "master.csv", rows),
        None,
        tmp_path / "wh",
        threads=2,
        partition_by_month=True,
    )
    out = build(options).out_dir
    folder = (out / ".current").resolve()
    names = [line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()]
    assert "parquet/posts/month=2025-10/data_0.parquet" in names
    assert sorted(names) == published(folder)
    victim = out / "parquet" / "slides" / "month=2025-10" / "data_0.parquet"
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    code, rows = failure(out)
    assert (code, rows[0][:2]) == (1, ["parquet/slides/month=2025-10/data_0.parquet", "changed"])
