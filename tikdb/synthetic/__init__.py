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

import csv
import hashlib
import json
import os
import random
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np

from tikdb.contract import COLUMNS
from tikdb.errors import InputError

CSV_NAME = "MASTER_TIKTOK_DATABASE.csv"
OCR_DIR_NAME = "october_ocr_data"
# Written beside the generated files: the generator replaces only files it wrote.
GENERATED_MARKER = ".tikdb-generated"
GENERATED_TEXT = "Written by tikdb generate: generated data, not a real export.\n"
# The header of the real export, the same list the reader expects.
HEADER = list(COLUMNS)

# --- calendar -------------------------------------------------------------------------------
FIRST_DAY = date(2025, 5, 9)
LAST_DAY = date(2025, 10, 17)
SEPTEMBER = date(2025, 9, 1)
OCTOBER = date(2025, 10, 1)
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
EPOCH0 = int(datetime(2025, 5, 9, tzinfo=UTC).timestamp())
DAILY_VOLUME_BEFORE_OCT = 200.0  # posts/day May-Sep in the real file ...
DAILY_VOLUME_OCT = 570.0  # ... and in October
# Posts cluster in 01-13 UTC (the VAs' working day); the other hours get a trickle.
HOUR_WEIGHTS = np.array([0.15] + [1.0] * 13 + [0.15] * 10)

# --- cast ---------------------------------------------------------------------------------
MAX_VAS = 49
POSTS_PER_ACCOUNT_DAY = 3.0
ACCOUNTS_PER_VA = 5.37  # 263 accounts / 49 VAs in the real file
ACCOUNT_LIFETIME_DAYS = (60, 300)  # accounts come and go
EMPTY_VA_SHARE = 0.027

# --- sources ------------------------------------------------------------------------------
SOURCES = ("old_clean", "current_metrics", "sept_scrape", "oct_scrape")
OLD, CURRENT, SEPT_SCRAPE, OCT_SCRAPE = range(4)
SOURCE_SHARES = {OLD: 26229 / 45077, SEPT_SCRAPE: 5139 / 45077, OCT_SCRAPE: 1375 / 45077}

# --- metrics ------------------------------------------------------------------------------
VIEWS_MEDIAN = 600.0
ACCOUNT_SIGMA = 0.6  # some accounts do consistently better than others ...
POST_SIGMA = 0.94  # ... and each post varies around its account's level
# Ordinary posts rarely pass 10k: above the knee their views grow only as a square root, which
# gives p90 ~2,700 with p99 ~8,000. Viral posts (~0.8%) carry the mean (~3,400): they spread
# over 10k-1.3M with density ~ x^(VIRAL_POWER - 1), a tail heavier than log-uniform.
VIEWS_KNEE = 4000.0
VIRAL_SHARE = 0.0075
VIRAL_RANGE = (10_000, 1_300_000)
VIRAL_POWER = 0.15
ZERO_VIEW_SHARE = 0.0008
DISPLAY_ROUNDING_FROM = 10_000

# --- slides -------------------------------------------------------------------------------
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
IMAGE_REUSE_SHARE = 0.016  # ~3% of slides end up sharing an image with another post
HOSTS = ("p16-sign", "p19-sign", "p16-common-sign", "p19-common-sign", "p16-pu-sign-useast8")
HOST_WEIGHTS_USEAST5 = np.array([0.5, 0.25, 0.15, 0.10])
USEAST8_HOST = 4
BUCKETS = ("tos-useast5-i-photomode-tx", "tos-useast8-i-photomode-tx2")
USEAST8_SHARE = 0.3
MAX_SLIDE_URL = 278
SLIDE_QUERY_TAIL = "&t=4d5b0474&ps=13740610&shp=81f88b70&shcp=9b759fb9&idc=no1a&ftpl=1"
B64 = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", dtype=np.uint8
)
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

# --- OCR ----------------------------------------------------------------------------------
OCR_SHARE = 0.004
OCR_MIN_RECORDS = 5
OCR_TEXT_SHARE = 0.74
OCR_STALE_VIEWS_SHARE = 0.1
OCR_START = datetime(2025, 10, 20, 12, 10, 0)
VIRAL_VIEWS = 10_000

CHUNK_ROWS = 20_000
SLIDES_MARK = "\ue000"  # a private-use character no generated text contains

# --- word pools ---------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


