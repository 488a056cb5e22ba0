"""`tikdb sql` (exact outputs, exit codes, error lines) and `tikdb shell` (the real DuckDB CLI)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import VIEWS, make_row, query, run_build, write_csv
from rich.console import Console
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.render import rich_table
from tikdb.outputs.warehouse import QueryResult, duckdb_executable, shell_command

runner = CliRunner()
BOARD = "SELECT va_id, display_name, posts, total_views, median_views FROM va_performance ORDER BY va_id"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("analyst")
    rows = [make_row(n) for n in (1, 2, 3, 4)]  # VAs Kent, swtzl, Carla, Kent
    return run_build(tmp, write_csv(tmp / "master.csv", rows)).db_path


def sql(db: Path, text: str, *options: str):
    return runner.invoke(app, ["sql", text, "--db", str(db), *options])


def test_csv_output(db):
    result = sql(db, BOARD, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "va_id,display_name,posts,total_views,median_views\n"
        "carla,Carla,1,1003,1003.0\n"
        "kent,Kent,2,2005,1002.5\n"
        "swtzl,swtzl,1,1002,1002.0\n"
    )
    assert result.stderr == ""


def test_json_output(db):
    result = sql(db, BOARD + " OFFSET 1 LIMIT 1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "[\n"
        "  {\n"
        '    "va_id": "kent",\n'
        '    "display_name": "Kent",\n'
        '    "posts": 2,\n'
        '    "total_views": 2005,\n'
        '    "median_views": 1002.5\n'
        "  }\n"
        "]\n"
    )


def test_markdown_output_right_aligns_numbers(db):
    result = sql(db, BOARD, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "| va_id | display_name | posts | total_views | median_views |\n"
        "|---|---|---:|---:|---:|\n"
        "| carla | Carla | 1 | 1003 | 1003.0 |\n"
        "| kent | Kent | 2 | 2005 | 1002.5 |\n"
        "| swtzl | swtzl | 1 | 1002 | 1002.0 |\n"
    )


TRICKY = (
    "SELECT 'a|b' AS pipe, 'x' || chr(10) || 'y' AS newline, NULL AS nothing, "
    "['p', NULL] AS list, TIMESTAMP '2025-10-01 08:17:00' AS at, true AS yes"
)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "csv",
            'pipe,newline,nothing,list,at,yes\na|b,"x\ny",,"[p, NULL]",2025-10-01 08:17:00,true\n',
        ),
        (
            "json",
            '[\n  {\n    "pipe": "a|b",\n    "newline": "x\\ny",\n    "nothing": null,\n'
            '    "list": [\n      "p",\n      null\n    ],\n    "at": "2025-10-01T08:17:00",\n'
            '    "yes": true\n  }\n]\n',
        ),
        (
            "markdown",
            "| pipe | newline | nothing | list | at | yes |\n|---|---|---|---|---|---|\n"
            "| a\\|b | x\\ny | NULL | [p, NULL] | 2025-10-01 08:17:00 | true |\n",
        ),
        (
            "table",  # not a terminal: tab-separated, control characters escaped
            "pipe\tnewline\tnothing\tlist\tat\tyes\na|b\tx\\ny\tNULL\t[p, NULL]\t2025-10-01 08:17:00\ttrue\n",
        ),
    ],
)
def test_values_are_rendered_safely_in_every_format(db, fmt, expected):
    result = sql(db, TRICKY, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_terminal_table_never_reads_data_as_markup():
    result = QueryResult(
        ["name", "views"], ["VARCHAR", "BIGINT"], [("[bold red]boom[/] \x1b[31mred", 5), (None, 10)]
    )
    console = Console(record=True, width=80, force_terminal=True, color_system=None)
    console.print(rich_table(result))
    text = console.export_text()
    assert "[bold red]boom[/] \\x1b[31mred" in text
    assert "\x1b" not in text
    assert "NULL" in text and "2 rows" in text


@pytest.mark.parametrize(
    ("text", "code", "stderr"),
    [
        ("SELEC 1", 1, 'Error: Parser Error: syntax error at or near "SELEC"\n'),
        (
            "CREATE TABLE t (a INTEGER)",
            1,
            'Error: Invalid Input Error: Cannot execute statement of type "CREATE" on database '
            '"tikdb" which is attached in read-only mode!\n',
        ),
        (
            "SELECT nope FROM vas",
            1,
            'Error: Binder Error: Referenced column "nope" not found in FROM clause! Candidate '
            'bindings: "spellings"\n',
        ),
        (
            "SELECT 1; SELECT 2",
            2,
            "Error: pass exactly one SQL statement (got 2); use `tikdb shell` for a session.\n",
        ),
    ],
    ids=["syntax", "read-only", "binder", "two-statements"],
)
def test_sql_errors_are_one_line(db, text, code, stderr):
    result = sql(db, text)
    assert result.exit_code == code
    assert result.stderr == stderr
    assert result.stdout == ""


def test_a_missing_warehouse_exits_2(tmp_path):
    missing = tmp_path / "nowhere" / "tikdb.duckdb"
    for command in (["sql", "SELECT 1"], ["shell"], ["report"]):
        result = runner.invoke(app, [*command, "--db", str(missing)])
        assert result.exit_code == 2, command
        assert result.stderr == (
            f"Error: {missing}: no warehouse here. Build it with `tikdb build`, or pass --db PATH.\n"
        )


def test_the_shell_is_the_duckdb_cli_beside_python():
    assert duckdb_executable() == str(Path(sys.executable).parent / "duckdb")


def test_tikdb_shell_opens_the_warehouse_read_only(db):
    argv = shell_command(db)
    assert argv[1:5] + argv[6:] == [
        "-init",
        os.devnull,
        "-readonly",
        "-cmd",
        "-cmd",
        ".safe_mode",
        str(db),
    ]
    assert re.fullmatch(r"SET temp_directory = '.*/tikdb-read-\d+-[0-9a-f]{8}'", argv[5])
    done = subprocess.run(
        [sys.executable, "-m", "tikdb.cli", "shell", "--db", str(db)],
        input=".mode csv\nSELECT va_id, posts FROM va_performance ORDER BY va_id;\n"
        "CREATE TABLE t (a INTEGER);\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.stdout == "va_id,posts\ncarla,1\nkent,2\nswtzl,1\n"
    assert "read-only mode" in done.stderr


def test_the_duckdb_1_5_cli_opens_every_view(db):
    """The file and its views open in the duckdb-cli shell (DuckDB 1.5), not only in 2.0."""
    for name in VIEWS:
        done = subprocess.run(
            [
                duckdb_executable(),
                "-readonly",
                "-csv",
                "-noheader",
                str(db),
                "-c",
                f"SELECT count(*) FROM {name}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"{query(db, f'SELECT count(*) FROM {name}')[0][0]}\n", name


def test_a_warehouse_held_by_a_writer_is_the_same_error_in_every_reading_command(db, tmp_path):
    """check, sql and report meet the same situation with the same exit code and words."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "print('holding', flush=True)\n"
            "time.sleep(60)\n",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        outcomes = set()
        for command in (
            ["check"],
            ["sql", "SELECT 1"],
            ["report", "--out", str(tmp_path / "r.html")],
        ):
            result = runner.invoke(app, [*command, "--db", str(db)])
            first = result.stderr.split(": Conflicting lock")[0].split(": IO Error")[0]
            outcomes.add((result.exit_code, first))
        assert outcomes == {(2, f"Error: {db}: cannot be opened read-only")}
    finally:
        holder.kill()
        holder.wait()


