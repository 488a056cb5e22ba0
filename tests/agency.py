"""A small agency, written by hand, and what its warehouse must hold, computed in Python.

The posts below carry the edges the analytics views get wrong most easily:

* accounts whose rows name several VAs (the account's VA is the one named on MOST rows),
  an account with no VA at all, and a VA who owns no account;
* tied view counts inside one VA (tied posts share a rank; the next rank is skipped);
* posts on Sundays (ISO weekday 7), and a posting-hour cell where one post has no view
  count and another no engagement (the engagement rate uses only posts with both);
* posting-hour cells of 9, 10 and 11 posts, an account posting on 11 different days,
  slide images and OCR texts reused across accounts, inside one account, inside one post.

Every expectation here is computed from these rows with plain Python, never read back
from the SQL under test, so a test comparing the two fails when the SQL is wrong.
"""

from __future__ import annotations

import calendar
import hashlib
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from conftest import make_row, ocr_record, run_build, slide_url, video_id, write_csv, write_ocr


@dataclass(frozen=True)
class Post:
    n: int
    at: str  # "YYYY-MM-DD HH:MM" (UTC)
    account: str
    va: str  # the VA as written on the row
    views: int | None  # None: an empty views field
    images: tuple[int, ...] = ()  # slide images, by number (slide_url)
    ocr: str | None = None  # None: no OCR record
    engagement_known: bool = True  # False: empty engagement (and rate) fields

    @property
    def created(self) -> datetime:
        return datetime.strptime(self.at, "%Y-%m-%d %H:%M")

    @property
    def post_id(self) -> int:
        return video_id(self.created, self.n)

    @property
    def post_url(self) -> str:
        return f"https://www.tiktok.com/@{self.account}/video/{self.post_id}"

    @property
    def likes(self) -> int:
        return (140 if self.views is None else self.views) // 20

    @property
    def comments(self) -> int:
        return self.likes // 10

    @property
    def shares(self) -> int:
        return self.n % 3

    @property
    def engagement(self) -> int | None:
        return self.likes + self.comments + self.shares if self.engagement_known else None

    def row(self) -> dict[str, str]:
        rate = ""
        if self.views == 0 and self.engagement is not None:
            rate = "0.0"  # as the export writes it for a post without views
        elif self.views is not None and self.engagement is not None:
            rate = str(round(100 * self.engagement / self.views, 2))
        return make_row(
            self.n,
            account_handle=self.account,
            created_date=self.created.strftime("%Y-%m-%d"),
            created_time=self.created.strftime("%H:%M:%S"),
            post_url=self.post_url,
            va=self.va,
            views="" if self.views is None else str(self.views),
            likes=str(self.likes),
            comments=str(self.comments),
            shares=str(self.shares),
            engagement="" if self.engagement is None else str(self.engagement),
            engagement_rate=rate,
            slides="|".join(slide_url(i, sig=f"p{self.n}s{k}") for k, i in enumerate(self.images)),
        )


A, B, C = "alphaacct", "betaacct", "gammaacct"
D = "deltaacct"
HOOK_A, HOOK_B = "pov you finally post daily", "three habits that changed me"

