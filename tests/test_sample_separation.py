"""The shipped sample (generated data) never mixes with real exports.

The sample lives where real snapshots go (data/raw/snapshots/) so that the quickstart
needs no download; a real export pulled beside it, or the sample's OCR with real
exports, would publish invented posts and OCR among real ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import make_row, ocr_record, query, write_csv, write_ocr
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.sources.snapshots import list_snapshots
from tikdb.synthetic import generate

runner = CliRunner()
OBSERVED = "2025-10-20T06:00:00Z"


def sample(root: Path) -> Path:
    """A generated sample in root/data/raw (two snapshots, OCR, marker), as shipped."""
    raw = root / "data" / "raw"
    generate(raw, posts=40, seed=3, snapshots=2)
    return raw


def real_export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "export.csv", [make_row(n) for n in range(1, 4)])


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_pull_refuses_a_real_export_into_the_sample_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = sample(tmp_path)
    before = folder_state(raw / "snapshots")
    pulled = runner.invoke(app, ["pull", "--file", str(real_export(tmp_path))])
    assert pulled.exit_code == 2
    assert pulled.stderr == (
        "Error: data/raw/snapshots: holds snapshots tikdb generate wrote (generated data "
        "such as the sample: 2 of 2); a real export beside them would be built together "
        "with them. Move them elsewhere first (the sample: mv data/raw/snapshots "
        "data/raw/snapshots-sample), or pass --snapshots DIR.\n"
    )
    assert folder_state(raw / "snapshots") == before


def test_after_moving_the_sample_away_pull_and_build_work_without_the_sample_ocr(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    raw = sample(tmp_path)
    (raw / "snapshots").rename(raw / "snapshots-sample")
    export = real_export(tmp_path)
    pulled = runner.invoke(app, ["pull", "--file", str(export), "--observed-at", OBSERVED])
    assert pulled.exit_code == 0, pulled.output
    # The sample's OCR is still the default OCR folder: refused for real exports.
    refused = runner.invoke(app, ["build"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        "Error: data/raw/october_ocr_data: holds the generated sample's OCR "
        "(data/raw/.tikdb-generated lists its files), not the OCR of the real exports in "
        "data/raw/snapshots. Pass --ocr DIR with the real OCR, or move the sample's away "
        "(mv data/raw/october_ocr_data data/raw/october_ocr_data-sample).\n"
    )
    assert not (tmp_path / "data" / "warehouse").exists()
    (raw / "october_ocr_data").rename(raw / "october_ocr_data-sample")
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    db = tmp_path / "data" / "warehouse" / "tikdb.duckdb"
    assert query(db, "SELECT count(*) FROM posts") == [(3,)]
    assert query(db, "SELECT count(*) FROM post_ocr") == [(0,)]


def test_the_generated_sample_keeps_its_own_ocr(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sample(tmp_path)
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    db = tmp_path / "data" / "warehouse" / "tikdb.duckdb"
    assert query(db, "SELECT count(*) > 0 FROM post_ocr") == [(True,)]


def test_build_refuses_a_folder_mixing_generated_and_real_snapshots(tmp_path):
    raw = sample(tmp_path)
    real = tmp_path / "real"
    pulled = runner.invoke(
        app,
        ["pull", "--file", str(real_export(tmp_path)), "--snapshots", str(real),
         "--observed-at", OBSERVED],
    )  # fmt: skip
    assert pulled.exit_code == 0, pulled.output
    mixed = raw / "snapshots"
    for path in real.glob("MASTER_*"):
        shutil.copy(path, mixed / path.name)
    # Whatever the copy did to permissions, the sidecars still say which is which.
    kinds = sorted("generated" in s.origin for s in list_snapshots(mixed, verify=False))
    assert kinds == [False, True, True]
    out = tmp_path / "wh"
    built = runner.invoke(app, ["build", "--snapshots", str(mixed), "--out", str(out)])
    assert built.exit_code == 2
    assert built.stderr == (
        f"Error: {mixed}: mixes real exports with snapshots tikdb generate wrote "
        "(generated data: 2 of 3); a build would mix invented posts into real ones. Move "
        'the generated ones elsewhere (their .json sidecar says "generated"), then build '
        "again.\n"
    )
    assert not out.exists()


def test_real_ocr_put_in_the_sample_ocr_folder_is_used_with_real_exports(tmp_path, monkeypatch):
    # The marker lists the sample's OCR files with their sha256: once none of them is
    # left, the folder holds real OCR and is the default OCR again.
    monkeypatch.chdir(tmp_path)
    raw = sample(tmp_path)
    (raw / "snapshots").rename(raw / "snapshots-sample")
    rows = [make_row(n) for n in range(1, 4)]
    export = write_csv(tmp_path / "export.csv", rows)
    pulled = runner.invoke(app, ["pull", "--file", str(export), "--observed-at", OBSERVED])
    assert pulled.exit_code == 0, pulled.output
    (raw / "october_ocr_data").rename(raw / "october_ocr_data-sample")
    write_ocr(raw / "october_ocr_data", {rows[0]["va"]: [ocr_record(rows[0])]})
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    db = tmp_path / "data" / "warehouse" / "tikdb.duckdb"
    assert query(db, "SELECT count(*) FROM post_ocr") == [(1,)]
    # One sample file among them is enough to refuse the folder.
    shutil.copy(
        raw / "october_ocr_data-sample" / "all_results.json",
        raw / "october_ocr_data" / "all_results.json",
    )
    refused = runner.invoke(app, ["build"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: data/raw/october_ocr_data: holds the generated ")
