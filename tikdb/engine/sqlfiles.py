"""Where tikdb's SQL lives, and the one way to put a path into SQL text."""

from __future__ import annotations

from pathlib import Path


def sql_dir() -> Path:
    """The folder of .sql files: inside the installed package, or beside it in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "sql", package.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("tikdb's sql/ folder is missing from the installation")


def read_sql(*parts: str) -> str:
    """The text of ``sql/<parts...>``, e.g. ``read_sql("schema", "import_log.sql")``."""
    return sql_dir().joinpath(*parts).read_text(encoding="utf-8")


def sql_string(value: str) -> str:
    """A SQL string literal for value. Only for paths and names tikdb controls or was
    given on the command line (COPY and ATTACH take no parameters); data never goes
    through here, it is passed as parameters or Arrow tables."""
    if "\x00" in value:
        raise ValueError("a SQL string cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"
