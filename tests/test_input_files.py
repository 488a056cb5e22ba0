"""Inputs that are not plain files, or that change while a build reads them.

Only regular files are read: a FIFO, a terminal or a device is an input error (CSV) or
an ``ocr_file`` reject (OCR), never a build that waits forever holding the lock. A file
written to during the build stops it with one line, so that the size, sha256 and
records in ``import_log`` always describe the same bytes. Builds that could hang run in
a subprocess with a timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_row, ocr_record, query, run_build, write_csv, write_ocr
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.errors import InputError
from tikdb.pipeline.guards import PublishGuards
from tikdb.sources import csv_scan, files
from tikdb.sources.csv_scan import scan_csv

runner = CliRunner()
CHANGED = "changed while it was read; build again when the export is complete."
NOT_REGULAR = (
    "Error: {p}: is {kind}, not a regular file; tikdb reads the master CSV more than once, "
    "so save it to a file and pass that with --csv PATH.\n"
)

# Inputs that are mostly rejects on purpose build with the publish guard off.
MOSTLY_REJECTS = PublishGuards(refuse_reject_rate=1)


def tikdb(*args: str, stdin: bytes | None = None, timeout: float = 60):
    """tikdb in a subprocess: a hang fails the test instead of stopping the suite."""
    return subprocess.run(
        [sys.executable, "-m", "tikdb.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def snapshot(out: Path) -> dict[str, str]:
    found = {}
    for root, _dirs, names in os.walk(out, followlinks=True):
        for name in names:
            path = Path(root) / name
            if name != ".tikdb-build.lock":
                found[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def master(tmp_path) -> Path:
    return write_csv(tmp_path / "master.csv", [make_row(n) for n in range(1, 5)])


@pytest.fixture
def published(tmp_path, master) -> Path:
    return run_build(tmp_path, master).out_dir


# --- the CSV: regular files only ------------------------------------------------------


def test_a_fifo_as_the_csv_is_an_input_error_not_a_hang(tmp_path, published):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    before = snapshot(published)
    done = tikdb("build", "--csv", str(fifo), "--out", str(published))
    assert done.returncode == 2
    assert done.stderr.decode() == NOT_REGULAR.format(p=fifo, kind="a pipe (FIFO)")
    assert snapshot(published) == before


def test_stdin_as_the_csv_says_it_is_a_pipe_not_an_empty_file(tmp_path, master):
    done = tikdb(
        "build", "--csv", "/dev/stdin", "--out", str(tmp_path / "wh"), stdin=master.read_bytes()
    )
    assert done.returncode == 2
    assert done.stderr.decode() == NOT_REGULAR.format(p="/dev/stdin", kind="a pipe (FIFO)")


def test_a_device_as_the_csv_is_an_input_error(tmp_path):
    done = tikdb("build", "--csv", "/dev/null", "--out", str(tmp_path / "wh"))
    assert done.returncode == 2
    assert done.stderr.decode() == NOT_REGULAR.format(p="/dev/null", kind="a character device")


def test_a_link_loop_as_the_csv_is_one_line(tmp_path):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(InputError) as caught:
        scan_csv(loop)
    assert str(caught.value) == (
        f"{loop}: cannot be read (Too many levels of symbolic links). Pass the master CSV "
        "with --csv PATH."
    )


# --- the CSV: changed while it was read -------------------------------------------------


def test_a_csv_appended_to_after_the_scan_stops_the_build_with_the_true_cause(
    tmp_path, master, published, monkeypatch
):
    from tikdb.pipeline import parse as build_module  # where each CSV file is opened

    real = build_module.open_csv

    def scan_then_append(path, *args):
        opened = real(path, *args)
        with Path(path).open("ab") as f:  # the export is still being written
            f.write(b"2025-10-02,08:00:00,miriam01glow,Carla,https://www.tik")
        return opened

    monkeypatch.setattr(build_module, "open_csv", scan_then_append)
    before = snapshot(published)
    result = runner.invoke(app, ["build", "--csv", str(master), "--out", str(published)])
    assert (result.exit_code, result.stderr) == (2, f"Error: {master}: {CHANGED}\n")
    assert snapshot(published) == before


def test_a_csv_rewritten_in_place_with_the_same_size_is_noticed(tmp_path, master, monkeypatch):
    from tikdb.pipeline import parse as build_module  # where each CSV file is opened

    real = build_module.open_csv

    def scan_then_rewrite(path, *args):
        opened = real(path, *args)
        data = Path(path).read_bytes()
        Path(path).write_bytes(data.replace(b"Carla", b"CARLA"))  # same size, other bytes
        return opened

    monkeypatch.setattr(build_module, "open_csv", scan_then_rewrite)
    with pytest.raises(InputError) as caught:
        run_build(tmp_path, master)
    assert str(caught.value) == f"{master}: {CHANGED}"


def test_a_csv_growing_during_the_scan_is_noticed(tmp_path, master, monkeypatch):
    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", 256)
    real = csv_scan._find_marks
    appended = []

    def find_marks_while_appending(*args):
        if not appended:
            with master.open("ab") as f:
                f.write(b"x" * 1000 + b"\r\n")
            appended.append(True)
        return real(*args)

    monkeypatch.setattr(csv_scan, "_find_marks", find_marks_while_appending)
    with pytest.raises(InputError) as caught:
        scan_csv(master, workers=1)
    assert str(caught.value) == f"{master}: {CHANGED}"


def test_the_scan_reads_hashes_and_splits_exactly_the_size_it_opened(tmp_path, master, monkeypatch):
    """Even when the change goes unnoticed, size, sha256 and records describe the same
    bytes: the file's first `size` bytes as it was opened."""
    original = master.read_bytes()
    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", 256)
    monkeypatch.setattr(csv_scan, "is_unchanged", lambda *args: True)
    real = csv_scan._find_marks

    def find_marks_while_appending(*args):
        with master.open("ab") as f:
            f.write(make_row(9)["post_url"].encode() + b"\r\n")
        return real(*args)

    monkeypatch.setattr(csv_scan, "_find_marks", find_marks_while_appending)
    scan = scan_csv(master, workers=1)
    assert len(master.read_bytes()) > len(original)
    assert (scan.size, scan.sha256) == (len(original), hashlib.sha256(original).hexdigest())
    assert scan.records == 4
    assert int(scan.good_ends[-1]) == len(original)


