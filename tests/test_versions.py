"""Kept builds: --keep, tikdb history, tikdb rollback, and upgrading an older warehouse."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import make_row, query, write_csv
from test_publish import tree
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.errors import BuildLockedError, InputError
from tikdb.pipeline import publish, versions
from tikdb.pipeline.build import BuildOptions, build

runner = CliRunner()


def build_posts(tmp_path: Path, out: Path, posts: int, keep: int = 3):
    """A build of a CSV with `posts` posts (slides: 2 each) into out."""
    csv_path = write_csv(
        tmp_path / f"master-{posts}.csv", [make_row(n) for n in range(1, posts + 1)]
    )
    return build(BuildOptions(csv_path, None, out, threads=2, keep=keep))


def published_posts(out: Path) -> tuple[int, int]:
    """Posts in the published database and in the published Parquet file."""
    in_db = query(out / "tikdb.duckdb", "SELECT count(*) FROM posts")[0][0]
    return in_db, pq.ParquetFile(out / "parquet" / "posts.parquet").metadata.num_rows


def kept_folders(out: Path) -> list[str]:
    return sorted(p.name.removeprefix(".v-") for p in out.iterdir() if p.name.startswith(".v-"))


def log_lines(out: Path) -> list[tuple]:
    lines = (out / ".tikdb-publish.log").read_text().splitlines()
    return [(e["action"], e["run_id"], e["previous"]) for e in map(json.loads, lines)]


@pytest.fixture
def three(tmp_path):
    """(out, [run ids]) after three builds of 3, 4 and 5 posts."""
    out = tmp_path / "wh"
    runs = [build_posts(tmp_path, out, posts).run_id for posts in (3, 4, 5)]
    return out, runs


def test_builds_beyond_keep_are_deleted_oldest_first(tmp_path):
    out = tmp_path / "wh"
    runs = [build_posts(tmp_path, out, posts, keep=2).run_id for posts in (3, 4, 5, 6)]
    assert runs == sorted(runs)  # run ids sort in the order the builds started
    assert kept_folders(out) == runs[2:]
    assert publish.current_run(out) == runs[3]
    assert published_posts(out) == (6, 6)
    assert log_lines(out) == [
        ("build", runs[0], None),
        ("build", runs[1], runs[0]),
        ("build", runs[2], runs[1]),
        ("build", runs[3], runs[2]),
    ]


def test_rollback_publishes_the_build_before_and_can_be_undone(three):
    out, (a, b, c) = three
    kept_b = tree(out / f".v-{b}")
    done = versions.rollback(out)
    assert (done.run_id, done.previous, done.changed) == (b, c, True)
    assert os.readlink(out / ".current") == f".v-{b}"
    assert published_posts(out) == (4, 4)
    # The build rolled back to is not modified; the newer one stays for the undo.
    assert tree(out / f".v-{b}") == kept_b
    assert kept_folders(out) == [a, b, c]
    undone = versions.rollback(out, c)
    assert (undone.run_id, undone.previous, undone.changed) == (c, b, True)
    assert published_posts(out) == (5, 5)
    assert log_lines(out)[-2:] == [("rollback", b, c), ("rollback", c, b)]


def test_a_build_after_a_rollback_keeps_the_most_recent_builds(three, tmp_path):
    out, (a, b, c) = three
    versions.rollback(out, a)
    d = build_posts(tmp_path, out, 6).run_id
    # The three most recent by run id (b, c, d), d being the published one.
    assert kept_folders(out) == [b, c, d]
    assert publish.current_run(out) == d


def test_pruning_keeps_the_published_build_even_when_it_is_old(three):
    out, (a, b, c) = three
    versions.rollback(out, a)
    with publish.build_lock(out):
        assert versions.prune(out, 1) == [b]
    assert kept_folders(out) == [a, c]
    assert published_posts(out) == (3, 3)


def test_rollback_refusals(three, tmp_path):
    out, (a, b, c) = three
    before = tree(out)
    with pytest.raises(InputError) as caught:
        versions.rollback(out, "20200101T000000Z-000000")
    assert str(caught.value) == (
        f"{out}: no kept build 20200101T000000Z-000000. "
        f"tikdb history --out {out} lists the kept builds."
    )
    versions.rollback(out, a)
    with pytest.raises(InputError) as caught:
        versions.rollback(out)
    assert str(caught.value) == (
        f"{out}: no build older than the published {a} is kept, so there is nothing to roll "
        f"back to. tikdb history --out {out} lists the kept builds."
    )
    with pytest.raises(InputError) as caught:
        versions.rollback(tmp_path / "nowhere")
    assert str(caught.value) == (
        f"{tmp_path / 'nowhere'}: no tikdb warehouse here. Build one with tikdb build, "
        "or pass --out DIR."
    )
    assert not (tmp_path / "nowhere").exists()
    again = versions.rollback(out, a)
    assert (again.run_id, again.changed) == (a, False)
    assert log_lines(out)[-1] == ("rollback", a, c)  # the no-op is not logged
    assert {k: v for k, v in tree(out).items() if k != ".tikdb-publish.log"} == {
        k: (f"-> .v-{a}" if k == ".current" else v)
        for k, v in before.items()
        if k != ".tikdb-publish.log"
    }


def test_rollback_waits_for_no_build_it_is_refused_while_one_runs(three):
    import fcntl

    out, (a, b, c) = three
    fd = os.open(out / publish.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BuildLockedError):
            versions.rollback(out)
    finally:
        os.close(fd)
    assert publish.current_run(out) == c


def test_a_kept_build_missing_its_files_is_not_published(three):
    out, (a, b, c) = three
    (out / f".v-{b}" / "tikdb.duckdb").unlink()
    with pytest.raises(InputError) as caught:
        versions.rollback(out, b)
    assert str(caught.value) == (
        f"{out / ('.v-' + b)}: the kept build {b} lacks its tikdb.duckdb or parquet/ folder; "
        "it cannot be published. Pick another with tikdb history."
    )
    assert publish.current_run(out) == c


# --- the commands -----------------------------------------------------------------------------


def test_history_lists_kept_builds_and_swaps_piped(three, tmp_path):
    out, (a, b, c) = three
    versions.rollback(out, b)
    result = runner.invoke(app, ["history", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()

    def build_line(run_id: str, posts: int, mark: str) -> str:
        path = tmp_path / f"master-{posts}.csv"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        started = query(
            out / f".v-{run_id}" / "tikdb.duckdb",
            "SELECT started_at FROM import_log WHERE run_id = ?",
            [run_id],
        )[0][0]
        counts = [posts, 2 * posts, 0, 0]  # posts, slides, post_ocr, rejects
        return "\t".join(
            ["build", mark, run_id, f"{started:%Y-%m-%d %H:%M:%S}", str(path), digest, "", ""]
            + [str(n) for n in counts]
            + ["pass"]
        )

    assert lines[:3] == [build_line(c, 5, ""), build_line(b, 4, "*"), build_line(a, 3, "")]
    swaps = [line.split("\t") for line in lines[3:]]
    assert [s[0] for s in swaps] == ["publish"] * 4
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s[1]) for s in swaps)
    assert [s[2:] for s in swaps] == [
        ["build", a, ""],
        ["build", b, a],
        ["build", c, b],
        ["rollback", b, c],
    ]


def test_history_shows_failed_warn_rules(tmp_path):
    rows = [make_row(n) for n in range(1, 6)] + [make_row(6, views="-3")]
    out = tmp_path / "wh"
    run_id = build(BuildOptions(write_csv(tmp_path / "m.csv", rows), None, out)).run_id
    result = runner.invoke(app, ["history", "--out", str(out)])
    line = result.stdout.splitlines()[0].split("\t")
    assert line[2] == run_id
    assert line[-5:] == ["5", "10", "0", "1", "rejects__rate (warn, 1)"]


def test_rollback_command(three):
    out, (a, b, c) = three
    result = runner.invoke(app, ["rollback", "--out", str(out)])
    assert (result.exit_code, result.stdout) == (0, f"published {b} in {out} (was {c})\n")
    result = runner.invoke(app, ["rollback", b, "--out", str(out)])
    assert (result.exit_code, result.stdout) == (
        0,
        f"{b} is already the published build in {out}; nothing changed\n",
    )
    result = runner.invoke(app, ["rollback", "nope\x1b[31m", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out}: no kept build nope\\x1b[31m. tikdb history --out {out} lists the "
        "kept builds.\n"
    )


def test_history_without_a_warehouse_is_exit_2(tmp_path):
    result = runner.invoke(app, ["history", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path}: no tikdb warehouse here. Build one with tikdb build, "
        "or pass --out DIR.\n"
    )


def test_history_on_a_terminal_marks_the_published_build(three):
    import sys

    from test_terminal import run_in_terminal

    out, (a, b, c) = three
    code, screen = run_in_terminal(
        [sys.executable, "-m", "tikdb.cli", "history", "--out", str(out)]
    )
    assert code == 0, screen
    assert f"Builds kept in {out}, newest first" in screen
    heads = re.findall(r"^([* ]) (\S+)  started .* UTC(  \(published\))?$", screen, re.MULTILINE)
    assert heads == [("*", c, "  (published)"), (" ", b, ""), (" ", a, "")], screen
    assert screen.count("    rows    posts ") == 3
    assert "Publish log" in screen


# --- upgrading a warehouse of the previous version --------------------------------------------


def old_run_id(now: datetime) -> str:
    """The run id the previous version made: the time to the second."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def test_a_warehouse_of_the_previous_version_keeps_working(tmp_path, monkeypatch):
    out = tmp_path / "wh"
    with monkeypatch.context() as patched:
        patched.setattr("tikdb.pipeline.build.new_run_id", old_run_id)
        old = build_posts(tmp_path, out, 3).run_id
    # The previous version's layout: the same links, no marker, no publish log.
    (out / f".v-{old}" / ".tikdb-run").unlink()
    (out / ".tikdb-publish.log").unlink()
    assert {k: v for k, v in tree(out).items() if v.startswith("->")} == {
        "tikdb.duckdb": "-> .current/tikdb.duckdb",
        "parquet": "-> .current/parquet",
        ".current": f"-> .v-{old}",
    }
    # Listed before any build of this version has marked it, and history writes nothing.
    before = tree(out)
    listed = versions.history(out)
    assert [(k.run_id, k.published, k.rows.get("posts")) for k in listed.builds] == [(old, True, 3)]
    assert tree(out) == before
    new = build_posts(tmp_path, out, 4).run_id
    assert published_posts(out) == (4, 4)
    assert publish.kept_runs(out) == [old, new]
    # The old build is listed, and can be rolled back to.
    listed = versions.history(out)
    assert [(k.run_id, k.published, k.rows.get("posts")) for k in listed.builds] == [
        (new, True, 4),
        (old, False, 3),
    ]
    assert versions.rollback(out).run_id == old
    assert published_posts(out) == (3, 3)


