"""Synthetic raw exports that look like the agency's real ones (``tikdb generate``).

``generate`` writes a master CSV and an ``october_ocr_data/`` folder in the real exports'
exact format: same header, CSV dialect, URL shapes, JSON layout, the same invariants (ids
encode creation time, engagement sums, one VA per account, ...) and roughly the same shape
(heavy-tailed views, 2-slide posts, reused images, ...).

One module per concern:
  shape       the real data's documented shape: dates, volumes, shares, distributions
  vocabulary  the word pools text is drawn from
  posts       creation times, sources, metrics, video ids
  cast        VAs, accounts, handles, the va column
  slides      slide counts, image ids, reuse, slide URLs
  text        the hashtags and sound columns (tag lists, captions, music URLs)
  rows        the CSV rows, in chunks
  ocr         the OCR sample, its records and the derived summary/duplicates documents
  writer      the CSV and JSON writing

Everything numeric is drawn with numpy for the whole run up front; text comes from the word
pools through a ``random.Random`` seeded from the same generator. One seed drives everything,
so the same ``(posts, seed)`` gives byte-identical files. Imports nothing heavier than numpy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from tikdb.contract import COLUMNS, CSV_NAME, OCR_DIR_NAME
from tikdb.errors import InputError
from tikdb.sources.generated import files_under, not_generated, write_marker
from tikdb.synthetic.cast import Cast, assign_accounts, make_cast, va_codes, va_labels
from tikdb.synthetic.ocr import ocr_documents, ocr_records
from tikdb.synthetic.posts import (
    Posts,
    assign_sources,
    draw_metrics,
    draw_times,
    draw_video_ids,
    epoch_seconds,
)
from tikdb.synthetic.rows import csv_chunks
from tikdb.synthetic.slides import draw_slide_counts, draw_slides
from tikdb.synthetic.text import draw_sheet_text
from tikdb.synthetic.writer import csv_file, write_ocr_folder

__all__ = ["GenerateResult", "generate"]


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
    multiline_captions: int  # rows whose hashtags (a scraped caption) span several lines
    snapshots: tuple[Path, ...] = ()  # the dated exports, oldest first (with --snapshots)


def generate(
    out_dir: Path,
    posts: int,
    seed: int = 0,
    snapshots: int = 0,
    every: timedelta = timedelta(days=1),
    window: timedelta | None = None,
) -> GenerateResult:
    """Write a synthetic master CSV and OCR folder with ``posts`` posts into ``out_dir``.

    Creates ``out_dir/MASTER_TIKTOK_DATABASE.csv`` and ``out_dir/october_ocr_data/`` in the
    real exports' exact format. The same ``(posts, seed)`` always gives byte-identical files;
    a ``by_va/`` folder left by an earlier run is replaced. Returns the counts of what was
    written.

    With ``snapshots`` = K > 0, writes K dated exports ``every`` apart into
    ``out_dir/snapshots/`` instead of the one master CSV (see tikdb.synthetic.history),
    with the OCR folder as usual; with ``window``, each export lists only the posts
    created in that window before it.

    Raises ``ValueError`` if ``posts`` < 1, and ``InputError`` if ``out_dir`` cannot be
    written (a file in the way, no permission, no space) or holds an export or OCR folder
    that tikdb generate did not write (it would be replaced).
    """
    if posts < 1:
        raise ValueError(f"posts must be at least 1, got {posts}")
    out_dir = Path(out_dir)
    _require_generated(out_dir)
    csv_path = out_dir / CSV_NAME
    ocr_dir = out_dir / OCR_DIR_NAME
    rng = np.random.default_rng(seed)
    text_rng = random.Random(int(rng.integers(2**62)))

    # Every step below draws from the two generators, so their order is part of the output.
    p, cast = _draw_posts(posts, rng, text_rng)
    slides = draw_slides(p, cast, rng)
    sheet_text = draw_sheet_text(p, rng, text_rng)
    multiline = 0
    exports = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # A marker listing nothing while the files are written (a run cut short leaves
        # a folder the next run may replace), then the list of what was written.
        write_marker(out_dir, [])
        if snapshots:
            # Only with --snapshots: the snapshot store's writer (no engine, but not
            # needed by a plain run).
            from tikdb.synthetic import history

            text_state = text_rng.getstate()
            tau, deleted_at = history.growth_plan(p, rng)
            exports = history.write_exports(
                out_dir,
                p,
                lambda posts_then, rows_rng: csv_chunks(
                    posts_then, slides, cast, sheet_text, rows_rng
                ),
                history.export_times(snapshots, every),
                tau,
                deleted_at,
                text_state,
                seed,
                window,
            )
            text_rng.setstate(text_state)
            for chunk in csv_chunks(p, slides, cast, sheet_text, text_rng):
                multiline += chunk.multiline_captions
        else:
            with csv_file(csv_path, COLUMNS) as write:
                for chunk in csv_chunks(p, slides, cast, sheet_text, text_rng):
                    write(chunk.rows, chunk.slides)
                    multiline += chunk.multiline_captions
        records = ocr_records(p, cast, rng, text_rng)
        write_ocr_folder(ocr_dir, ocr_documents(records))
        # With --snapshots no master CSV is written; one an earlier run wrote stays ours.
        write_marker(out_dir, files_under(csv_path) + files_under(ocr_dir))
    except OSError as exc:
        where = exc.filename or out_dir
        raise InputError(
            f"{where}: cannot be written ({exc.strerror}); pass another OUT_DIR."
        ) from exc

    labels = va_labels(cast)
    used_codes = np.unique(p.va_code[p.va_code >= 0])
    return GenerateResult(
        csv_path=csv_path,
        ocr_dir=ocr_dir,
        posts=posts,
        slides=int(p.n_slides.sum()),
        posts_with_slides=int(np.count_nonzero(p.n_slides)),
        ocr_records=len(records),
        ocr_with_text=sum(1 for r in records if r["ocr_text"]),
        vas=len({labels[c].casefold() for c in used_codes.tolist()}),
        accounts=len(np.unique(p.account)),
        multiline_captions=multiline,
        snapshots=tuple(s.path for s in exports),
    )


def _require_generated(out_dir: Path) -> None:
    """Refuse to overwrite a master CSV or an OCR folder that this generator did not
    write: a real export in out_dir would be lost. The folder's marker lists what it
    wrote, with each file's sha256 (tikdb.sources.generated)."""
    theirs = not_generated(
        out_dir, files_under(out_dir / CSV_NAME) + files_under(out_dir / OCR_DIR_NAME)
    )
    found = [
        name
        for name in (CSV_NAME, OCR_DIR_NAME)
        if any(p == out_dir / name or (out_dir / name) in p.parents for p in theirs)
    ]
    if found:
        one = len(found) == 1
        raise InputError(
            f"{out_dir}: {' and '.join(found)} {'is' if one else 'are'} not written by tikdb "
            "generate and would be replaced; nothing was changed. Generate into another "
            f"folder, or move {'it' if one else 'them'} elsewhere."
        )


def _draw_posts(
    posts: int, rng: np.random.Generator, text_rng: random.Random
) -> tuple[Posts, Cast]:
    """Every post's numbers (time, account, VA, source, metrics, id, slide count) and the
    cast that made them."""
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
        day=day,
        second=second,
        account=account,
        va_code=va_code,
        source=source,
        views=views,
        likes=likes,
        comments=comments,
        shares=shares,
        video_id=video_id,
        n_slides=n_slides,
        slide_start=slide_start,
    )
    return p, cast
