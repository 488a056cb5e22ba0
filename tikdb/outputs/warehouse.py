"""Read-only access to a published warehouse: the one place that opens it for reading.

The commands that read (``sql``, ``check``, ``report``, ``shell``) and the report share
this, so a missing or locked warehouse gets the same words and exit code everywhere, and
none of them can change a file or read one beside the warehouse.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tikdb.contract import PUBLISHED_TABLES
from tikdb.engine.checks import CheckReport, CheckSettings, load_rules, run_rules
from tikdb.engine.checksums import NOTHING_PUBLISHED, file_digests
from tikdb.engine.checksums import RULE as CHECKSUM_RULE
from tikdb.engine.sqlfiles import read_sql, sql_dir, sql_string
from tikdb.errors import InputError, QueryError, TikdbError, one_line
from tikdb.sources.files import file_kind, require_utf8_path

_NUMERIC_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
}


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    types: list[str]  # DuckDB type names, e.g. "BIGINT", "VARCHAR[]"
    rows: list[tuple]

    def is_numeric(self, index: int) -> bool:
        name = self.types[index]
        return name in _NUMERIC_TYPES or name.startswith("DECIMAL")


def require_warehouse(db: Path) -> Path:
    """The warehouse file, or an InputError saying how to get one.

    Only a regular file is a warehouse: DuckDB would wait forever on a FIFO.
    """
    db = Path(db)
    require_utf8_path(db, "rename it, or pass --db PATH")
    try:
        mode = db.stat().st_mode
    except FileNotFoundError:
        raise InputError(
            f"{db}: no warehouse here. Build it with `tikdb build`, or pass --db PATH."
        ) from None
    except OSError as exc:
        raise InputError(f"{db}: cannot be read ({exc.strerror}); pass --db PATH.") from exc
    if stat.S_ISDIR(mode):
        raise InputError(
            f"{db}: is a directory; pass the database file, e.g. --db {db / 'tikdb.duckdb'}."
        )
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{db}: is {file_kind(mode)}, not a warehouse file; pass the database file "
            "with --db PATH."
        )
    return db


def read_only_config() -> dict[str, object]:
    """DuckDB settings for a connection that can read the warehouse and nothing else.

    External access off: no file other than the warehouse can be read or written (COPY
    ... TO, EXPORT DATABASE, read_csv, glob, ATTACH of another file, INSTALL and LOAD of
    extensions, Python objects scanned as tables). The configuration locked: no SET,
    RESET or PRAGMA can switch any of that back. A query too big for memory spills to a
    folder of its own in the system's temporary directory, which DuckDB creates and
    removes; by default it would write ``<warehouse>.tmp/`` beside the published files.
    """
    return {
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "python_enable_replacements": False,
        "temp_directory": str(spill_folder()),
        "lock_configuration": True,
    }


def spill_folder() -> Path:
    """A new folder name in the system's temporary directory for a reader's spills.

    DuckDB creates it when it first spills and removes it when it closes. The readers
    must not use the default, ``<warehouse>.tmp/`` beside the published files: with
    external access off DuckDB still lets SQL write into its temporary folder.
    """
    return Path(tempfile.gettempdir()) / f"tikdb-read-{os.getpid()}-{secrets.token_hex(4)}"


def connect_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, unable to touch any other file (see
    ``read_only_config``); an InputError (exit 2) when it cannot be opened."""
    db = require_warehouse(db)
    try:
        # Absolute: a path such as "md:x" would otherwise name a remote database.
        return duckdb.connect(str(db.absolute()), read_only=True, config=read_only_config())
    except duckdb.Error as exc:
        raise InputError(f"{db}: cannot be opened read-only: {one_line(exc)}") from exc


def define_scope(con: duckdb.DuckDBPyConnection) -> None:
    """Define on con the macros of sql/outputs/_scope.sql that the export sheets and the
    report sections read their posts and measures through (``scoped_posts``,
    ``scoped_measures`` and the tests they share). TEMP: nothing reaches the file."""
    con.execute(read_sql("outputs", "_scope.sql"))


