"""The posts: when each was created, its source, its metrics and its video id.

Everything here is numeric and drawn with numpy for the whole run at once; one array element
per CSV row, rows sorted by creation time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikdb.synthetic.shape import (
    ACCOUNT_SIGMA,
    CURRENT,
    DISPLAY_ROUNDING_FROM,
    EPOCH0,
    FIRST_DAY,
    HOUR_WEIGHTS,
    N_DAYS,
    OCT_SCRAPE,
    OCTOBER,
    OLD,
    POST_SIGMA,
    SEPT_SCRAPE,
    SEPTEMBER,
    SOURCE_SHARES,
    VIEWS_KNEE,
    VIEWS_MEDIAN,
    VIRAL_POWER,
    VIRAL_RANGE,
    VIRAL_SHARE,
    ZERO_VIEW_SHARE,
    expected_daily_volume,
)


@dataclass
class Posts:
    """All posts, sorted by creation time; one array element per CSV row."""

    day: np.ndarray
    second: np.ndarray  # seconds since midnight UTC
    account: np.ndarray
    va_code: np.ndarray  # see cast.va_labels: 2*va (canonical), 2*va+1 (variant), -1 empty
    source: np.ndarray
    views: np.ndarray
    likes: np.ndarray
    comments: np.ndarray
    shares: np.ndarray
    video_id: np.ndarray
    n_slides: np.ndarray
    slide_start: np.ndarray  # offset of the post's first slide in the slide arrays

    @property
    def epoch(self) -> np.ndarray:
        return epoch_seconds(self.day, self.second)


def epoch_seconds(day: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Creation times as Unix seconds, from day index and second of day."""
    return EPOCH0 + day.astype(np.int64) * 86400 + second


def draw_times(posts: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Day index and second of day of every post, sorted by creation time."""
    expected = expected_daily_volume(posts)
    per_day = rng.multinomial(posts, expected / expected.sum())
    day = np.repeat(np.arange(N_DAYS, dtype=np.int32), per_day)
    hour = rng.choice(24, size=posts, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = (hour * 3600 + rng.integers(0, 3600, size=posts)).astype(np.int64)
    order = np.lexsort((second, day))
    return day[order], second[order]


def assign_sources(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """old_clean for the earliest rows; scrapes in September / October; the rest current."""
    n = len(day)
    source = np.full(n, CURRENT, dtype=np.int8)
    n_old = round(SOURCE_SHARES[OLD] * n)
    source[:n_old] = OLD
    sept = (SEPTEMBER - FIRST_DAY).days
    octo = (OCTOBER - FIRST_DAY).days
    rows = np.arange(n)
    for code, lo, hi in ((SEPT_SCRAPE, sept, octo), (OCT_SCRAPE, octo, N_DAYS)):
        eligible = rows[(rows >= n_old) & (day >= lo) & (day < hi)]
        k = min(round(SOURCE_SHARES[code] * n), len(eligible))
        source[rng.choice(eligible, size=k, replace=False)] = code
    return source


def display_round(x: np.ndarray) -> np.ndarray:
    """Values >= 10,000 are shown rounded to 100 (e.g. "17.6K"). Monotone, so likes <= views."""
    rounded = (x + 50) // 100 * 100
    return np.where(x >= DISPLAY_ROUNDING_FROM, rounded, x)


def draw_metrics(account: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """views, likes, comments, shares: heavy-tailed, likes <= views, display-rounded."""
    n = len(account)
    level = rng.normal(0.0, ACCOUNT_SIGMA, int(account.max()) + 1)
    views = np.exp(np.log(VIEWS_MEDIAN) + level[account] + rng.normal(0.0, POST_SIGMA, n))
    above = views > VIEWS_KNEE
    views[above] = VIEWS_KNEE * np.sqrt(views[above] / VIEWS_KNEE)
    viral = rng.random(n) < VIRAL_SHARE
    views[viral] = draw_viral_views(int(viral.sum()), rng)
    views = np.floor(views).astype(np.int64)
    views[rng.random(n) < ZERO_VIEW_SHARE] = 0

    # likes/views: median 5%, p10 2.3%, p90 9.4% (a skewed log-normal; measured the same)
    z = rng.normal(0.0, 1.0, n)
    ratio = np.minimum(0.05 * np.exp(np.where(z < 0, 0.61, 0.49) * z), 0.6)
    likes = np.minimum(np.floor(views * ratio + rng.random(n)).astype(np.int64), views)
    # comments ~ 0.1 x likes; the constant keeps small posts from being comment-less too
    # often (real: 16% zero; measured: 0.103 x likes, 15% zero)
    comments = rng.poisson(likes * 0.095 * rng.lognormal(-0.05, 0.4, n) + 0.28)
    # shares are mostly 0 (real: 66% zero; measured: 66%)
    shares = rng.poisson(likes * 0.009 * rng.lognormal(0.0, 1.0, n))
    return tuple(display_round(m) for m in (views, likes, comments, shares))


def draw_viral_views(k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` draws with density ~ x^(VIRAL_POWER - 1) on VIRAL_RANGE (by inverse CDF)."""
    a, c = (float(x) ** VIRAL_POWER for x in VIRAL_RANGE)
    return (a + rng.random(k) * (c - a)) ** (1.0 / VIRAL_POWER)


def draw_video_ids(epoch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """TikTok ids: the top 32 bits are the second the id was made, 3-259 s before the post's
    created time (the range seen in the real data), the low 32 bits random; all distinct."""
    n = len(epoch)
    top = (epoch - rng.integers(3, 260, size=n)).astype(np.uint64) << np.uint64(32)
    ids = top | rng.integers(0, 2**32, size=n, dtype=np.uint64)
    while True:  # collisions are astronomically rare, but the id is the natural key
        _, first = np.unique(ids, return_index=True)
        if len(first) == n:
            return ids
        dup = np.setdiff1d(np.arange(n), first)
        ids[dup] = top[dup] | rng.integers(0, 2**32, size=len(dup), dtype=np.uint64)
