"""Exports with history: the same posts scraped again and again as their metrics grow.

``write_exports`` writes K dated exports of the master CSV into the snapshot store's
layout (``snapshots/``, through the store's own writer, so each has its sidecar). Export k
is taken at ``T_k``, the last one the day after the data's last day; it lists every post
created by then (or, with a ``window``, created in that window before it: a scrape of
recent posts), except the few deleted before it, with the metrics the post had then:

    metric(age) = final metric x (1 - exp(-age / tau))

rising fast, then flattening (tau is about 20 hours, drawn per post), never falling.
The final metrics are the ones ``tikdb generate`` draws; every other column of a post is
the same in every export (the scrape captions too: each export redraws them from the same
random state). Displayed values >= 10,000 stay rounded to 100, and likes <= views.
"""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import numpy as np

from tikdb.contract import COLUMNS, GENERATED_ORIGIN
from tikdb.errors import InputError
from tikdb.sources import snapshots as store
from tikdb.synthetic.posts import Posts, display_round
from tikdb.synthetic.shape import LAST_DAY
from tikdb.synthetic.writer import csv_file

SNAPSHOTS_DIR = "snapshots"
# The last export is taken at 06:00 UTC on the day after the data's last day.
LAST_EXPORT = datetime.combine(LAST_DAY + timedelta(days=1), time(6, 0), UTC)
GROWTH_HOURS = 20.0  # chosen: a post gets ~70% of its views in its first day
GROWTH_SIGMA = 0.5  # chosen: some posts take off later than others
DELETED_SHARE = 0.01  # chosen: a few posts are deleted, days after they were posted
DELETED_AFTER_DAYS = (1, 20)
_EVERY = re.compile(r"([1-9][0-9]*)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_every(text: str, option: str = "--every") -> timedelta:
    """``1d``, ``12h`` or ``30m``: a duration given to ``option``."""
    match = _EVERY.fullmatch(text.strip())
    if match is None:
        raise InputError(
            f'{option} "{text}" is not a duration. Pass a whole number of days, hours or '
            "minutes: 1d, 12h, 30m."
        )
    n, unit = int(match.group(1)), match.group(2)
    return timedelta(**{_UNITS[unit]: n})


def export_times(count: int, every: timedelta) -> list[datetime]:
    """When each export is taken, oldest first (UTC, aware)."""
    return [LAST_EXPORT - (count - 1 - k) * every for k in range(count)]


def growth_plan(p: Posts, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each post's growth time constant (hours) and deletion time (Unix seconds; a post
    never deleted has one after every export)."""
    n = len(p.day)
    tau = GROWTH_HOURS * rng.lognormal(0.0, GROWTH_SIGMA, n)
    deleted = rng.random(n) < DELETED_SHARE
    after = rng.uniform(*DELETED_AFTER_DAYS, n) * 86400
    never = np.iinfo(np.int64).max
    deleted_at = np.where(deleted, p.epoch + after.astype(np.int64), never)
    return tau, deleted_at


def metrics_at(p: Posts, tau: np.ndarray, at: datetime) -> Posts:
    """The posts with the metrics each had at ``at`` (posts not yet created get 0)."""
    age_hours = np.maximum(0, int(at.timestamp()) - p.epoch) / 3600
    share = 1.0 - np.exp(-age_hours / tau)

    def grown(final: np.ndarray) -> np.ndarray:
        return display_round(np.floor(final * share).astype(np.int64))

    views = grown(p.views)
    return dataclasses.replace(
        p,
        views=views,
        likes=np.minimum(grown(p.likes), views),
        comments=grown(p.comments),
        shares=grown(p.shares),
    )


def write_exports(
    out_dir: Path,
    p: Posts,
    chunks_for,
    times: list[datetime],
    tau: np.ndarray,
    deleted_at: np.ndarray,
    text_state: object,
    seed: int,
    window: timedelta | None = None,
) -> list[store.Snapshot]:
    """Write one export per time into ``out_dir/snapshots/`` through the snapshot store.

    ``chunks_for(posts, text_rng)`` yields the CSV's row chunks (``rows.csv_chunks``);
    ``text_state`` is the text generator's state before the rows, restored for each
    export so scrape captions are the same in every export.
    """
    folder = out_dir / SNAPSHOTS_DIR
    _clear_generated(folder)
    written = []
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".tmp-generate-") as tmp:
        temp = Path(tmp) / "export.csv"
        for k, at in enumerate(times):
            now = int(at.timestamp())
            visible = (p.epoch <= now) & (deleted_at > now)
            if window is not None:
                visible &= p.epoch > now - int(window.total_seconds())
            text_rng = random.Random()
            text_rng.setstate(text_state)
            lo = 0
            with csv_file(temp, COLUMNS) as write:
                for chunk in chunks_for(metrics_at(p, tau, at), text_rng):
                    keep = visible[lo : lo + len(chunk.rows)].tolist()
                    lo += len(chunk.rows)
                    write(
                        [r for r, k_ in zip(chunk.rows, keep, strict=True) if k_],
                        [s for s, k_ in zip(chunk.slides, keep, strict=True) if k_],
                    )
            origin = {"generated": GENERATED_ORIGIN, "seed": seed, "export": k + 1}
            with temp.open("rb") as source:
                added = store.add_snapshot(
                    folder, lambda out, f=source: shutil.copyfileobj(f, out), origin, at
                )
            written.append(added.snapshot)
    return written


def _clear_generated(folder: Path) -> None:
    """Remove the exports an earlier run wrote; refuse to touch a folder holding others."""
    existing = store.list_snapshots(folder, verify=False)
    theirs = [s.path.name for s in existing if not store.is_generated(s)]
    if theirs:
        raise InputError(
            f"{folder}: holds snapshots tikdb generate did not write ({theirs[0]}"
            f"{' and others' if len(theirs) > 1 else ''}); nothing was changed. Generate "
            "into another folder."
        )
    for snapshot in existing:
        snapshot.path.unlink()
        snapshot.sidecar_path.unlink()
