"""The parse cache: each snapshot's parsed form, kept so later builds reuse it.

Layout, inside the warehouse directory (only tikdb creates or deletes anything there,
and only while it holds the build lock)::

    OUT/.tikdb-cache/<key>/rows.parquet      what tikdb.pipeline.parse wrote
    OUT/.tikdb-cache/<key>/problems.parquet
    OUT/.tikdb-cache/<key>/entry.json        what the parse found, and each file's size
                                             and sha256

``key`` is the sha256 of the parser version, the snapshot's sha256 and its observed_at:
every input of the parse. The parser version is a digest of tikdb's version, DuckDB's
and Polars', and the bytes of every module and SQL file the parse runs, computed from
the files themselves, so a changed parser never reuses an old result.

An entry is written in a temporary folder and renamed into place, its entry.json
last; an entry whose files are missing, changed or unreadable is deleted and the
snapshot parsed again. After a published build, entries it did not use are deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path

from tikdb import __version__
from tikdb.engine.models import PARSE_FOLDER
from tikdb.engine.sqlfiles import sql_dir
from tikdb.pipeline.parse import PROBLEMS_FILE, ROWS_FILE, ParseResult
from tikdb.sources.files import fsync_path

CACHE_DIR = ".tikdb-cache"
ENTRY_FILE = "entry.json"
ENTRY_FORMAT = 1
TEMP_PREFIX = ".tmp-"
_KEY = re.compile(r"[0-9a-f]{64}")
# The modules a parse runs (relative to the tikdb package): every tikdb module that
# tikdb.pipeline.parse imports, directly or not (a test keeps this list complete).
PARSER_MODULES = (
    "__init__.py",
    "contract.py",
    "errors.py",
    "terminal.py",
    "engine/__init__.py",
    "engine/connection.py",
    "engine/models.py",
    "engine/profiling.py",
    "engine/sqlfiles.py",
    "engine/steps.py",
    "engine/tables.py",
    "pipeline/__init__.py",
    "pipeline/parse.py",
    "sources/__init__.py",
    "sources/csv.py",
    "sources/csv_scan.py",
    "sources/files.py",
)


@dataclass(frozen=True)
class Parsed:
    """A parsed snapshot: its folder (in the cache or the staging area) and what the
    parse found; ``reused`` when it came from the cache."""

    directory: Path
    result: ParseResult
    reused: bool

    @property
    def rows_file(self) -> Path:
        return self.directory / ROWS_FILE

    @property
    def problems_file(self) -> Path:
        return self.directory / PROBLEMS_FILE


def parser_version(package: Path | None = None, sql: Path | None = None) -> str:
    """The digest of everything that decides what a parse produces."""
    package = package or Path(__file__).resolve().parent.parent
    sql = sql or sql_dir()
    return _parser_version(package, sql)


@cache
def _parser_version(package: Path, sql: Path) -> str:
    digest = hashlib.sha256()
    for name in ("tikdb", "duckdb", "polars"):
        found = __version__ if name == "tikdb" else version(name)
        digest.update(f"{name} {found}\n".encode())
    files = [package / m for m in PARSER_MODULES]
    files += [sql / "macros.sql", *sorted((sql / PARSE_FOLDER).glob("*.sql"))]
    for path in files:
        data = path.read_bytes()
        digest.update(f"{path.relative_to(path.parent.parent)} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


class ParseCache:
    """The cache of one warehouse directory. Use only while holding its build lock."""

    def __init__(self, out_dir: Path, version: str | None = None) -> None:
        self.root = Path(out_dir) / CACHE_DIR
        self.version = version or parser_version()
        self.warnings: list[str] = []

    def key(self, sha256: str, observed_at: datetime) -> str:
        text = f"{self.version}\0{sha256}\0{observed_at.isoformat()}"
        return hashlib.sha256(text.encode()).hexdigest()

    def load(self, sha256: str, observed_at: datetime, name: str) -> Parsed | None:
        """The cached parse of the snapshot ``name`` with this content and time, or None.

        A damaged entry is deleted (with a warning) and None returned: the caller
        parses the snapshot again.
        """
        directory = self.root / self.key(sha256, observed_at)
        if not directory.exists():
            return None
        problem = None
        try:
            entry = json.loads((directory / ENTRY_FILE).read_text(encoding="utf-8"))
            problem = _entry_problem(entry, self.version, sha256, observed_at, directory)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            problem = f"unreadable ({type(exc).__name__})"
        if problem:
            self.warnings.append(
                f"{directory}: the cached parse of {name} is damaged ({problem}); "
                "it was parsed again"
            )
            shutil.rmtree(directory, ignore_errors=True)
            return None
        found = entry["result"]
        result = ParseResult(**found | {"ignored_columns": tuple(found["ignored_columns"])})
        return Parsed(directory, result, reused=True)

    def new_entry(self, label: str) -> Path:
        """A fresh temporary folder to parse into (see ``commit``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f"{TEMP_PREFIX}{label}"
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        return temp

    def commit(self, temp: Path, result: ParseResult, observed_at: datetime) -> Parsed:
        """Move a parse written into ``temp`` into place, atomically."""
        files = {name: _file_facts(temp / name) for name in (ROWS_FILE, PROBLEMS_FILE)}
        entry = {
            "format": ENTRY_FORMAT,
            "parser_version": self.version,
            "observed_at": observed_at.isoformat(),
            "result": asdict(result) | {"ignored_columns": list(result.ignored_columns)},
            "files": files,
        }
        _write_synced(temp / ENTRY_FILE, json.dumps(entry, indent=1).encode())
        for name in files:
            fsync_path(temp / name)
        final = self.root / self.key(result.sha256, observed_at)
        shutil.rmtree(final, ignore_errors=True)
        os.rename(temp, final)
        fsync_path(self.root)
        return Parsed(final, result, reused=False)

    def remove_leftovers(self) -> None:
        """Delete temporary folders a crashed build left."""
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name.startswith(TEMP_PREFIX):
                shutil.rmtree(entry, ignore_errors=True)

    def keep_only(self, used: list[Parsed]) -> None:
        """Delete every entry not in ``used`` (after a published build)."""
        if not self.root.is_dir():
            return
        keep = {p.directory.name for p in used if p.directory.parent == self.root}
        for entry in self.root.iterdir():
            if _KEY.fullmatch(entry.name) and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)


def _entry_problem(
    entry: dict, version: str, sha256: str, observed_at: datetime, directory: Path
) -> str | None:
    """Why an entry cannot be trusted, or None."""
    if entry.get("format") != ENTRY_FORMAT or entry.get("parser_version") != version:
        return "written by another parser"
    if entry["result"]["sha256"] != sha256 or entry["observed_at"] != observed_at.isoformat():
        return "it describes another snapshot"
    files = entry["files"]
    if sorted(files) != sorted((ROWS_FILE, PROBLEMS_FILE)):
        return "its file list is wrong"
    with ThreadPoolExecutor(2) as pool:
        facts = dict(zip(files, pool.map(lambda n: _file_facts(directory / n), files), strict=True))
    for name, expected in files.items():
        if facts[name] != expected:
            return f"{name} changed"
    return None


def _file_facts(path: Path) -> dict:
    """Size and sha256 of a file (hashlib releases the GIL: two files hash at once)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(4 * 2**20):
            digest.update(block)
            size += len(block)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