VA_NAMES = _words(
    "Aileen Bea Camille Darlene Elmer Faye Gelo Hazel Ivy Jomar Kristine Lovely Marvin Nica "
    "Princess Queenie Rhea Sheena Tristan Vince Wendell Xyra Yvette Zeny Angelica Bryan Cherry "
    "Dindo Edlyn Francis Gemma Honey Irene Jericho Kimberly Lester Mylene Noel Paolo Raffy "
    "Shiela Tonette Venus Weng Yuri Zaldy Ronel Joanna Mariel Rachelle Jenny Carlo Mika Arnel "
    "Loraine Divine Ethan Grace Joyce Leah Maricel Rodel Ariel Bernadette Cyrus Dexter"
)
VA_HANDLE_NAMES = _words("jxmie rhnz kclyn mrgrt dnxl bxbyj ysabl trshk pxlo zhyn")
PERSONAS = _words(
    "miriam naomi mia mika lena sofia ava chloe ella luna zoe nina maya kira lily rosa "
    "aria bella clara daisy emma freya gigi hana iris jade kayla lola mila nora olive "
    "piper quinn ruby sasha tara vera willa yara zara elle amara celia dana eva gemma "
    "hailey ivy jenna kate leah mae noa paige rhea sienna talia una violet"
)
HANDLE_WORDS = _words(
    "glow glows matters tales faves dose sassy rollqueen sips slides gaze snaps gloom peach "
    "daily vibes diary notes thoughts era mood core writes talks edits lately soft dreamy "
    "muse heart honey bloom petal quotes advice secrets letters pages journal sunny cozy "
    "sweet lovely wild calm shine spark aura blush velvet"
)
SONG_TITLES = _words(
    "Original Sound|original sound|son original|som original|sonido original|"
    "slowed reverb edit|sad piano loop|late night drive|i miss the old you|cant let go|"
    "golden hour sped up|lovers in the rain|midnight call|paper hearts remix|"
    "say it back pt. 2|softer than you think|no more drama|chasing the summer|"
    "blue jeans daydream|running back to you|city lights acoustic|forever isnt real|"
    "the one that got away slowed|break my heart again|heartbeat in stereo|"
    "you were my favorite|dancing alone tonight|wish you well|over thinking it|"
    "cherry wine cover|nothing lasts forever|velvet sky instrumental|love me right|"
    "stay a little longer|hopeless romantic|good days only|tell me why|"
    "3am thoughts|pink moon lofi|all my friends are married",
    sep="|",
)
SHEET_TAGS = _words(
    "fyp foryou viral relatable relationships situationship datingadvice selflove healing "
    "girltalk quotes slideshow photomode trending advice love couple redflags greenflags "
    "womensupportingwomen motivation mentalhealth breakup glowup confidence"
)
CAPTION_TAGS = _words(
    "#fyp #foryou #foryoupage #viral #fypシ #relatable #relationship #situationship "
    "#datingadvice #selflove #healing #girltalk #quotes #slideshow #photomode #xyzbca "
    "#trending #advice #sad #love #couple #redflags #greenflags #womensupportingwomen #fypage"
)
CAPTION_HOOKS = (
    "if he wanted to he would",
    "pov: you finally stopped explaining yourself",
    "tell me you're healing without telling me",
    "normalize leaving when it feels wrong",
    "3 signs he's not the one, save this",
    "things i wish i knew at 21",
    "reminder: you don't owe anyone a second chance",
    'he said "i\'m not ready" and married the next girl',
    'the "it\'s not that deep" era',
    "save this for later, trust me",
    "not me crying over a situationship again",
    "read this if you're overthinking tonight",
    "the bar is on the floor, and he still tripped",
    "soft life, no drama, only peace",
    "you deserve someone who texts back",
    "if you know, you know",
    "be honest, would you stay?",
    "this one hit different",
    "send this to your bestie",
    "healing isn't linear, be patient with yourself",
    'when he says "we\'re just friends"',
    "choose the one who chooses you",
    "protect your peace at all costs",
    "comment your zodiac sign",
    "part 2? let me know",
)
CAPTION_EXTRAS = (
    "🥹",
    "💔",
    "✨",
    "😭",
    "🫶",
    "🤍",
    "🌸",
    "💅",
    "😮‍💨",
    "🙂‍↕️",
    "❤️‍🩹",
    "🔥",
    "¯\\_(ツ)_/¯",
    "(╥﹏╥)",
    "\\o/",
)
CAPTION_FOREIGN = (
    "te lo juro que sí",
    "amor próprio é tudo",
    "любовь — это выбор",
    "愛してるって言って",
    "사랑해 진짜로",
    "الحب الحقيقي",
    "ความรักไม่ใช่เรื่องง่าย",
    "l'amour, toujours",
)
SCRAPE_SOUNDS = (
    "original sound",
    "som original",
    "sonido original",
    "son original",
    "Originalton",
    "suara asli",
)
SCRAPE_SONGS = (
    "late night drive - nightcall",
    "i miss the old you (slowed)",
    "golden hour (sped up)",
    "lovers in the rain",
    "paper hearts - remix",
    "softer than you think",
    "3am thoughts",
)
OCR_PHRASES = (
    "if he wanted to he would",
    "tell me the letter of the name that broke you",
    "good morning text",
    "where are the men",
    "can you still love me when im overthinking",
    "social media has ruined expectations of a man in a relationship",
    "he is supposed to be your partner not your atm",
    "true love is priceless",
    "idk who needs to hear this but",
    "how can you expect him to communicate with you",
    "what song do you play when it hurts most",
    "two weeks relationship",
    "a 23 year old man does not need to buy you expensive bags",
    "the real question is",
    "you dont have to explain yourself",
    "that girl with tattoos can",
    "read this when you miss him",
    "signs you are healing",
    "green flags in a man",
    "normalize choosing yourself",
    "it was never that deep",
    "you will find someone better",
    "stop texting him first",
    "this is your sign to leave",
)
OCR_JUNK = ("s", "ss", "ae", "ee", "a", "_", "x", "oe", "y", "33", "4", "wr", "j", "é", "i")
OCR_SUBSTITUTES = {"i": "l", "l": "i", "o": "e", "e": "c", "a": "o", "n": "m", "u": "v"}
OCR_ACCENTS = {"e": "é", "a": "á", "o": "ó"}  # OCR reads specks on the image as accents
HANDLE_RE = re.compile(r"[a-z0-9._]{7,20}")


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


