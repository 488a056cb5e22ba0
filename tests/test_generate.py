"""Tests of the synthetic export generator.

Every check reads the written files back on its own (csv module, json) and holds them to the
data contract (shared/data-contract.md): exact format, the invariants of real data, and the
rough shape of the real numbers.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import statistics
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
        with pytest.raises(ValueError):
            generate(tmp_path / "x", bad)


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


def test_invariant_checks_accept_the_real_sample():
    path = REAL_SAMPLE / "MASTER_TIKTOK_DATABASE.sample.csv"
    if not path.exists():
        pytest.skip("shared/samples/real is not beside the repository")
    rows = read_rows(path)
    assert rows
    for row in rows:
        check_row(row)


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
    assert len(seen) >= 5
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
    _, rows, _ = run
    posts_of_image = defaultdict(set)
    for r in rows:
        for url in slide_urls(r):
            image = SLIDE_RE.fullmatch(url).group(3)
            posts_of_image[image].add(r["post_url"])
    reused = [i for i, posts in posts_of_image.items() if len(posts) > 1]
    assert reused  # the same image in several posts: a repost signal
    assert len(reused) < 0.1 * len(posts_of_image)

    multiline = [r for r in rows if "\n" in r["hashtags"]]
    assert multiline and all(r["source"] in SCRAPE_SOURCES for r in multiline)

    spellings = defaultdict(set)
    for r in rows:
        if r["va"]:
            spellings[r["va"].casefold()].add(r["va"])
    assert any(len(s) > 1 for s in spellings.values())  # e.g. "Carla" and "CARLA"
    assert 0.01 <= sum(1 for r in rows if not r["va"]) / N <= 0.05
    assert len({r["account"] for r in rows}) >= 3 * len(spellings)


# --- sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("posts", [1, 7, 200])
def test_small_runs_are_consistent(tmp_path, posts):
    result = generate(tmp_path / "raw", posts, seed=1)
    rows = read_rows(result.csv_path)
    assert result.posts == len(rows) == posts
    for row in rows:
        check_row(row)
    records = [r for recs in read_ocr(result.ocr_dir).values() for r in recs]
    assert result.ocr_records == len(records) >= 1
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
    # one post drawing the same source image).
    import tikdb.synthetic as gen

    monkeypatch.setattr(gen, "IMAGE_REUSE_SHARE", 0.9)
    result = gen.generate(tmp_path, 600, seed=5)
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


def test_the_committed_sample_is_marked_as_generated():
    from tikdb.contract import DEFAULT_RAW

    repo = Path(__file__).resolve().parent.parent
    assert (
        (repo / DEFAULT_RAW / ".tikdb-generated")
        .read_text(encoding="utf-8")
        .startswith("Written by tikdb generate")
    )