# 2025-10-01 is a Wednesday; 10-05 and 10-12 are Sundays; 10-06 a Monday; 10-07 a Tuesday.
POSTS = (
    # Wednesday 09h: 10 posts
    Post(1, "2025-10-01 09:02", A, "Carla", 20000, (1, 2), HOOK_A),
    Post(2, "2025-10-01 09:10", B, "Kent", 5000, (1,), HOOK_A),
    Post(3, "2025-10-01 09:18", C, "", 700, (1, 5), ""),
    Post(4, "2025-10-01 09:26", D, "Zoe", 450, (2,)),
    Post(5, "2025-10-01 09:34", A, "Carla", 12000, (3, 4, 4), HOOK_B),
    Post(6, "2025-10-01 09:42", B, "Kent", 5000, (), HOOK_B),
    Post(7, "2025-10-08 09:05", A, "Carla", 12000, (3,)),
    Post(8, "2025-10-08 09:15", B, "Zoe", 3000, (6,)),
    Post(9, "2025-10-08 09:25", C, "UNKNOWN", 260, (7,), "one off caption"),
    Post(10, "2025-10-08 09:35", D, "Amy", 900, (8,)),
    # Sunday 14h: 11 posts
    Post(11, "2025-10-05 14:01", A, "Kent", 800, (9,)),
    Post(12, "2025-10-05 14:07", B, "Kent", 3000, (10,), HOOK_A),
    Post(13, "2025-10-05 14:13", C, "nan", 1500, (11,), ""),
    Post(14, "2025-10-05 14:19", A, " carla ", 640, (12,)),
    Post(15, "2025-10-05 14:25", B, "unknown", 1000, (13,)),
    Post(16, "2025-10-05 14:31", A, "CARLA", 2200, (14,)),
    Post(17, "2025-10-12 14:02", C, "", 330, (15,)),
    Post(18, "2025-10-12 14:12", A, "Carla", 9100, (16,)),
    Post(19, "2025-10-12 14:22", B, "Kent", 1000, (17,)),
    Post(20, "2025-10-12 14:32", A, "", 150, (18,)),
    Post(21, "2025-10-12 14:42", B, "Kent", None, (19,)),
    # Monday 03h: 9 posts
    Post(22, "2025-10-06 03:01", C, "", 5400, (20,)),
    Post(23, "2025-10-06 03:07", A, "Carla", 2500, (21,)),
    Post(24, "2025-10-06 03:13", B, "Kent", 600, (22,)),
    Post(25, "2025-10-06 03:19", A, "Carla", 610, (23,)),
    Post(26, "2025-10-06 03:25", B, "Kent", 1200, (24,)),
    Post(27, "2025-10-06 03:31", A, "Carla", 75, (25,)),
    Post(28, "2025-10-06 03:37", B, "Kent", 0, (26,)),
    Post(29, "2025-10-06 03:43", A, "Carla", 4300, (27,)),
    Post(30, "2025-10-06 03:49", B, "Kent", 350, (28,)),
    # Tuesday 20h: one post with no view count, one with no engagement
    Post(31, "2025-10-07 20:10", C, "", 1000),
    Post(32, "2025-10-07 20:20", C, "", None),
    Post(33, "2025-10-07 20:30", C, "", 3000, engagement_known=False),
    # gamma's other posting days
    Post(34, "2025-10-02 11:00", C, "", 200),
    Post(35, "2025-10-03 11:00", C, "", 10000),
    Post(36, "2025-10-04 11:00", C, "", 250),
    Post(37, "2025-10-09 11:00", C, "", 820),
    Post(38, "2025-10-10 11:00", C, "", 90),
)
BY_N = {p.n: p for p in POSTS}


def build(tmp: Path):
    """Build the agency's warehouse through the real build; returns the BuildResult."""
    rows = {p.n: p.row() for p in POSTS}
    csv_path = write_csv(tmp / "master.csv", list(rows.values()))
    records = [ocr_record(rows[p.n], p.ocr) for p in POSTS if p.ocr is not None]
    return run_build(tmp, csv_path, write_ocr(tmp / "ocr", {"Carla": records}))


# --- comparing -----------------------------------------------------------------------------


def rounded(rows: list[tuple]) -> list[tuple]:
    """Floats rounded to 9 places, so sums done in another order compare equal."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def differences(got: list[tuple], expected: list[tuple]) -> str:
    """The rows that differ, for a failure message that shows the bug, not a long diff."""
    if len(got) != len(expected):
        return f"{len(got)} rows, expected {len(expected)}"
    return "; ".join(f"got {g}, expected {e}" for g, e in zip(got, expected, strict=True) if g != e)


# --- the rules, in Python ------------------------------------------------------------------


def va_key(name: str) -> str | None:
    key = name.strip(" \t\r\n").lower()
    return None if key in ("", "unknown", "nan") else key


def image_id(n: int) -> str:
    return hashlib.md5(str(n).encode()).hexdigest()  # as conftest.slide_url writes it


def account_vas() -> dict[str, tuple[str | None, int]]:
    """account -> (its VA: the one named on most of its rows, ties alphabetical; VA count)."""
    named: dict[str, Counter] = defaultdict(Counter)
    for p in POSTS:
        named[p.account]  # every account, even one whose rows name no VA
        if va_key(p.va):
            named[p.account][va_key(p.va)] += 1
    out = {}
    for account, counts in named.items():
        best = min(counts, key=lambda va: (-counts[va], va)) if counts else None
        out[account] = (best, len(counts))
    return out


def owner(p: Post) -> str | None:
    return account_vas()[p.account][0]


def display_names() -> dict[str, str]:
    """VA -> the spelling on most rows (ties: not all capitals, then alphabetical)."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    for p in POSTS:
        if va_key(p.va):
            spellings[va_key(p.va)][p.va.strip(" \t\r\n")] += 1
    return {va: min(c, key=lambda s: (-c[s], s == s.upper(), s)) for va, c in spellings.items()}


def known(values) -> list[int]:
    return [v for v in values if v is not None]


