"""Shared test helpers: valid master-CSV rows, writers for the real formats, and builds."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tikdb.contract import COLUMNS
from tikdb.pipeline.build import BuildOptions, build

BASE_TIME = datetime(2025, 10, 1, 8, 0, 0)
# The analytics views the warehouse publishes (sql/views/), named here so tests state them.
VIEWS = (
    "account_daily",
    "ocr_text_reuse",
    "outliers",
    "post_growth",
    "post_performance",
    "post_velocity",
    "posting_hours",
    "repost_candidates",
    "slide_reuse",
    "va_performance",
)
# Analytics over time that a build from one CSV leaves empty: they need several
# observations of a post (test_history_views.py and test_history_report.py fill them).
NEED_HISTORY = ("outliers", "post_velocity", "repost_candidates")
IMAGE = (
    "https://p16-sign.tiktokcdn-us.com/tos-useast5-i-photomode-tx/{image}~tplv-photomode-image.jpeg"
    "?dr=10375&x-expires=1758391200&x-signature={sig}%3D&t=4d5b0474&ps=13740610&shp=81f88b70"
    "&shcp=9b759fb9&idc=no1a&ftpl=1"
)


def video_id(created: datetime, n: int) -> int:
    """A 19-digit TikTok-style id whose top 32 bits are `created` minus 60 s."""
    seconds = int(created.replace(tzinfo=UTC).timestamp()) - 60
    return (seconds << 32) | (n * 7919 % 2**32)


def slide_url(n: int, sig: str = "abc") -> str:
    return IMAGE.format(image=hashlib.md5(str(n).encode()).hexdigest(), sig=f"{sig}{n}")


def make_row(n: int, **overrides: str) -> dict[str, str]:
    """A valid master-CSV row for post number n; override any field by name."""
    created = BASE_TIME + timedelta(minutes=17 * n)
    account = overrides.pop("account_handle", f"miriam{n % 3:02d}glow")
    views = 1000 + n
    likes, comments, shares = 50 + n % 7, 5, n % 2
    row = {
        "created_date": created.strftime("%Y-%m-%d"),
        "created_time": created.strftime("%H:%M:%S"),
        "account": account,
        "va": ["Carla", "Kent", "swtzl"][n % 3],
        "post_url": f"https://www.tiktok.com/@{account}/video/{video_id(created, n)}",
        "views": str(views),
        "likes": str(likes),
        "comments": str(comments),
        "shares": str(shares),
        "engagement": str(likes + comments + shares),
        "engagement_rate": str(round(100 * (likes + comments + shares) / views, 2)),
        "hashtags": "fyp, viral, love",
        "sound": f"https://www.tiktok.com/music/original-sound-{7000000000000000000 + n}",
        "slides": "|".join(slide_url(n * 100 + i) for i in range(2)),
        "source": "current_metrics",
    }
    row.update(overrides)
    return row


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    """CSV text as Python's csv module writes it (CRLF, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = header or list(COLUMNS)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_text(rows, header).encode("utf-8"))
    return path


def ocr_record(row: dict[str, str], text: str = "good morning text", **overrides) -> dict:
    record = {
        "post_url": row["post_url"],
        "account": row["account"],
        "va": row["va"],
        "views": int(row["views"]),
        "created_date": f"{row['created_date']} 00:00:00",
        "thumbnail_count": len(row["slides"].split("|")) if row["slides"] else 2,
        "thumbnails_with_text": 1 if text else 0,
        "ocr_text": text,
        "text_hash": hashlib.md5(text.encode()).hexdigest(),
        "timestamp": "2025-10-20T12:15:30.876193",
    }
    record.update(overrides)
    return record


def write_ocr(root: Path, by_va: dict[str, list[dict]]) -> Path:
    for va, records in by_va.items():
        folder = root / "by_va" / va
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ocr_posts.json").write_text(
            json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return root


def run_build(
    tmp_path: Path,
    csv_path: Path,
    ocr_dir: Path | None = None,
    out: Path | None = None,
    **options,
):
    """Build into out (default tmp_path/warehouse); options go to BuildOptions."""
    out = out or tmp_path / "warehouse"
    return build(BuildOptions(csv_path, ocr_dir, out, threads=2, **options))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return [make_row(n) for n in range(1, 7)]
