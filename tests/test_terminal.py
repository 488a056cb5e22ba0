"""On a real terminal (a pseudo-terminal), tikdb build shows its phases and a summary table."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

from conftest import make_row, write_csv


def run_in_terminal(args: list[str]) -> tuple[int, str]:
    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS="120", LINES="40", TERM="xterm")
    proc = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    # Drop colours and cursor moves; a spinner line redrawn with \r ends where it is redrawn.
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r\n", "\n").replace("\r", "\n")
    return proc.wait(), text


def test_build_on_a_terminal_shows_phases_and_a_summary(tmp_path):
    rows = [make_row(n) for n in range(1, 6)] + [make_row(6, views="-3")]
    csv_path = write_csv(tmp_path / "m.csv", rows)
    code, screen = run_in_terminal(
        [
            sys.executable,
            "-m",
            "tikdb.cli",
            "build",
            "--csv",
            str(csv_path),
            "--out",
            str(tmp_path / "wh"),
        ]
    )
    assert code == 0, screen
    for phase in ("reading", "transforming", "checking", "writing", "publishing"):
        assert re.search(rf"^\s+{phase}\s*$", screen, re.MULTILINE), phase
    assert "Published tables" in screen
    assert re.search(r"│ posts\s+│\s+5 │", screen), screen
    assert "Rejects by reason" in screen
    assert re.search(r"│ csv\s+│ bad_metric\s+│\s+1 │", screen), screen
    # The warn rule that failed (1 of 6 CSV records rejected), as `tikdb check` shows it.
    assert "Checks" in screen
    assert re.search(r"│ rejects__rate\s+│ warn\s+│ FAIL\s+│\s+1 │", screen), screen
    assert re.search(r"^   csv\t6\t1\t0\.1667$", screen, re.MULTILINE), screen
    assert re.search(
        rf"Built {re.escape(str(tmp_path / 'wh' / 'tikdb.duckdb'))} in \d+\.\d\d s", screen
    )


def test_build_verbose_on_a_terminal_prints_each_step_with_its_seconds(tmp_path):
    csv_path = write_csv(tmp_path / "m.csv", [make_row(n) for n in range(1, 4)])
    argv = [sys.executable, "-m", "tikdb.cli", "build", "--csv", str(csv_path)]
    argv += ["--out", str(tmp_path / "wh")]
    code, screen = run_in_terminal([*argv, "--verbose"])
    assert code == 0, screen
    for step in ("scan the CSV", "main.posts", "check posts__post_id_key", "posts.parquet"):
        assert re.search(rf"^  {re.escape(step)}: \d+\.\d\ds$", screen, re.MULTILINE), step
    # Without --verbose a terminal shows the phases only.
    code, quiet = run_in_terminal(argv)
    assert code == 0, quiet
    assert not re.search(r"^  main\.posts: ", quiet, re.MULTILINE)
