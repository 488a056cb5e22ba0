"""The import_log row of a build: every count agrees with the inputs a test wrote.

One build over inputs holding every kind of reject there is (each CSV reason, duplicates,
slide parts that are not URLs, each OCR record and file reason); the expected counts are
derived here from how the inputs were written, never from the SQL under test.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import csv_text, make_row, ocr_record, query, run_build

from tikdb.pipeline.guards import PublishGuards

NOT_A_URL = " not a url "


@dataclass
class Seeded:
    """Inputs with every reject kind, and what a correct build must make of them."""

    csv_path: Path
    ocr_dir: Path
    csv_records: int = 0
    posts: set[str] = field(default_factory=set)  # post_url of every loaded post
    slides: int = 0  # URL parts of the loaded posts
    csv_rejects: Counter = field(default_factory=Counter)  # reason -> records
    duplicates: int = 0
    slide_rejects: int = 0
    ocr_files: int = 0
    ocr_records: int = 0
    ocr_outcomes: dict[tuple[str, int], str | None] = field(default_factory=dict)
    ocr_loaded: set[str] = field(default_factory=set)  # post_url of every post with OCR
    ocr_rejects: Counter = field(default_factory=Counter)  # reason -> records
    ocr_file_rejects: Counter = field(default_factory=Counter)  # reason -> files
    vas: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)


def line(row: dict[str, str]) -> bytes:
    """One CSV record (CRLF-terminated), as the export writes it."""
    return csv_text([row]).encode("utf-8").split(b"\r\n", 1)[1]


def ocr_of(row: dict[str, str], text: str, **overrides) -> dict:
    return ocr_record({**row, "views": "1"}, text, **overrides)


def write_every_reject_kind(folder: Path) -> Seeded:
    """A master CSV and an OCR folder holding every kind of reject, next to good records."""
    folder.mkdir(parents=True, exist_ok=True)
    seeded = Seeded(folder / "master.csv", folder / "ocr")

    good = [make_row(n) for n in range(1, 9)]
    good[2]["slides"] += f"|{NOT_A_URL}|https://example.com/plain.jpeg|"
    good[5]["slides"] = ""
    bad = {
        "missing_post_url": make_row(20, post_url=""),
        "short_link": make_row(21, post_url="https://vm.tiktok.com/ZMabc123/"),
        "bad_post_url": make_row(22, post_url="https://example.com/video/1"),
        "account_mismatch": make_row(23, account="someoneelse"),
        "bad_created_at": make_row(24, created_time="25:61:00"),
        "created_at_out_of_range": make_row(25, created_date="2015-06-01"),
        "bad_metric": make_row(26, views="lots"),
    }
    # Two earlier copies of post 1 and one of post 2: the last line of each id wins.
    early = [make_row(1, views="5"), make_row(1, views="6"), make_row(2, views="7")]
    unscannable = {
        "wrong_field_count": line(make_row(27)).rsplit(b",", 2)[0] + b"\r\n",
        "invalid_utf8": line(make_row(28, sound="cafe")).replace(b"cafe", b"caf\xe9"),
    }
    records = [line(r) for r in early + good[:4] + list(bad.values())]
    records += list(unscannable.values()) + [line(r) for r in good[4:]]
    seeded.csv_path.write_bytes(csv_text([]).encode("utf-8") + b"".join(records))

    parts = [p.strip() for r in good for p in r["slides"].split("|") if p.strip()]
    seeded.csv_records = len(records)
    seeded.posts = {r["post_url"] for r in good}
    seeded.slides = sum(1 for p in parts if p.startswith("https://"))
    seeded.slide_rejects = sum(1 for p in parts if not p.startswith("https://"))
    seeded.csv_rejects = Counter(list(bad) + list(unscannable))
    seeded.duplicates = len(early)
    seeded.vas = {r["va"].lower() for r in good}
    seeded.accounts = {r["account"] for r in good}

    # OCR: loaded records; duplicates lost by time, to a readable time, and by file order
    # on a tie; a post rejected in the CSV and an unknown post (twice: both unknown, not
    # duplicates); a URL that is not a post; record problems; whole-file problems.
    older = ocr_of(good[0], "old", timestamp="2025-10-20T10:00:00")
    newer = ocr_of(good[0], "new", timestamp="2025-10-20T12:00:00")
    undated = ocr_of(good[1], "undated", timestamp="not a time")
    dated = ocr_of(good[1], "dated", timestamp="2025-10-19T08:00:00")
    tie, tie_later = ocr_of(good[2], "tie a"), ocr_of(good[2], "tie b")
    fine = ocr_of(good[4], "fine")
    no_url = ocr_of(good[3], "no url")
    del no_url["post_url"]
    stranger = make_row(99)
    outcomes = {  # (VA folder, record) -> the record's reject reason, None when loaded
        "Carla": [
            (newer, None),
            (undated, "ocr_duplicate"),
            (tie, "ocr_duplicate"),
            (fine, None),
            (ocr_of(bad["bad_metric"], "rejected post"), "ocr_unknown_post"),
            (ocr_of(stranger, "stranger"), "ocr_unknown_post"),
            (ocr_of(stranger, "stranger again"), "ocr_unknown_post"),
            (ocr_of(good[5], "bad url", post_url="https://example.com/x"), "ocr_bad_post_url"),
            (no_url, "ocr_missing_key"),
            ("not an object", "ocr_bad_record"),
            (ocr_of(good[6], "NAN-ME"), "ocr_bad_value"),
        ],
        "Kent": [(older, "ocr_duplicate"), (dated, None), (tie_later, None)],
    }
    for va, pairs in outcomes.items():
        text = json.dumps([record for record, _ in pairs], indent=2)
        write_file(seeded.ocr_dir, va, text.replace('"NAN-ME"', "NaN").encode())
    broken = {
        "Broken": (json.dumps([fine])[:-20].encode(), "ocr_invalid_json"),
        "Object": (json.dumps({"records": [fine]}).encode(), "ocr_not_array"),
        "Latin1": (
            json.dumps([ocr_of(good[7], "caf\u00e9")], ensure_ascii=False).encode("latin-1"),
            "ocr_unreadable",
        ),
    }
    for va, (data, _) in broken.items():
        write_file(seeded.ocr_dir, va, data)

    seeded.ocr_files = len(outcomes) + len(broken)
    seeded.ocr_outcomes = {
        (va, index): reason
        for va, pairs in outcomes.items()
        for index, (_, reason) in enumerate(pairs)
    }
    seeded.ocr_records = len(seeded.ocr_outcomes)
    seeded.ocr_loaded = {
        r["post_url"] for pairs in outcomes.values() for r, why in pairs if why is None
    }
    seeded.ocr_rejects = Counter(why for why in seeded.ocr_outcomes.values() if why)
    seeded.ocr_file_rejects = Counter(why for _, why in broken.values())
    return seeded


def write_file(root: Path, va: str, data: bytes) -> None:
    folder = root / "by_va" / va
    folder.mkdir(parents=True)
    (folder / "ocr_posts.json").write_bytes(data)


@pytest.fixture(scope="module")
def seeded_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("every-reject")
    seeded = write_every_reject_kind(tmp / "inputs")
    # Mostly rejects on purpose: the publish guard would refuse such a build.
    guards = PublishGuards(refuse_reject_rate=1)
    result = run_build(tmp, seeded.csv_path, seeded.ocr_dir, guards=guards)
    return seeded, result.db_path


def test_the_inputs_hold_every_kind_of_reject(seeded_build):
    seeded, db = seeded_build
    got = Counter(
        {
            (entity, reason): n
            for entity, reason, n in query(
                db, "SELECT entity, reason, count(*) FROM rejects GROUP BY ALL"
            )
        }
    )
    expected = Counter(
        {("post", reason): n for reason, n in seeded.csv_rejects.items()}
        | {("post", "duplicate_post"): seeded.duplicates}
        | {("slide", "slide_not_url"): seeded.slide_rejects}
        | {("ocr_record", reason): n for reason, n in seeded.ocr_rejects.items()}
        | {("ocr_file", reason): n for reason, n in seeded.ocr_file_rejects.items()}
    )
    assert got == expected


def test_each_ocr_record_is_loaded_or_rejected_for_its_first_broken_rule(seeded_build):
    seeded, db = seeded_build
    rejected = {
        (Path(source).parent.name, index): reason
        for source, index, reason in query(
            db, "SELECT source_file, record_index, reason FROM rejects WHERE entity = 'ocr_record'"
        )
    }
    loaded = {
        (Path(source).parent.name, index): None
        for source, index in query(db, "SELECT source_file, record_index FROM post_ocr")
    }
    assert rejected | loaded == seeded.ocr_outcomes
    assert len(rejected) + len(loaded) == seeded.ocr_records


def test_import_log_counts_every_input_and_every_table(seeded_build):
    seeded, db = seeded_build
    columns = (
        "csv_records, csv_loaded, csv_duplicates, csv_rejected, slide_parts, slides_loaded, "
        "slides_rejected, ocr_files, ocr_records, ocr_loaded, ocr_duplicates, ocr_rejected, "
        "ocr_files_rejected, rows_posts, rows_slides, rows_vas, rows_accounts, rows_post_ocr, "
        "rows_rejects"
    )
    [row] = query(db, f"SELECT {columns} FROM import_log")
    got = dict(zip(columns.split(", "), row, strict=True))
    ocr_duplicates = seeded.ocr_rejects["ocr_duplicate"]
    rejects = (
        sum(seeded.csv_rejects.values())
        + seeded.duplicates
        + seeded.slide_rejects
        + sum(seeded.ocr_rejects.values())
        + sum(seeded.ocr_file_rejects.values())
    )
    assert got == {
        "csv_records": seeded.csv_records,
        "csv_loaded": len(seeded.posts),
        "csv_duplicates": seeded.duplicates,
        "csv_rejected": sum(seeded.csv_rejects.values()),
        "slide_parts": seeded.slides + seeded.slide_rejects,
        "slides_loaded": seeded.slides,
        "slides_rejected": seeded.slide_rejects,
        "ocr_files": seeded.ocr_files,
        "ocr_records": seeded.ocr_records,
        "ocr_loaded": len(seeded.ocr_loaded),
        "ocr_duplicates": ocr_duplicates,
        "ocr_rejected": sum(seeded.ocr_rejects.values()) - ocr_duplicates,
        "ocr_files_rejected": sum(seeded.ocr_file_rejects.values()),
        "rows_posts": len(seeded.posts),
        "rows_slides": seeded.slides,
        "rows_vas": len(seeded.vas),
        "rows_accounts": len(seeded.accounts),
        "rows_post_ocr": len(seeded.ocr_loaded),
        "rows_rejects": rejects,
    }
