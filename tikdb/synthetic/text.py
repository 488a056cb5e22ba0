"""The text columns, hashtags and sound, whose meaning depends on the row's source.

Sheet rows have a ``tag, tag`` list and a music-page URL, drawn from small pools shared by
many posts. Scrape rows have the full caption (hashtags, emoji, sometimes several lines) and a
plain sound name, made one per row as the CSV is written.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from tikdb.synthetic.posts import Posts
from tikdb.synthetic.shape import MULTILINE_CAPTION_SHARE, OLD
from tikdb.synthetic.vocabulary import (
    CAPTION_EXTRAS,
    CAPTION_FOREIGN,
    CAPTION_HOOKS,
    CAPTION_TAGS,
    SCRAPE_SONGS,
    SCRAPE_SOUNDS,
    SHEET_TAGS,
    SONG_TITLES,
)


@dataclass
class SheetText:
    """sound and hashtags of sheet rows, as indices into small pools (sounds and tag lists are
    shared by many posts). Scrape rows get their own caption and sound name when written."""

    music: list[str]
    sound_idx: np.ndarray
    tags: list[str]  # the last entry is '' (no hashtags)
    tag_idx: np.ndarray


def draw_sheet_text(p: Posts, rng: np.random.Generator, text_rng: random.Random) -> SheetText:
    """Sound and hashtags for every row (scrape rows ignore theirs): a few sounds are used
    a lot; more old_clean rows than later ones have no hashtags (chosen: 60% and 30%)."""
    n = len(p.day)
    music = _music_pool(int(np.clip(n // 30, 30, 3000)), text_rng)
    popularity = 1.0 / (np.arange(len(music)) + 5.0)  # a few sounds are used a lot
    sound_idx = rng.choice(len(music), size=n, p=popularity / popularity.sum())
    tags = _sheet_tag_pool(500, text_rng) + [""]
    no_tags = rng.random(n) < np.where(p.source == OLD, 0.6, 0.3)
    tag_idx = np.where(no_tags, -1, rng.integers(0, len(tags) - 1, size=n))
    return SheetText(music, sound_idx, tags, tag_idx)


def _music_pool(size: int, text_rng: random.Random) -> list[str]:
    """Music page URLs: slug of the title plus an 18-19 digit id (mostly time-based)."""
    start = int(datetime(2019, 1, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(2025, 9, 1, tzinfo=UTC).timestamp())
    pool = []
    for _ in range(size):
        title = text_rng.choice(SONG_TITLES)
        slug = re.sub(r"[^A-Za-z0-9]", "-", title if text_rng.random() < 0.5 else title.title())
        if text_rng.random() < 0.05:  # old-style ids have 18 digits
            music_id = text_rng.randrange(10**17, 10**18)
        else:
            music_id = (text_rng.randrange(start, stop) << 32) | text_rng.getrandbits(32)
        pool.append(f"https://www.tiktok.com/music/{slug}-{music_id}")
    return pool


def _sheet_tag_pool(size: int, text_rng: random.Random) -> list[str]:
    """Sheet hashtags: 1-6 tags without '#', joined by ', '."""
    return [", ".join(text_rng.sample(SHEET_TAGS, text_rng.randint(1, 6))) for _ in range(size)]


def caption(text_rng: random.Random) -> str:
    """A scraped caption: a line of prose with the odd emoji or foreign phrase, sometimes a
    second line, then hashtags; or only hashtags."""
    r = text_rng.random
    tags = ["#fyp"] if r() < 0.7 else []
    tags += text_rng.sample(CAPTION_TAGS, text_rng.randint(2, 7))
    hashtags = " ".join(dict.fromkeys(tags))
    if r() < 0.1:
        return hashtags
    text = text_rng.choice(CAPTION_HOOKS)
    if r() < 0.35:
        text += " " + text_rng.choice(CAPTION_EXTRAS)
    if r() < 0.06:
        text += " " + text_rng.choice(CAPTION_FOREIGN)
    if r() < MULTILINE_CAPTION_SHARE:
        text += text_rng.choice(("\n", "\n\n")) + text_rng.choice(CAPTION_HOOKS)
    return f"{text} {hashtags}"


def scrape_sound(handle: str, text_rng: random.Random) -> str:
    """A scrape row's sound: a plain name (``original sound``, ``som original``, a song)."""
    roll = text_rng.random()
    if roll < 0.25:
        return f"original sound - {handle}"
    if roll < 0.37:
        return text_rng.choice(SCRAPE_SONGS)
    return text_rng.choice(SCRAPE_SOUNDS) if roll < 0.55 else "original sound"
