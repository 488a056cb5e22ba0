"""Query profiles: `tikdb build --profile DIR` saves one DuckDB profile per SQL step, and
read_profile says which operators took the time."""

from __future__ import annotations

import duckdb
import pytest
from conftest import write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.contract import PUBLISHED_TABLES
from tikdb.engine.checks import load_rules
from tikdb.engine.models import load_models
from tikdb.engine.profiling import profile_path, profiled, read_profile
from tikdb.pipeline.build import BuildOptions, build


@pytest.mark.parametrize("threads", [1, 2])
def test_each_sql_step_leaves_the_profile_of_its_own_statement(tmp_path, rows, threads):
    # One thread: every model runs on the build's own connection, which then runs more
    # statements; two: models run on cursors. Either way each file holds its step's SQL.
    profiles = tmp_path / "profiles"
    csv_path = write_csv(tmp_path / "m.csv", rows)
    build(BuildOptions(csv_path, None, tmp_path / "wh", threads=threads, profile_dir=profiles))
    tables = [m for m in load_models() + load_models(folders=("parse",)) if not m.is_view]
    views = [m.name.split(".")[1] for m in load_models() if m.is_published_view]
    expected = {f"{m.name}.json" for m in tables}
    expected |= {f"{name}.parquet.json" for name in (*PUBLISHED_TABLES, *views)}
    expected |= {f"check_{rule.name}.json" for rule in load_rules()}
    assert {p.name for p in profiles.iterdir()} == expected

    for model in tables:
        schema, table = model.name.split(".")
        sql = read_profile(profile_path(profiles, model.name)).sql
        # Build models are created in a catalog (wh.main.posts), parse models are not.
        assert sql.split("\n", 1)[0].endswith(f"{schema}.{table} AS"), model.name
    for name in (*PUBLISHED_TABLES, *views):
        profile = read_profile(profile_path(profiles, f"{name}.parquet"))
        assert profile.sql.startswith(f"COPY main.{name} TO "), name
        assert "COPY_TO_FILE" in {op.name for op in profile.operators}, name
    for rule in load_rules():
        sql = read_profile(profile_path(profiles, f"check {rule.name}")).sql
        assert rule.sql.strip().rstrip(";") in sql, rule.name


def test_a_build_without_profile_writes_no_profile(tmp_path, rows, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv_path = write_csv(tmp_path / "m.csv", rows)
    build(BuildOptions(csv_path, None, tmp_path / "wh", threads=2))
    assert not list(tmp_path.rglob("*.json"))


def test_read_profile_ranks_operators_and_reports_spilling(tmp_path):
    con = duckdb.connect(
        config={"memory_limit": "30MB", "threads": 1, "temp_directory": str(tmp_path / "tmp")}
    )
    with profiled(con, tmp_path, "sort"):
        # A sort far bigger than the memory limit must spill to the temp directory.
        con.execute(
            "SELECT sum(i) FROM (SELECT i FROM range(4000000) t(i) ORDER BY hash(i) LIMIT 3999999)"
        ).fetchall()
    # Profiling is off again: this statement must not replace the sort's profile.
    con.execute("SELECT 42").fetchall()
    profile = read_profile(tmp_path / "sort.json")
    assert "ORDER BY hash(i)" in profile.sql
    seconds = [op.seconds for op in profile.operators]
    assert seconds == sorted(seconds, reverse=True)
    assert sum(op.share for op in profile.operators) == pytest.approx(1.0)
    assert any(op.name in ("ORDER_BY", "TOP_N") for op in profile.operators)
    assert profile.spilled_bytes > 0
    assert profile.peak_buffer_bytes > 0


def test_an_error_inside_a_profiled_block_is_the_one_raised(tmp_path):
    con = duckdb.connect()
    # Switching profiling off fails on a closed connection; the block's error must win.
    with pytest.raises(ValueError, match="the block's own error"), profiled(con, tmp_path, "step"):
        con.close()
        raise ValueError("the block's own error")


def test_profile_paths_are_plain_file_names(tmp_path):
    assert profile_path(tmp_path, "main.slides") == tmp_path / "main.slides.json"
    assert profile_path(tmp_path, "posts/ and slides/ by month 1").name == (
        "posts_and_slides_by_month_1.json"
    )


def test_cli_profile_folder_that_is_a_file_is_a_one_line_error(tmp_path, rows):
    csv_path = write_csv(tmp_path / "m.csv", rows)
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    result = CliRunner().invoke(
        app,
        ["build", "--csv", str(csv_path), "--out", str(tmp_path / "wh"), "--profile", str(taken)],
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {taken}: cannot be made a folder for query profiles (File exists); "
        "pass another --profile folder."
    ]
    assert not (tmp_path / "wh" / "tikdb.duckdb").exists()
