"""Tests of the synthetic export generator.

Every check reads the written files back on its own (csv module, json) and holds them to the
facts of the real exports: exact format, the invariants of real data, and the rough shape of
the real numbers.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from urllib.parse import unquote

import pytest

from tikdb.synthetic import GenerateResult, generate

HEADER = (
    "created_date,created_time,account,va,post_url,views,likes,comments,shares,"
    "engagement,engagement_rate,hashtags,sound,slides,source"
)
OCR_KEYS = [
    "post_url",
    "account",
    "va",
    "views",
    "created_date",
    "thumbnail_count",
    "thumbnails_with_text",
    "ocr_text",
    "text_hash",
    "timestamp",
]
SHEET_SOURCES = {"old_clean", "current_metrics"}
SCRAPE_SOURCES = {"sept_scrape", "oct_scrape"}
POST_URL_RE = re.compile(r"https://www\.tiktok\.com/@([a-z0-9._]+)/video/(\d{19})")
MUSIC_RE = re.compile(r"https://www\.tiktok\.com/music/[A-Za-z0-9-]+-\d{18,19}")
SLIDE_RE = re.compile(
    r"https://(p16-sign|p16-common-sign|p16-pu-sign-useast8|p19-sign|p19-common-sign)"
    r"\.tiktokcdn-us\.com/(tos-useast5-i-photomode-tx|tos-useast8-i-photomode-tx2)/"
    r"([0-9a-f]{32})~tplv-photomode-image\.jpeg\?dr=10375&x-expires=(\d{10})"
    r"&x-signature=((?:[A-Za-z0-9]|%2B|%2F){27}%3D)"
    r"&t=4d5b0474&ps=13740610&shp=81f88b70&shcp=9b759fb9&idc=no1a&ftpl=1"
)
TIMESTAMP_RE = re.compile(r"2025-10-20T\d\d:\d\d:\d\d\.\d{6}")
# Hand-written rows in the exact format of the agency's export (tests/samples/).
REAL_FORMAT = Path(__file__).resolve().parent / "samples" / "master_real_format.csv"
REAL_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "real"
N = 5000


# --- reading the output back ---------------------------------------------------------------


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    with csv_path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def slide_urls(row: dict[str, str]) -> list[str]:
    return row["slides"].split("|") if row["slides"] else []


def read_ocr(ocr_dir: Path) -> dict[str, list[dict]]:
    """by_va folder name -> its ocr_posts.json records."""
    return {
        d.name: json.loads((d / "ocr_posts.json").read_text(encoding="utf-8"))
        for d in sorted((ocr_dir / "by_va").iterdir())
    }


def seen_texts(ocr: dict[str, list[dict]]) -> list[str]:
    return [r["ocr_text"] for recs in ocr.values() for r in recs]


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[GenerateResult, list[dict[str, str]], dict[str, list[dict]]]:
    result = generate(tmp_path_factory.mktemp("gen") / "raw", N, seed=7)
    return result, read_rows(result.csv_path), read_ocr(result.ocr_dir)


# --- row invariants (also run on the real sample, to prove the checks are the real ones) ----


def epoch_of(row: dict[str, str]) -> int:
    stamp = datetime.fromisoformat(f"{row['created_date']}T{row['created_time']}+00:00")
    return int(stamp.timestamp())


def check_row(row: dict[str, str]) -> None:
    """Assert every per-row invariant of the data contract."""
    m = POST_URL_RE.fullmatch(row["post_url"])
    assert m, row["post_url"]
    assert m.group(1) == row["account"]
    assert re.fullmatch(r"[a-z0-9._]{7,20}", row["account"])
    delay = epoch_of(row) - (int(m.group(2)) >> 32)
    assert 3 <= delay <= 259, (row["post_url"], delay)

    views, likes, comments, shares, engagement = (
        int(row[k]) for k in ("views", "likes", "comments", "shares", "engagement")
    )
    assert min(views, likes, comments, shares) >= 0
    for k in ("views", "likes", "comments", "shares"):
        assert row[k].isdigit(), row[k]
        assert int(row[k]) < 10_000 or int(row[k]) % 100 == 0, (k, row[k])
    assert likes <= views
    assert engagement == likes + comments + shares
    expected_rate = round(100 * engagement / views, 2) if views else 0.0
    assert row["engagement_rate"] == str(expected_rate)

    urls = slide_urls(row)
    if row["source"] in SCRAPE_SOURCES:
        assert urls == []
        assert not MUSIC_RE.fullmatch(row["sound"]) and row["sound"]
    else:
        assert row["source"] in SHEET_SOURCES
        assert MUSIC_RE.fullmatch(row["sound"]), row["sound"]
        assert 1 <= len(urls) <= 12
        for url in urls:
            check_slide_url(url, epoch_of(row))
        images = [SLIDE_RE.fullmatch(url).group(3) for url in urls]
        assert len(set(images)) == len(images)  # a post never shows one image twice


def check_slide_url(url: str, created: int) -> None:
    m = SLIDE_RE.fullmatch(url)
    assert m, url
    host, bucket, _, expires, signature = m.groups()
    assert (host == "p16-pu-sign-useast8") == (bucket == "tos-useast8-i-photomode-tx2")
    assert 256 <= len(url) <= 278
    assert created < int(expires) < datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert len(base64.b64decode(unquote(signature), validate=True)) == 20


# --- format ------------------------------------------------------------------------------------


def test_posts_below_one_is_an_error(tmp_path):
    for bad in (0, -5):
        with pytest.raises(ValueError, match=f"^posts must be at least 1, got {bad}$"):
            generate(tmp_path / "x", bad)
    assert not (tmp_path / "x").exists()


def test_an_unwritable_out_dir_is_one_line_and_exit_2(tmp_path):
    from typer.testing import CliRunner

    from tikdb.cli import app

    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    for out_dir, reason in ((taken, "File exists"), (taken / "raw", "Not a directory")):
        result = CliRunner().invoke(app, ["generate", str(out_dir), "--posts", "5"])
        assert result.exit_code == 2
        assert result.stderr == (
            f"Error: {out_dir}: cannot be written ({reason}); pass another OUT_DIR.\n"
        )
    assert taken.read_text() == "a file, not a folder"


def test_the_generator_loads_only_numpy_and_the_contract():
    # `tikdb generate` and the benchmark import it; it must not pull in an engine, and of
    # tikdb only the contract, the errors and the marker of generated files
    # (tikdb.sources.generated, which the build reads too) beside its own modules.
    code = "import sys, tikdb.synthetic\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "numpy" in loaded  # the listing is real
    assert not {"duckdb", "polars", "pyarrow", "typer", "rich"} & loaded
    tikdb = {m for m in loaded if m.split(".")[0] == "tikdb"}
    others = {m for m in tikdb if m != "tikdb.synthetic" and not m.startswith("tikdb.synthetic.")}
    assert others <= {
        "tikdb",
        "tikdb.contract",
        "tikdb.errors",
        "tikdb.sources",
        "tikdb.sources.generated",
    }


def test_header_encoding_and_csv_dialect(run):
    result, rows, _ = run
    data = result.csv_path.read_bytes()
    assert data.startswith(HEADER.encode() + b"\r\n")  # exact header, no BOM, CRLF
    assert data.endswith(b"\r\n")
    # Re-writing the parsed rows with csv defaults gives back the file byte for byte: CRLF
    # record ends, minimal quoting, doubled quotes, newlines only inside quoted fields.
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    writer.writerows([list(r.values()) for r in rows])
    assert buffer.getvalue().encode("utf-8") == data
    assert any('"' in r["hashtags"] for r in rows)  # the quoting paths were exercised
    assert any("," in r["hashtags"] for r in rows)
    assert any("\\" in r["hashtags"] for r in rows)
    assert any(not r["hashtags"].isascii() for r in rows)


def test_returned_counts_match_the_files(run):
    result, rows, ocr = run
    records = [r for recs in ocr.values() for r in recs]
    assert result.csv_path.name == "MASTER_TIKTOK_DATABASE.csv"
    assert result.ocr_dir.name == "october_ocr_data"
    assert result.posts == len(rows) == N
    assert result.slides == sum(len(slide_urls(r)) for r in rows)
    assert result.posts_with_slides == sum(1 for r in rows if r["slides"])
    assert result.ocr_records == len(records)
    assert result.ocr_with_text == sum(1 for r in records if r["ocr_text"])
    assert result.vas == len({r["va"].casefold() for r in rows if r["va"]})
    assert result.accounts == len({r["account"] for r in rows})
    assert result.multiline_captions == sum(1 for r in rows if "\n" in r["hashtags"])


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a = generate(tmp_path / "a", 1500, seed=3)
    b = generate(tmp_path / "b", 1500, seed=3)
    c = generate(tmp_path / "c", 1500, seed=4)
    assert a.csv_path.parent != b.csv_path.parent
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    assert a.csv_path.read_bytes() != c.csv_path.read_bytes()
    assert tree_bytes(a.ocr_dir) != tree_bytes(c.ocr_dir)


# --- invariants ------------------------------------------------------------------------------


def test_every_row_meets_the_contract_invariants(run):
    _, rows, _ = run
    for row in rows:
        check_row(row)
    ids = [POST_URL_RE.fullmatch(r["post_url"]).group(2) for r in rows]
    assert len(set(ids)) == len(ids)


def test_invariant_checks_accept_rows_in_the_real_format():
    """check_row is no stricter than real data: every quirk of the contract passes."""
    rows = read_rows(REAL_FORMAT)
    # It covers every source, sheet rows with 2, 3, 5 and 12 slides on every host, scrape
    # rows with multi-line captions, a post with 0 views, display-rounded views >= 10k.
    assert Counter(r["source"] for r in rows) == {
        "old_clean": 3,
        "current_metrics": 2,
        "sept_scrape": 1,
        "oct_scrape": 2,
    }
    assert sorted(len(slide_urls(r)) for r in rows) == [0, 0, 0, 2, 2, 3, 5, 12]
    assert sum("\n" in r["hashtags"] for r in rows) == 2
    for row in rows:
        check_row(row)
    if REAL_SAMPLE.is_dir():  # the agency's own rows, where a checkout has them beside it
        for row in read_rows(REAL_SAMPLE / "MASTER_TIKTOK_DATABASE.sample.csv"):
            check_row(row)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("engagement", "1"),  # not likes + comments + shares
        ("engagement_rate", "4.2"),  # not round(100 * engagement / views, 2)
        ("created_time", "07:20:05"),  # 6 min after the video id's timestamp
        ("views", "12345"),  # >= 10,000 but not display-rounded
        ("sound", "original sound"),  # a sheet row without a music URL
        ("account", "someoneelse"),  # not the handle in post_url
    ],
)
def test_invariant_checks_reject_a_row_that_breaks_the_contract(field, value):
    row = read_rows(REAL_FORMAT)[0]
    check_row(row)
    with pytest.raises(AssertionError):
        check_row({**row, field: value})


# Two rows written by hand in the real export's format: a sheet row (a 17,600-view post,
# display-rounded, two slides) and a multi-line scrape caption. Their video ids encode a
# creation second 17 s and 200 s before created_date + created_time.
SIGNATURE = "q%2BR7xW0bT3mZ%2FkLp9sVd2hYc4eA%3D"  # 20 bytes, with an encoded '+' and '/'


def slide(image: str, host: str = "p16-sign", bucket: str = "tos-useast5-i-photomode-tx") -> str:
    return (
        f"https://{host}.tiktokcdn-us.com/{bucket}/{image}~tplv-photomode-image.jpeg"
        f"?dr=10375&x-expires=1760448000&x-signature={SIGNATURE}"
        "&t=4d5b0474&ps=13740610&shp=81f88b70&shcp=9b759fb9&idc=no1a&ftpl=1"
    )


IMAGE_A = "0f3c9a1e5b7d4c2a9e8f1a2b3c4d5e6f"
IMAGE_B = "7a1b2c3d4e5f40718293a4b5c6d7e8f9"
SHEET_ROW = {
    "created_date": "2025-10-13",
    "created_time": "08:15:42",
    "account": "lenadiary",
    "va": "Carla",
    "post_url": "https://www.tiktok.com/@lenadiary/video/7560617010730355989",
    "views": "17600",
    "likes": "1100",
    "comments": "60",
    "shares": "5",
    "engagement": "1165",
    "engagement_rate": "6.62",
    "hashtags": "fyp, relatable, quotes",
    "sound": "https://www.tiktok.com/music/Late-Night-Drive-7212345678901234567",
    "slides": f"{slide(IMAGE_A)}|{slide(IMAGE_B, 'p19-common-sign')}",
    "source": "current_metrics",
}
SCRAPE_ROW = {
    **SHEET_ROW,
    "created_date": "2025-09-20",
    "created_time": "03:02:09",
    "account": "glow.mia",
    "va": "",
    "post_url": "https://www.tiktok.com/@glow.mia/video/7552000465385187505",
    "views": "0",
    "likes": "0",
    "comments": "0",
    "shares": "0",
    "engagement": "0",
    "engagement_rate": "0.0",
    "hashtags": 'he said "i\'m not ready"\n\nsave this ¯\\_(ツ)_/¯ #fyp #relatable',
    "sound": "original sound - glow.mia",
    "slides": "",
    "source": "sept_scrape",
}


def test_invariant_checks_accept_hand_written_sheet_and_scrape_rows():
    for row in (SHEET_ROW, SCRAPE_ROW):
        check_row(row)
    check_row(
        {
            **SHEET_ROW,
            "slides": slide(IMAGE_A, "p16-pu-sign-useast8", "tos-useast8-i-photomode-tx2"),
        }
    )


@pytest.mark.parametrize(
    ("base", "change"),
    [
        (SHEET_ROW, {"account": "lenadiaries"}),  # not the handle in post_url
        (
            SHEET_ROW,
            {"account": "lena", "post_url": SHEET_ROW["post_url"].replace("lenadiary", "lena")},
        ),
        (SHEET_ROW, {"created_time": "08:15:24"}),  # id made 1 s after the post
        (SHEET_ROW, {"created_time": "08:20:00"}),  # id made 275 s before the post
        (SHEET_ROW, {"views": "1099"}),  # likes > views
        (SHEET_ROW, {"views": "17650", "engagement_rate": "6.6"}),  # >= 10,000, not rounded
        (SHEET_ROW, {"likes": "1.1K"}),
        (SHEET_ROW, {"engagement": "1166"}),  # not likes + comments + shares
        (SHEET_ROW, {"engagement_rate": "6.61"}),
        (SHEET_ROW, {"sound": "original sound"}),  # a sheet row has a music URL
        (SHEET_ROW, {"slides": ""}),  # ... and slides
        (SHEET_ROW, {"slides": f"{slide(IMAGE_A)}|{slide(IMAGE_A, 'p19-sign')}"}),  # image twice
        (SHEET_ROW, {"slides": slide(IMAGE_A, "p16-pu-sign-useast8")}),  # useast8 host, useast5
        (
            SHEET_ROW,
            {"slides": slide(IMAGE_A).replace("x-expires=1760448000", "x-expires=1760340000")},
        ),
        (SHEET_ROW, {"slides": slide(IMAGE_A).replace("%3D&", "%3Dxx&")}),  # not the URL shape
        (SHEET_ROW, {"source": "oct_sheet"}),
        (SCRAPE_ROW, {"slides": slide(IMAGE_A)}),  # scrape rows have no slides
        (SCRAPE_ROW, {"sound": SHEET_ROW["sound"]}),  # ... and a plain sound name
        (SCRAPE_ROW, {"engagement_rate": "0.00"}),  # csv writes the float 0.0 as "0.0"
    ],
)
def test_invariant_checks_reject_each_broken_invariant(base, change):
    # check_row is what every generator test relies on: each broken invariant must fail it.
    with pytest.raises((AssertionError, ValueError)):  # ValueError: not an integer
        check_row({**base, **change})


def test_rows_sorted_by_creation_time_within_the_real_range(run):
    _, rows, _ = run
    keys = [(r["created_date"], r["created_time"]) for r in rows]
    assert keys == sorted(keys)
    assert keys[0][0] >= "2025-05-09" and keys[-1][0] <= "2025-10-17"
    for r in rows[:50]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", r["created_date"])
        assert re.fullmatch(r"\d\d:\d\d:\d\d", r["created_time"])


def test_one_va_per_account(run):
    _, rows, _ = run
    vas_of = defaultdict(set)
    for r in rows:
        if r["va"]:
            vas_of[r["account"]].add(r["va"].strip().casefold())
    assert vas_of
    assert all(len(v) == 1 for v in vas_of.values())


def test_sources_are_placed_in_time(run):
    _, rows, _ = run
    count = Counter(r["source"] for r in rows)
    assert set(count) == SHEET_SOURCES | SCRAPE_SOURCES
    assert all(
        r["created_date"].startswith("2025-09") for r in rows if r["source"] == "sept_scrape"
    )
    assert all(r["created_date"].startswith("2025-10") for r in rows if r["source"] == "oct_scrape")
    last_old = max(i for i, r in enumerate(rows) if r["source"] == "old_clean")
    first_other = min(i for i, r in enumerate(rows) if r["source"] != "old_clean")
    assert last_old < first_other  # old_clean holds the earliest rows
    assert 0.5 < count["old_clean"] / N < 0.66
    assert 0.2 < count["current_metrics"] / N < 0.34
    assert 0.08 < count["sept_scrape"] / N < 0.14
    assert 0.015 < count["oct_scrape"] / N < 0.045


# --- OCR -------------------------------------------------------------------------------------


def test_ocr_records_meet_the_contract(run):
    result, rows, ocr = run
    by_url = {r["post_url"]: r for r in rows}
    seen = Counter()
    for folder, records in ocr.items():
        assert records
        for rec in records:
            seen[rec["post_url"]] += 1
            assert list(rec) == OCR_KEYS
            row = by_url[rec["post_url"]]  # every OCR post is in the master
            assert rec["account"] == row["account"]
            assert rec["va"] == folder
            assert folder.casefold() == (row["va"].casefold() or "nan")
            assert rec["created_date"] == f"{row['created_date']} 00:00:00"
            assert isinstance(rec["views"], int) and 0 <= rec["views"] <= int(row["views"])
            assert rec["text_hash"] == hashlib.md5(rec["ocr_text"].encode()).hexdigest()
            assert (rec["thumbnails_with_text"] == 0) == (rec["ocr_text"] == "")
            assert 0 <= rec["thumbnails_with_text"] <= rec["thumbnail_count"]
            n_slides = len(slide_urls(row))
            if n_slides:
                assert rec["thumbnail_count"] == n_slides
            else:
                assert 1 <= rec["thumbnail_count"] <= 3
            assert rec["ocr_text"] == rec["ocr_text"].lower()
            assert not re.search(r"[^\w ]", rec["ocr_text"])  # punctuation stripped
            assert TIMESTAMP_RE.fullmatch(rec["timestamp"])
        assert [r["timestamp"] for r in records] == sorted(r["timestamp"] for r in records)
    assert all(n == 1 for n in seen.values())  # each post in exactly one folder
    assert len(seen) == result.ocr_records == round(0.004 * N)  # OCR covers 0.4% of posts
    assert any(not u.isascii() for u in seen_texts(ocr))  # accents survive ensure_ascii=False
    assert any(not by_url[u]["slides"] for u in seen)  # OCR also covers scrape rows


def test_ocr_all_results_is_the_union_and_summaries_add_up(run):
    result, _, ocr = run
    records = [r for recs in ocr.values() for r in recs]
    all_results = json.loads((result.ocr_dir / "all_results.json").read_text(encoding="utf-8"))
    by_url = itemgetter("post_url")
    assert sorted(all_results, key=by_url) == sorted(records, key=by_url)
    for folder, recs in ocr.items():
        summary = json.loads((result.ocr_dir / "by_va" / folder / "summary.json").read_text())
        with_text = sum(1 for r in recs if r["ocr_text"])
        views = sum(r["views"] for r in recs)
        assert summary["va"] == folder
        assert summary["total_posts"] == len(recs)
        assert summary["posts_with_text"] == with_text
        assert summary["posts_without_text"] == len(recs) - with_text
        assert summary["text_extraction_rate"] == with_text / len(recs)
        assert summary["total_views"] == views
        assert summary["avg_views"] == views // len(recs)
        assert summary["viral_posts"] == sum(1 for r in recs if r["views"] >= 10_000)
        assert sorted(summary["accounts"]) == sorted({r["account"] for r in recs})
        dups = json.loads((result.ocr_dir / "by_va" / folder / "duplicates.json").read_text())
        assert dups["total_posts"] == len(recs)
        assert dups["posts_with_text"] == with_text
        assert dups["unique_patterns"] == len({r["text_hash"] for r in recs if r["ocr_text"]})
        assert dups["duplicate_groups"] == len(dups["duplicates"]) == summary["duplicate_groups"]
    overall = json.loads((result.ocr_dir / "overall_summary.json").read_text())
    assert overall["total_posts"] == len(records)
    assert overall["posts_with_text"] == sum(1 for r in records if r["ocr_text"])
    assert overall["total_vas"] == len(ocr)


def test_ocr_json_files_are_written_like_the_real_ones(run):
    result, _, _ = run
    files = sorted(result.ocr_dir.rglob("*.json"))
    names = {p.name for p in files}
    assert names == {
        "ocr_posts.json",
        "summary.json",
        "duplicates.json",
        "all_results.json",
        "overall_summary.json",
    }
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        assert not text.endswith("\n")


# --- shape -----------------------------------------------------------------------------------


def test_shape_statistics_resemble_the_real_export(run):
    _, rows, ocr = run
    views = [int(r["views"]) for r in rows]
    assert 300 <= statistics.median(views) <= 1200
    assert 0.002 <= sum(v >= 10_000 for v in views) / N <= 0.04
    ratios = sorted(int(r["likes"]) / int(r["views"]) for r in rows if int(r["views"]) > 0)
    assert 0.035 <= ratios[len(ratios) // 2] <= 0.065
    assert 0.08 <= sum(r["comments"] == "0" for r in rows) / N <= 0.3
    assert 0.5 <= sum(r["shares"] == "0" for r in rows) / N <= 0.8

    counts = [len(slide_urls(r)) for r in rows]
    with_slides = [c for c in counts if c]
    assert 0.10 <= counts.count(0) / N <= 0.20
    assert 0.65 <= with_slides.count(2) / len(with_slides) <= 0.85
    assert 0.10 <= with_slides.count(3) / len(with_slides) <= 0.25
    assert max(with_slides) >= 6

    hours = Counter(int(r["created_time"][:2]) for r in rows)
    assert sum(hours[h] for h in range(1, 14)) / N > 0.75

    n_ocr = sum(len(recs) for recs in ocr.values())
    with_text = sum(1 for recs in ocr.values() for r in recs if r["ocr_text"])
    assert 0.6 <= with_text / n_ocr <= 0.9


def test_reposts_multiline_captions_and_va_quirks_occur(run):
    result, rows, _ = run
    posts_of_image = defaultdict(set)
    for r in rows:
        for url in slide_urls(r):
            image = SLIDE_RE.fullmatch(url).group(3)
            posts_of_image[image].add(r["post_url"])
    # The same image in several posts is a repost signal: 1.6% of slides take an earlier
    # post's image, so about twice that share of slides show an image another post shows.
    shared = sum(len(posts) for posts in posts_of_image.values() if len(posts) > 1)
    assert 0.02 <= shared / result.slides <= 0.05

    multiline = [r for r in rows if "\n" in r["hashtags"]]
    assert multiline and all(r["source"] in SCRAPE_SOURCES for r in multiline)

    spellings = defaultdict(set)
    for r in rows:
        if r["va"]:
            spellings[r["va"].casefold()].add(r["va"])
    assert any(len(s) > 1 for s in spellings.values())  # e.g. "Carla" and "CARLA"
    assert 0.01 <= sum(1 for r in rows if not r["va"]) / N <= 0.05
    # about 5 accounts per VA (263 accounts, 49 VAs in the real file)
    assert 4 <= len({r["account"] for r in rows}) / len(spellings) <= 7


# --- sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("posts", [1, 7, 200])
def test_small_runs_are_consistent(tmp_path, posts):
    result = generate(tmp_path / "raw", posts, seed=1)
    rows = read_rows(result.csv_path)
    assert result.posts == len(rows) == posts
    for row in rows:
        check_row(row)
    records = [r for recs in read_ocr(result.ocr_dir).values() for r in recs]
    # OCR covers 0.4% of posts but at least five (every post of a smaller run)
    assert result.ocr_records == len(records) == min(posts, 5)
    assert {r["post_url"] for r in records} <= {r["post_url"] for r in rows}


def test_rerun_into_the_same_folder_replaces_the_ocr_folders(tmp_path):
    generate(tmp_path, 400, seed=1)
    result = generate(tmp_path, 400, seed=2)
    urls = {r["post_url"] for r in read_rows(result.csv_path)}
    records = [r for recs in read_ocr(result.ocr_dir).values() for r in recs]
    assert len(records) == result.ocr_records
    assert {r["post_url"] for r in records} <= urls


def test_heavy_image_reuse_keeps_posts_valid(tmp_path, monkeypatch):
    # Exaggerated reuse exercises the repost logic's edge cases (chains of reuse, two slides of
    # one post drawing the same source image). Patched where it is read; the last assertion
    # fails if the patch has no effect (the normal share gives ~3% shared slides).
    import tikdb.synthetic.slides

    monkeypatch.setattr(tikdb.synthetic.slides, "IMAGE_REUSE_SHARE", 0.9)
    result = generate(tmp_path, 600, seed=5)
    rows = read_rows(result.csv_path)
    posts_of_image = defaultdict(set)
    for row in rows:
        check_row(row)
        for url in slide_urls(row):
            posts_of_image[SLIDE_RE.fullmatch(url).group(3)].add(row["post_url"])
    shared = sum(len(p) for p in posts_of_image.values() if len(p) > 1)
    assert shared > 0.5 * result.slides


@pytest.mark.parametrize(
    ("theirs", "named"),
    [
        (("MASTER_TIKTOK_DATABASE.csv",), "MASTER_TIKTOK_DATABASE.csv is"),
        (
            ("MASTER_TIKTOK_DATABASE.csv", "october_ocr_data/by_va/Carla/ocr_posts.json"),
            "MASTER_TIKTOK_DATABASE.csv and october_ocr_data are",
        ),
    ],
)
def test_a_real_export_in_the_folder_is_never_overwritten(tmp_path, theirs, named):
    from typer.testing import CliRunner

    from tikdb.cli import app

    for rel in theirs:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"the agency's real data")
    before = tree_bytes(tmp_path)
    result = CliRunner().invoke(app, ["generate", str(tmp_path), "--posts", "10"])
    assert result.exit_code == 2
    them = "it" if len(theirs) == 1 else "them"
    assert result.stderr == (
        f"Error: {tmp_path}: {named} not written by tikdb generate and would be replaced; "
        f"nothing was changed. Generate into another folder, or move {them} elsewhere.\n"
    )
    assert tree_bytes(tmp_path) == before


def test_the_marker_lists_every_file_written_with_its_sha256(tmp_path):
    result = generate(tmp_path, posts=30, seed=4)
    lines = (tmp_path / ".tikdb-generated").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Written by tikdb generate: generated data, not a real export."
    written = [result.csv_path, *sorted(p for p in result.ocr_dir.rglob("*") if p.is_file())]
    assert sorted(lines[1:]) == sorted(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(tmp_path).as_posix()}"
        for p in written
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("MASTER_TIKTOK_DATABASE.csv", "MASTER_TIKTOK_DATABASE.csv is"),
        ("october_ocr_data/all_results.json", "october_ocr_data is"),
        ("october_ocr_data/by_va/Real VA/ocr_posts.json", "october_ocr_data is"),
    ],
)
def test_a_generated_file_replaced_by_real_data_is_never_overwritten(tmp_path, change, named):
    # The folder keeps its marker, but this file is no longer what tikdb generate wrote:
    # someone put their export there.
    from typer.testing import CliRunner

    from tikdb.cli import app

    generate(tmp_path, posts=30, seed=4)
    (tmp_path / change).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / change).write_bytes(b"the agency's real data")
    before = tree_bytes(tmp_path)
    result = CliRunner().invoke(app, ["generate", str(tmp_path), "--posts", "10"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path}: {named} not written by tikdb generate and would be replaced; "
        "nothing was changed. Generate into another folder, or move it elsewhere.\n"
    )
    assert tree_bytes(tmp_path) == before


def test_a_second_run_over_its_own_files_replaces_them(tmp_path):
    generate(tmp_path, posts=30, seed=4)
    second = generate(tmp_path, posts=12, seed=5)
    with second.csv_path.open(newline="", encoding="utf-8") as f:
        assert len(list(csv.reader(f))) == 1 + 12


def test_the_committed_sample_is_marked_as_generated():
    from tikdb.contract import DEFAULT_RAW

    repo = Path(__file__).resolve().parent.parent
    assert (
        (repo / DEFAULT_RAW / ".tikdb-generated")
        .read_text(encoding="utf-8")
        .startswith("Written by tikdb generate")
    )
