"""Faults: a build killed (SIGKILL) at many points never damages the published warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tikdb.outputs.warehouse import check_published as check_warehouse
from tikdb.synthetic import generate


def snapshot(out: Path) -> dict[str, str]:
    """The published warehouse as readers see it: the database and the Parquet files.

    A killed build leaves its staging area beside them; the next build removes it.
    """
    import hashlib

    files = [out / "tikdb.duckdb", *sorted((out / "parquet").iterdir())]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


KILL_POINTS = 22
PHASES = ("reading", "transforming", "checking", "writing", "publishing")


def build_cmd(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tikdb.cli",
        "build",
        "--csv",
        str(data / "MASTER_TIKTOK_DATABASE.csv"),
        "--ocr",
        str(data / "october_ocr_data"),
        "--out",
        str(out),
        "--verbose",
        *extra,
    ]


def db_posts(out: Path) -> int:
    from conftest import query

    return query(out / "tikdb.duckdb", "SELECT count(*) FROM posts")[0][0]


@pytest.mark.slow
def test_sigkill_at_many_points_leaves_a_working_warehouse(tmp_path):
    old_data, new_data = tmp_path / "old", tmp_path / "new"
    generate(old_data, posts=3000, seed=1)
    generate(new_data, posts=15000, seed=2)
    out = tmp_path / "wh"
    subprocess.run(build_cmd(old_data, out), check=True, capture_output=True)
    before = snapshot(out)

    started = time.perf_counter()
    subprocess.run(build_cmd(new_data, out), check=True, capture_output=True)
    duration = time.perf_counter() - started
    # Back to the old warehouse (a deliberate shrink), then kill builds of the new data at
    # points spread from the start of the work (after the interpreter has loaded) to past
    # the usual end.
    subprocess.run(build_cmd(old_data, out, "--allow-shrink"), check=True, capture_output=True)
    before = {k: v for k, v in snapshot(out).items()}

    outcomes: list[int] = []
    reached: list[str] = []  # the last phase each killed build had announced
    # Kills at points spread over the build's duration, and one right as each phase is
    # announced (some phases take a few milliseconds on this small input, so timed kills
    # alone would miss them now and then).
    plans: list[tuple[str, float]] = [
        ("timed", duration * (0.4 + 0.7 * i / (KILL_POINTS - 1))) for i in range(KILL_POINTS)
    ]
    plans += [("at phase", phase) for phase in PHASES]
    for i, (kind, when) in enumerate(plans):
        proc = subprocess.Popen(
            build_cmd(new_data, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        seen: list[str] = []
        if kind == "timed":
            time.sleep(when)
        else:
            while (line := proc.stderr.readline()) and line.strip() != when:
                seen.append(line.strip())
            seen.append(line.strip())
        proc.send_signal(signal.SIGKILL)
        code = proc.wait()
        # --verbose prints each step ("  name: 0.12s") under its phase, and a few more
        # lines may come before the kill lands: the last line naming a phase counts.
        lines = [line.strip() for line in [*seen, *proc.stderr.read().splitlines()]]
        phases = [line for line in lines if line in PHASES]
        reached.append(phases[-1] if phases else "starting")
        posts = db_posts(out)
        # Either the kill came before the commit point and nothing changed, or the new
        # build was already published whole. Never anything in between.
        assert posts in (3000, 15000), posts
        if posts == 3000:
            assert snapshot(out) == before, f"kill {i} changed the old warehouse"
            assert code == -signal.SIGKILL
        else:
            # Published: the database and its Parquet are the new build's, together.
            import pyarrow.parquet as pq

            assert pq.ParquetFile(out / "parquet" / "posts.parquet").metadata.num_rows == 15000
            subprocess.run(
                build_cmd(old_data, out, "--allow-shrink"), check=True, capture_output=True
            )
            assert snapshot(out) != before  # a new run id, same data
            before = snapshot(out)
        report = check_warehouse(out / "tikdb.duckdb")
        assert report.ok, [r.name for r in report.failed_errors]
        outcomes.append(posts)

    # The kills landed in every phase of the work, mostly before the commit point.
    assert set(PHASES) <= set(reached), reached
    assert outcomes.count(3000) >= len(plans) // 2, reached
    final = subprocess.run(build_cmd(new_data, out), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert db_posts(out) == 15000
    leftovers = sorted(
        p.name for p in out.iterdir() if p.name.startswith((".tikdb-staging", ".tikdb-link"))
    )
    assert leftovers == []
    # The three most recent builds are kept for rollback (--keep 3), the newest published.
    versions = sorted(p.name for p in out.iterdir() if p.name.startswith(".v-"))
    assert len(versions) == 3
    assert os.readlink(out / ".current") == versions[-1]
