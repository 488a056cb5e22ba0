"""`tikdb sql --format json`: integers a JavaScript reader would round are strings."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import make_row, query, run_build, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.render import json_value

runner = CliRunner()


def as_javascript(text: str):
    """Parse JSON as JavaScript does: every number is an IEEE double."""
    return json.loads(text, parse_int=float)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("json")
    return run_build(tmp, write_csv(tmp / "master.csv", [make_row(1), make_row(2)])).db_path


def test_post_ids_survive_a_javascript_json_reader(db):
    ids = [str(r[0]) for r in query(db, "SELECT CAST(post_id AS VARCHAR) FROM posts ORDER BY 1")]
    # The ids really are beyond what a double holds exactly.
    assert all(float(int(i)) != int(i) for i in ids), ids
    result = runner.invoke(
        app,
        [
            "sql",
            "SELECT post_id, [post_id] AS ids, views FROM posts ORDER BY post_id",
            "--db",
            str(db),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = as_javascript(result.stdout)
    assert [r["post_id"] for r in rows] == ids
    assert [r["ids"] for r in rows] == [[i] for i in ids]
    views = [r[0] for r in query(db, "SELECT views FROM posts ORDER BY post_id")]
    assert [r["views"] for r in rows] == views  # small integers stay numbers
    assert all(isinstance(r["views"], float) for r in rows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2**53 - 1, 2**53 - 1),
        (-(2**53 - 1), -(2**53 - 1)),
        (2**53, "9007199254740992"),
        (-(2**53), "-9007199254740992"),
        (7502407048114605354, "7502407048114605354"),
        (2**100, str(2**100)),  # HUGEINT
        (Decimal("7502407048114605354"), "7502407048114605354"),
        (Decimal("12"), 12),
        (Decimal("1.5"), 1.5),
        (True, True),
        ([1, 2**60], [1, str(2**60)]),
        ({"k": 2**60}, {"k": str(2**60)}),
    ],
)
def test_json_value_keeps_safe_integers_as_numbers(value, expected):
    got = json_value(value)
    assert got == expected and type(got) is type(expected)
