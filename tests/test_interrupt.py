"""Ctrl-C says truthfully what it left behind: nothing published, or the new build live."""

from __future__ import annotations

import pytest
from conftest import make_row, write_csv
from test_versions import build_posts, published_posts
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.pipeline import publish

runner = CliRunner()


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.fixture
def published(tmp_path):
    """(out, csv of 5 posts, run id of the published 3-post build)."""
    out = tmp_path / "wh"
    first = build_posts(tmp_path, out, 3).run_id
    csv_path = write_csv(tmp_path / "five.csv", [make_row(n) for n in range(1, 6)])
    return out, csv_path, first


def build_args(out, csv_path):
    return ["build", "--csv", str(csv_path), "--out", str(out), "--threads", "2"]


def test_ctrl_c_before_the_swap_says_nothing_was_published(published, monkeypatch):
    out, csv_path, first = published
    monkeypatch.setattr("tikdb.pipeline.publish.publish", interrupt)
    result = runner.invoke(app, build_args(out, csv_path))
    assert result.exit_code == 1
    assert result.stderr == "Error: interrupted; nothing was published.\n"
    assert publish.current_run(out) == first
    assert published_posts(out) == (3, 3)


def test_ctrl_c_after_the_swap_says_the_new_build_is_published(published, monkeypatch):
    out, csv_path, first = published
    # Pruning the kept builds runs after the swap.
    monkeypatch.setattr("tikdb.pipeline.versions.prune", interrupt)
    result = runner.invoke(app, build_args(out, csv_path))
    new = publish.current_run(out)
    assert new != first
    assert published_posts(out) == (5, 5)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: interrupted after build {new} was published; it stays published.\n"
    )


def test_ctrl_c_in_another_command_claims_nothing_about_publishing(published, monkeypatch):
    out, _, _ = published
    monkeypatch.setattr("tikdb.outputs.warehouse.run_query", interrupt)
    result = runner.invoke(app, ["sql", "SELECT 1", "--db", str(out / "tikdb.duckdb")])
    assert result.exit_code == 1
    assert result.stderr == "Error: interrupted.\n"
