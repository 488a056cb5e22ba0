"""End-to-end builds on small hand-made inputs: what is loaded, what is rejected, and why."""

from __future__ import annotations

import hashlib

import pyarrow.parquet as pq
import pytest
from conftest import make_row, ocr_record, query, run_build, slide_url, write_csv, write_ocr

from tikdb.contract import PUBLISHED_TABLES


def test_a_clean_file_loads_every_post_and_slide(tmp_path, rows):
    csv_path = write_csv(tmp_path / "master.csv", rows)
    result = run_build(tmp_path, csv_path)
    db = result.db_path
    assert result.table_rows["posts"] == len(rows)
    assert result.table_rows["slides"] == 2 * len(rows)
    assert result.table_rows["rejects"] == 0
    got = query(
        db, "SELECT post_url, account, csv_line, views, slide_count FROM posts ORDER BY csv_line"
    )
    assert got == [
        (r["post_url"], r["account"], i + 2, int(r["views"]), 2) for i, r in enumerate(rows)
    ]
    slides = query(
        db,
        "SELECT slide_index, slide_url FROM slides WHERE post_id = ? ORDER BY 1",
        [int(rows[0]["post_url"].rsplit("/", 1)[1])],
    )
    assert slides == [(i + 1, url) for i, url in enumerate(rows[0]["slides"].split("|"))]


def test_every_published_table_is_written_as_zstd_parquet(tmp_path, rows):
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    for name in PUBLISHED_TABLES:
        path = result.out_dir / "parquet" / f"{name}.parquet"
        meta = pq.ParquetFile(path).metadata
        assert meta.num_rows == result.table_rows[name], name
        if meta.num_rows:
            assert meta.row_group(0).column(0).compression == "ZSTD"


def test_text_fields_come_out_byte_identical(tmp_path):
    tricky = 'line one\nline "two", with comma\r\n¯\\_(ツ)_/¯ C:\\x 😀 שלום\ttab'
    rows = [make_row(1, hashtags=tricky, sound="som original", slides="", source="oct_scrape")]
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    assert query(result.db_path, "SELECT hashtags, sound FROM posts") == [(tricky, "som original")]


def test_posts_are_typed_and_keyed_from_the_url(tmp_path):
    row = make_row(1, account="MiriamGlow", post_url="", va="  CARLA ")
    vid = 7557553857534905613
    row["account"] = "MiriamGlow"
    row["post_url"] = f"https://tiktok.com/@miriamglow/photo/{vid}/?_t=abc"
    row["created_date"], row["created_time"] = "2025-10-05", "10:00:00"
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", [row]))
    got = query(
        result.db_path,
        "SELECT post_id, post_url, account, va_id, CAST(created_at AS VARCHAR) FROM posts",
    )
    assert got == [
        (
            vid,
            f"https://www.tiktok.com/@miriamglow/video/{vid}",
            "miriamglow",
            "carla",
            "2025-10-05 10:00:00",
        )
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("47.0", 47), ("52,400", 52400), ("79.1K", 79100), ("1.3M", 1300000), ("0", 0), ("", None)],
)
def test_metric_formats_of_other_exports_are_understood(tmp_path, value, expected):
    rows = [make_row(1, views=value)]
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    assert query(result.db_path, "SELECT views FROM posts") == [(expected,)]


@pytest.mark.parametrize("value", ["-5", "12.5", "abc", "1e3", "0x10", "1_000", "5 000"])
def test_bad_metrics_are_rejected_with_their_line(tmp_path, value):
    rows = [make_row(1), make_row(2, likes=value), make_row(3)]
    csv_path = write_csv(tmp_path / "master.csv", rows)
    result = run_build(tmp_path, csv_path)
    assert result.table_rows["posts"] == 2
    got = query(result.db_path, "SELECT line, reason, message, raw_text FROM rejects")
    raw = csv_path.read_bytes().decode().split("\r\n")[2]
    assert got == [
        (
            3,
            "bad_metric",
            f'likes "{value}" is not a whole number >= 0 (or a rate for engagement_rate)',
            raw,
        )
    ]


