"""The README's quickstart works from a fresh clone, and the README stays true."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import query

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", README, re.DOTALL)
    assert block, "README has a Quickstart section with a sh block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_quickstart_is_two_commands_and_ci_runs_the_second():
    commands = quickstart_commands()
    assert commands == [
        "pip install uv && uv run tikdb build",
        "pip install uv && uv run --dev pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nuv run --dev pytest\n" in ci


@pytest.mark.slow
def test_the_quickstart_build_works_from_a_fresh_clone(tmp_path):
    uv = shutil.which("uv")
    assert uv, "uv is installed (the quickstart's first step installs it)"
    clone = tmp_path / "tikdb"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    build_command = quickstart_commands()[0].split("&&")[1].split()
    done = subprocess.run(
        [uv if build_command[0] == "uv" else build_command[0], *build_command[1:]],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )
    assert done.returncode == 0, done.stderr
    # The build installs no development tools and does not recompile the environment.
    assert "Bytecode compiled" not in done.stderr
    python = str(clone / ".venv" / "bin" / "python")
    freeze = subprocess.run(
        [uv, "pip", "freeze", "--python", python], capture_output=True, text=True, check=True
    ).stdout
    installed = {line.split("==")[0].lower() for line in freeze.splitlines()}
    assert {"duckdb", "polars"} <= installed
    assert not {"pytest", "ruff", "hypothesis", "rust-just"} & installed
    # The sample is dated exports (data/raw/snapshots/): every post of any of them is
    # loaded once, and every record of each is one observation.
    exports = sorted((clone / "data" / "raw" / "snapshots").glob("MASTER_*.csv"))
    assert len(exports) > 1
    urls, records = set(), 0
    for export in exports:
        with export.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        urls |= {row["post_url"] for row in rows}
        records += len(rows)
    db = clone / "data" / "warehouse" / "tikdb.duckdb"
    assert query(db, "SELECT count(*) FROM posts") == [(len(urls),)]
    assert query(db, "SELECT count(*) FROM metrics_history") == [(records,)]
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]
    assert (clone / "data" / "warehouse" / "parquet" / "posts.parquet").is_file()
    # Build outputs stay out of git.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True
    )
    assert status.stdout == ""
