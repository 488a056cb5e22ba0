"""The shape of the agency's real export, as the generator reproduces it.

Each constant follows a documented fact about the real data (its size, date range, shares,
distributions), stated beside it; constants marked "chosen" are not documented and only have
to look plausible. Where a fact is met by tuning a formula (likes, comments, shares), the
formula's knobs stay with the formula (``posts.py``) and name the fact they aim at.
"Measured" numbers are from ``tikdb generate --posts 45077 --seed 1``, the real export's size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np

from tikdb.contract import SOURCES

# --- calendar -------------------------------------------------------------------------------
# The real file's posts were created 2025-05-09 ... 2025-10-17 (UTC).
FIRST_DAY = date(2025, 5, 9)
LAST_DAY = date(2025, 10, 17)
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
EPOCH0 = int(datetime.combine(FIRST_DAY, time(), UTC).timestamp())  # FIRST_DAY's midnight
# The months of the two scrapes (sept_scrape, oct_scrape); October is also the busy month.
SEPTEMBER = date(2025, 9, 1)
OCTOBER = date(2025, 10, 1)
# Volume grew from about 200 posts/day (May-Sep) to about 570/day (October). Only the ratio
# counts: the curve is scaled to the number of posts asked for.
DAILY_VOLUME_BEFORE_OCT = 200.0
DAILY_VOLUME_OCT = 570.0
# Posts are created mostly 01-13 UTC; the other hours get a trickle.
HOUR_WEIGHTS = np.array([0.15] + [1.0] * 13 + [0.15] * 10)


def expected_daily_volume(posts: int) -> np.ndarray:
    """Expected posts per day: the real growth curve scaled so it sums to ``posts``."""
    oct_index = (OCTOBER - FIRST_DAY).days
    weights = np.full(N_DAYS, DAILY_VOLUME_BEFORE_OCT)
    weights[oct_index:] = DAILY_VOLUME_OCT
    return posts * weights / weights.sum()


# --- VAs and accounts -----------------------------------------------------------------------
MAX_VAS = 49  # the real file has 49 VAs; smaller runs have fewer
POSTS_PER_ACCOUNT_DAY = 3.0  # each account posts about 3 times a day
ACCOUNTS_PER_VA = 5.37  # about 263 accounts / 49 VAs
ACCOUNT_LIFETIME_DAYS = (60, 300)  # chosen: accounts come and go (drawn in [60, 300) days)
EMPTY_VA_SHARE = 0.027  # va is empty on 2.7% of rows

# --- sources --------------------------------------------------------------------------------
# Codes index contract.SOURCES, whose order is the two sheets, then the two scrapes: a code
# >= SEPT_SCRAPE is a scrape row (no slides, a caption and a plain sound name).
OLD, CURRENT, SEPT_SCRAPE, OCT_SCRAPE = range(len(SOURCES))
# 26,229 / 12,334 / 5,139 / 1,375 of the real 45,077 rows; current_metrics takes the rest.
SOURCE_SHARES = {OLD: 26229 / 45077, SEPT_SCRAPE: 5139 / 45077, OCT_SCRAPE: 1375 / 45077}

# --- views ----------------------------------------------------------------------------------
# Real views: median about 600, mean about 3,400, p90 about 2,700, p99 about 8,000, top posts
# 1.2-1.3 M, 0.8-3% of posts at 10,000 or more. Measured: median 620, mean 3,616, p90 2,751,
# p99 7,648, top 1,291,700, 0.8% at 10,000 or more.
VIEWS_MEDIAN = 600.0
ACCOUNT_SIGMA = 0.6  # chosen: some accounts do consistently better than others ...
POST_SIGMA = 0.94  # ... and each post varies around its account's level
# Ordinary posts rarely pass 10k: above the knee their views grow only as a square root, which
# keeps p90 and p99 down. Viral posts carry the mean: they spread over VIRAL_RANGE with
# density ~ x^(VIRAL_POWER - 1), a tail heavier than log-uniform.
VIEWS_KNEE = 4000.0
VIRAL_SHARE = 0.0075  # of all posts
VIRAL_RANGE = (10_000, 1_300_000)
VIRAL_POWER = 0.15
ZERO_VIEW_SHARE = 0.0008  # chosen: a few posts with 0 views (their engagement_rate is 0)
DISPLAY_ROUNDING_FROM = 10_000  # values >= 10,000 are display-rounded to 100
# A "viral" post (viral_posts in the OCR summaries, the skew of slide counts). Chosen: the
# real summaries agree with any threshold from 5,899 to 13,700 views.
VIRAL_VIEWS = 10_000

# --- slides ---------------------------------------------------------------------------------
# Slides per post, in percent of the posts with slides: 2 for 75%, 3 for 17%, 4-5 for 6%, up
# to 12; mean 2.4 (these weights: 2.38). Measured mean: 2.40.
SLIDE_COUNT_WEIGHTS = {
    1: 0.4,
    2: 75.5,
    3: 17.0,
    4: 4.0,
    5: 1.6,
    6: 0.5,
    7: 0.3,
    8: 0.25,
    9: 0.15,
    10: 0.12,
    11: 0.1,
    12: 0.08,
}
# Viral posts skew to 5-11 slides: half of them draw their count from this range.
VIRAL_SLIDE_COUNTS = (5, 11)
VIRAL_SLIDE_SKEW_SHARE = 0.5  # chosen
# Chosen (the real share is not documented; the same image in several posts is a repost
# signal): 1.6% of slides take an earlier post's image, so ~3% of slides share their image
# with another post (measured: 3.2%).
IMAGE_REUSE_SHARE = 0.016
USEAST8_SHARE = 0.3  # chosen: posts whose images are in the useast8 bucket

# --- captions -------------------------------------------------------------------------------
# About 9% of scraped captions are multi-line: 9% of those that are more than hashtags
# (measured: 7.5% of scrape rows).
MULTILINE_CAPTION_SHARE = 0.09

# --- OCR ------------------------------------------------------------------------------------
OCR_SHARE = 0.004  # OCR covers about 0.4% of posts ...
OCR_MIN_RECORDS = 5  # ... (chosen: at least a handful, so small runs have OCR too)
OCR_TEXT_SHARE = 0.74  # ... and 74% of OCR'd posts yield text (134 of 180)
OCR_STALE_VIEWS_SHARE = 0.1  # chosen: OCR's copy of views may be stale (the master wins)
OCR_START = datetime(2025, 10, 20, 12, 10, 0)  # the real OCR ran on 2025-10-20, after midday
