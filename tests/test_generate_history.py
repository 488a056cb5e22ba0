"""`tikdb generate --snapshots K --every D`: dated exports of the same posts as they grow."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_row, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.sources.snapshots import add_file, list_snapshots
from tikdb.synthetic import generate
from tikdb.synthetic.history import LAST_EXPORT, parse_every

METRICS = ("views", "likes", "comments", "shares", "engagement", "engagement_rate")
runner = CliRunner()


def read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["post_url"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("history")
    result = generate(out, 2000, seed=7, snapshots=5, every=timedelta(days=2))
    snapshots = list_snapshots(out / "snapshots")  # verifies every sidecar and sha256
    return out, result, snapshots, [read(s.path) for s in snapshots]


def test_k_exports_every_interval_ending_after_the_last_day(exports):
    out, result, snapshots, _ = exports
    assert [s.observed_at for s in snapshots] == [
        LAST_EXPORT - timedelta(days=2 * (4 - k)) for k in range(5)
    ]
    assert [s.path for s in snapshots] == list(result.snapshots)
    assert all(s.origin["generated"] == "tikdb generate" for s in snapshots)
    assert not (out / "MASTER_TIKTOK_DATABASE.csv").exists()
    assert (out / "october_ocr_data" / "all_results.json").is_file()


def test_posts_appear_when_created_and_some_disappear(exports):
    _, _, snapshots, rows = exports
    for snapshot, posts in zip(snapshots, rows, strict=True):
        latest = max(f"{r['created_date']} {r['created_time']}" for r in posts.values())
        assert latest <= snapshot.observed_at.strftime("%Y-%m-%d %H:%M:%S")
    new = [len(set(b) - set(a)) for a, b in zip(rows, rows[1:], strict=False)]
    gone = [len(set(a) - set(b)) for a, b in zip(rows, rows[1:], strict=False)]
    assert all(n > 0 for n in new), new  # new posts every day
    assert sum(gone) > 0, gone  # a few deleted
    assert sum(gone) < 0.05 * len(rows[-1])
    # A post is in every export from its first to its last: a deleted one never comes back.
    for url in set().union(*rows):
        seen = [i for i, posts in enumerate(rows) if url in posts]
        assert seen == list(range(seen[0], seen[-1] + 1)), url


def test_metrics_grow_then_flatten_and_nothing_else_changes(exports):
    _, _, snapshots, rows = exports
    grew = flat_old = old = young = 0
    for at, a, b in zip(snapshots, rows, rows[1:], strict=False):
        for url in set(a) & set(b):
            before, after = a[url], b[url]
            assert {k: v for k, v in before.items() if k not in METRICS} == {
                k: v for k, v in after.items() if k not in METRICS
            }
            for metric in ("views", "likes", "comments", "shares"):
                assert int(after[metric]) >= int(before[metric]), (url, metric)
            assert int(after["likes"]) <= int(after["views"])
            assert int(after["engagement"]) == sum(
                int(after[m]) for m in ("likes", "comments", "shares")
            )
            created = f"{before['created_date']}T{before['created_time']}"
            age = at.observed_at.replace(tzinfo=None) - _time(created)
            if age < timedelta(hours=12) and int(b[url]["views"]) > 100:
                young += 1
                grew += int(after["views"]) > int(before["views"])
            if age > timedelta(days=10):
                old += 1
                flat_old += after["views"] == before["views"]
    assert young > 5 and grew == young  # a young post still gains views
    assert old > 100 and flat_old > 0.95 * old  # an old one has flattened


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_same_seed_writes_the_same_exports(exports, tmp_path):
    _, _, snapshots, _ = exports
    again = generate(tmp_path, 2000, seed=7, snapshots=5, every=timedelta(days=2))
    assert [p.read_bytes() for p in again.snapshots] == [s.path.read_bytes() for s in snapshots]


def test_a_second_run_replaces_its_own_exports_but_never_a_real_one(tmp_path):
    generate(tmp_path, 200, seed=1, snapshots=3, every=timedelta(hours=12))
    second = generate(tmp_path, 200, seed=2, snapshots=2, every=timedelta(days=2))
    assert sorted(p.name for p in (tmp_path / "snapshots").glob("*.csv")) == sorted(
        p.name for p in second.snapshots
    )
    # A folder of real exports (pull refuses to put one among generated snapshots).
    mine = tmp_path / "mine"
    real = write_csv(tmp_path / "real.csv", [make_row(1)])
    added = add_file(real, mine / "snapshots", LAST_EXPORT - timedelta(days=30)).snapshot
    before = sorted(p.name for p in (mine / "snapshots").iterdir())
    result = runner.invoke(app, ["generate", str(mine), "--posts", "200", "--snapshots", "2"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {mine / 'snapshots'}: holds snapshots tikdb generate did not write "
        f"({added.path.name}); nothing was changed. Generate into another folder.\n"
    )
    assert sorted(p.name for p in (mine / "snapshots").iterdir()) == before


def test_a_window_keeps_only_the_recent_posts_in_each_export(tmp_path):
    result = generate(
        tmp_path, 1500, seed=3, snapshots=3, every=timedelta(days=5), window=timedelta(days=10)
    )
    for path in result.snapshots:
        taken = list_snapshots(tmp_path / "snapshots")[result.snapshots.index(path)].observed_at
        created = [
            datetime.fromisoformat(f"{r['created_date']}T{r['created_time']}")
            for r in read(path).values()
        ]
        oldest = taken.replace(tzinfo=None) - timedelta(days=10)
        assert created and min(created) > oldest
        assert min(created) < oldest + timedelta(days=1)  # the window is full, not shorter


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "1d"], "Error: --every needs --snapshots K. Pass both, or neither.\n"),
        (["--window", "9d"], "Error: --window needs --snapshots K. Pass both, or neither.\n"),
        (
            ["--snapshots", "2", "--every", "a week"],
            'Error: --every "a week" is not a duration. Pass a whole number of days, hours or '
            "minutes: 1d, 12h, 30m.\n",
        ),
    ],
)
def test_every_usage_errors(tmp_path, args, message):
    result = runner.invoke(app, ["generate", str(tmp_path / "out"), "--posts", "10", *args])
    assert (result.exit_code, result.stderr) == (2, message)
    assert not (tmp_path / "out").exists()


def test_parse_every():
    assert parse_every("1d") == timedelta(days=1)
    assert parse_every("12h") == timedelta(hours=12)
    assert parse_every("30m") == timedelta(minutes=30)


def test_the_history_module_loads_no_engine():
    code = "import sys, tikdb.synthetic.history\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "tikdb.sources.snapshots" in loaded  # the listing is real
    assert not {"duckdb", "polars", "pyarrow", "typer", "rich"} & loaded
