"""benchmarks/history.py runs end to end on a tiny history and writes a complete report.

Not a timing test: it checks that the benchmark measures what it says (each build kind
ran, the warm build reused the cache) and that its report holds every table.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_history_benchmark_writes_its_report(tmp_path):
    out = tmp_path / "results.md"
    # results.md holds the other benchmarks' results too; this one writes only its section.
    others = "# tikdb benchmark\n\nbuild figures\n\n<!-- export-bench:start -->\nexports\n<!-- export-bench:end -->\n"
    out.write_text(others, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "history.py"),
            "--posts", "300", "--snapshots", "2", "--runs", "1", "--no-big",
            "--data-dir", str(tmp_path / "data"), "--out", str(out),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith(
        others + "\n<!-- history-bench:start -->\n## Builds from snapshot history"
    )
    assert text.endswith("<!-- history-bench:end -->\n")
    rows = re.findall(r"^\| (single export|cold, 2 exports|warm, export 3 added) .*$", text, re.M)
    assert rows == ["single export", "cold, 2 exports", "warm, export 3 added"]
    targets = re.findall(
        r"^\| (cold build|adding export 3|peak memory)\b.*\| (met|\*\*not met\*\*) \|$", text, re.M
    )
    assert [t[0] for t in targets] == ["cold build", "adding export 3", "peak memory"]
    assert "## Where the time goes" in text
    # The last build (the warm one) reused the 2 exports and parsed the added one.
    db = tmp_path / "data" / "work-history-300" / "warehouse" / "tikdb.duckdb"
    assert query(db, "SELECT count(*) FILTER (reused), count(*) FROM snapshots") == [(2, 3)]