def test_duplicate_video_ids_keep_the_last_line_and_name_it(tmp_path):
    first = make_row(1, views="100")
    again = dict(first, views="250", source="oct_scrape")
    rows = [first, make_row(2), again]
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    assert query(
        result.db_path, "SELECT views, csv_line FROM posts WHERE post_url = ?", [first["post_url"]]
    ) == [(250, 4)]
    assert query(result.db_path, "SELECT line, reason, kept_line FROM rejects") == [
        (2, "duplicate_post", 4)
    ]
    log = query(
        result.db_path,
        "SELECT csv_records, csv_loaded, csv_duplicates, csv_rejected FROM import_log",
    )
    assert log == [(3, 2, 1, 0)]


def test_slide_lists_skip_empty_parts_and_reject_non_urls(tmp_path):
    a, b, c = slide_url(1), slide_url(2), slide_url(3)
    rows = [make_row(1, slides=f"{a}|| {b} |not a url|{c}|")]
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    assert query(result.db_path, "SELECT slide_index, slide_url FROM slides ORDER BY 1") == [
        (1, a),
        (2, b),
        (4, c),
    ]
    assert query(
        result.db_path, "SELECT entity, line, slide_index, reason, raw_text FROM rejects"
    ) == [("slide", 2, 3, "slide_not_url", "not a url")]
    assert query(result.db_path, "SELECT slide_count FROM posts") == [(3,)]
    log = query(
        result.db_path, "SELECT slide_parts, slides_loaded, slides_rejected FROM import_log"
    )
    assert log == [(4, 3, 1)]


def test_slides_carry_image_identity_host_and_expiry(tmp_path):
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", [make_row(1)]))
    got = query(
        result.db_path,
        "SELECT image_id, bucket, host, CAST(expires_at AS VARCHAR) FROM slides WHERE slide_index = 1",
    )
    assert got == [
        (
            hashlib.md5(b"100").hexdigest(),
            "tos-useast5-i-photomode-tx",
            "p16-sign.tiktokcdn-us.com",
            "2025-09-20 18:00:00",
        )
    ]


def test_same_image_in_two_posts_is_two_slides(tmp_path):
    shared = slide_url(7, sig="first")
    resigned = slide_url(7, sig="second")
    rows = [make_row(1, slides=shared), make_row(2, slides=resigned)]
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    assert query(result.db_path, "SELECT count(*), count(DISTINCT image_id) FROM slides") == [
        (2, 1)
    ]


def test_vas_are_matched_on_trimmed_case_folded_names(tmp_path):
    rows = [
        make_row(1, va="Carla"),
        make_row(2, va="CARLA"),
        make_row(3, va=" Carla"),
        make_row(4, va=""),
        make_row(5, va="UNKNOWN"),
        make_row(6, va="nan"),
    ]
    for r in rows:
        r["account"] = "miriam00glow"
        r["post_url"] = r["post_url"].replace(r["post_url"].split("/")[3], "@miriam00glow")
    result = run_build(tmp_path, write_csv(tmp_path / "master.csv", rows))
    assert query(result.db_path, "SELECT va_id, display_name, spellings, posts FROM vas") == [
        ("carla", "Carla", ["CARLA", "Carla"], 3)
    ]
    assert query(result.db_path, "SELECT count(*) FROM posts WHERE va_id IS NULL") == [(3,)]
    assert query(result.db_path, "SELECT account, va_id, posts FROM accounts") == [
        ("miriam00glow", "carla", 6)
    ]


