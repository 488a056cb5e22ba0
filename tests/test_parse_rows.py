"""The parsed rows of one snapshot (rows.parquet): each record with its own slide list."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import pytest
from conftest import make_row, slide_url, write_csv

from tikdb.engine.connection import connect_for_parse
from tikdb.engine.models import PARSE_FOLDER, execution_order, load_models, run_models
from tikdb.engine.sqlfiles import sql_string
from tikdb.engine.tables import create_from_arrow
from tikdb.pipeline.parse import PARSE_INPUTS, ROWS_FILE, parse_snapshot, reject_text_model
from tikdb.sources.csv import open_csv, write_records

OBSERVED = datetime(2025, 10, 5, 6, 0)


@pytest.fixture
def csv_rows() -> list[dict[str, str]]:
    """Six records: record 2 breaks a rule, record 4 repeats record 1's video id (so the
    earlier line is a duplicate), and every slide list differs."""
    rows = [make_row(n) for n in range(1, 6)]
    rows[2] = make_row(3, views="lots")
    rows.append(make_row(2, slides="|".join(slide_url(900 + i) for i in range(3))))
    return rows


def test_every_record_keeps_its_own_slide_list_in_file_order(tmp_path, csv_rows):
    csv_path = write_csv(tmp_path / "master.csv", csv_rows)
    parse_snapshot(csv_path, OBSERVED, tmp_path / "parsed", tmp_path / "work", threads=2)
    got = duckdb.sql(
        "SELECT record_no, line, slides, reject_reason FROM read_parquet(?)",
        params=[str(tmp_path / "parsed" / ROWS_FILE)],
    ).fetchall()
    # Record n (from 0) is on line n + 2; the header is line 1.
    expected = [
        (0, 2, csv_rows[0]["slides"], None),
        (1, 3, None, "duplicate_post"),  # the same video id again on line 7
        (2, 4, None, "bad_metric"),
        (3, 5, csv_rows[3]["slides"], None),
        (4, 6, csv_rows[4]["slides"], None),
        (5, 7, csv_rows[5]["slides"], None),
    ]
    assert got == expected


def test_slide_lists_out_of_step_with_the_records_stop_the_parse(tmp_path, csv_rows):
    csv_path = write_csv(tmp_path / "master.csv", csv_rows)
    csv = open_csv(csv_path, tmp_path, 1)
    records = write_records(csv, tmp_path / "records.parquet")
    con = connect_for_parse(tmp_path / "spill", "1GB", 1)
    create_from_arrow(
        con, "raw.parse_input", pa.table({"observed_at": pa.array([OBSERVED], pa.timestamp("us"))})
    )
    source = f"read_parquet({sql_string(str(records))})"
    con.execute(f"CREATE VIEW raw.csv_records AS SELECT * FROM {source}")
    models = load_models(folders=(PARSE_FOLDER,))
    run_models(con, execution_order([*models, reject_text_model(csv)], PARSE_INPUTS))
    assert len(con.execute("SELECT slides FROM parse.snapshot_rows").fetchall()) == 6
    # The records in reverse: record 0 would get the slide list of record 5.
    con.execute(
        f"CREATE OR REPLACE VIEW raw.csv_records AS SELECT * FROM {source} ORDER BY record_no DESC"
    )
    with pytest.raises(duckdb.Error, match="are out of step at record_no "):
        con.execute("SELECT slides FROM parse.snapshot_rows").fetchall()