# --- OCR files: regular files only, none skipped in silence -----------------------------


@pytest.fixture
def ocr_dir(tmp_path) -> Path:
    return write_ocr(tmp_path / "ocr", {"Kent": [ocr_record(make_row(1), "fine")]})


def ocr_rejects(db: Path) -> list[tuple]:
    return query(
        db,
        "SELECT entity, source_file, reason, message FROM rejects WHERE input = 'ocr' "
        "ORDER BY source_file",
    )


def ocr_log(db: Path) -> tuple:
    (row,) = query(db, "SELECT ocr_files, ocr_files_rejected, ocr_inputs FROM import_log")
    return row[0], row[1], [(i["path"], i["records"]) for i in row[2]]


def test_an_ocr_file_that_links_to_itself_is_an_ocr_file_reject(tmp_path, master, ocr_dir):
    loop = ocr_dir / "by_va" / "Carla" / "ocr_posts.json"
    loop.parent.mkdir()
    loop.symlink_to(loop)
    db = run_build(tmp_path, master, ocr_dir).db_path
    assert ocr_rejects(db) == [
        (
            "ocr_file",
            str(loop),
            "ocr_unreadable",
            "cannot be read (Too many levels of symbolic links)",
        )
    ]
    kent = str(ocr_dir / "by_va" / "Kent" / "ocr_posts.json")
    assert ocr_log(db) == (2, 1, [(str(loop), 0), (kent, 1)])


def test_a_va_folder_that_links_to_itself_or_nowhere_is_reported(tmp_path, master, ocr_dir):
    by_va = ocr_dir / "by_va"
    (by_va / "Loop").symlink_to(by_va / "Loop")
    (by_va / "Gone").symlink_to(tmp_path / "nowhere")
    (by_va / "notes.txt").write_text("not a VA folder")  # a plain file is no VA folder
    db = run_build(tmp_path, master, ocr_dir, guards=MOSTLY_REJECTS).db_path
    assert ocr_rejects(db) == [
        (
            "ocr_file",
            str(by_va / "Gone" / "ocr_posts.json"),
            "ocr_unreadable",
            "cannot be read (No such file or directory)",
        ),
        (
            "ocr_file",
            str(by_va / "Loop" / "ocr_posts.json"),
            "ocr_unreadable",
            "cannot be read (Too many levels of symbolic links)",
        ),
    ]


def test_a_by_va_folder_that_links_to_itself_is_reported(tmp_path, master):
    root = tmp_path / "ocr"
    root.mkdir()
    (root / "by_va").symlink_to(root / "by_va")
    (root / "all_results.json").write_text(json.dumps([ocr_record(make_row(1), "x")]))
    db = run_build(tmp_path, master, root, guards=MOSTLY_REJECTS).db_path
    assert ocr_rejects(db) == [
        (
            "ocr_file",
            str(root / "by_va"),
            "ocr_unreadable",
            "cannot be read (Too many levels of symbolic links)",
        )
    ]