def run_query(db: Path, sql: str) -> QueryResult:
    """Run one SQL statement on the warehouse, read-only, and return its result."""
    con = connect_read_only(db)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(one_line(exc)) from exc
        if len(statements) != 1:
            raise InputError(
                f"pass exactly one SQL statement (got {len(statements)}); "
                "use `tikdb shell` for a session."
            )
        try:
            cursor = con.execute(sql)
            description = cursor.description or []
            rows = cursor.fetchall() if description else []
        except duckdb.Error as exc:
            raise QueryError(one_line(exc)) from exc
        return QueryResult([d[0] for d in description], [str(d[1]) for d in description], rows)
    finally:
        con.close()


def duckdb_executable() -> str:
    """The DuckDB shell installed with tikdb (beside this Python), else the one on PATH."""
    beside = Path(sys.executable).parent / "duckdb"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("duckdb")
    if found:
        return found
    raise TikdbError(
        "the DuckDB shell (duckdb) is not installed beside tikdb nor on PATH. "
        "Reinstall tikdb (uv sync installs duckdb-cli) or install the DuckDB CLI."
    )


def shell_command(db: Path, safe: bool = True) -> list[str]:
    """The argv that opens the warehouse read-only in the DuckDB shell, in its safe mode
    unless ``safe`` is False.

    Safe mode turns DuckDB's external access off and locks the configuration, as for
    ``tikdb sql``, and disables the dot commands that reach the file system or run
    programs (.read, .output, .once, .shell, .system, .open, .cd, .import, .log). It is
    switched on with ``-cmd .safe_mode``, which runs once the database is open and
    before any input is read: duckdb-cli 1.5.6 refuses to start with ``-safe``
    ("Cannot change configuration option "extension_directories""). Before it, the
    spill folder moves away from the warehouse (see ``spill_folder``). The user's
    ``~/.duckdbrc`` is not read (it would run before safe mode). The path is made
    absolute, so that one starting with ``-`` is not read as an option, nor one such
    as ``md:x`` as a remote database.
    """
    db = require_warehouse(db)
    executable = duckdb_executable()
    path = str(db.absolute())
    if not safe:
        return [executable, "-readonly", path]
    _require_safe_mode(executable)
    spill = f"SET temp_directory = {sql_string(str(spill_folder()))}"
    # -init: not ~/.duckdbrc, which would run before safe mode is on (and could open,
    # attach or write anything); --unsafe runs it as the plain shell does.
    return [
        executable,
        "-init",
        os.devnull,
        "-readonly",
        "-cmd",
        spill,
        "-cmd",
        SAFE_MODE,
        path,
    ]


SAFE_MODE = ".safe_mode"


def _require_safe_mode(executable: str) -> None:
    """Make sure this DuckDB shell has a safe mode that blocks file access.

    A shell too old to know ``.safe_mode`` might report the unknown command and go on
    unsafe; this asks it to read a file in safe mode and expects a refusal.
    """
    probe = [
        executable,
        "-init",
        os.devnull,
        ":memory:",
        "-cmd",
        SAFE_MODE,
        "-c",
        "SELECT 1 FROM read_text('/dev/null')",
    ]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TikdbError(f"{executable}: the DuckDB shell does not run ({exc}).") from exc
    if done.returncode == 0 or "disabled by configuration" not in done.stderr:
        raise TikdbError(
            f"{executable}: this DuckDB shell has no safe mode that blocks file access. "
            "Install duckdb-cli 1.5 or newer (uv sync), or pass --unsafe to open the "
            "warehouse read-only without it."
        )


def require_current_warehouse(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Refuse a warehouse built by an earlier tikdb: one that lacks a table or analytics
    view this version publishes, which its check rules and report sections read."""
    expected = [*PUBLISHED_TABLES, *sorted(p.stem for p in (sql_dir() / "views").glob("*.sql"))]
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    missing = [name for name in expected if name not in present]
    if missing:
        raise InputError(
            f"{db}: built by an earlier tikdb, it has no {', '.join(missing)}. Rebuild it "
            "with `tikdb build`, then try again."
        )


def check_published(
    db: Path, select: str | None = None, settings: CheckSettings | None = None
) -> CheckReport:
    """Run the check rules against a published warehouse, opened read-only.

    The checksum rule gets the sha256 of the published files, computed here, and the
    ones their build recorded.
    """
    rules = load_rules(select)
    con = connect_read_only(db)
    try:
        require_current_warehouse(con, db)
        digests = file_digests(db) if any(r.name == CHECKSUM_RULE for r in rules) else None
        return run_rules(con, rules, settings, digests=digests or NOTHING_PUBLISHED)
    finally:
        con.close()
