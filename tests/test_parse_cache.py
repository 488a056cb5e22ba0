"""The parse cache: keyed by content, time and parser version; atomic; never trusted blindly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import make_row, write_csv

from tikdb.engine.sqlfiles import sql_dir
from tikdb.pipeline import cache as cache_module
from tikdb.pipeline.cache import PARSER_MODULES, ParseCache, parser_version
from tikdb.pipeline.parse import parse_snapshot

OBSERVED = datetime(2025, 10, 5, 6, 0)
PACKAGE = Path(cache_module.__file__).resolve().parent.parent


def test_parser_modules_are_every_tikdb_module_the_parse_imports():
    code = (
        "import sys, tikdb.pipeline.parse; "
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('tikdb')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = {Path(f).resolve().relative_to(PACKAGE).as_posix() for f in out.stdout.split()}
    assert imported == set(PARSER_MODULES)


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("code")
    package, sql = root / "tikdb", root / "sql"
    for module in PARSER_MODULES:
        (package / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PACKAGE / module, package / module)
    shutil.copytree(sql_dir(), sql)
    return package, sql


def parse_files(sql: Path) -> list[str]:
    return ["macros.sql", *(f"parse/{p.name}" for p in sorted((sql / "parse").glob("*.sql")))]


def test_the_parser_version_changes_with_every_file_the_parse_runs(code_copy):
    package, sql = code_copy
    before = parser_version(package, sql)
    assert before == parser_version(PACKAGE, sql_dir())  # the copy is the real thing
    files = [package / m for m in PARSER_MODULES] + [sql / f for f in parse_files(sql)]
    assert len(files) > len(PARSER_MODULES) + 3
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        try:
            cache_module._parser_version.cache_clear()
            assert parser_version(package, sql) != before, path
        finally:
            path.write_bytes(original)
            cache_module._parser_version.cache_clear()
    # Other SQL (the build's models, the checks) is not part of the parse.
    (sql / "main" / "posts.sql").write_text("-- changed\n", encoding="utf-8")
    assert parser_version(package, sql) == before


def test_the_parser_version_changes_with_tikdbs_version(code_copy, monkeypatch):
    package, sql = code_copy
    before = parser_version(package, sql)
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    cache_module._parser_version.cache_clear()
    try:
        assert parser_version(package, sql) != before
    finally:
        cache_module._parser_version.cache_clear()


def parse_into(cache: ParseCache, csv_path: Path, observed_at: datetime, tmp: Path):
    temp = cache.new_entry("test")
    result = parse_snapshot(csv_path, observed_at, temp, tmp / "work", threads=2)
    return cache.commit(temp, result, observed_at)


@pytest.fixture
def stored(tmp_path, rows):
    csv_path = write_csv(tmp_path / "snap.csv", [*rows, make_row(9, views="lots")])
    cache = ParseCache(tmp_path / "wh")
    parsed = parse_into(cache, csv_path, OBSERVED, tmp_path)
    return cache, parsed


def test_a_committed_parse_is_found_again_by_content_and_time(stored):
    cache, parsed = stored
    assert not parsed.reused
    found = cache.load(parsed.result.sha256, OBSERVED, "snap.csv")
    assert found is not None and found.reused
    assert (found.directory, found.result) == (parsed.directory, parsed.result)
    assert found.result.records == 7
    assert cache.load(parsed.result.sha256, datetime(2025, 10, 6), "snap.csv") is None
    assert cache.load("0" * 64, OBSERVED, "snap.csv") is None
    assert (
        ParseCache(cache.root.parent, version="other").load(
            parsed.result.sha256, OBSERVED, "snap.csv"
        )
        is None
    )
    assert [p.name for p in cache.root.iterdir()] == [parsed.directory.name]
    reasons = duckdb.sql(
        f"SELECT reject_reason, count(*) FROM '{parsed.rows_file}' GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert reasons == [("bad_metric", 1), (None, 6)]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda d: _flip_last_byte(d / "rows.parquet"), "rows.parquet changed"),
        (lambda d: (d / "problems.parquet").unlink(), "unreadable (FileNotFoundError)"),
        (
            lambda d: (d / "entry.json").write_text("{", encoding="utf-8"),
            "unreadable (JSONDecodeError)",
        ),
        (lambda d: _edit_entry(d, parser_version="old"), "written by another parser"),
        (
            lambda d: _edit_entry(d, observed_at="2020-01-01T00:00:00"),
            "it describes another snapshot",
        ),
    ],
)
def test_a_damaged_entry_is_deleted_and_parsed_again(stored, damage, problem):
    cache, parsed = stored
    damage(parsed.directory)
    assert cache.load(parsed.result.sha256, OBSERVED, "snap.csv") is None
    assert cache.warnings == [
        f"{parsed.directory}: the cached parse of snap.csv is damaged ({problem}); it was parsed again"
    ]
    assert not parsed.directory.exists()


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_entry(directory: Path, **changes) -> None:
    entry = json.loads((directory / "entry.json").read_text(encoding="utf-8"))
    entry.update(changes)
    (directory / "entry.json").write_text(json.dumps(entry), encoding="utf-8")


def test_unused_entries_and_leftover_temporary_folders_are_removed(stored, tmp_path, rows):
    cache, parsed = stored
    other_csv = write_csv(tmp_path / "other.csv", rows[:2])
    other = parse_into(cache, other_csv, OBSERVED, tmp_path)
    leftover = cache.new_entry("crashed")
    (cache.root / "README").write_text("not ours", encoding="utf-8")
    cache.remove_leftovers()
    assert not leftover.exists()
    cache.keep_only([other])
    assert sorted(p.name for p in cache.root.iterdir()) == sorted(["README", other.directory.name])
    assert not parsed.directory.exists()
