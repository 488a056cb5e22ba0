"""`tikdb export --format xlsx|csv|parquet`: the files read back with openpyxl, the csv
module and pyarrow, and held to SQL run independently on the same warehouse."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import make_row, query, run_build, write_csv
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.export.reporting import FileFormat, export_files
from tikdb.outputs.export.tables import Window

runner = CliRunner()
SHEETS = ["Summary", "Posts", "Top posts", "Accounts", "Daily"]
FILES = ["summary", "posts", "top_posts", "accounts", "daily"]
# created = 2025-10-01 08:00 + 17 n minutes: n = 85..169 is 2025-10-02, 2600 is 2025-11-01.
DAY2, NOVEMBER = 85, 2600
HOSTILE_VA = "../Evil/=cmd| 'x'"
LONG = "#" + "a" * 40_000


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("export")
    rows = [make_row(n) for n in (1, 2, 3, DAY2, DAY2 + 1, DAY2 + 2, NOVEMBER, NOVEMBER + 1)]
    rows[0]["hashtags"] = "=1+1"
    rows[1]["hashtags"] = "+cmd|' /C calc'!A0"
    rows[2]["hashtags"] = "-tip"
    rows[3]["hashtags"] = "@me"
    rows[4]["hashtags"] = LONG
    rows += [make_row(n, va=HOSTILE_VA, account_handle="evilacct") for n in (4, NOVEMBER + 2)]
    rows += [make_row(n, va="", account_handle="novaacct") for n in (5, DAY2 + 3)]
    rows.append(make_row(6, views=""))  # unknown views: never in Top posts
    return run_build(tmp, write_csv(tmp / "master.csv", rows)).db_path


def count(db: Path, sql: str, params: list | None = None) -> int:
    return query(db, f"SELECT count(*) FROM ({sql})", params)[0][0]


# The posts of the window, written independently of sql/export/: BETWEEN on the UTC day.
WINDOW = "CAST(p.created_at AS DATE) BETWEEN ? AND ?"
POSTS_SQL = f"SELECT p.* FROM posts AS p WHERE {WINDOW}"
EVER = [date(2000, 1, 1), date(2100, 1, 1)]


def expected_counts(db: Path, since: date, until: date) -> dict[str, int]:
    window = [since, until]
    return {
        "Summary": count(db, "SELECT va_id FROM vas")
        + (
            count(
                db,
                f"{POSTS_SQL} AND p.account IN (SELECT account FROM accounts WHERE va_id IS NULL)",
                window,
            )
            > 0
        ),
        "Posts": count(db, POSTS_SQL, window),
        "Top posts": min(100, count(db, f"{POSTS_SQL} AND p.views IS NOT NULL", window)),
        "Accounts": count(db, f"SELECT DISTINCT p.account FROM posts AS p WHERE {WINDOW}", window),
        "Daily": count(
            db,
            f"SELECT DISTINCT p.account, CAST(p.created_at AS DATE) FROM posts AS p WHERE {WINDOW}",
            window,
        ),
    }


def sheet_rows(ws) -> list[tuple]:
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)]


def header(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def column(ws, name: str) -> list:
    i = header(ws).index(name)
    return [row[i] for row in ws.iter_rows(min_row=2)]


@pytest.fixture(scope="module")
def workbook(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx")
    report = export_files(db, FileFormat.xlsx, out)
    return report, openpyxl.load_workbook(out / "tikdb.xlsx")


def test_xlsx_has_the_sheets_with_the_row_counts_of_sql(db, workbook):
    report, book = workbook
    assert book.sheetnames == SHEETS
    assert [f.path.name for f in report.files] == ["tikdb.xlsx"]
    got = {ws.title: ws.max_row - 1 for ws in book.worksheets}
    assert got == expected_counts(db, *EVER)
    assert dict(report.files[0].rows) == got


def test_xlsx_post_ids_are_text_with_every_digit(db, workbook):
    _, book = workbook
    ids = sorted(str(r[0]) for r in query(db, "SELECT post_id FROM posts"))
    assert all(len(i) == 19 for i in ids)
    for title in ("Posts", "Top posts"):
        cells = column(book[title], "post_id")
        assert all(c.data_type == "s" for c in cells), title
    assert sorted(c.value for c in column(book["Posts"], "post_id")) == ids


def test_xlsx_dates_are_dates_and_numbers_are_numbers(db, workbook):
    _, book = workbook
    posts = book["Posts"]
    expected = dict(query(db, "SELECT CAST(post_id AS VARCHAR), created_at FROM posts"))
    for pid, at, day, views in zip(
        column(posts, "post_id"),
        column(posts, "created_at"),
        column(posts, "created_day"),
        column(posts, "views"),
        strict=True,
    ):
        assert at.is_date and at.value == expected[pid.value]
        assert at.number_format == "yyyy-mm-dd hh:mm:ss"
        assert day.is_date and day.value == datetime.combine(
            expected[pid.value].date(), datetime.min.time()
        )
        assert day.number_format == "yyyy-mm-dd"
        assert views.value is None or (views.data_type == "n" and views.number_format == "#,##0")
    daily = column(book["Daily"], "day")
    assert all(c.is_date for c in daily)


def test_xlsx_header_is_frozen_and_columns_sized(workbook):
    _, book = workbook
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in next(ws.iter_rows(max_row=1))), ws.title
        widths = [
            ws.column_dimensions[c.column_letter].width for c in next(ws.iter_rows(max_row=1))
        ]
        assert all(w >= 8 for w in widths), (ws.title, widths)
    posts = book["Posts"]
    url = header(posts).index("post_url")
    assert posts.column_dimensions[chr(ord("A") + url)].width > 40  # sized to the URLs


def test_xlsx_text_that_looks_like_a_formula_stays_text(workbook):
    _, book = workbook
    tags = {c.value for c in column(book["Posts"], "hashtags") if c.value}
    assert {"=1+1", "+cmd|' /C calc'!A0", "-tip", "@me"} <= tags
    assert all(c.data_type == "s" for c in column(book["Posts"], "hashtags") if c.value)
    vas = [c for c in column(book["Summary"], "display_name") if c.value == HOSTILE_VA]
    assert len(vas) == 1 and vas[0].data_type == "s"


def test_xlsx_cuts_a_text_longer_than_a_cell_and_says_so(workbook):
    report, book = workbook
    cut = [
        c.value for c in column(book["Posts"], "hashtags") if c.value and c.value.startswith("#aaa")
    ]
    assert len(cut) == 1
    assert len(cut[0]) == 32_767
    assert cut[0].endswith(" …[cut: 40,001 characters in all, see the Parquet export]")
    assert LONG.startswith(cut[0][: cut[0].index(" …[cut")])
    assert report.cut_cells == 1


def test_xlsx_summary_without_a_window_is_va_performance(db, workbook):
    _, book = workbook
    summary = book["Summary"]
    expected = query(db, "FROM va_performance")
    columns = [r[0] for r in query(db, "SELECT column_name FROM (DESCRIBE va_performance)")]
    assert header(summary) == columns
    got = sheet_rows(summary)
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        for name, g, w in zip(columns, row, want, strict=True):
            if isinstance(w, float):
                assert g == pytest.approx(w, rel=1e-12), name
            else:
                assert g == w, name


@pytest.mark.parametrize(
    ("since", "until"),
    [(date(2025, 10, 2), date(2025, 10, 2)), (date(2025, 10, 2), None), (None, date(2025, 10, 1))],
)
def test_the_window_is_utc_days_inclusive_on_created_at_in_every_sheet(db, tmp_path, since, until):
    report = export_files(db, FileFormat.xlsx, tmp_path, window=Window(since, until))
    book = openpyxl.load_workbook(tmp_path / "tikdb.xlsx")
    expected = expected_counts(db, since or EVER[0], until or EVER[1])
    assert {ws.title: ws.max_row - 1 for ws in book.worksheets} == expected
    assert dict(report.files[0].rows) == expected
    # The boundary days are in: every post created on `since` and on `until`.
    days = {c.value.date() for c in column(book["Posts"], "created_day")}
    for bound in (since, until):
        if bound:
            assert bound in days
    assert all((since or EVER[0]) <= d <= (until or EVER[1]) for d in days)
    assert all(
        (since or EVER[0]) <= c.value.date() <= (until or EVER[1])
        for c in column(book["Daily"], "day")
    )
    # Every sheet counts the same posts.
    posts = expected["Posts"]
    assert sum(c.value for c in column(book["Summary"], "posts")) == posts
    assert sum(c.value for c in column(book["Accounts"], "posts")) == posts
    assert sum(c.value for c in column(book["Daily"], "posts")) == posts


def test_until_before_since_is_a_usage_error(db, tmp_path):
    result = runner.invoke(
        app,
        [
            "export",
            "--format",
            "csv",
            "--out",
            str(tmp_path),
            "--db",
            str(db),
            "--since",
            "2025-10-02",
            "--until",
            "2025-10-01",
        ],
    )
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: --since 2025-10-02 is after --until 2025-10-01; pass a first day on or before the last.\n"
    )


def test_per_va_writes_one_safely_named_workbook_per_va(db, tmp_path):
    report = export_files(db, FileFormat.xlsx, tmp_path, per_va=True)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f.path.name for f in report.files)
    assert names == [
        "no-va.xlsx",
        "va-Carla.xlsx",
        "va-Evil_cmd_x.xlsx",
        "va-Kent.xlsx",
        "va-swtzl.xlsx",
    ]
    assert all(re.fullmatch(r"[\w-]+\.xlsx", n) for n in names)
    # Every post is in exactly one VA's workbook, under its account's VA.
    seen = []
    for name in names:
        book = openpyxl.load_workbook(tmp_path / name)
        assert book.sheetnames == SHEETS
        ids = [c.value for c in column(book["Posts"], "post_id")]
        vas = {c.value for c in column(book["Posts"], "va_id")}
        assert vas == (
            {None} if name == "no-va.xlsx" else {column(book["Summary"], "va_id")[0].value}
        )
        assert len(column(book["Summary"], "va_id")) == 1
        seen += ids
    assert sorted(seen) == sorted(str(r[0]) for r in query(db, "SELECT post_id FROM posts"))


def test_a_va_without_posts_in_the_window_still_gets_its_workbook(db, tmp_path):
    export_files(db, FileFormat.xlsx, tmp_path, per_va=True, window=Window(date(2025, 11, 1), None))
    book = openpyxl.load_workbook(tmp_path / "va-Kent.xlsx")
    kent_in_november = count(
        db,
        f"{POSTS_SQL} AND p.account IN (SELECT account FROM accounts WHERE va_id = 'kent')",
        [date(2025, 11, 1), EVER[1]],
    )
    assert [c.value for c in column(book["Summary"], "posts")] == [kent_in_november]
    assert book["Posts"].max_row - 1 == kent_in_november
    assert not (tmp_path / "no-va.xlsx").exists()  # no unassigned posts in November


def test_a_sheet_over_the_row_limit_continues_on_numbered_sheets(db, tmp_path):
    whole = export_files(db, FileFormat.xlsx, tmp_path / "whole")
    split = export_files(db, FileFormat.xlsx, tmp_path / "split", max_sheet_rows=4)
    book = openpyxl.load_workbook(tmp_path / "split" / "tikdb.xlsx")
    posts = count(db, "FROM posts")
    expected = []
    for title, rows in expected_counts(db, *EVER).items():
        parts = max(1, -(-rows // 3))  # 3 data rows under each header
        expected += [title] + [f"{title} ({i})" for i in range(2, parts + 1)]
    assert book.sheetnames == expected
    assert "Posts (5)" in expected  # the test data really spans several sheets
    assert all(ws.max_row <= 4 for ws in book.worksheets)
    assert all(
        header(ws) == header(book["Posts"])
        for ws in book.worksheets
        if ws.title.startswith("Posts")
    )
    rows = [r for ws in book.worksheets if ws.title.startswith("Posts") for r in sheet_rows(ws)]
    whole_book = openpyxl.load_workbook(tmp_path / "whole" / "tikdb.xlsx")
    assert rows == sheet_rows(whole_book["Posts"])  # same rows, same order, none lost
    assert sum(n for title, n in split.files[0].rows if title.startswith("Posts")) == posts
    assert dict(whole.files[0].rows)["Posts"] == posts


def read_csv(path: Path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    return raw[:3], list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def test_csv_files_have_a_bom_and_the_row_counts_of_sql(db, tmp_path):
    report = export_files(db, FileFormat.csv, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{f}.csv" for f in FILES)
    expected = expected_counts(db, *EVER)
    for name, title in zip(FILES, SHEETS, strict=True):
        bom, rows = read_csv(tmp_path / f"{name}.csv")
        assert bom == b"\xef\xbb\xbf", name
        assert len(rows) - 1 == expected[title], name
    assert [rows for f in report.files for _, rows in f.rows] == [expected[t] for t in SHEETS]
    _, posts = read_csv(tmp_path / "posts.csv")
    assert (tmp_path / "posts.csv").read_bytes().count(b"\r\n") >= len(posts)
    ids = sorted(r[0] for r in posts[1:])
    assert ids == sorted(str(r[0]) for r in query(db, "SELECT post_id FROM posts"))


def test_csv_text_that_excel_would_run_gets_an_apostrophe(db, tmp_path):
    export_files(db, FileFormat.csv, tmp_path)
    _, posts = read_csv(tmp_path / "posts.csv")
    tags = [r[posts[0].index("hashtags")] for r in posts[1:]]
    assert {"'=1+1", "'+cmd|' /C calc'!A0", "'-tip", "'@me", LONG} <= set(tags)
    assert "fyp, viral, love" in tags  # ordinary text is untouched
    _, summary = read_csv(tmp_path / "summary.csv")
    assert HOSTILE_VA in [r[1] for r in summary]  # does not start a formula: as it is
    # numbers (negative ones too) are never prefixed: they are not text
    assert all(
        re.fullmatch(r"-?[0-9]+", r[posts[0].index("views")])
        for r in posts[1:]
        if r[posts[0].index("views")]
    )


def test_parquet_keeps_the_warehouse_types_and_exact_text(db, tmp_path):
    export_files(db, FileFormat.parquet, tmp_path)
    posts = pq.read_table(tmp_path / "posts.parquet")
    schema = posts.schema
    assert schema.field("post_id").type == pa.int64()
    assert schema.field("created_at").type == pa.timestamp("us")
    assert schema.field("created_day").type == pa.date32()
    assert schema.field("views").type == pa.int64()
    assert (
        pq.ParquetFile(tmp_path / "posts.parquet").metadata.row_group(0).column(0).compression
        == "ZSTD"
    )
    expected = query(
        db, "SELECT post_id, created_at, views, hashtags FROM posts ORDER BY created_at, post_id"
    )
    got = [
        tuple(r.values())
        for r in posts.select(["post_id", "created_at", "views", "hashtags"]).to_pylist()
    ]
    assert got == expected  # includes "=1+1" and the 40,001-character text, unchanged
    counts = expected_counts(db, *EVER)
    for name, title in zip(FILES, SHEETS, strict=True):
        assert pq.ParquetFile(tmp_path / f"{name}.parquet").metadata.num_rows == counts[title]


def test_per_va_csv_goes_in_one_folder_per_va(db, tmp_path):
    export_files(db, FileFormat.csv, tmp_path, per_va=True)
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["no-va", "va-Carla", "va-Evil_cmd_x", "va-Kent", "va-swtzl"]
    total = sum(len(read_csv(tmp_path / f / "posts.csv")[1]) - 1 for f in folders)
    assert total == count(db, "FROM posts")


def test_cli_writes_the_files_and_prints_them(db, tmp_path):
    result = runner.invoke(
        app, ["export", "--format", "xlsx", "--out", str(tmp_path), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    counts = expected_counts(db, *EVER)
    assert result.stdout == (
        f"wrote {tmp_path / 'tikdb.xlsx'} (Summary {counts['Summary']}, Posts {counts['Posts']}, "
        f"Top posts {counts['Top posts']}, Accounts {counts['Accounts']}, Daily {counts['Daily']} rows)\n"
    )
    assert result.stderr == (
        "Warning: 1 text cells were longer than the 32,767 characters an Excel cell holds and "
        "were cut (marked …[cut: …]); --format parquet keeps them whole.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "--format xlsx needs --out DIR, the folder to write into."),
        (
            ["--format", "csv", "--out", "x", "--catalog", "sqlite:///c.db"],
            "--catalog, --location and --property are for --format iceberg.",
        ),
        (
            [
                "--format",
                "iceberg",
                "--catalog",
                "sqlite:///c.db",
                "--location",
                "x",
                "--since",
                "2025-10-01",
            ],
            "--out, --per-va, --since and --until are for file formats; --format iceberg exports every table whole.",
        ),
        (
            ["--format", "iceberg", "--catalog", "sqlite:///c.db"],
            "--format iceberg needs --catalog URI and --location DIR_OR_URI.",
        ),
    ],
)
def test_options_of_the_other_kind_of_export_are_usage_errors(db, tmp_path, args, message):
    result = runner.invoke(app, ["export", *args, "--db", str(db)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"


def test_out_that_is_a_file_is_an_input_error(db, tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    result = runner.invoke(
        app, ["export", "--format", "csv", "--out", str(target), "--db", str(db)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target}: is a file; pass a folder to write the export into.\n"
