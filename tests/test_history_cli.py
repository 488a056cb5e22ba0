"""`tikdb build --snapshots DIR`, the default input, --no-cache, and their usage errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_row, query, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.sources.snapshots import add_file

runner = CliRunner()
FIRST = datetime(2025, 10, 5, 6, 0, tzinfo=UTC)


def pulled(folder: Path, tmp_path: Path, days: int) -> list[Path]:
    """``days`` daily snapshots taken through the snapshot store, views growing."""
    paths = []
    for day in range(days):
        export = write_csv(
            tmp_path / "exports" / f"export{day}.csv",
            [make_row(n, views=str(1000 + n + 100 * day), engagement_rate="") for n in range(1, 5)],
        )
        paths.append(add_file(export, folder, FIRST + timedelta(days=day)).snapshot.path)
    return paths


def build(*args: str):
    return runner.invoke(app, ["build", *args])


def test_build_from_a_snapshots_folder_then_again_from_the_cache(tmp_path):
    folder = tmp_path / "snaps"
    paths = pulled(folder, tmp_path, 3)
    out = tmp_path / "wh"
    common = ["--snapshots", str(folder), "--out", str(out)]
    first = build(*common)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[:3] == ["posts\t4", "metrics_history\t12", "snapshots\t3"]
    db = out / "tikdb.duckdb"
    assert query(db, "SELECT snapshot, reused FROM snapshots ORDER BY observed_at") == [
        (p.name, False) for p in paths
    ]
    assert query(db, "SELECT DISTINCT csv_path FROM import_log") == [(str(folder),)]
    again = build(*common)
    assert again.exit_code == 0, again.output
    assert query(db, "SELECT count(*) FILTER (reused) FROM snapshots") == [(3,)]
    fresh = build(*common, "--no-cache")
    assert fresh.exit_code == 0, fresh.output
    assert query(db, "SELECT count(*) FILTER (reused) FROM snapshots") == [(0,)]
    # Observations carry each snapshot's observed_at (naive UTC).
    assert query(db, "SELECT DISTINCT observed_at FROM metrics_history ORDER BY 1") == [
        ((FIRST + timedelta(days=d)).replace(tzinfo=None),) for d in range(3)
    ]


def test_the_default_input_is_the_snapshots_folder_when_it_holds_snapshots(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "data" / "raw" / "MASTER_TIKTOK_DATABASE.csv", [make_row(9)])
    plain = build()
    assert plain.exit_code == 0, plain.output
    db = tmp_path / "data" / "warehouse" / "tikdb.duckdb"
    assert query(db, "SELECT snapshot FROM snapshots") == [("MASTER_TIKTOK_DATABASE.csv",)]
    assert plain.stderr == ""
    pulled(Path("data/raw/snapshots"), tmp_path, 2)
    history = build()
    assert history.exit_code == 0, history.output
    # The CSV at the default path is no longer read: said, not silent.
    assert history.stderr == (
        "Warning: built from the snapshots in data/raw/snapshots; "
        "data/raw/MASTER_TIKTOK_DATABASE.csv was not read. Pass --csv PATH to build from "
        "it, or add it with tikdb pull --file.\n"
    )
    assert query(db, "SELECT count(*) FROM snapshots") == [(2,)]
    assert query(db, "SELECT csv_path FROM import_log ORDER BY started_at") == [
        ("data/raw/MASTER_TIKTOK_DATABASE.csv",),
        ("data/raw/snapshots",),
    ]
    explicit = build("--snapshots", "data/raw/snapshots")
    assert explicit.exit_code == 0, explicit.output
    assert explicit.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--csv", "a.csv", "--snapshots", "snaps"],
            "Error: --csv and --snapshots cannot be used together. Pass one of them.\n",
        ),
        (
            ["--snapshots", "empty"],
            "Error: empty: holds no snapshots. Add exports with `tikdb pull --file PATH`, or "
            "build from one CSV with --csv PATH.\n",
        ),
    ],
)
def test_snapshot_usage_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    result = build(*args, "--out", "wh")
    assert (result.exit_code, result.stderr) == (2, message)
    assert not (tmp_path / "wh" / "tikdb.duckdb").exists()


def test_a_snapshot_without_its_sidecar_is_an_input_error_naming_it(tmp_path):
    folder = tmp_path / "snaps"
    first, _ = pulled(folder, tmp_path, 2)
    first.with_suffix(".json").unlink()
    result = build("--snapshots", str(folder), "--out", str(tmp_path / "wh"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {first}: the snapshot has no sidecar {first.with_suffix('.json').name}. Restore "
        "it from a backup, or move the snapshot out of the folder.\n"
    )
