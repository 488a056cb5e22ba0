"""The OCR export: which posts were OCR'd, their records, and the derived JSON documents.

The records copy their post's master row (URL, account, VA, created date, views, possibly
stale) and add noisy text; ``by_va/<VA>/summary.json``, ``duplicates.json`` and the overall
summary are derived from them as the real OCR tool derived its own.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import numpy as np

from tikdb.synthetic.cast import Cast
from tikdb.synthetic.posts import Posts, display_round
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
from tikdb.synthetic.vocabulary import OCR_ACCENTS, OCR_JUNK, OCR_PHRASES, OCR_SUBSTITUTES


def ocr_records(
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


def ocr_documents(records: list[dict]) -> dict[Path, object]:
    """Every JSON document of the OCR folder, by path inside it: by_va/<VA>/ocr_posts.json,
    summary.json and duplicates.json; all_results.json (the union); overall_summary.json."""
    ordered = sorted(records, key=lambda r: r["timestamp"])
    by_va: dict[str, list[dict]] = defaultdict(list)
    for r in ordered:
        by_va[r["va"]].append(r)
    documents: dict[Path, object] = {}
    dup_groups = 0
    for va, recs in sorted(by_va.items()):
        folder = Path("by_va", va)
        dups = _duplicates(recs)
        dup_groups += dups["duplicate_groups"]
        documents[folder / "ocr_posts.json"] = recs
        documents[folder / "summary.json"] = {
            "va": va,
            **_summary(recs),
            "duplicate_groups": dups["duplicate_groups"],
            "accounts": sorted({r["account"] for r in recs}),
        }
        documents[folder / "duplicates.json"] = dups
    documents[Path("all_results.json")] = ordered
    documents[Path("overall_summary.json")] = {
        **_summary(ordered),
        "duplicate_groups": dup_groups,
        "total_vas": len(by_va),
        "by_va": {
            va: {"total_posts": len(recs), "posts_with_text": sum(1 for r in recs if r["ocr_text"])}
            for va, recs in sorted(by_va.items())
        },
    }
    return documents


def _ocr_sample(p: Posts, rng: np.random.Generator) -> np.ndarray:
    """Row indices of the OCR'd posts, in the order OCR ran over them.

    About 0.4% of posts (at least a handful), from October (from the last posts when October
    has too few): half among viral posts, at least one scrape row (no slides) when there is
    one, the rest at random.
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


def _ocr_timestamps(k: int, rng: np.random.Generator) -> list[str]:
    """When OCR ran: a few seconds per post from 12:10 on 2025-10-20 (11 hours at most, plus
    0.05 s per post: within that day for runs up to about 12 million posts)."""
    mean_gap = min(6.0, 11 * 3600 / max(k, 1))
    gaps = rng.exponential(mean_gap, size=k) + 0.05
    offsets = np.cumsum(gaps) + rng.uniform(0, 60)
    return [
        (OCR_START + timedelta(microseconds=int(us))).strftime("%Y-%m-%dT%H:%M:%S.%f")
        for us in (offsets * 1e6).tolist()
    ]


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