def shell(db: Path | str, script: str, *options: str, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "tikdb.cli", "shell", f"--db={db}", *options],
        input=script,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=cwd,
    )


def test_the_shell_runs_in_safe_mode(db, tmp_path):
    (tmp_path / "script.sql").write_text("SELECT 'read from a file';\n")
    script = "\n".join(
        [
            f"COPY (SELECT 42) TO '{tmp_path}/copy.csv';",
            "SELECT * FROM read_text('/etc/passwd');",
            f"ATTACH '{tmp_path}/new.duckdb' AS n;",
            "SET enable_external_access = true;",
            f".read {tmp_path}/script.sql",
            f".output {tmp_path}/output.txt",
            f".shell touch {tmp_path}/shell-ran",
            f".system touch {tmp_path}/system-ran",
            f".open {tmp_path}/opened.duckdb",
            f"COPY (SELECT 1) TO '{db}.tmp/spilled.csv';",  # DuckDB's default spill folder
            ".mode csv",
            "SELECT count(*) AS posts FROM posts;",
            "SELECT current_setting('temp_directory') LIKE '%/tikdb-read-%' AS private;",
        ]
    )
    done = shell(db, script + "\n")
    assert done.stdout == "posts\n4\nprivate\ntrue\n"  # the warehouse itself is there
    errors = [
        line for line in done.stderr.splitlines() if line and not line.startswith(("LINE", " "))
    ]
    assert errors == [
        f'Permission Error: Cannot access file "{tmp_path}/copy.csv" - file system operations are disabled by configuration',
        'Permission Error: Cannot access file "/etc/passwd" - file system operations are disabled by configuration',
        f'Permission Error: Cannot access file "{tmp_path}/new.duckdb" - file system operations are disabled by configuration',
        'Invalid Input Error: Cannot change configuration option "enable_external_access" - the configuration has been locked',
        ".read cannot be used in -safe mode",
        ".output/.once/.excel cannot be used in -safe mode",
        ".sh/.system cannot be used in -safe mode",
        ".sh/.system cannot be used in -safe mode",
        ".open cannot be used in -safe mode",
        f'Permission Error: Cannot access file "{db}.tmp/spilled.csv" - file system operations are disabled by configuration',
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.sql"]


def test_unsafe_opts_out_of_safe_mode_and_still_opens_read_only(db, tmp_path):
    assert shell_command(db, safe=False)[1:] == ["-readonly", str(db)]
    done = shell(
        db,
        f"COPY (SELECT 42 AS answer) TO '{tmp_path}/copy.csv';\nCREATE TABLE t (a INTEGER);\n",
        "--unsafe",
    )
    assert (tmp_path / "copy.csv").read_text() == "answer\n42\n"
    assert "read-only mode" in done.stderr


def test_a_db_path_that_looks_like_an_option_is_passed_as_a_path(db, tmp_path, monkeypatch):
    odd = tmp_path / "-x"
    odd.mkdir()
    (odd / "tikdb.duckdb").symlink_to(db)
    done = shell(
        "-x/tikdb.duckdb", ".mode csv\nSELECT count(*) AS posts FROM posts;\n", cwd=tmp_path
    )
    assert (done.returncode, done.stdout) == (0, "posts\n4\n"), done.stderr
    monkeypatch.chdir(tmp_path)
    assert shell_command(Path("-x/tikdb.duckdb"))[-1] == str(odd / "tikdb.duckdb")


def test_a_shell_without_safe_mode_is_refused(db, tmp_path, monkeypatch):
    """A DuckDB shell that ignores .safe_mode (as one too old to know it might) would
    hand over an unsafe session; tikdb refuses to start it."""
    real = duckdb_executable()
    fake = tmp_path / "duckdb"
    fake.write_text(
        "#!/bin/sh\n"
        "# drop '-cmd .safe_mode', as a shell without safe mode would in effect\n"
        'for a in "$@"; do shift; [ "$a" = "-cmd" ] && { skip=1; continue; }; '
        '[ -n "$skip" ] && { skip=; continue; }; set -- "$@" "$a"; done\n'
        f'exec {real} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr("tikdb.outputs.warehouse.duckdb_executable", lambda: str(fake))

    def never(*args):  # were the check to pass, this test must not become the shell
        raise AssertionError(f"the shell was started: {args}")

    monkeypatch.setattr("tikdb.cli.analyst.os.execv", never)
    result = runner.invoke(app, ["shell", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {fake}: this DuckDB shell has no safe mode that blocks file access. Install "
        "duckdb-cli 1.5 or newer (uv sync), or pass --unsafe to open the warehouse read-only "
        "without it.\n"
    )


def test_the_safe_shell_does_not_run_the_users_duckdbrc(db, tmp_path):
    # ~/.duckdbrc would run before safe mode is on: here it would copy the warehouse out.
    home = tmp_path / "home"
    home.mkdir()
    leak = tmp_path / "leak.csv"
    (home / ".duckdbrc").write_text(f"COPY (FROM posts) TO '{leak}';\n", encoding="utf-8")
    env = {**os.environ, "HOME": str(home)}

    def shell(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tikdb.cli", "shell", "--db", str(db), *args],
            input="SELECT 1;\n",
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env=env,
        )

    safe = shell()
    assert safe.returncode == 0, safe.stderr
    assert not leak.exists()
    # The same rc file does run in the plain shell of --unsafe: the test's rc is real.
    unsafe = shell("--unsafe")
    assert unsafe.returncode == 0, unsafe.stderr
    assert leak.exists()
