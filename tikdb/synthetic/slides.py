"""The slides: how many each post has, their images, and their URLs.

A slide URL is ``https://{host}/{bucket}/{image_id}~tplv-photomode-image.jpeg?...`` with an
expiry and a signature in the query string. The image id with its bucket is the image's
identity; some slides reuse an earlier post's image (a repost), as in the real data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikdb.contract import SOURCES
from tikdb.synthetic.cast import Cast
from tikdb.synthetic.posts import Posts
from tikdb.synthetic.shape import (
    EPOCH0,
    IMAGE_REUSE_SHARE,
    SEPT_SCRAPE,
    SLIDE_COUNT_WEIGHTS,
    USEAST8_SHARE,
    VIRAL_SLIDE_COUNTS,
    VIRAL_SLIDE_SKEW_SHARE,
    VIRAL_VIEWS,
)

# The CDN hosts and buckets of the real URLs; in those seen, useast8 has its own host.
HOSTS = ("p16-sign", "p19-sign", "p16-common-sign", "p19-common-sign", "p16-pu-sign-useast8")
HOST_WEIGHTS_USEAST5 = np.array([0.5, 0.25, 0.15, 0.10])  # chosen: the first four hosts
USEAST8_HOST = 4
BUCKETS = ("tos-useast5-i-photomode-tx", "tos-useast8-i-photomode-tx2")
MAX_SLIDE_URL = 278  # real slide URLs are 256-278 characters
# The query parameters after the signature, the same on every real URL seen.
SLIDE_QUERY_TAIL = "&t=4d5b0474&ps=13740610&shp=81f88b70&shcp=9b759fb9&idc=no1a&ftpl=1"
B64 = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", dtype=np.uint8
)
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@dataclass
class Slides:
    """All slide URLs' parts, in post order then slide order."""

    host: np.ndarray
    bucket: np.ndarray
    image: np.ndarray  # (n, 16) uint8: the image id as bytes
    signature: np.ndarray  # (n, 27) uint8: base64 alphabet indices (the 28th char is '=')


def draw_slide_counts(
    source: np.ndarray, views: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sheet rows have 1-12 slides (mostly 2); viral posts skew to 5-11; scrape rows none."""
    n = len(source)
    sizes = np.array(list(SLIDE_COUNT_WEIGHTS))
    weights = np.array(list(SLIDE_COUNT_WEIGHTS.values()))
    count = rng.choice(sizes, size=n, p=weights / weights.sum())
    viral = (views >= VIRAL_VIEWS) & (rng.random(n) < VIRAL_SLIDE_SKEW_SHARE)
    lo, hi = VIRAL_SLIDE_COUNTS
    count[viral] = rng.integers(lo, hi + 1, size=int(viral.sum()))
    count[source >= SEPT_SCRAPE] = 0
    return count.astype(np.int64)


def draw_slides(p: Posts, cast: Cast, rng: np.random.Generator) -> Slides:
    """Random image ids (UUID4 hex like the real ones) and signatures; about 3% of slides
    share their image with another post."""
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
    return Slides(host, bucket, image, signature)


def _reuse_images(
    image: np.ndarray,
    bucket: np.ndarray,
    post: np.ndarray,
    p: Posts,
    cast: Cast,
    rng: np.random.Generator,
) -> None:
    """Give IMAGE_REUSE_SHARE of the slides the image of an earlier post of the same VA (a
    repost signal); the image's source slide then shares it too."""
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
    mixed = rng.random(len(post)) < 0.08  # chosen: one post may mix hosts
    host[mixed] = rng.choice(4, size=int(mixed.sum()), p=p5)
    host[bucket == 1] = USEAST8_HOST
    return host.astype(np.int8)


def _url_start(host: int, bucket: int) -> str:
    """A slide URL up to its image id."""
    return f"https://{HOSTS[host]}.tiktokcdn-us.com/{BUCKETS[bucket]}/"


def _url_middle(expires: int) -> str:
    """A slide URL from after its image id up to its signature."""
    return f"~tplv-photomode-image.jpeg?dr=10375&x-expires={expires}&x-signature="


def _url_length(host: int, bucket: int, encoded: int) -> int:
    """Length of a slide URL whose signature has ``encoded`` '+' or '/' (3 chars each)."""
    start, middle = _url_start(host, bucket), _url_middle(1234567890)  # a 10-digit expiry
    return len(start) + 32 + len(middle) + 27 + 2 * encoded + 3 + len(SLIDE_QUERY_TAIL)


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


def url_middles(p: Posts) -> list[str]:
    """The URL part holding x-expires, by source code. Each sheet was exported (its URLs
    signed) once, about 30 hours after its last post, so every URL has already expired."""
    epoch = p.epoch
    middles = []
    for code in range(len(SOURCES)):
        mask = p.source == code
        last = int(epoch[mask].max()) if mask.any() else EPOCH0
        middles.append(_url_middle((last // 3600 + 30) * 3600))
    return middles


def slide_fields(p: Posts, s: Slides, lo: int, hi: int, middles: list[str]) -> list[str]:
    """The slides column for posts lo..hi: each post's URLs joined by '|'."""
    a = int(p.slide_start[lo])
    counts = p.n_slides[lo:hi].tolist()
    b = a + sum(counts)
    prefixes = [
        _url_start(h, k) for h, k in zip(s.host[a:b].tolist(), s.bucket[a:b].tolist(), strict=True)
    ]
    source = np.repeat(p.source[lo:hi], p.n_slides[lo:hi]).tolist()
    urls = [
        pre + hx + middles[src] + sig + SLIDE_QUERY_TAIL
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


def _hex_strings(image: np.ndarray) -> list[str]:
    """Image ids as 32 lower-case hex digits."""
    chars = np.empty((len(image), 32), dtype=np.uint8)
    chars[:, 0::2] = HEX[image >> 4]
    chars[:, 1::2] = HEX[image & 0x0F]
    return chars.view("S32").ravel().astype("U32").tolist()


def _signature_strings(signature: np.ndarray) -> list[str]:
    """Base64 signatures, URL-encoded as in the real query strings."""
    raw = B64[signature].view("S27").ravel().astype("U27").tolist()
    return [s.replace("+", "%2B").replace("/", "%2F") + "%3D" for s in raw]
