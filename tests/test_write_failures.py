"""Where tikdb writes (--out of build and report) and cannot: one line, never a traceback.

Root ignores permission bits, so the read-only cases run on what really refuses root:
a tmpfs remounted read-only. A full disk is a real full tmpfs, filled by a hook at the
moment a phase starts writing. Mounting needs root (CAP_SYS_ADMIN); without it those
tests are skipped and the permission cases run as the current user.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import traceback
from pathlib import Path

import polars as pl
import pytest
from conftest import make_row, run_build, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.errors import DiskFullError

runner = CliRunner()
FULL = (
    "Error: {out}: the disk is full (No space left on device). Free some space there, or "
    "pass --out on a disk with more room, and build again.\n"
)


def mount_tmpfs(where: Path, size: str, read_only: bool = False) -> None:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    if read_only:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


@pytest.fixture
def mounts():
    mounted: list[Path] = []
    yield mounted
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def master(tmp_path) -> Path:
    return write_csv(tmp_path / "master.csv", [make_row(n) for n in range(1, 5)])


def as_nobody(fn):
    """Run fn() in a forked child as uid/gid 65534 (when root); return its JSON result."""
    if os.geteuid() != 0:
        return fn()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = {"ok": fn()}
        except BaseException:
            payload = {"error": traceback.format_exc()}
        with contextlib.suppress(BaseException):
            os.write(write_end, json.dumps(payload).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    payload = json.loads(data)
    assert "error" not in payload, payload.get("error")
    return payload["ok"]


def invoke(*args: str) -> list:
    result = CliRunner().invoke(app, list(args))
    return [result.exit_code, result.stdout, result.stderr]


# --- read-only: build and report ---------------------------------------------------------


def test_build_on_a_read_only_file_system_is_one_line(tmp_path, master, mounts):
    ro = tmp_path / "ro"
    mount_tmpfs(ro, "4m", read_only=True)
    mounts.append(ro)
    out = ro / "wh"
    assert invoke("build", "--csv", str(master), "--out", str(out)) == [
        2,
        "",
        f"Error: {out}: cannot be written (Read-only file system). Pass an --out folder you "
        "can write to.\n",
    ]


def test_report_on_a_read_only_file_system_is_one_line(tmp_path, master, mounts):
    db = run_build(tmp_path, master).db_path
    ro = tmp_path / "ro"
    mount_tmpfs(ro, "4m", read_only=True)
    mounts.append(ro)
    target = ro / "sub" / "report.html"
    assert invoke("report", "--db", str(db), "--out", str(target)) == [
        2,
        "",
        f"Error: {target}: cannot be written (Read-only file system). Pass --out PATH in a "
        "folder you can write to.\n",
    ]


def test_a_warehouse_on_a_read_only_mount_is_read_but_not_rebuilt(tmp_path, master, mounts):
    out = run_build(tmp_path, master).out_dir
    ro = tmp_path / "ro"
    ro.mkdir()
    bind = subprocess.run(["mount", "--bind", str(out), str(ro)], capture_output=True, check=False)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bind.stderr.decode().strip()}")
    mounts.append(ro)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], check=True)
    assert invoke("build", "--csv", str(master), "--out", str(ro)) == [
        2,
        "",
        f"Error: {ro}: cannot be written (Read-only file system). Pass an --out folder you "
        "can write to.\n",
    ]
    assert invoke("report", "--db", str(ro / "tikdb.duckdb")) == [
        2,
        "",
        f"Error: {ro / 'report.html'}: cannot be written (Read-only file system). Pass --out "
        "PATH in a folder you can write to.\n",
    ]
    # Reading needs no write: the checks (checksums included) and queries still work.
    assert invoke("check", "--db", str(ro / "tikdb.duckdb"))[0] == 0
    assert invoke("sql", "SELECT count(*) AS n FROM posts", "--db", str(ro / "tikdb.duckdb"))[
        :2
    ] == [0, "n\n4\n"]


@pytest.fixture
def shared():
    """A folder anyone may enter and read (pytest's own temporary folders are private)."""
    with tempfile.TemporaryDirectory(prefix="tikdb-shared-") as folder:
        Path(folder).chmod(0o755)
        yield Path(folder)


@pytest.fixture
def locked_folder(shared) -> Path:
    """A folder only its owner may write to; when root owns it, nobody else may."""
    locked = shared / "locked"
    locked.mkdir(mode=0o555)
    return locked


def test_build_into_a_folder_without_write_permission_is_one_line(locked_folder, master):
    master.chmod(0o644)
    out = locked_folder / "wh"
    got = as_nobody(lambda: invoke("build", "--csv", str(master), "--out", str(out)))
    assert got == [
        2,
        "",
        f"Error: {out}: cannot be written (Permission denied). Pass an --out folder you can "
        "write to.\n",
    ]


def test_report_into_a_folder_without_write_permission_is_one_line(shared, locked_folder, master):
    db = run_build(shared, master, out=shared / "wh").db_path
    target = locked_folder / "report.html"
    got = as_nobody(lambda: invoke("report", "--db", str(db), "--out", str(target)))
    assert got == [
        2,
        "",
        f"Error: {target}: cannot be written (Permission denied). Pass --out PATH in a "
        "folder you can write to.\n",
    ]


# --- a disk that fills ---------------------------------------------------------------------


def fill(folder: Path, leave: int = 32 * 1024) -> None:
    """Take all but ``leave`` bytes of the file system's free space."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with (folder / "filler").open("wb") as f:
        f.write(b"\0" * max(0, free - leave))


@pytest.fixture
def small_disk(tmp_path, mounts) -> Path:
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "64m")
    mounts.append(disk)
    return disk


def test_a_disk_that_fills_while_the_csv_is_converted_says_so(small_disk, master, monkeypatch):
    from tikdb.sources import csv as csv_module

    real = csv_module.write_records

    def fill_then_write(csv, target):
        fill(small_disk)
        return real(csv, target)

    monkeypatch.setattr("tikdb.pipeline.parse.write_records", fill_then_write)
    out = small_disk / "wh"
    result = runner.invoke(app, ["build", "--csv", str(master), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (1, FULL.format(out=out))
    assert isinstance(result.exception, SystemExit)


def test_a_disk_that_fills_while_duckdb_writes_says_so(small_disk, master, monkeypatch):
    from tikdb.pipeline import build as build_module

    real = build_module.run_models

    def fill_then_run(con, ordered, **kwargs):
        fill(small_disk)
        return real(con, ordered, **kwargs)

    monkeypatch.setattr(build_module, "run_models", fill_then_run)
    out = small_disk / "wh"
    result = runner.invoke(app, ["build", "--csv", str(master), "--out", str(out)])
    assert (result.exit_code, result.stderr) == (1, FULL.format(out=out))


def test_polars_reporting_a_full_disk_as_a_bad_parquet_file_is_still_a_full_disk(
    tmp_path, master, monkeypatch
):
    """The issue's case: Polars said "File out of specification", with no word of the
    disk; with no room left on the disk, the input is not blamed."""

    def out_of_spec(self, *args, **kwargs):
        raise pl.exceptions.ComputeError("parquet: File out of specification")

    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", out_of_spec)
    monkeypatch.setattr(
        "tikdb.sources.csv.shutil.disk_usage",
        lambda path: type("usage", (), {"total": 10**9, "used": 10**9, "free": 0})(),
    )
    with pytest.raises(DiskFullError) as caught:
        run_build(tmp_path, master)
    assert str(caught.value) == FULL.format(out=tmp_path / "warehouse")[7:-1]


def test_a_parser_failure_with_room_on_the_disk_still_names_the_csv(tmp_path, master, monkeypatch):
    from tikdb.errors import BuildError

    def fails(self, *args, **kwargs):
        raise pl.exceptions.ComputeError("found more fields than defined in 'Schema'")

    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", fails)
    with pytest.raises(BuildError) as caught:
        run_build(tmp_path, master)
    assert str(caught.value) == (
        f"{master}: the CSV parser failed: found more fields than defined in 'Schema'"
    )
