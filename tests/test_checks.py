"""The SQL assertions: each rule catches a seeded violation; tikdb check and the build use them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, ocr_record, query, run_build, write_csv, write_ocr
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.engine.checks import CheckSettings, load_rules
from tikdb.engine.checksums import RULE as CHECKSUM_RULE
from tikdb.engine.checksums import record_checksums
from tikdb.outputs.warehouse import check_published as check_warehouse

# One mutation per rule: SQL run on a copy of a clean warehouse that must make exactly
# that rule fail. The first post (lowest csv_line) is the usual victim.
FIRST = "(SELECT min(post_id) FROM posts)"
LAST = "(SELECT max(post_id) FROM posts)"  # a post without OCR
FIRST_OCR = "(SELECT min(post_id) FROM post_ocr)"
LATEST_RUN = "(SELECT max(run_id) FROM import_log)"
VIOLATIONS = {
    # The old system's bug: a placeholder slide invented for an OCR'd post.
    "import_log__slide_accounting": f"INSERT INTO slides SELECT post_id, 99, slide_url, image_id, bucket, host, expires_at FROM slides WHERE post_id = {LAST} AND slide_index = 1",
    "import_log__csv_accounting": "DELETE FROM rejects WHERE entity = 'post' AND line = (SELECT min(line) FROM rejects WHERE entity = 'post')",
    "import_log__ocr_accounting": f"UPDATE import_log SET ocr_records = ocr_records + 1 WHERE run_id = {LATEST_RUN}",
    "posts__post_id_key": f"INSERT INTO posts SELECT * FROM posts WHERE post_id = {FIRST}",
    "slides__slide_key": f"INSERT INTO slides SELECT * FROM slides WHERE post_id = {FIRST} AND slide_index = 1",
    "post_ocr__one_per_post": f"INSERT INTO post_ocr SELECT * FROM post_ocr WHERE post_id = {FIRST_OCR}",
    "slides__post_exists": "UPDATE slides SET post_id = 42 WHERE slide_index = 2 AND post_id = (SELECT min(post_id) FROM slides)",
    "post_ocr__post_exists": f"UPDATE post_ocr SET post_id = 42 WHERE post_id = {FIRST_OCR}",
    "accounts__va_exists": "UPDATE accounts SET va_id = 'nobody' WHERE account = (SELECT min(account) FROM accounts)",
    "posts__va_exists": f"UPDATE posts SET va_id = 'nobody' WHERE post_id = {FIRST}",
    "posts__metrics_non_negative": f"UPDATE posts SET shares = -1, engagement = likes + comments - 1, engagement_rate = round(100 * (likes + comments - 1) / views, 2) WHERE post_id = {FIRST}",
    "posts__engagement_sum": f"UPDATE posts SET engagement = engagement + 1 WHERE post_id = {FIRST}",
    "posts__engagement_rate": f"UPDATE posts SET engagement_rate = engagement_rate + 1 WHERE post_id = {FIRST}",
    "posts__likes_le_views": f"UPDATE posts SET likes = views + 1, engagement = views + 1 + comments + shares, engagement_rate = round(100 * (views + 1 + comments + shares) / views, 2) WHERE post_id = {FIRST}",
    "posts__created_at_range": f"UPDATE posts SET created_at = TIMESTAMP '2015-12-31 23:00:00' WHERE post_id = {FIRST}",
    "posts__id_timestamp": f"UPDATE posts SET created_at = created_at + INTERVAL 1 HOUR WHERE post_id = {FIRST}",
    "accounts__one_va": "UPDATE accounts SET va_count = 2 WHERE account = (SELECT min(account) FROM accounts)",
    "posts__handle_matches_account": f"UPDATE posts SET account = 'someoneelse' WHERE post_id = {FIRST}",
    "post_ocr__text_hash": f"UPDATE post_ocr SET file_text_hash = md5('other') WHERE post_id = {FIRST_OCR}",
    "post_ocr__empty_text_no_thumbnails": f"UPDATE post_ocr SET thumbnails_with_text = 0 WHERE post_id = {FIRST_OCR}",
    "post_ocr__thumbnail_count": f"UPDATE post_ocr SET thumbnail_count = 7 WHERE post_id = {FIRST_OCR}",
    "posts__slide_count": f"UPDATE posts SET slide_count = 5 WHERE post_id = {LAST}",
    "posts__slide_count_max": f"UPDATE posts SET slide_count = 13 WHERE post_id = {LAST}",
    "slides__image_id_parsed": "UPDATE slides SET image_id = NULL",
    "rejects__rate": f"UPDATE import_log SET csv_rejected = csv_records, csv_loaded = 0 WHERE run_id = {LATEST_RUN}",
    "metrics_history__key": f"INSERT INTO metrics_history SELECT * FROM metrics_history WHERE post_id = {FIRST}",
    "metrics_history__observed_after_created": f"UPDATE metrics_history SET observed_at = TIMESTAMP '2020-01-01' WHERE post_id = {FIRST}",
    "metrics_history__views_fall": f"INSERT INTO metrics_history SELECT post_id, observed_at - INTERVAL 1 HOUR, views + 1, likes, comments, shares, engagement, 'earlier.csv' FROM metrics_history WHERE post_id = {FIRST}",
    "posts__latest_observation": f"UPDATE posts SET observations = observations + 1 WHERE post_id = {FIRST}",
    "snapshots__accounting": "UPDATE snapshots SET records = records + 1",
    "rejects__complete": "UPDATE rejects SET message = NULL WHERE line = (SELECT min(line) FROM rejects)",
    # Any change to the file after its build; its checksums are not recorded again.
    CHECKSUM_RULE: "CREATE TABLE main.extra AS SELECT 1 AS x",
}
# Some mutations necessarily break a second rule too (the data is linked); name them.
AN_OBSERVATION_MORE = {
    "import_log__csv_accounting",
    "snapshots__accounting",
    "posts__latest_observation",
}
ALSO_FAILS = {
    "metrics_history__key": AN_OBSERVATION_MORE,
    "metrics_history__views_fall": AN_OBSERVATION_MORE,
    "metrics_history__observed_after_created": {"posts__latest_observation"},
    # A reject lost is lost from its snapshot too.
    "import_log__csv_accounting": {"snapshots__accounting"},
    "posts__post_id_key": {"posts__slide_count", "posts__latest_observation"},
    "slides__slide_key": {"import_log__slide_accounting", "posts__slide_count"},
    "import_log__slide_accounting": {"posts__slide_count"},
    "post_ocr__one_per_post": {"import_log__ocr_accounting"},
    "slides__post_exists": {"posts__slide_count"},
    "post_ocr__post_exists": set(),
    "posts__slide_count_max": {"posts__slide_count"},
    "rejects__rate": {"import_log__csv_accounting"},
    "posts__handle_matches_account": {"posts__va_exists"},
    # Changing a post's metrics makes it differ from its latest observation, too.
    "posts__engagement_sum": {"posts__engagement_rate", "posts__latest_observation"},
    "posts__metrics_non_negative": {"posts__latest_observation"},
    "posts__likes_le_views": {"posts__latest_observation"},
    "posts__created_at_range": {"posts__id_timestamp"},
    "post_ocr__empty_text_no_thumbnails": set(),
}


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory) -> Path:
    """A small warehouse with posts, slides, OCR and one reject, where every rule passes."""
    tmp = tmp_path_factory.mktemp("checks")
    rows = [make_row(n) for n in range(1, 8)]
    bad = make_row(8, views="lots")
    csv_path = write_csv(tmp / "master.csv", [*rows, bad])
    ocr = write_ocr(tmp / "ocr", {"Carla": [ocr_record(rows[0], "hello"), ocr_record(rows[1], "")]})
    result = run_build(tmp, csv_path, ocr)
    return result.db_path.resolve()


def mutated(tmp_path: Path, source: Path, sql: str, record: bool = True) -> Path:
    """A copy of the build's folder, its database changed by ``sql``; its checksums
    recorded again (as if a build had written that data) unless ``record`` is False."""
    folder = tmp_path / "wh"
    shutil.copytree(source.parent, folder)
    db = folder / "tikdb.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()
    if record:
        record_checksums(folder)
    return db


def failed(db: Path) -> set[str]:
    report = check_warehouse(db, settings=CheckSettings(max_reject_rate=0.5))
    return {r.name for r in report.results if not r.passed}


def test_every_rule_has_a_seeded_violation():
    assert sorted(VIOLATIONS) == sorted(rule.name for rule in load_rules())


def test_the_clean_warehouse_passes_every_rule(clean_warehouse):
    assert failed(clean_warehouse) == set()


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_each_rule_catches_its_violation(tmp_path, clean_warehouse, rule):
    db = mutated(tmp_path, clean_warehouse, VIOLATIONS[rule], record=rule != CHECKSUM_RULE)
    got = failed(db)
    assert rule in got
    assert got - {rule} <= ALSO_FAILS.get(rule, set()), got


# Every rule's severity, stated here and not read from sql/checks/: `error` blocks
# publishing, `warn` is reported. A broken key, lost or invented rows, unaccounted input,
# an impossible metric or a broken link between tables is an error; a disagreement the
# real exports are known to contain (or a statistical threshold) is a warning. A new rule
# fails the test below until its severity is added here.
SEVERITY = {
    "accounts__one_va": "warn",
    "accounts__va_exists": "error",
    "import_log__csv_accounting": "error",
    "import_log__ocr_accounting": "error",
    "import_log__slide_accounting": "error",
    "metrics_history__key": "error",
    "metrics_history__observed_after_created": "error",
    "metrics_history__views_fall": "warn",
    "post_ocr__empty_text_no_thumbnails": "warn",
    "post_ocr__one_per_post": "error",
    "post_ocr__post_exists": "error",
    "post_ocr__text_hash": "warn",
    "post_ocr__thumbnail_count": "warn",
    "posts__created_at_range": "error",
    "posts__engagement_rate": "warn",
    "posts__engagement_sum": "warn",
    "posts__handle_matches_account": "error",
    "posts__id_timestamp": "warn",
    "posts__latest_observation": "error",
    "posts__likes_le_views": "warn",
    "posts__metrics_non_negative": "error",
    "posts__post_id_key": "error",
    "posts__slide_count": "error",
    "posts__slide_count_max": "warn",
    "posts__va_exists": "error",
    "published_files__checksums": "error",
    "rejects__complete": "error",
    "rejects__rate": "warn",
    "slides__image_id_parsed": "warn",
    "snapshots__accounting": "error",
    "slides__post_exists": "error",
    "slides__slide_key": "error",
}


def test_every_rule_has_its_pinned_severity_and_a_description():
    got = {rule.name: rule.severity for rule in load_rules()}
    unpinned = sorted(set(got) - set(SEVERITY))
    assert not unpinned, f"add the severity of {unpinned} to SEVERITY in this file"
    assert sorted(SEVERITY) == sorted(got), (
        f"rules gone from sql/checks/: {sorted(set(SEVERITY) - set(got))}"
    )
    changed = {
        name: f"{SEVERITY[name]} -> {got[name]}" for name in got if got[name] != SEVERITY[name]
    }
    assert changed == {}, f"severity changed: {changed}"
    assert all(rule.description for rule in load_rules())


runner = CliRunner()


def test_check_cli_prints_one_line_per_rule_and_exits_0_when_only_warnings_fail(
    tmp_path, clean_warehouse
):
    db = mutated(tmp_path, clean_warehouse, VIOLATIONS["posts__engagement_rate"])
    result = runner.invoke(app, ["check", "--db", str(db), "--max-reject-rate", "0.5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[: len(VIOLATIONS)] == [
        f"{name}\t{SEVERITY[name]}\t{'FAIL' if name == 'posts__engagement_rate' else 'pass'}\t"
        f"{1 if name == 'posts__engagement_rate' else 0}"
        for name in sorted(SEVERITY)
    ]
    assert lines[len(VIOLATIONS)] == (
        "-- posts__engagement_rate: engagement_rate = round(100 * engagement / views, 2) "
        "(0 when views = 0)"
    )
    assert lines[len(VIOLATIONS) + 1] == "   post_id\tviews\tengagement\tengagement_rate\texpected"


def test_check_cli_exits_1_on_an_error_rule_and_reports_json(tmp_path, clean_warehouse):
    db = mutated(tmp_path, clean_warehouse, VIOLATIONS["import_log__slide_accounting"])
    result = runner.invoke(app, ["check", "--db", str(db), "--json", "--select", "import_log__*"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    by_name = {r["name"]: r for r in report["results"]}
    assert sorted(by_name) == [
        "import_log__csv_accounting",
        "import_log__ocr_accounting",
        "import_log__slide_accounting",
    ]
    slide = by_name["import_log__slide_accounting"]
    assert (slide["passed"], slide["offending_rows"], slide["severity"]) == (False, 1, "error")
    assert slide["columns"] == ["run_id", "slide_parts", "slides", "slide_rejects"]
    assert slide["sample"][0][1:] == [14, 15, 0]


def test_check_cli_errors(tmp_path, clean_warehouse):
    missing = runner.invoke(app, ["check", "--db", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code == 2
    assert missing.stderr == (
        f"Error: {tmp_path / 'nope.duckdb'}: no warehouse here. Build it with `tikdb build`, or pass --db PATH.\n"
    )
    unknown = runner.invoke(app, ["check", "--db", str(clean_warehouse), "--select", "nothing*"])
    assert unknown.exit_code == 2
    assert (
        unknown.stderr
        == 'Error: no check matches --select "nothing*". Run tikdb check to list them.\n'
    )


def test_check_works_while_a_duckdb_shell_holds_the_file_open(clean_warehouse):
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    shell = subprocess.Popen(
        [cli, "-readonly", str(clean_warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        shell.stdin.write("SELECT 'ready';\n")
        shell.stdin.flush()
        assert (
            "ready" in shell.stdout.readline() + shell.stdout.readline() + shell.stdout.readline()
        )
        result = runner.invoke(
            app, ["check", "--db", str(clean_warehouse), "--max-reject-rate", "0.5"]
        )
        assert result.exit_code == 0, result.output
    finally:
        shell.kill()
        shell.wait()


def test_a_failing_error_rule_blocks_publishing(tmp_path, monkeypatch, rows):
    from tikdb.engine.checks import ChecksFailedError, Rule
    from tikdb.pipeline import build as build_module

    csv_path = write_csv(tmp_path / "master.csv", rows)
    first = run_build(tmp_path, csv_path)
    before = (first.out_dir / "tikdb.duckdb").resolve().read_bytes()
    always = Rule(
        "posts__always_fails",
        "posts",
        "error",
        "a rule that every warehouse breaks",
        "SELECT post_id FROM main.posts",
        Path("posts__always_fails.sql"),
    )
    monkeypatch.setattr(build_module, "load_rules", lambda: [*load_rules(), always])
    with pytest.raises(ChecksFailedError) as caught:
        run_build(tmp_path, csv_path)
    assert (
        str(caught.value) == "blocking checks failed (posts__always_fails); nothing was published."
    )
    assert [r.name for r in caught.value.report.failed_errors] == ["posts__always_fails"]
    assert (first.out_dir / "tikdb.duckdb").resolve().read_bytes() == before


def test_check_results_keep_every_rule_of_every_build(tmp_path, rows):
    csv_path = write_csv(tmp_path / "master.csv", rows)
    first = run_build(tmp_path, csv_path)
    second = run_build(tmp_path, csv_path)
    got = query(
        second.db_path,
        "SELECT run_id, count(*), count(*) FILTER (WHERE passed) FROM check_results GROUP BY 1 ORDER BY min(checked_at)",
    )
    n = len(load_rules())
    assert got == [(first.run_id, n, n), (second.run_id, n, n)]


def test_files_starting_with_an_underscore_are_helpers_not_rules(tmp_path):
    from tikdb.engine.checks import MACROS
    from tikdb.engine.sqlfiles import sql_dir

    assert (sql_dir() / "checks" / MACROS).is_file()
    assert all(not rule.path.name.startswith("_") for rule in load_rules())
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "_helpers.sql").write_text("CREATE TEMP MACRO one() AS 1;\n")
    (folder / "posts__fine.sql").write_text(
        "-- severity: warn\n-- description: fine\nSELECT 1 WHERE false\n"
    )
    assert [rule.name for rule in load_rules(root=tmp_path)] == ["posts__fine"]


def test_the_rules_macros_work_on_a_read_only_warehouse_and_are_not_stored_in_it(tmp_path):
    from tikdb.engine.checks import run_rules

    csv_path = write_csv(tmp_path / "master.csv", [make_row(n) for n in range(1, 4)])
    run_build(tmp_path, csv_path)
    write_csv(csv_path, [make_row(n) for n in range(1, 6)])
    latest = run_build(tmp_path, csv_path)
    con = duckdb.connect(str(latest.db_path), read_only=True)
    try:
        assert run_rules(con, []).results == []  # creates the macros, runs no rule
        got = con.execute("SELECT run_id, csv_records FROM latest_import()").fetchall()
        assert got == [(latest.run_id, 5)]
        stored = con.execute(
            "SELECT function_name FROM duckdb_functions() "
            "WHERE database_name NOT IN ('system', 'temp')"
        ).fetchall()
        assert stored == []
    finally:
        con.close()