@dataclass
class _Cast:
    """Accounts and VAs. Arrays are indexed by account id."""

    handles: list[str]
    account_va: np.ndarray  # VA index of each account
    va_names: list[str]  # canonical display name per VA
    va_alt_names: list[str]  # the other spelling some sheets use


@dataclass
class _Posts:
    """All posts, sorted by creation time; one array element per CSV row."""

    day: np.ndarray
    second: np.ndarray  # seconds since midnight UTC
    account: np.ndarray
    va_code: np.ndarray  # index into labels: 2*va (canonical), 2*va+1 (alt spelling), -1 empty
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
        return EPOCH0 + self.day.astype(np.int64) * 86400 + self.second


@dataclass
class _Slides:
    """All slide URLs' parts, in post order then slide order."""

    host: np.ndarray
    bucket: np.ndarray
    image: np.ndarray  # (n, 16) uint8: the image id as bytes
    signature: np.ndarray  # (n, 27) uint8: base64 alphabet indices (the 28th char is '=')


# === public entry point =====================================================================


def generate(out_dir: Path, posts: int, seed: int = 0) -> GenerateResult:
    """Write a synthetic master CSV and OCR folder with ``posts`` posts into ``out_dir``.

    Creates ``out_dir/MASTER_TIKTOK_DATABASE.csv`` and ``out_dir/october_ocr_data/`` in the
    real exports' exact format (see ``shared/data-contract.md``). The same ``(posts, seed)``
    always gives byte-identical files; a ``by_va/`` folder left by an earlier run is replaced.
    Returns the counts of what was written.

    Raises ``ValueError`` if ``posts`` < 1, and ``InputError`` if ``out_dir`` holds an
    export or OCR folder that tikdb generate did not write (it would be replaced).
    """
    if posts < 1:
        raise ValueError(f"posts must be at least 1, got {posts}")
    out_dir = Path(out_dir)
    _require_generated(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / GENERATED_MARKER).write_text(GENERATED_TEXT, encoding="utf-8")
    rng = np.random.default_rng(seed)
    text_rng = random.Random(int(rng.integers(2**62)))

    day, second = _draw_times(posts, rng)
    account = _assign_accounts(day, rng)
    cast = _make_cast(int(account.max()) + 1, rng, text_rng)
    source = _assign_sources(day, rng)
    va_code = _va_codes(account, source, cast, rng)
    views, likes, comments, shares = _draw_metrics(account, rng)
    video_id = _draw_video_ids(EPOCH0 + day.astype(np.int64) * 86400 + second, rng)
    n_slides = _draw_slide_counts(source, views, rng)
    slide_start = np.concatenate(([0], np.cumsum(n_slides)[:-1])).astype(np.int64)
    p = _Posts(
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
    slides = _draw_slides(p, cast, rng)

    csv_path = out_dir / CSV_NAME
    multiline = _write_csv(csv_path, p, slides, cast, rng, text_rng)
    ocr_dir = out_dir / OCR_DIR_NAME
    records = _ocr_records(p, cast, rng, text_rng)
    _write_ocr(ocr_dir, records)

    used_codes = np.unique(va_code[va_code >= 0])
    labels = _va_labels(cast)
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


def _require_generated(out_dir: Path) -> None:
    """Refuse to overwrite a master CSV or an OCR folder that this generator did not
    write: a real export in out_dir would be lost. A folder it wrote holds its marker."""
    if (out_dir / GENERATED_MARKER).is_file():
        return
    found = [name for name in (CSV_NAME, OCR_DIR_NAME) if os.path.lexists(out_dir / name)]
    if found:
        one = len(found) == 1
        raise InputError(
            f"{out_dir}: {' and '.join(found)} {'is' if one else 'are'} not written by tikdb "
            "generate and would be replaced; nothing was changed. Generate into another "
            f"folder, or move {'it' if one else 'them'} elsewhere."
        )


# === time and accounts =======================================================================


def _expected_daily_volume(posts: int) -> np.ndarray:
    """Expected posts per day: the real growth curve scaled so it sums to ``posts``."""
    oct_index = (OCTOBER - FIRST_DAY).days
    weights = np.full(N_DAYS, DAILY_VOLUME_BEFORE_OCT)
    weights[oct_index:] = DAILY_VOLUME_OCT
    return posts * weights / weights.sum()


def _draw_times(posts: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Day index and second of day of every post, sorted by creation time."""
    expected = _expected_daily_volume(posts)
    per_day = rng.multinomial(posts, expected / expected.sum())
    day = np.repeat(np.arange(N_DAYS, dtype=np.int32), per_day)
    hour = rng.choice(24, size=posts, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = (hour * 3600 + rng.integers(0, 3600, size=posts)).astype(np.int64)
    order = np.lexsort((second, day))
    return day[order], second[order]


def _assign_accounts(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Account id of every post.

    Accounts live for a few months (some start before or outlive the date range); each day
    enough accounts are alive for each to post about 3 times, so the number of accounts grows
    with the volume. Ids are renumbered in order of first post so that none is unused.
    """
    needed = np.maximum(1, np.rint(_expected_daily_volume(len(day)) / POSTS_PER_ACCOUNT_DAY))
    day_bounds = np.searchsorted(day, np.arange(N_DAYS + 1))
    account = np.empty(len(day), dtype=np.int64)
    alive: list[tuple[int, int]] = []  # (account id, last day)
    next_id = 0
    for d in range(N_DAYS):
        alive = [a for a in alive if a[1] >= d]
        while len(alive) < needed[d]:
            life = int(rng.integers(*ACCOUNT_LIFETIME_DAYS))
            if d == 0:  # accounts alive at the start are part-way through their lifetime
                life = int(rng.integers(1, life + 1))
            alive.append((next_id, d + life - 1))
            next_id += 1
        lo, hi = day_bounds[d], day_bounds[d + 1]
        ids = np.array([a[0] for a in alive])
        account[lo:hi] = ids[rng.integers(0, len(ids), size=hi - lo)]
    _, first = np.unique(account, return_index=True)
    renumber = np.empty(next_id, dtype=np.int64)
    renumber[account[np.sort(first)]] = np.arange(len(first))
    return renumber[account]


def _make_cast(n_accounts: int, rng: np.random.Generator, text_rng: random.Random) -> _Cast:
    """VAs (with realistic names and spelling quirks) and their accounts' handles."""
    n_vas = int(np.clip(round(n_accounts / ACCOUNTS_PER_VA), 1, MAX_VAS))
    va_names = _va_names(n_vas, text_rng)
    # Each VA takes one new account in turn (in random order per round), so every VA runs a
    # few accounts at any time; VA sizes then differ through their accounts' activity.
    rounds = -(-n_accounts // n_vas)
    account_va = np.concatenate([rng.permutation(n_vas) for _ in range(rounds)])[:n_accounts]
    handles = _handles(account_va, n_vas, text_rng)
    alt = [name.capitalize() if name.isupper() else name.upper() for name in va_names]
    return _Cast(handles, account_va, va_names, alt)


def _va_names(n_vas: int, text_rng: random.Random) -> list[str]:
    """Distinct VA display names: mostly Capitalized, a few lower-case handles, a few UPPER."""
    names = text_rng.sample(VA_NAMES, min(n_vas, len(VA_NAMES)))
    handles = text_rng.sample(VA_HANDLE_NAMES, len(VA_HANDLE_NAMES))
    for i in range(len(names)):
        roll = text_rng.random()
        if roll < 0.08 and handles:
            names[i] = handles.pop()
        elif roll < 0.16:
            names[i] = names[i].upper()
    return names


def _handles(account_va: np.ndarray, n_vas: int, text_rng: random.Random) -> list[str]:
    """Unique TikTok handles; a VA's accounts are built around one or two persona names."""
    personas = text_rng.sample(PERSONAS, len(PERSONAS))
    va_personas = [[personas[(2 * v + k) % len(personas)] for k in range(2)] for v in range(n_vas)]
    taken: set[str] = set()
    handles = []
    for va in account_va.tolist():
        handle = _new_handle(text_rng.choice(va_personas[va]), taken, text_rng)
        taken.add(handle)
        handles.append(handle)
    return handles


def _new_handle(persona: str, taken: set[str], text_rng: random.Random) -> str:
    """A free handle in the agency style, e.g. ``lenadiary``, ``glow.mia``, ``themayanotes``."""
    patterns = (
        "{p}{w}",
        "{w}{p}",
        "{p}.{w}",
        "{p}_{w}",
        "its{p}{w}",
        "{p}x{w}",
        "{p}s{w}",
        "{w}.{p}",
        "the{p}{w}",
        "{p}{w}{d}",
        "{p}ii{w}",
        "{p}.{w}{d}",
    )
    for attempt in range(200):
        pattern = text_rng.choice(patterns)
        if attempt > 50:  # common combinations exhausted: add digits
            pattern += "{d}"
        handle = pattern.format(
            p=persona, w=text_rng.choice(HANDLE_WORDS), d=text_rng.randint(1, 999)
        )
        if HANDLE_RE.fullmatch(handle) and handle not in taken:
            return handle
    raise RuntimeError("could not find a free handle")  # pragma: no cover


def _va_labels(cast: _Cast) -> list[str]:
    """va column values by va_code: 2*va is the canonical spelling, 2*va+1 the variant."""
    return [name for pair in zip(cast.va_names, cast.va_alt_names, strict=True) for name in pair]


# === sources and VA column ===================================================================


def _assign_sources(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
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


def _va_codes(
    account: np.ndarray, source: np.ndarray, cast: _Cast, rng: np.random.Generator
) -> np.ndarray:
    """The va column as codes into ``_va_labels``: quirks included.

    ~2.7% of rows have no VA: whole accounts (plus the first rows of one more account, to hit
    the share) whose VA was never recorded. A few VAs are spelled differently (other case) on
    the rows of the later sheets and scrapes. The VA stays a function of the account.
    """
    va = cast.account_va[account]
    code = 2 * va
    target = round(EMPTY_VA_SHARE * len(account))
    visible = np.bincount(cast.account_va, minlength=len(cast.va_names))
    for acc in rng.permutation(len(cast.handles)).tolist():
        if target <= 0:
            break
        if visible[cast.account_va[acc]] <= 1:  # keep every VA visible somewhere
            continue
        visible[cast.account_va[acc]] -= 1
        rows = np.flatnonzero(account == acc)[:target]
        code[rows] = -1
        target -= len(rows)
    later = (code >= 0) & (source != OLD)
    candidates = np.unique(va[later])
    if len(candidates):
        n_variant = max(1, round(0.1 * len(cast.va_names)))
        chosen = rng.choice(candidates, size=min(n_variant, len(candidates)), replace=False)
        code[later & np.isin(va, chosen)] += 1
    return code


# === metrics =================================================================================


def _display_round(x: np.ndarray) -> np.ndarray:
    """Values >= 10,000 are shown rounded to 100 (e.g. "17.6K"). Monotone, so likes <= views."""
    rounded = (x + 50) // 100 * 100
    return np.where(x >= DISPLAY_ROUNDING_FROM, rounded, x)


def _draw_metrics(account: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """views, likes, comments, shares: heavy-tailed, likes <= views, display-rounded."""
    n = len(account)
    level = rng.normal(0.0, ACCOUNT_SIGMA, int(account.max()) + 1)
    views = np.exp(np.log(VIEWS_MEDIAN) + level[account] + rng.normal(0.0, POST_SIGMA, n))
    above = views > VIEWS_KNEE
    views[above] = VIEWS_KNEE * np.sqrt(views[above] / VIEWS_KNEE)
    viral = rng.random(n) < VIRAL_SHARE
    views[viral] = _draw_viral_views(int(viral.sum()), rng)
    views = np.floor(views).astype(np.int64)
    views[rng.random(n) < ZERO_VIEW_SHARE] = 0

    # likes/views: median 5%, p10 2.3%, p90 9.4% (a skewed log-normal)
    z = rng.normal(0.0, 1.0, n)
    ratio = np.minimum(0.05 * np.exp(np.where(z < 0, 0.61, 0.49) * z), 0.6)
    likes = np.minimum(np.floor(views * ratio + rng.random(n)).astype(np.int64), views)
    # the constant keeps small posts from being comment-less too often (16% zero overall)
    comments = rng.poisson(likes * 0.095 * rng.lognormal(-0.05, 0.4, n) + 0.28)
    shares = rng.poisson(likes * 0.009 * rng.lognormal(0.0, 1.0, n))
    return tuple(_display_round(m) for m in (views, likes, comments, shares))


def _draw_viral_views(k: int, rng: np.random.Generator) -> np.ndarray:
    """Inverse CDF of density ~ x^(b-1) on VIRAL_RANGE."""
    a, c = (float(x) ** VIRAL_POWER for x in VIRAL_RANGE)
    return (a + rng.random(k) * (c - a)) ** (1.0 / VIRAL_POWER)


def _engagement_rate(engagement: int, views: int) -> float:
    return round(100 * engagement / views, 2) if views else 0.0


# === ids and slides ==========================================================================


def _draw_video_ids(epoch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """TikTok ids: top 32 bits = creation second (3-259 s before the post's timestamp)."""
    n = len(epoch)
    top = (epoch - rng.integers(3, 260, size=n)).astype(np.uint64) << np.uint64(32)
    ids = top | rng.integers(0, 2**32, size=n, dtype=np.uint64)
    while True:  # collisions are astronomically rare, but the id is the natural key
        _, first = np.unique(ids, return_index=True)
        if len(first) == n:
            return ids
        dup = np.setdiff1d(np.arange(n), first)
        ids[dup] = top[dup] | rng.integers(0, 2**32, size=len(dup), dtype=np.uint64)


def _draw_slide_counts(
    source: np.ndarray, views: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sheet rows have 1-12 slides (mostly 2); viral posts skew to 5-11; scrape rows none."""
    n = len(source)
    sizes = np.array(list(SLIDE_COUNT_WEIGHTS))
    weights = np.array(list(SLIDE_COUNT_WEIGHTS.values()))
    count = rng.choice(sizes, size=n, p=weights / weights.sum())
    viral = (views >= VIRAL_VIEWS) & (rng.random(n) < 0.5)
    count[viral] = rng.integers(5, 12, size=int(viral.sum()))
    count[source >= SEPT_SCRAPE] = 0
    return count.astype(np.int64)


def _draw_slides(p: _Posts, cast: _Cast, rng: np.random.Generator) -> _Slides:
    """Random image ids (UUID4 hex like the real ones) and signatures; ~3% reused images."""
    total = int(p.n_slides.sum())
    post = np.repeat(np.arange(len(p.n_slides)), p.n_slides)
    bucket = (rng.random(len(p.n_slides)) < USEAST8_SHARE).astype(np.int8)[post]
    image = rng.integers(0, 256, size=(total, 16), dtype=np.uint8)
    image[:, 6] = (image[:, 6] & 0x0F) | 0x40  # UUID version 4 ...
    image[:, 8] = (image[:, 8] & 0x3F) | 0x80  # ... and variant bits
    _reuse_images(image, bucket, post, p, cast, rng)
    host = _draw_hosts(bucket, post, len(p.n_slides), rng)
    signature = rng.integers(0, 64, size=(total, 27), dtype=np.uint8)
    signature[:, 26] &= 0x3C  # 20 signature bytes: the last base64 digit has 2 zero bits
    _cap_url_length(signature, host, bucket)
    return _Slides(host, bucket, image, signature)


def _url_length(host: int, bucket: int, encoded: int) -> int:
    """Length of a slide URL whose signature has ``encoded`` '+' or '/' (3 chars each)."""
    prefix = f"https://{HOSTS[host]}.tiktokcdn-us.com/{BUCKETS[bucket]}/"
    middle = "~tplv-photomode-image.jpeg?dr=10375&x-expires=1234567890&x-signature="
    return len(prefix) + 32 + len(middle) + 27 + 2 * encoded + 3 + len(SLIDE_QUERY_TAIL)


def _cap_url_length(signature: np.ndarray, host: np.ndarray, bucket: np.ndarray) -> None:
    """Real slide URLs are 256-278 characters: a signature that would URL-encode into a longer
    one has its '+' and '/' turned into letters."""
    encoded = (signature >= 62).sum(axis=1)
    allowed = np.array(
        [[(MAX_SLIDE_URL - _url_length(h, b, 0)) // 2 for b in range(2)] for h in range(len(HOSTS))]
    )
    too_long = encoded > allowed[host, bucket]
    signature[too_long] = np.where(
        signature[too_long] >= 62, signature[too_long] - 36, signature[too_long]
    )


def _reuse_images(
    image: np.ndarray,
    bucket: np.ndarray,
    post: np.ndarray,
    p: _Posts,
    cast: _Cast,
    rng: np.random.Generator,
) -> None:
    """Give ~3% of slides the image of an earlier post of the same VA (a repost signal)."""
    if len(post) == 0:
        return
    va = cast.account_va[p.account][post]
    order = np.argsort(va, kind="stable")  # by VA, then post time (slides are time-ordered)
    pos = np.empty_like(order)
    pos[order] = np.arange(len(order))
    group_start = np.searchsorted(va[order], va)
    earlier = pos[p.slide_start[post]] - group_start  # slides of this VA in earlier posts
    reused = np.flatnonzero((rng.random(len(post)) < IMAGE_REUSE_SHARE) & (earlier > 0))
    src = np.arange(len(post))
    pick = group_start[reused] + (rng.random(len(reused)) * earlier[reused]).astype(np.int64)
    src[reused] = order[pick]
    while True:  # follow chains so that the source is an original image
        nxt = src[src]
        if np.array_equal(nxt, src):
            break
        src = nxt
    # a post must not show the same image twice: keep the first of such pairs only
    key = post[reused] * len(post) + src[reused]
    _, keep = np.unique(key, return_index=True)
    reused = reused[np.sort(keep)]
    image[reused] = image[src[reused]]
    bucket[reused] = bucket[src[reused]]


def _draw_hosts(
    bucket: np.ndarray, post: np.ndarray, n_posts: int, rng: np.random.Generator
) -> np.ndarray:
    """One CDN host per post, occasionally mixed within a post; useast8 has its own host."""
    p5 = HOST_WEIGHTS_USEAST5 / HOST_WEIGHTS_USEAST5.sum()
    host = rng.choice(4, size=n_posts, p=p5)[post]
    mixed = rng.random(len(post)) < 0.08
    host[mixed] = rng.choice(4, size=int(mixed.sum()), p=p5)
    host[bucket == 1] = USEAST8_HOST
    return host.astype(np.int8)


def _hex_strings(image: np.ndarray) -> list[str]:
    chars = np.empty((len(image), 32), dtype=np.uint8)
    chars[:, 0::2] = HEX[image >> 4]
    chars[:, 1::2] = HEX[image & 0x0F]
    return chars.view("S32").ravel().astype("U32").tolist()


def _signature_strings(signature: np.ndarray) -> list[str]:
    """Base64 signatures, URL-encoded as in the real query strings."""
    raw = B64[signature].view("S27").ravel().astype("U27").tolist()
    return [s.replace("+", "%2B").replace("/", "%2F") + "%3D" for s in raw]


def _slide_expiry(p: _Posts) -> list[int]:
    """x-expires per source: each sheet was exported (signed) once, some hours after its last
    post, so every URL has already expired."""
    epoch = p.epoch
    expiry = []
    for code in range(len(SOURCES)):
        mask = p.source == code
        last = int(epoch[mask].max()) if mask.any() else EPOCH0
        expiry.append((last // 3600 + 30) * 3600)
    return expiry


def _slide_fields(p: _Posts, s: _Slides, lo: int, hi: int, mids: list[str]) -> list[str]:
    """The slides column for posts lo..hi: each post's URLs joined by '|'."""
    a = int(p.slide_start[lo])
    counts = p.n_slides[lo:hi].tolist()
    b = a + sum(counts)
    prefixes = [
        f"https://{HOSTS[h]}.tiktokcdn-us.com/{BUCKETS[k]}/"
        for h, k in zip(s.host[a:b].tolist(), s.bucket[a:b].tolist(), strict=True)
    ]
    source = np.repeat(p.source[lo:hi], p.n_slides[lo:hi]).tolist()
    urls = [
        pre + hx + mids[src] + sig + SLIDE_QUERY_TAIL
        for pre, hx, src, sig in zip(
            prefixes,
            _hex_strings(s.image[a:b]),
            source,
            _signature_strings(s.signature[a:b]),
            strict=True,
        )
    ]
    out, k = [], 0
    for c in counts:
        out.append("|".join(urls[k : k + c]))
        k += c
    return out


# === text columns ============================================================================


def _music_pool(size: int, rng: np.random.Generator, text_rng: random.Random) -> list[str]:
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
    return [", ".join(text_rng.sample(SHEET_TAGS, text_rng.randint(1, 6))) for _ in range(size)]


def _caption(text_rng: random.Random) -> str:
    """A scraped caption: prose with the odd emoji / foreign line, then hashtags."""
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
    if r() < 0.09:  # multi-line caption
        text += text_rng.choice(("\n", "\n\n")) + text_rng.choice(CAPTION_HOOKS)
    return f"{text} {hashtags}"


def _scrape_sound(handle: str, text_rng: random.Random) -> str:
    roll = text_rng.random()
    if roll < 0.25:
        return f"original sound - {handle}"
    if roll < 0.37:
        return text_rng.choice(SCRAPE_SONGS)
    return text_rng.choice(SCRAPE_SOUNDS) if roll < 0.55 else "original sound"


# === CSV =====================================================================================


@cache
def _time_strings() -> list[str]:
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def _date_strings() -> list[str]:
    return [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(N_DAYS)]


@dataclass
class _SheetText:
    """sound and hashtags of sheet rows, as indices into small pools (sounds and tag lists are
    shared by many posts). Scrape rows get their own caption and sound name when written."""

    music: list[str]
    sound_idx: np.ndarray
    tags: list[str]  # the last entry is '' (no hashtags)
    tag_idx: np.ndarray


def _draw_sheet_text(p: _Posts, rng: np.random.Generator, text_rng: random.Random) -> _SheetText:
    n = len(p.day)
    music = _music_pool(int(np.clip(n // 30, 30, 3000)), rng, text_rng)
    popularity = 1.0 / (np.arange(len(music)) + 5.0)  # a few sounds are used a lot
    sound_idx = rng.choice(len(music), size=n, p=popularity / popularity.sum())
    tags = _sheet_tag_pool(500, text_rng) + [""]
    no_tags = rng.random(n) < np.where(p.source == OLD, 0.6, 0.3)
    tag_idx = np.where(no_tags, -1, rng.integers(0, len(tags) - 1, size=n))
    return _SheetText(music, sound_idx, tags, tag_idx)


def _write_csv(
    path: Path,
    p: _Posts,
    s: _Slides,
    cast: _Cast,
    rng: np.random.Generator,
    text_rng: random.Random,
) -> int:
    """Write the master CSV (csv module defaults: CRLF, minimal quoting); returns the number of
    multi-line captions written."""
    sheet_text = _draw_sheet_text(p, rng, text_rng)
    mids = [
        f"~tplv-photomode-image.jpeg?dr=10375&x-expires={e}&x-signature=" for e in _slide_expiry(p)
    ]
    labels = _va_labels(cast) + [""]  # code -1 -> ''
    multiline = 0
    # The csv writer formats into a list and each chunk reaches the file in one write. Slide
    # fields are long and never need quoting (URLs hold no ',', '"' or newline), so the writer
    # gets a marker in their place and the URLs are spliced in afterwards: byte-identical to
    # writing them through csv, and about three times faster.
    parts: list[str] = []
    writer = csv.writer(_ListWriter(parts))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer.writerow(HEADER)
        for lo in range(0, len(p.day), CHUNK_ROWS):
            hi = min(len(p.day), lo + CHUNK_ROWS)
            rows = list(_csv_rows(p, cast, labels, sheet_text, lo, hi, text_rng))
            multiline += sum("\n" in row[11] for row in rows)
            writer.writerows(rows)
            f.write(_splice("".join(parts), _slide_fields(p, s, lo, hi, mids)))
            parts.clear()
    return multiline


class _ListWriter:
    """A file-like sink for csv.writer that collects the formatted text in a list."""

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append


def _splice(text: str, slides: list[str]) -> str:
    """Put each row's slides field where the writer wrote SLIDES_MARK."""
    pieces = text.split(SLIDES_MARK)
    if len(pieces) != len(slides) + 1:  # a caption containing the marker would shift fields
        raise AssertionError("slides marker count mismatch")
    out = [pieces[0]]
    for field, piece in zip(slides, pieces[1:], strict=True):
        out.append(field)
        out.append(piece)
    return "".join(out)


def _csv_rows(
    p: _Posts,
    cast: _Cast,
    labels: list[str],
    sheet_text: _SheetText,
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
            hashtags, sound = _caption(text_rng), _scrape_sound(handle, text_rng)
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


# === OCR =====================================================================================


def _ocr_sample(p: _Posts, rng: np.random.Generator) -> np.ndarray:
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
    p: _Posts, cast: _Cast, rng: np.random.Generator, text_rng: random.Random
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
            views = int(_display_round(np.int64(views * stale_factor[j])))
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
