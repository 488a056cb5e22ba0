"""``tikdb pull`` with no source: every source in tikdb.toml, so a cron line can be
``tikdb pull && tikdb build``."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import csv_text, make_row, write_csv
from fake_google import FakeGoogle, Reply
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.config import PullEntry, load_config
from tikdb.errors import InputError
from tikdb.sources import sheets
from tikdb.sources import snapshots as store

runner = CliRunner()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
EXPORT = f"/spreadsheets/d/{KEY}/export"


@pytest.fixture
def google(monkeypatch):
    with FakeGoogle() as fake:
        monkeypatch.setenv("TIKDB_SHEETS_EXPORT_URL", fake.url)
        monkeypatch.setenv("TIKDB_SHEETS_API_URL", fake.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        monkeypatch.setattr(sheets, "DEFAULT_RETRY", sheets.Retry(sleep=lambda s: None))
        yield fake


def test_pull_without_arguments_pulls_every_source_in_tikdb_toml(tmp_path, google, monkeypatch):
    project = tmp_path / "project"
    write_csv(project / "exports" / "master.csv", [make_row(1), make_row(2)])
    google.on(EXPORT, Reply(200, csv_text([make_row(3)]).encode(), {"Content-Type": "text/csv"}))
    (project / "tikdb.toml").write_text(
        'snapshots = "history"\n\n'
        "[[pull]]\n"
        f'sheet = "https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"\n\n'
        "[[pull]]\n"
        'file = "exports/master.csv"\n'
    )
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["pull", "--observed-at", "2026-11-30T06:00:00Z"])
    assert result.exit_code == 0, result.output
    listed = store.list_snapshots(project / "history")
    assert [s.origin["kind"] for s in listed] == ["file", "sheet"]  # sorted by name at one time
    assert sorted(result.stdout.splitlines()) == sorted(
        f"added history/{s.path.name} ({s.bytes:,} bytes, observed at 2026-11-30T06:00:00Z)"
        for s in listed
    )
    by_kind = {s.origin["kind"]: s for s in listed}
    assert by_kind["sheet"].path.read_bytes() == csv_text([make_row(3)]).encode()
    assert by_kind["file"].origin["path"] == str((project / "exports" / "master.csv").resolve())


def test_one_failing_source_does_not_stop_the_others_and_the_exit_code_says_so(
    tmp_path, google, monkeypatch
):
    write_csv(tmp_path / "master.csv", [make_row(1)])
    google.on(EXPORT, Reply(404, b"gone"))
    (tmp_path / "tikdb.toml").write_text(
        f'[[pull]]\nsheet = "{KEY}"\n\n[[pull]]\nfile = "master.csv"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pull"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: sheet {KEY}: Google has no such spreadsheet (HTTP 404). Check the key and the "
        "gid; nothing was added.\n"
    )
    [snapshot] = store.list_snapshots(tmp_path / "data" / "raw" / "snapshots")
    assert snapshot.origin["kind"] == "file"
    assert result.stdout.startswith("added data/raw/snapshots/MASTER_")


def test_without_a_tikdb_toml_pull_says_what_to_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pull"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: tikdb.toml: no such file. Pass --file PATH or --sheet URL, or list the sources "
        "in tikdb.toml (see the README).\n"
    )


def test_config_paths_are_relative_to_the_files_folder(tmp_path):
    path = tmp_path / "conf" / "tikdb.toml"
    path.parent.mkdir()
    path.write_text(
        '[[pull]]\nsheet = "KEY_0123456789"\nrange = "Master!A:O"\n'
        'credentials = "secrets/reader.json"\ntime_zone = "UTC"\n\n'
        '[[pull]]\nfile = "../exports/m.csv"\n'
    )
    config = load_config(path)
    assert config.snapshots is None
    assert config.pulls == (
        PullEntry(
            1,
            sheet="KEY_0123456789",
            range="Master!A:O",
            credentials=tmp_path / "conf" / "secrets" / "reader.json",
            time_zone="UTC",
        ),
        PullEntry(2, file=tmp_path / "conf" / ".." / "exports" / "m.csv"),
    )


def test_credentials_named_in_tikdb_toml_are_checked_before_anything_is_fetched(
    tmp_path, google, monkeypatch
):
    (tmp_path / "tikdb.toml").write_text(
        f'[[pull]]\nsheet = "{KEY}"\ncredentials = "secrets/reader.json"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pull"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: secrets/reader.json: no such credentials file (tikdb.toml). Pass a service "
        "account's JSON key file.\n"
    )
    assert google.seen == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[[pull]\n",
            "{p}: is not valid TOML (Expected ']]' at the end of an array declaration (at line 1, column 7)).",
        ),
        (
            "snapshot = 'x'\n",
            '{p}: unknown key "snapshot". It may hold "snapshots", [[pull]] and [export.iceberg] tables.',
        ),
        (
            "snapshots = 'x'\n",
            '{p}: names no sources. Add a [[pull]] table with sheet = "URL" or file = "PATH".',
        ),
        (
            "[[pull]]\nsheets = 'x'\n",
            '{p}: [[pull]] number 1: unknown key "sheets" (known: sheet, file, gid, range, credentials, time_zone).',
        ),
        (
            "[[pull]]\nfile = 'a.csv'\n[[pull]]\nsheet = 'k' \nfile = 'b.csv'\n",
            '{p}: [[pull]] number 2: give either sheet = "URL_OR_KEY" or file = "PATH".',
        ),
        (
            "[[pull]]\ngid = 0\n",
            '{p}: [[pull]] number 1: give either sheet = "URL_OR_KEY" or file = "PATH".',
        ),
        (
            "[[pull]]\nsheet = 'k'\ngid = '0'\n",
            '{p}: [[pull]] number 1: "gid" must be a whole number.',
        ),
        ("[[pull]]\nsheet = 'k'\ngid = -1\n", '{p}: [[pull]] number 1: "gid" must be 0 or more.'),
        (
            "[[pull]]\nfile = 'a.csv'\ngid = 3\n",
            '{p}: [[pull]] number 1: "gid" applies to a sheet, not to a file.',
        ),
        ("[[pull]]\nsheet = true\n", '{p}: [[pull]] number 1: "sheet" must be text in quotes.'),
    ],
    ids=[
        "not-toml",
        "unknown-top-key",
        "no-sources",
        "unknown-key",
        "both",
        "neither",
        "gid-text",
        "gid-negative",
        "gid-on-file",
        "sheet-bool",
    ],
)
def test_mistakes_in_tikdb_toml_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "tikdb.toml"
    path.write_text(text)
    with pytest.raises(InputError) as raised:
        load_config(path)
    assert str(raised.value) == message.format(p=path)


def test_a_mistake_in_tikdb_toml_exits_2_and_pulls_nothing(tmp_path, google, monkeypatch):
    (tmp_path / "tikdb.toml").write_text(
        f'[[pull]]\nsheet = "{KEY}"\n\n[[pull]]\nsheet = "{KEY}"\nrange = "Master!A:O"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pull"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: a range needs a service account (--credentials FILE)")
    assert google.seen == []
    assert not (tmp_path / "data").exists()


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Snapshots: `tikdb pull`") : text.index("## What gets built")]


def test_the_readmes_tikdb_toml_example_is_valid(tmp_path):
    [example] = re.findall(r"```toml\n(.*?)```", readme_section(), re.DOTALL)
    path = tmp_path / "tikdb.toml"
    path.write_text(example)
    config = load_config(path)
    assert config.snapshots == tmp_path / "data" / "raw" / "snapshots"
    assert [(p.sheet is not None, p.range, p.credentials) for p in config.pulls] == [
        (True, None, None),
        (True, "Master!A:O", tmp_path / "secrets" / "tikdb-reader.json"),
    ]


@pytest.mark.slow
def test_the_readmes_cron_line_pulls_then_builds_the_newest_snapshot(tmp_path):
    [line] = [x for x in readme_section().splitlines() if x.startswith("0 6 * * * ")]
    command = line.removeprefix("0 6 * * * ").split(" && ", 1)[1]
    command = command.replace("uv run tikdb", f"{shlex.quote(sys.executable)} -m tikdb.cli")
    write_csv(tmp_path / "exports" / "old.csv", [make_row(1)])
    write_csv(tmp_path / "exports" / "new.csv", [make_row(1), make_row(2)])
    (tmp_path / "tikdb.toml").write_text('[[pull]]\nfile = "exports/new.csv"\n')
    # An older snapshot is there already; the build must take the newer one.
    old = store.add_file(
        tmp_path / "exports" / "old.csv",
        tmp_path / "data" / "raw" / "snapshots",
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert old.added
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "posts\t2" in done.stdout.splitlines()