def test_ocr_is_per_post_and_never_becomes_slides(tmp_path):
    with_slides = make_row(1)
    no_slides = make_row(2, slides="", source="oct_scrape")
    csv_path = write_csv(tmp_path / "master.csv", [with_slides, no_slides])
    ocr = write_ocr(
        tmp_path / "ocr",
        {
            "Carla": [ocr_record(with_slides, "hello world")],
            "Kent": [ocr_record(no_slides, "")],
        },
    )
    result = run_build(tmp_path, csv_path, ocr)
    assert result.table_rows["slides"] == 2
    got = query(
        result.db_path, "SELECT ocr_text, text_hash, thumbnail_count FROM post_ocr ORDER BY post_id"
    )
    assert got == [
        ("hello world", hashlib.md5(b"hello world").hexdigest(), 2),
        ("", "d41d8cd98f00b204e9800998ecf8427e", 2),
    ]


def test_ocr_rejects_unknown_posts_and_duplicates_across_folders(tmp_path):
    row = make_row(1)
    stranger = make_row(99)
    csv_path = write_csv(tmp_path / "master.csv", [row])
    older = ocr_record(row, "old text", timestamp="2025-10-20T10:00:00.000000")
    newer = ocr_record(row, "new text", timestamp="2025-10-20T12:00:00.000000")
    ocr = write_ocr(tmp_path / "ocr", {"Carla": [newer, ocr_record(stranger)], "nan": [older]})
    result = run_build(tmp_path, csv_path, ocr)
    assert query(result.db_path, "SELECT ocr_text FROM post_ocr") == [("new text",)]
    got = query(
        result.db_path,
        "SELECT reason, record_index, split_part(source_file, '/', -2), message FROM rejects ORDER BY reason",
    )
    carla = str(ocr / "by_va" / "Carla" / "ocr_posts.json")
    assert got == [
        (
            "ocr_duplicate",
            0,
            "nan",
            f"duplicate OCR record for post {row['post_url'].rsplit('/', 1)[1]}; kept record 0 of {carla}",
        ),
        (
            "ocr_unknown_post",
            1,
            "Carla",
            f"post {stranger['post_url'].rsplit('/', 1)[1]} is not in the master CSV (or was rejected there)",
        ),
    ]
    log = query(
        result.db_path,
        "SELECT ocr_records, ocr_loaded, ocr_duplicates, ocr_rejected FROM import_log",
    )
    assert log == [(3, 1, 1, 1)]


def test_an_unreadable_ocr_timestamp_is_a_warning_not_a_silent_null(tmp_path):
    row, other = make_row(1), make_row(2)
    csv_path = write_csv(tmp_path / "master.csv", [row, other])
    dated = ocr_record(row, "dated text", timestamp="2025-10-20T10:00:00.000000")
    undated = ocr_record(row, "undated text", timestamp="yesterday\x1b[31m")
    readable = ocr_record(other, "fine", timestamp="2025-10-21T09:30:00.123456")
    ocr = write_ocr(tmp_path / "ocr", {"Carla": [readable, undated], "Kent": [dated]})
    result = run_build(tmp_path, csv_path, ocr)
    carla = ocr / "by_va" / "Carla" / "ocr_posts.json"
    expected = (
        '1 OCR record(s) have a timestamp that is not a date and time, e.g. "yesterday\\x1b[31m" '
        f"in {carla} record 1; their ocr_at is NULL, and a record of the same post with a "
        "readable timestamp wins over them"
    )
    assert result.warnings == [expected]
    assert query(result.db_path, "SELECT warnings FROM import_log") == [([expected],)]
    # The dated record wins even though the undated one comes later.
    got = query(result.db_path, "SELECT ocr_text, ocr_at IS NULL FROM post_ocr ORDER BY post_id")
    assert got == [("dated text", False), ("fine", False)]


def test_readable_ocr_timestamps_give_no_warning(tmp_path):
    row = make_row(1)
    csv_path = write_csv(tmp_path / "master.csv", [row])
    ocr = write_ocr(tmp_path / "ocr", {"Carla": [ocr_record(row, "text")]})
    assert run_build(tmp_path, csv_path, ocr).warnings == []