def test_an_ocr_fifo_is_a_reject_and_the_build_finishes(tmp_path, master, ocr_dir):
    fifo = ocr_dir / "by_va" / "Carla" / "ocr_posts.json"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    out = tmp_path / "wh"
    done = tikdb("build", "--csv", str(master), "--ocr", str(ocr_dir), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert ocr_rejects(out / "tikdb.duckdb") == [
        ("ocr_file", str(fifo), "ocr_unreadable", "is a pipe (FIFO), not a regular file")
    ]


def test_a_fifo_as_the_ocr_folder_is_an_input_error(tmp_path, master):
    fifo = tmp_path / "ocr"
    os.mkfifo(fifo)
    done = tikdb("build", "--csv", str(master), "--ocr", str(fifo), "--out", str(tmp_path / "w"))
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"Error: {fifo}: is a pipe (FIFO); --ocr expects the OCR folder "
        "(with by_va/<VA>/ocr_posts.json).\n"
    )


def test_an_ocr_file_growing_while_it_is_read_stops_the_build(
    tmp_path, master, ocr_dir, monkeypatch
):
    target = ocr_dir / "by_va" / "Kent" / "ocr_posts.json"
    real = files._read_upto

    def read_then_append(f, limit):
        data = real(f, limit)
        with target.open("ab") as out:
            out.write(b"\n")
        return data

    monkeypatch.setattr(files, "_read_upto", read_then_append)
    with pytest.raises(InputError) as caught:
        run_build(tmp_path, master, ocr_dir)
    assert str(caught.value) == f"{target}: {CHANGED}"


# --- other paths tikdb opens -------------------------------------------------------------


def test_a_fifo_as_the_warehouse_is_an_input_error_not_a_hang(tmp_path):
    fifo = tmp_path / "tikdb.duckdb"
    os.mkfifo(fifo)
    for command in (["sql", "SELECT 1"], ["check"], ["report"]):
        done = tikdb(*command, "--db", str(fifo))
        assert done.returncode == 2, command
        assert done.stderr.decode() == (
            f"Error: {fifo}: is a pipe (FIFO), not a warehouse file; pass the database file "
            "with --db PATH.\n"
        )


def test_a_fifo_where_the_previous_warehouse_was_is_an_input_error(tmp_path, master):
    out = tmp_path / "wh"
    out.mkdir()
    os.mkfifo(out / "tikdb.duckdb")
    done = tikdb("build", "--csv", str(master), "--out", str(out))
    assert done.returncode == 2
    # tikdb made no such file, so it is someone else's: refused before anything is read.
    assert done.stderr.decode() == (
        f"Error: {out}: tikdb.duckdb (not a regular file) is not tikdb's (tikdb replaces "
        "only what it made); nothing was changed. Move it elsewhere, or pass another --out DIR.\n"
    )


# --- file names that are not UTF-8 ---------------------------------------------------------

NOT_UTF8 = "the path is not UTF-8 text, which DuckDB and Polars cannot open"


def test_a_csv_name_that_is_not_utf8_is_one_line(tmp_path, master):
    odd = tmp_path / os.fsdecode(b"ma\xffster.csv")
    odd.write_bytes(master.read_bytes())
    result = runner.invoke(app, ["build", "--csv", str(odd), "--out", str(tmp_path / "wh")])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {tmp_path}/ma\\xffster.csv: {NOT_UTF8}; rename the file (or its folder) and "
        "build again.\n",
    )


def test_an_out_or_db_name_that_is_not_utf8_is_one_line(tmp_path, master):
    odd = tmp_path / os.fsdecode(b"w\xffh")
    result = runner.invoke(app, ["build", "--csv", str(master), "--out", str(odd)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {tmp_path}/w\\xffh: {NOT_UTF8}; pass another --out DIR.\n",
    )
    db = tmp_path / os.fsdecode(b"t\xffkdb.duckdb")
    for command in (["sql", "SELECT 1"], ["check"], ["report"]):
        result = runner.invoke(app, [*command, "--db", str(db)])
        assert (result.exit_code, result.stderr) == (
            2,
            f"Error: {tmp_path}/t\\xffkdb.duckdb: {NOT_UTF8}; rename it, or pass --db PATH.\n",
        ), command


def test_an_ocr_folder_name_that_is_not_utf8_loads_and_is_shown_escaped(tmp_path, master):
    root = tmp_path / "ocr"
    va = os.fsdecode(b"K\xfeent")
    write_ocr(root, {va: [ocr_record(make_row(1), "fine")]})
    db = run_build(tmp_path, master, root).db_path
    shown = f"{root}/by_va/K\\xfeent/ocr_posts.json"
    assert query(db, "SELECT source_file, ocr_text FROM post_ocr") == [(shown, "fine")]
    assert ocr_log(db) == (1, 0, [(shown, 1)])
