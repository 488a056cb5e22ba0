"""SQL assertions over the warehouse.

Each rule is ``sql/checks/<table>__<rule>.sql``: a SELECT returning the offending rows
(zero rows = pass), with a header comment giving its severity and a description::

    -- severity: error
    -- description: post_id is unique and not null

``error`` rules block publishing; ``warn`` rules are reported. Thresholds are DuckDB
variables (``getvariable('tikdb_max_reject_rate')``) set from ``CheckSettings``.

A file whose name starts with ``_`` is not a rule. ``sql/checks/_macros.sql`` holds what
the rules share (e.g. ``latest_import()``) as TEMP macros, created on the connection
before the rules run: the rules also run on published warehouses opened read-only, some
written by an older tikdb, so nothing they need may have to be stored in the file.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tikdb.engine.checksums import NOTHING_PUBLISHED, FileDigests, load_digests
from tikdb.engine.profiling import profiled
from tikdb.engine.sqlfiles import read_sql, sql_dir
from tikdb.engine.steps import UNTIMED, Steps
from tikdb.errors import InputError, TikdbError, one_line

SEVERITIES = ("error", "warn")
SAMPLE_ROWS = 5
_HEADER = re.compile(r"^--\s*(severity|description):\s*(.+?)\s*$", re.MULTILINE)
NOT_A_RULE = "_"  # file-name prefix of the helper files in sql/checks/
MACROS = "_macros.sql"


@dataclass(frozen=True)
class CheckSettings:
    max_reject_rate: float = 0.02
    max_unparsed_image_share: float = 0.01


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    severity: str
    description: str
    sql: str
    path: Path


@dataclass
class RuleResult:
    name: str
    table: str
    severity: str
    description: str
    passed: bool
    offending_rows: int
    columns: list[str] = field(default_factory=list)
    sample: list[list] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class CheckReport:
    results: list[RuleResult]

    @property
    def failed_errors(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed and r.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.failed_errors


class ChecksFailedError(TikdbError):
    """Blocking rules failed on a staged build; nothing was published."""

    exit_code = 1

    def __init__(self, report: CheckReport) -> None:
        names = ", ".join(r.name for r in report.failed_errors)
        super().__init__(f"blocking checks failed ({names}); nothing was published.")
        self.report = report


def load_rules(select: str | None = None, root: Path | None = None) -> list[Rule]:
    """The rules under sql/checks/, optionally only those whose name matches a glob."""
    folder = (root or sql_dir()) / "checks"
    rules = []
    for path in sorted(folder.glob("*.sql")):
        if path.name.startswith(NOT_A_RULE):
            continue
        if select and not fnmatch.fnmatchcase(path.stem, select):
            continue
        rules.append(_parse_rule(path))
    if select and not rules:
        raise InputError(f'no check matches --select "{select}". Run tikdb check to list them.')
    return rules


def _parse_rule(path: Path) -> Rule:
    sql = path.read_text(encoding="utf-8")
    header = dict(_HEADER.findall(sql))
    table, sep, _rule = path.stem.partition("__")
    severity = header.get("severity", "")
    if not sep or severity not in SEVERITIES or "description" not in header:
        raise TikdbError(
            f"{path}: a check is named <table>__<rule>.sql and starts with "
            "'-- severity: error|warn' and '-- description: ...'."
        )
    return Rule(path.stem, table, severity, header["description"], sql, path)


def run_rules(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    settings: CheckSettings | None = None,
    steps: Steps = UNTIMED,
    profile_dir: Path | None = None,
    digests: FileDigests = NOTHING_PUBLISHED,
) -> CheckReport:
    """Create the rules' macros (``sql/checks/_macros.sql``), then run each rule; count
    its offending rows and keep the first few.

    Each rule is the step ``check <rule>`` of ``steps``; with
    ``profile_dir`` its DuckDB profile goes to ``<profile_dir>/check_<rule>.json``.
    ``digests`` are the recorded and actual sha256 of the published files (none during
    a build, whose files are not written yet).
    """
    settings = settings or CheckSettings()
    load_digests(con, digests)
    con.execute("SET VARIABLE tikdb_max_reject_rate = ?", [settings.max_reject_rate])
    con.execute(
        "SET VARIABLE tikdb_max_unparsed_image_share = ?", [settings.max_unparsed_image_share]
    )
    try:
        con.execute(read_sql("checks", MACROS))
    except duckdb.Error as exc:
        raise TikdbError(
            f"{sql_dir() / 'checks' / MACROS}: the check macros do not run: {one_line(exc)}"
        ) from exc
    results = []
    for rule in rules:
        body = rule.sql.strip().rstrip(";")
        step = f"check {rule.name}"
        try:
            with steps(step), profiled(con, profile_dir, step):
                cursor = con.execute(
                    f"SELECT *, count(*) OVER () AS __offending FROM (\n{body}\n) "
                    f"LIMIT {SAMPLE_ROWS}"
                )
                rows = cursor.fetchall()
            columns = [d[0] for d in cursor.description]
        except duckdb.Error as exc:
            raise TikdbError(f"{rule.path}: the check does not run: {one_line(exc)}") from exc
        count = rows[0][-1] if rows else 0
        results.append(
            RuleResult(
                name=rule.name,
                table=rule.table,
                severity=rule.severity,
                description=rule.description,
                passed=count == 0,
                offending_rows=count,
                columns=columns[:-1],
                sample=[[_plain(v) for v in row[:-1]] for row in rows],
            )
        )
    return CheckReport(results)


def store_results(con: duckdb.DuckDBPyConnection, run_id: str, report: CheckReport) -> None:
    """Append this build's results to main.check_results (created if missing)."""
    import json

    con.execute(read_sql("schema", "check_results.sql"))
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (
            run_id,
            checked_at,
            r.name,
            r.table,
            r.severity,
            r.description,
            r.passed,
            r.offending_rows,
            json.dumps({"columns": r.columns, "rows": r.sample}, default=str, ensure_ascii=False),
        )
        for r in report.results
    ]
    con.executemany("INSERT INTO main.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _plain(value: object) -> object:
    """A JSON-friendly version of a DuckDB value for reports."""
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
