"""The master CSV's rows: each post's columns in the real export's order and format.

Rows come in chunks, so that the writer holds only one chunk's strings at a time; a scrape
row's caption and sound are made as its chunk is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from tikdb.contract import COLUMNS, SOURCES
from tikdb.synthetic.cast import Cast, va_labels
from tikdb.synthetic.posts import Posts
from tikdb.synthetic.shape import FIRST_DAY, N_DAYS, SEPT_SCRAPE
from tikdb.synthetic.slides import Slides, slide_fields, url_middles
from tikdb.synthetic.text import SheetText, caption, scrape_sound
from tikdb.synthetic.writer import SLIDES_MARK

CHUNK_ROWS = 20_000
HASHTAGS = COLUMNS.index("hashtags")


@dataclass
class Chunk:
    """Consecutive rows, SLIDES_MARK in their slides field; ``slides`` holds those fields."""

    rows: list[tuple]
    slides: list[str]
    multiline_captions: int  # rows whose hashtags (a scraped caption) span several lines


def csv_chunks(
    p: Posts, s: Slides, cast: Cast, sheet_text: SheetText, text_rng: random.Random
) -> Iterator[Chunk]:
    """All rows of the CSV, in order, CHUNK_ROWS at a time."""
    middles = url_middles(p)
    labels = va_labels(cast) + [""]  # code -1 -> ''
    for lo in range(0, len(p.day), CHUNK_ROWS):
        hi = min(len(p.day), lo + CHUNK_ROWS)
        rows = list(_csv_rows(p, cast, labels, sheet_text, lo, hi, text_rng))
        multiline = sum("\n" in row[HASHTAGS] for row in rows)
        yield Chunk(rows, slide_fields(p, s, lo, hi, middles), multiline)


def _csv_rows(
    p: Posts,
    cast: Cast,
    labels: list[str],
    sheet_text: SheetText,
    lo: int,
    hi: int,
    text_rng: random.Random,
) -> Iterator[tuple]:
    """Rows lo..hi of the CSV as tuples of strings / ints / floats, SLIDES_MARK for slides."""
    dates, times = _date_strings(), _time_strings()
    t = sheet_text
    columns = (
        p.day,
        p.second,
        p.account,
        p.va_code,
        p.video_id,
        p.views,
        p.likes,
        p.comments,
        p.shares,
        p.source,
        t.sound_idx,
        t.tag_idx,
    )
    for d, sec, acc, code, vid, v, lk, c, sh, src, snd, tg in zip(
        *(col[lo:hi].tolist() for col in columns), strict=True
    ):
        handle = cast.handles[acc]
        engagement = lk + c + sh
        if src < SEPT_SCRAPE:
            hashtags, sound = t.tags[tg], t.music[snd]
        else:
            hashtags, sound = caption(text_rng), scrape_sound(handle, text_rng)
        yield (
            dates[d],
            times[sec],
            handle,
            labels[code],
            f"https://www.tiktok.com/@{handle}/video/{vid}",
            v,
            lk,
            c,
            sh,
            engagement,
            _engagement_rate(engagement, v),
            hashtags,
            sound,
            SLIDES_MARK,
            SOURCES[src],
        )


def _engagement_rate(engagement: int, views: int) -> float:
    """round(100 x engagement / views, 2), 0.0 when views = 0; csv writes it as Python does
    (``3.9``, ``0.0``), like the real export."""
    return round(100 * engagement / views, 2) if views else 0.0


@cache
def _time_strings() -> list[str]:
    """created_time by second of day: ``HH:MM:SS``."""
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def _date_strings() -> list[str]:
    """created_date by day index: ``YYYY-MM-DD``."""
    return [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(N_DAYS)]
