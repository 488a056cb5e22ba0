"""Synthetic raw exports that look like the agency's real ones.

``generate`` writes a master CSV and an ``october_ocr_data/`` folder in exactly the format
described in ``shared/data-contract.md``: same header, CSV dialect, URL shapes, JSON layout,
the same invariants (ids encode creation time, engagement sums, one VA per account, ...) and
roughly the same "shape" statistics (heavy-tailed views, 2-slide posts, reused images, ...).

Design: everything numeric (times, ids, metrics, slide identities) is drawn with numpy for the
whole run up front; text (handles, captions, OCR text) comes from small word pools through a
``random.Random`` seeded from the same generator; the CSV is then written in chunks so that only
one chunk's strings are alive at a time. One seed drives everything, so the output is
byte-identical for the same ``(posts, seed)``.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from tikdb.contract import COLUMNS, CSV_NAME, OCR_DIR_NAME
from tikdb.synthetic.cast import Cast, assign_accounts, make_cast, va_codes, va_labels
from tikdb.synthetic.posts import (
    Posts,
    assign_sources,
    display_round,
    draw_metrics,
    draw_times,
    draw_video_ids,
    epoch_seconds,
)
from tikdb.synthetic.rows import csv_chunks
from tikdb.synthetic.shape import (
    FIRST_DAY,
    OCR_MIN_RECORDS,
    OCR_SHARE,
    OCR_STALE_VIEWS_SHARE,
    OCR_START,
    OCR_TEXT_SHARE,
    OCTOBER,
    VIRAL_VIEWS,
)
from tikdb.synthetic.slides import (
    draw_slide_counts,
    draw_slides,
)
from tikdb.synthetic.text import draw_sheet_text
from tikdb.synthetic.vocabulary import (
    OCR_ACCENTS,
    OCR_JUNK,
    OCR_PHRASES,
    OCR_SUBSTITUTES,
)
from tikdb.synthetic.writer import csv_file


@dataclass(frozen=True)
class GenerateResult:
    """Where the files went and counts of what was actually written."""

    csv_path: Path
    ocr_dir: Path
    posts: int  # data rows written to the CSV
    slides: int  # total slide URLs written (sum of pipe parts over all rows)
    posts_with_slides: int
    ocr_records: int  # records across all by_va/*/ocr_posts.json
    ocr_with_text: int
    vas: int  # distinct VAs (case-folded) among non-empty va values
    accounts: int
    multiline_captions: int


# === public entry point =====================================================================


def generate(out_dir: Path, posts: int, seed: int = 0) -> GenerateResult:
    """Write a synthetic master CSV and OCR folder with ``posts`` posts into ``out_dir``.

    Creates ``out_dir/MASTER_TIKTOK_DATABASE.csv`` and ``out_dir/october_ocr_data/`` in the
    real exports' exact format (see ``shared/data-contract.md``). The same ``(posts, seed)``
    always gives byte-identical files; a ``by_va/`` folder left by an earlier run is replaced.
    Returns the counts of what was written.

    Raises ``ValueError`` if ``posts`` < 1.
    """
    if posts < 1:
        raise ValueError(f"posts must be at least 1, got {posts}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    text_rng = random.Random(int(rng.integers(2**62)))

    day, second = draw_times(posts, rng)
    account = assign_accounts(day, rng)
    cast = make_cast(int(account.max()) + 1, rng, text_rng)
    source = assign_sources(day, rng)
    va_code = va_codes(account, source, cast, rng)
    views, likes, comments, shares = draw_metrics(account, rng)
    video_id = draw_video_ids(epoch_seconds(day, second), rng)
    n_slides = draw_slide_counts(source, views, rng)
    slide_start = np.concatenate(([0], np.cumsum(n_slides)[:-1])).astype(np.int64)
    p = Posts(
        day,
        second,
        account,
        va_code,
        source,
        views,
        likes,
        comments,
        shares,
        video_id,
        n_slides,
        slide_start,
    )
    slides = draw_slides(p, cast, rng)

    csv_path = out_dir / CSV_NAME
    sheet_text = draw_sheet_text(p, rng, text_rng)
    multiline = 0
    with csv_file(csv_path, COLUMNS) as write:
        for chunk in csv_chunks(p, slides, cast, sheet_text, text_rng):
            write(chunk.rows, chunk.slides)
            multiline += chunk.multiline_captions
    ocr_dir = out_dir / OCR_DIR_NAME
    records = _ocr_records(p, cast, rng, text_rng)
    _write_ocr(ocr_dir, records)

    used_codes = np.unique(va_code[va_code >= 0])
    labels = va_labels(cast)
    return GenerateResult(
        csv_path=csv_path,
        ocr_dir=ocr_dir,
        posts=posts,
        slides=int(n_slides.sum()),
        posts_with_slides=int(np.count_nonzero(n_slides)),
        ocr_records=len(records),
        ocr_with_text=sum(1 for r in records if r["ocr_text"]),
        vas=len({labels[c].casefold() for c in used_codes.tolist()}),
        accounts=len(np.unique(account)),
        multiline_captions=multiline,
    )


# === time and accounts =======================================================================


# === sources and VA column ===================================================================


# === metrics =================================================================================


# === ids and slides ==========================================================================


# === text columns ============================================================================


# === CSV =====================================================================================


# === OCR =====================================================================================


def _ocr_sample(p: Posts, rng: np.random.Generator) -> np.ndarray:
    """Row indices of the OCR'd posts, in the order OCR ran over them.

    About 0.4% of posts (at least a handful), from October: half among viral posts, at least one
    scrape row (no slides) when there is one, the rest at random.
    """
    n = len(p.day)
    k = min(n, max(OCR_MIN_RECORDS, round(OCR_SHARE * n)))
    october = np.flatnonzero(p.day >= (OCTOBER - FIRST_DAY).days)
    pool = october if len(october) >= k else np.arange(n - k, n)
    viral = pool[p.views[pool] >= VIRAL_VIEWS]
    chosen = list(rng.choice(viral, size=min(len(viral), k // 2), replace=False))
    scrape = np.setdiff1d(pool[p.n_slides[pool] == 0], chosen)
    if len(scrape) and len(chosen) < k:
        chosen.append(rng.choice(scrape))
    rest = np.setdiff1d(pool, chosen)
    chosen += list(rng.choice(rest, size=k - len(chosen), replace=False))
    return rng.permutation(np.array(chosen, dtype=np.int64))


def _noisy_ocr_text(text_rng: random.Random) -> str:
    """Lower-cased, punctuation-free, very noisy text like the real OCR output."""
    r = text_rng.random
    words = " ".join(text_rng.sample(OCR_PHRASES, text_rng.randint(1, 3))).split()
    if len(words) > 3 and r() < 0.5:  # OCR often misses the start or the end
        cut = text_rng.randint(1, len(words) // 2)
        words = words[cut:] if r() < 0.5 else words[:-cut]
    out: list[str] = []
    for word in words:
        if r() < 0.1:
            word = "".join(OCR_SUBSTITUTES.get(ch, ch) if r() < 0.3 else ch for ch in word)
        if r() < 0.05 and len(word) > 2:
            word = word[1:]
        if r() < 0.04:
            word = "".join(OCR_ACCENTS.get(ch, ch) for ch in word)
        if out and r() < 0.12:  # two words read as one
            out[-1] += word
        else:
            out.append(word)
        if r() < 0.08:
            out.append(text_rng.choice(OCR_JUNK))
    return " ".join(out)


def _ocr_timestamps(k: int, rng: np.random.Generator) -> list[str]:
    """When OCR ran: a few seconds per post from 12:10 on 2025-10-20, all within that day."""
    mean_gap = min(6.0, 11 * 3600 / max(k, 1))
    gaps = rng.exponential(mean_gap, size=k) + 0.05
    offsets = np.cumsum(gaps) + rng.uniform(0, 60)
    return [
        (OCR_START + timedelta(microseconds=int(us))).strftime("%Y-%m-%dT%H:%M:%S.%f")
        for us in (offsets * 1e6).tolist()
    ]


def _ocr_records(
    p: Posts, cast: Cast, rng: np.random.Generator, text_rng: random.Random
) -> list[dict]:
    """One record per OCR'd post, in the real key order, sorted by timestamp."""
    rows = _ocr_sample(p, rng)
    k = len(rows)
    with_text = np.zeros(k, dtype=bool)
    with_text[rng.choice(k, size=round(OCR_TEXT_SHARE * k), replace=False)] = True
    stale = rng.random(k) < OCR_STALE_VIEWS_SHARE
    stale_factor = rng.uniform(0.6, 0.95, size=k)
    texts_seen: dict[str, set[str]] = defaultdict(set)
    records = []
    for j, (i, ts) in enumerate(zip(rows.tolist(), _ocr_timestamps(k, rng), strict=True)):
        code = int(p.va_code[i])
        va = cast.va_names[code // 2] if code >= 0 else "nan"  # pandas wrote NaN as "nan"
        handle = cast.handles[int(p.account[i])]
        n_slides = int(p.n_slides[i])
        thumbs = n_slides if n_slides else text_rng.randint(1, 3)
        text = ""
        if with_text[j]:
            while not text or text in texts_seen[va]:  # keep per-VA texts distinct
                text = _noisy_ocr_text(text_rng)
            texts_seen[va].add(text)
        created = FIRST_DAY + timedelta(days=int(p.day[i]))
        views = int(p.views[i])
        if stale[j]:  # OCR copied the views earlier than the master's export
            views = int(display_round(np.int64(views * stale_factor[j])))
        records.append(
            {
                "post_url": f"https://www.tiktok.com/@{handle}/video/{int(p.video_id[i])}",
                "account": handle,
                "va": va,
                "views": views,
                "created_date": f"{created.isoformat()} 00:00:00",
                "thumbnail_count": thumbs,
                "thumbnails_with_text": text_rng.randint(1, thumbs) if text else 0,
                "ocr_text": text,
                "text_hash": hashlib.md5(text.encode("utf-8")).hexdigest(),
                "timestamp": ts,
            }
        )
    return records


def _summary(records: list[dict]) -> dict:
    """The derived numbers shared by summary.json and overall_summary.json."""
    total = len(records)
    with_text = sum(1 for r in records if r["ocr_text"])
    views = sum(r["views"] for r in records)
    viral = sum(1 for r in records if r["views"] >= VIRAL_VIEWS)
    return {
        "total_posts": total,
        "posts_with_text": with_text,
        "posts_without_text": total - with_text,
        "text_extraction_rate": with_text / total if total else 0.0,
        "total_views": views,
        "avg_views": views // total if total else 0,
        "viral_posts": viral,
        "viral_rate": viral / total if total else 0.0,
    }


def _duplicates(records: list[dict]) -> dict:
    """Posts of one VA whose OCR text is identical (a reused slideshow)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if r["ocr_text"]:
            groups[r["text_hash"]].append(r)
    dups = [
        {
            "text_hash": h,
            "ocr_text": g[0]["ocr_text"],
            "count": len(g),
            "post_urls": [r["post_url"] for r in g],
        }
        for h, g in groups.items()
        if len(g) > 1
    ]
    return {
        "total_posts": len(records),
        "posts_with_text": sum(len(g) for g in groups.values()),
        "unique_patterns": len(groups),
        "duplicate_groups": len(dups),
        "duplicates": dups,
    }


def _dump_json(path: Path, obj: object) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)  # no trailing newline, like the real


def _write_ocr(ocr_dir: Path, records: list[dict]) -> None:
    """by_va/<VA>/{ocr_posts,summary,duplicates}.json, all_results.json, overall_summary.json.

    A by_va/ left by an earlier run is replaced: stale folders would break the union.
    """
    shutil.rmtree(ocr_dir / "by_va", ignore_errors=True)
    by_va: dict[str, list[dict]] = defaultdict(list)
    for r in sorted(records, key=lambda r: r["timestamp"]):
        by_va[r["va"]].append(r)
    dup_groups = 0
    for va, recs in sorted(by_va.items()):
        folder = ocr_dir / "by_va" / va
        folder.mkdir(parents=True, exist_ok=True)
        dups = _duplicates(recs)
        dup_groups += dups["duplicate_groups"]
        summary = {
            "va": va,
            **_summary(recs),
            "duplicate_groups": dups["duplicate_groups"],
            "accounts": sorted({r["account"] for r in recs}),
        }
        _dump_json(folder / "ocr_posts.json", recs)
        _dump_json(folder / "summary.json", summary)
        _dump_json(folder / "duplicates.json", dups)
    ordered = sorted(records, key=lambda r: r["timestamp"])
    _dump_json(ocr_dir / "all_results.json", ordered)
    overall = {
        **_summary(ordered),
        "duplicate_groups": dup_groups,
        "total_vas": len(by_va),
        "by_va": {
            va: {"total_posts": len(recs), "posts_with_text": sum(1 for r in recs if r["ocr_text"])}
            for va, recs in sorted(by_va.items())
        },
    }
    _dump_json(ocr_dir / "overall_summary.json", overall)
