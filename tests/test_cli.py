"""The command line: exit codes and the exact text of user errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conftest import make_row, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.contract import COLUMNS

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def build_args(tmp_path, csv_path):
    return ["build", "--csv", str(csv_path), "--out", str(tmp_path / "wh")]


def test_build_verbose_prints_each_phase_then_its_timed_steps(tmp_path, rows):
    from tikdb.contract import PUBLISHED_TABLES
    from tikdb.engine.checks import load_rules
    from tikdb.engine.models import load_models

    csv_path = write_csv(tmp_path / "m.csv", rows)
    result = invoke(*build_args(tmp_path, csv_path), "--verbose")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Warning:")]
    phases = [line for line in lines if not line.startswith("  ")]
    assert phases == ["reading", "transforming", "checking", "writing", "publishing"]
    under: dict[str, list[str]] = {}
    phase = "(before any phase)"
    for line in lines:
        if line.startswith("  "):
            name, seconds = line[2:].rsplit(": ", 1)
            assert re.fullmatch(r"\d+\.\d\ds", seconds), line
            under[phase].append(name)
        else:
            phase = line
            under[phase] = []
    # Every SQL model is a step of the transforming phase; every table a Parquet file.
    assert {m.name for m in load_models()} <= set(under["transforming"])
    assert {f"{t}.parquet" for t in PUBLISHED_TABLES} <= set(under["writing"])
    # Each check rule is a step of the checking phase, in the order the rules run.
    assert under["checking"] == [f"check {rule.name}" for rule in load_rules()]


def test_build_succeeds_with_a_plain_summary(tmp_path, rows):
    csv_path = write_csv(tmp_path / "m.csv", rows)
    result = invoke(*build_args(tmp_path, csv_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:9] == [
        "posts\t6",
        "metrics_history\t6",
        "snapshots\t1",
        "slides\t12",
        "vas\t3",
        "accounts\t3",
        "post_ocr\t0",
        "rejects\t0",
        "import_log\t1",
    ]
    assert lines[-1].startswith(f"built {tmp_path / 'wh' / 'tikdb.duckdb'} in ")
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "{p}: no such file. Pass the master CSV with --csv PATH."),
        (
            lambda p: (p.mkdir(), p)[1],
            "{p}: is a directory, not a CSV file. Pass the CSV file itself.",
        ),
        (
            lambda p: (p.write_bytes(b""), p)[1],
            "{p}: the file is empty (0 bytes). Export the master CSV again.",
        ),
        (
            lambda p: (p.write_text(",".join(COLUMNS) + "\r\n"), p)[1],
            "{p}: has a header but no records. Export the master CSV again; nothing was published.",
        ),
        (
            lambda p: (p.write_text('{"posts": []}\n'), p)[1],
            '{p}: columns "created_date", "created_time", "account", "va", "post_url", "views", "likes", '
            '"comments", "shares", "engagement", "engagement_rate", "hashtags", "sound", "slides", "source" '
            'missing (header has 1 column; found unknown column "{{"posts": []}}"). The header must name: '
            + ",".join(COLUMNS)
            + ".",
        ),
        (
            lambda p: write_csv(p, [make_row(1)], [c for c in COLUMNS if c != "views"]),
            '{p}: column "views" missing (header has 14 columns). The header must name: '
            + ",".join(COLUMNS)
            + ".",
        ),
        (
            lambda p: write_csv(p, [make_row(1)], ["view" if c == "views" else c for c in COLUMNS]),
            '{p}: column "views" missing (header has 15 columns; found unknown column "view"). '
            "The header must name: " + ",".join(COLUMNS) + ".",
        ),
    ],
    ids=[
        "missing",
        "directory",
        "empty",
        "header-only",
        "not-a-csv",
        "missing-column",
        "renamed-column",
    ],
)
def test_input_errors_print_one_line_and_exit_2(tmp_path, make, message):
    path = make(tmp_path / "m.csv")
    result = invoke(*build_args(tmp_path, path))
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(p=path) + "\n"
    assert result.stdout == ""
    assert not (tmp_path / "wh" / "tikdb.duckdb").exists()


def test_reordered_and_extra_columns_are_matched_by_name(tmp_path):
    header = list(reversed(COLUMNS)) + ["bookmarks"]
    path = write_csv(tmp_path / "m.csv", [make_row(1)], header)
    result = invoke(*build_args(tmp_path, path))
    assert result.exit_code == 0, result.output
    assert f'Warning: {path}: ignored unknown column(s) "bookmarks"' in result.stderr.splitlines()
    assert "posts\t1" in result.stdout.splitlines()


def test_the_installed_console_script_runs(tmp_path, rows):
    csv_path = write_csv(tmp_path / "m.csv", rows)
    done = subprocess.run(
        [sys.executable, "-m", "tikdb.cli", *build_args(tmp_path, csv_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "posts\t6" in done.stdout.splitlines()


COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_command_list_is_what_the_readme_documents():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    documented = sorted(set(re.findall(r"^\| `tikdb ([a-z]+)", readme, re.MULTILINE)))
    assert documented == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_that_fits_80_columns(command):
    result = runner.invoke(app, [command, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Example: tikdb " + command in " ".join(text.split())
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert not too_wide, too_wide
    # Nothing cut short, no placeholder types or stray punctuation from the help machinery.
    for bad in ("…", "<bool>", "{out_dir}", "{sql}"):
        assert bad not in text, (bad, text)
    assert not re.search(r" \.(\s|$)", text), text  # a full stop cut off from its sentence
    # Every default is shown whole (a wrapped default still reads whole once joined).
    click_command = typer.main.get_command(app).commands[command]
    joined = " ".join(text.split())
    for param in click_command.params:
        default = param.default
        if isinstance(default, Path) and getattr(param, "show_default", True) is not False:
            assert f"[default: {default}]" in joined, (param.name, joined)


def test_version_and_help(tmp_path):
    from tikdb import __version__

    assert invoke("--version").stdout == f"tikdb {__version__}\n"
    assert "Example: tikdb build" in invoke("build", "--help").stdout


@pytest.mark.parametrize(
    ("threads", "env", "expected"),
    [("1", None, "1"), ("1", "8", "1"), ("2", "1", "1")],
)
def test_build_threads_also_bound_polars(tmp_path, rows, threads, env, expected):
    # Polars sizes its pool once, when first imported: only a fresh process shows it.
    import os

    csv_path = write_csv(tmp_path / "m.csv", rows)
    code = (
        "import sys\n"
        "from tikdb.cli import app\n"
        "app(sys.argv[1:], standalone_mode=False)\n"
        "import polars\n"
        "print('pool', polars.thread_pool_size())\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    if env is not None:
        environment["POLARS_MAX_THREADS"] = env
    args = [*build_args(tmp_path, csv_path), "--threads", threads]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"pool {expected}"


def test_another_csv_without_ocr_leaves_the_sample_ocr_out(tmp_path, rows, monkeypatch):
    from pathlib import Path

    from conftest import query

    from tikdb.contract import DEFAULT_OCR

    repo = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(repo)
    assert (repo / DEFAULT_OCR).is_dir()  # the sample's OCR is there to be picked up wrongly
    csv_path = write_csv(tmp_path / "m.csv", rows)
    result = invoke(*build_args(tmp_path, csv_path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    db = tmp_path / "wh" / "tikdb.duckdb"
    assert query(db, "SELECT ocr_path, ocr_found, ocr_records FROM import_log") == [
        (None, False, 0)
    ]
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]


def failed_rate_lines(records: int, rejected: int) -> list[str]:
    """What `tikdb check` prints, piped, for a failed rejects__rate on the CSV."""
    return [
        "rejects__rate\twarn\tFAIL\t1",
        "-- rejects__rate: the share of rejected records per input stays under "
        "tikdb_max_reject_rate",
        "   input\trecords\trejected\trate",
        f"   csv\t{records}\t{rejected}\t{round(rejected / records, 4)}",
    ]


@pytest.mark.parametrize("verbose", [False, True], ids=["piped", "verbose"])
def test_build_summary_lists_failed_warn_rules_as_check_does(tmp_path, verbose):
    rows = [make_row(n) for n in range(1, 6)] + [make_row(6, views="-3")]
    csv_path = write_csv(tmp_path / "m.csv", rows)
    args = [*build_args(tmp_path, csv_path)] + (["--verbose"] if verbose else [])
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("rejects__rate\twarn\tFAIL\t1")
    assert lines[start : start + 4] == failed_rate_lines(6, 1)
    assert lines[start + 4].startswith("built ")
    # Exactly the failed rules are listed: the same as `tikdb check` finds.
    checked = invoke("check", "--db", str(tmp_path / "wh" / "tikdb.duckdb"))
    assert checked.exit_code == 0
    failed = [line for line in checked.stdout.splitlines() if "\tFAIL\t" in line]
    assert failed == [line for line in lines if "\tFAIL\t" in line] == [lines[start]]


def test_a_clean_build_lists_no_check(tmp_path, rows):
    result = invoke(*build_args(tmp_path, write_csv(tmp_path / "m.csv", rows)))
    assert result.exit_code == 0, result.output
    assert not [line for line in result.stdout.splitlines() if "FAIL" in line or "--" in line]