def total(values) -> int | None:
    values = known(values)
    return sum(values) if values else None


def median(values) -> float | None:
    values = known(values)
    return float(statistics.median(values)) if values else None


def mean(values) -> float | None:
    values = known(values)
    return sum(values) / len(values) if values else None


def engagement_rate(posts) -> float | None:
    """100 * engagement / views over the posts where both are known."""
    both = [p for p in posts if p.views is not None and p.engagement is not None]
    views = sum(p.views for p in both)
    return 100 * sum(p.engagement for p in both) / views if views else None


def ranks(group_of) -> dict[int, int]:
    """post n -> rank by views within its group (1 = most; ties share; unknown views last)."""
    groups = defaultdict(list)
    for p in POSTS:
        groups[group_of(p)].append(p)
    out = {}
    for members in groups.values():
        for p in members:
            if p.views is None:
                out[p.n] = 1 + sum(1 for q in members if q.views is not None)
            else:
                out[p.n] = 1 + sum(1 for q in members if q.views is not None and q.views > p.views)
    return out


def hook(p: Post) -> str | None:
    return p.ocr if p.ocr and p.ocr.strip() else None


# --- expected contents of the views --------------------------------------------------------


def expected_accounts() -> list[tuple]:
    """(account, va_id, va_count, posts) per account, by account."""
    vas = account_vas()
    posts = Counter(p.account for p in POSTS)
    return [(a, vas[a][0], vas[a][1], posts[a]) for a in sorted(posts)]


def by_owner() -> dict[str | None, list[Post]]:
    groups = defaultdict(list)
    for p in POSTS:
        groups[owner(p)].append(p)
    return groups


def expected_va_board() -> dict[str | None, dict]:
    """VA (None: accounts without one) -> columns of va_performance, by name."""
    out = {}
    for va, posts in by_owner().items():
        views = known(p.views for p in posts)
        out[va] = {
            "posts": len(posts),
            "accounts": len({p.account for p in posts}),
            "total_views": total(views),
            "median_views": median(views),
            "engagement_rate": engagement_rate(posts),
            "pct_posts_10k": (
                100 * sum(1 for v in views if v >= 10_000) / len(views) if views else None
            ),
        }
    return out


def expected_posting_hours() -> list[tuple]:
    """All 7 x 24 cells: (weekday, weekday_name, hour, posts, total_views, median_views,
    mean_views, total_engagement, engagement_rate)."""
    cells = defaultdict(list)
    for p in POSTS:
        cells[(p.created.isoweekday(), p.created.hour)].append(p)
    out = []
    for weekday in range(1, 8):
        for hour in range(24):
            posts = cells.get((weekday, hour), [])
            views = [p.views for p in posts]
            engagement = [p.engagement for p in posts]
            out.append(
                (
                    weekday,
                    calendar.day_name[weekday - 1],
                    hour,
                    len(posts),
                    total(views) if posts else 0,
                    median(views),
                    mean(views),
                    total(engagement) if posts else 0,
                    engagement_rate(posts),
                )
            )
    return out


def expected_post_ranks() -> list[tuple]:
    """(post_id, va_id, rank_in_va, rank_in_day) per post, by post_id."""
    in_va = ranks(owner)
    in_day = ranks(lambda p: p.created.date())
    return sorted((p.post_id, owner(p), in_va[p.n], in_day[p.n]) for p in POSTS)


def expected_account_days() -> dict[str, list[tuple[date, int, int | None, float | None]]]:
    """account -> [(day, posts, views, engagement_rate)] by day."""
    days = defaultdict(lambda: defaultdict(list))
    for p in POSTS:
        days[p.account][p.created.date()].append(p)
    return {
        account: [
            (day, len(ps), total(p.views for p in ps), engagement_rate(ps))
            for day, ps in sorted(per_day.items())
        ]
        for account, per_day in days.items()
    }


def expected_image_uses() -> dict[str, list[Post]]:
    """image id -> the posts using it (an image repeated inside one post is one use), in
    post time order; only images used by more than one post."""
    uses = defaultdict(list)
    for p in sorted(POSTS, key=lambda p: (p.created, p.post_id)):
        for i in dict.fromkeys(p.images):
            uses[image_id(i)].append(p)
    return {image: posts for image, posts in uses.items() if len(posts) > 1}


def expected_text_uses() -> dict[str, list[Post]]:
    """non-blank OCR text -> the posts showing it, only texts on more than one post."""
    uses = defaultdict(list)
    for p in POSTS:
        if hook(p):
            uses[p.ocr].append(p)
    return {text: posts for text, posts in uses.items() if len(posts) > 1}