def test_keeping_no_build_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        build_posts(tmp_path, tmp_path / "wh", 3, keep=0)
    assert str(caught.value) == "--keep 0: keep at least 1 build (the published one)."
    assert not (tmp_path / "wh").exists()


def test_run_ids_of_both_versions_sort_in_the_order_builds_started():
    # Same second: the previous version's id (no fraction) started first. Compared as
    # text, "." < "Z" would put the newer one first and prune or roll back the wrong build.
    old = "20261130T215706Z-e1d9f4"
    same_second = "20261130T215706.790210Z-102347"
    earlier = "20261130T215705.999999Z-aaaaaa"
    later_old = "20261130T215707Z-000000"
    shuffled = [later_old, same_second, old, earlier]
    assert sorted(shuffled, key=publish.run_order) == [earlier, old, same_second, later_old]


def test_check_and_report_refuse_a_warehouse_an_earlier_tikdb_built(tmp_path):
    # The previous version published no snapshots, metrics_history or growth views; its
    # check rules and report sections would fail on a catalog error naming a rule file.
    out = tmp_path / "wh"
    build_posts(tmp_path, out, 3)
    db = out / "tikdb.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE metrics_history")
        con.execute("DROP TABLE post_growth")
    expected = (
        f"Error: {db}: built by an earlier tikdb, it has no metrics_history, post_growth. "
        "Rebuild it with `tikdb build`, then try again.\n"
    )
    checked = runner.invoke(app, ["check", "--db", str(db)])
    assert (checked.exit_code, checked.stderr) == (2, expected)
    reported = runner.invoke(app, ["report", "--db", str(db), "--out", str(tmp_path / "r.html")])
    assert (reported.exit_code, reported.stderr) == (2, expected)
    assert not (tmp_path / "r.html").exists()