def test_a_named_ocr_folder_that_is_missing_stops_the_build_before_out_is_made(tmp_path, rows):
    from tikdb.errors import InputError

    csv_path = write_csv(tmp_path / "master.csv", rows)
    with pytest.raises(InputError) as caught:
        run_build(tmp_path, csv_path, tmp_path / "nowhere")
    assert str(caught.value) == (
        f"{tmp_path / 'nowhere'}: no such folder. Pass the OCR folder with --ocr DIR, "
        "or leave --ocr out to build without OCR."
    )
    assert not (tmp_path / "warehouse").exists()


def test_the_sample_ocr_folder_goes_only_with_the_sample_csv(tmp_path, monkeypatch):
    from tikdb.contract import DEFAULT_CSV, DEFAULT_OCR
    from tikdb.pipeline.build import input_paths

    monkeypatch.chdir(tmp_path)
    other = tmp_path / "exports" / "master.csv"
    # Without the sample's OCR folder, no default OCR at all.
    assert input_paths(None, None) == (DEFAULT_CSV, None)
    DEFAULT_OCR.mkdir(parents=True)
    assert input_paths(None, None) == (DEFAULT_CSV, DEFAULT_OCR)
    assert input_paths(tmp_path / DEFAULT_CSV, None) == (tmp_path / DEFAULT_CSV, DEFAULT_OCR)
    assert input_paths(other, None) == (other, None)
    assert input_paths(other, tmp_path / "ocr") == (other, tmp_path / "ocr")
    assert input_paths(None, tmp_path / "ocr") == (DEFAULT_CSV, tmp_path / "ocr")


def test_import_log_keeps_history_across_builds(tmp_path, rows):
    csv_path = write_csv(tmp_path / "master.csv", rows)
    first = run_build(tmp_path, csv_path)
    second = run_build(tmp_path, csv_path)
    got = query(
        second.db_path,
        "SELECT run_id, csv_sha256, csv_bytes, status FROM import_log ORDER BY started_at",
    )
    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    size = csv_path.stat().st_size
    assert got == [
        (first.run_id, digest, size, "published"),
        (second.run_id, digest, size, "published"),
    ]


def _disagreeing_scan(how: str):
    """An open_csv whose scan disagrees with what the CSV parser will read."""
    import tikdb.pipeline.parse

    real_open = tikdb.pipeline.parse.open_csv

    def open_csv(path, work_dir, threads=None):
        csv = real_open(path, work_dir, threads)
        scan = csv.scan
        if how == "one record fewer":
            # The parser reads a record the scanner did not find.
            scan.good_starts = scan.good_starts[:-1]
            scan.good_ends = scan.good_ends[:-1]
            scan.good_lines = scan.good_lines[:-1]
            scan.good_line_spans = scan.good_line_spans[:-1]
        else:
            # The scanner thinks the second record spans two lines; the parser saw one.
            scan.good_line_spans = scan.good_line_spans.copy()
            scan.good_line_spans[1] = 2
        return csv

    return open_csv


@pytest.mark.parametrize("how", ["one record fewer", "a record spans another line"])
def test_a_parser_that_disagrees_with_the_scanner_stops_the_build(tmp_path, rows, monkeypatch, how):
    import tikdb.pipeline.parse
    from tikdb.errors import BuildError

    monkeypatch.setattr(tikdb.pipeline.parse, "open_csv", _disagreeing_scan(how))
    csv_path = write_csv(tmp_path / "master.csv", rows)
    with pytest.raises(BuildError, match="line numbers would be wrong") as caught:
        run_build(tmp_path, csv_path)
    if how != "one record fewer":
        assert "near line 3" in str(caught.value)
    assert not (tmp_path / "warehouse" / "tikdb.duckdb").exists()
