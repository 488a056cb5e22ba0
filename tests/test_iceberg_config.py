"""The `[export.iceberg]` table of tikdb.toml: read from the parsed TOML, validated with
exact messages, and run as the same export as the command."""

from __future__ import annotations

import tomllib

import pytest
from conftest import make_row, run_build, write_csv
from pyiceberg.catalog.sql import SqlCatalog

from tikdb.errors import InputError
from tikdb.outputs.export.iceberg import export_from_config


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("config")
    return run_build(tmp, write_csv(tmp / "m.csv", [make_row(1), make_row(2)])).db_path


def test_no_iceberg_table_means_no_export(db):
    assert export_from_config({}, db) is None
    assert export_from_config(tomllib.loads("[build]\nthreads = 2\n"), db) is None
    assert export_from_config(tomllib.loads("[export.sheets]\nx = 1\n"), db) is None


def test_the_table_runs_the_export(db, tmp_path):
    catalog = f"sqlite:///{tmp_path / 'c.db'}"
    config = tomllib.loads(
        f"""
        [export.iceberg]
        catalog = "{catalog}"
        location = "{tmp_path / "lake"}"
        namespace = "agency"
        [export.iceberg.properties]
        "write.parquet.compression-codec" = "zstd"
        """
    )
    report = export_from_config(config, db)
    assert report is not None and report.namespace == "agency"
    table = SqlCatalog("tikdb", uri=catalog).load_table(("agency", "posts"))
    assert table.scan().to_arrow().num_rows == 2
    assert table.current_snapshot().summary.additional_properties["tikdb.run-id"] == report.run_id


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[export.iceberg]\nlocation = "lake"\n',
            'tikdb.toml [export.iceberg]: "catalog" missing. Add e.g. '
            'catalog = "sqlite:///lake/catalog.db" and location = "lake".',
        ),
        (
            '[export.iceberg]\ncatalog = "sqlite:///c.db"\nlocation = "lake"\nnamespce = "x"\n',
            "tikdb.toml [export.iceberg]: unknown key(s) namespce. "
            "Known: catalog, location, namespace, properties.",
        ),
        (
            '[export.iceberg]\ncatalog = "sqlite:///c.db"\nlocation = 3\n',
            'tikdb.toml [export.iceberg]: "location" must be a string.',
        ),
        (
            '[export.iceberg]\ncatalog = "sqlite:///c.db"\nlocation = "l"\nproperties = {a = 1}\n',
            'tikdb.toml [export.iceberg]: "properties" must be a table of strings.',
        ),
        ('export = "iceberg"\n', "tikdb.toml: export must be a table, e.g. [export.iceberg]."),
    ],
)
def test_a_bad_table_is_an_input_error_naming_it(db, toml, message):
    with pytest.raises(InputError) as bad:
        export_from_config(tomllib.loads(toml), db)
    assert str(bad.value) == message


def test_tikdb_build_runs_the_export_tikdb_toml_asks_for(tmp_path, monkeypatch):
    """`tikdb build` in a folder whose tikdb.toml has [export.iceberg] exports the new
    build; the same file still serves `tikdb pull`."""
    from typer.testing import CliRunner

    from tikdb.cli import app
    from tikdb.config import load_config

    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "m.csv", [make_row(n) for n in range(1, 4)])
    (tmp_path / "tikdb.toml").write_text(
        '[[pull]]\nfile = "m.csv"\n\n'
        '[export.iceberg]\ncatalog = "sqlite:///catalog.db"\nlocation = "lake"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["build", "--csv", "m.csv", "--out", "wh"])
    assert result.exit_code == 0, result.output
    table = SqlCatalog("tikdb", uri=f"sqlite:///{tmp_path / 'catalog.db'}").load_table(
        ("tikdb", "posts")
    )
    assert table.scan().to_arrow().num_rows == 3
    assert "exported build " in result.stdout
    assert [entry.file for entry in load_config(tmp_path / "tikdb.toml").pulls] == [
        tmp_path / "m.csv"
    ]


def test_a_build_without_tikdb_toml_exports_nothing(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tikdb.cli import app

    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "m.csv", [make_row(1)])
    result = CliRunner().invoke(app, ["build", "--csv", "m.csv", "--out", "wh"])
    assert result.exit_code == 0, result.output
    assert "exported" not in result.stdout and not (tmp_path / "lake").exists()
