"""The SQL reads only its own or lower layers: raw < parse < staging < main < views; the
outputs' SQL (export sheets, report sections, their shared macros) reads only main.

staging is built before main and dropped before publishing, so a staging model reading
main would run before what it reads (or race it); a view or check reading raw or
staging would break on a published warehouse, where those schemas no longer exist.
parse runs once per snapshot, on that file's raw tables alone, and its result is
cached: it may read nothing the build makes.
"""

from __future__ import annotations

import json

import duckdb

from tikdb.engine.models import references
from tikdb.engine.sqlfiles import sql_dir

# sql/<folder>/ -> the schemas its files may read.
MAY_READ = {
    "parse": {"raw", "parse"},
    "staging": {"raw", "staging"},
    "main": {"raw", "staging", "main"},
    "views": {"main"},  # the views live in main too
    "checks": {"main"},
    # The readers' SQL runs on a published warehouse, where only main exists.
    "outputs": {"main"},
    "export": {"main"},
    "report": {"main"},
}


def sql_files(folder: str) -> list:
    files = sorted((sql_dir() / folder).glob("*.sql"))
    assert files, f"sql/{folder}/ holds no .sql file"
    return files


def test_sql_reads_only_its_own_or_lower_layers():
    wrong = [
        f"sql/{folder}/{path.name} reads {name}"
        for folder, allowed in MAY_READ.items()
        for path in sql_files(folder)
        for name in sorted(references(path.read_text(encoding="utf-8")))
        if name.split(".", 1)[0] not in allowed
    ]
    assert not wrong, "SQL reads a higher layer:\n" + "\n".join(wrong)


def test_every_table_the_sql_reads_names_its_schema():
    """A table read without its schema would hide from the check above (and from the
    model order, which comes from the same references). DuckDB's own parser lists the
    tables each SELECT reads; only its CTEs may go unqualified."""
    con = duckdb.connect()
    unqualified = []
    for folder in MAY_READ:
        for path in sql_files(folder):
            if path.name.startswith("_"):  # macro definitions, not a SELECT
                continue
            tree = json.loads(
                con.execute(
                    "SELECT json_serialize_sql(?)", [path.read_text(encoding="utf-8")]
                ).fetchone()[0]
            )
            assert not tree["error"], (path, tree)
            tables, ctes = _tables_and_ctes(tree)
            unqualified += [
                f"sql/{folder}/{path.name} reads {table}"
                for schema, table in sorted(tables)
                if not schema and table not in ctes
            ]
    assert not unqualified, "name the schema of:\n" + "\n".join(unqualified)


def _tables_and_ctes(node, tables=None, ctes=None):
    tables = set() if tables is None else tables
    ctes = set() if ctes is None else ctes
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            tables.add((node["schema_name"], node["table_name"]))
        if isinstance(node.get("cte_map"), dict):
            ctes.update(entry["key"] for entry in node["cte_map"]["map"])
        children = node.values()
    else:
        children = node if isinstance(node, list) else []
    for child in children:
        _tables_and_ctes(child, tables, ctes)
    return tables, ctes
