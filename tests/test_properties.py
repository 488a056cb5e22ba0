"""Property-based tests: real files, real builds, on inputs hypothesis makes up.

1. Any post text written by Python's csv module comes out of the warehouse byte-identical.
2. In any mix of good and bad records, every record is accounted for exactly: each good
   record is a post at its starting line, each bad one a reject at its starting line.

Each example is a full build (~0.2 s) in its own temporary directory, so the example
counts are kept small.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import make_row, query, run_build
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tikdb.contract import COLUMNS
from tikdb.pipeline.guards import PublishGuards

BUILD_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Any Unicode scalar value except NUL (surrogates cannot be encoded as UTF-8).
ANY_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TRICKY = [
    '"',
    '""',
    ",",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\\",
    '\\"',
    "¯\\_(ツ)_/¯",
    "C:\\x",
    "😀",
    "👩‍👩‍👧",
    "שלום",
    "مرحبا",
    "\u200f",
    "\ufeff",
    "\u2028",
    "\x85",
    " ",
    "#fyp",
    "|",
    "'",
]
POST_TEXT = st.lists(st.one_of(st.sampled_from(TRICKY), ANY_CHAR), max_size=40).map("".join)


def post_id(n: int) -> int:
    return int(make_row(n)["post_url"].rsplit("/", 1)[1])


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[name] for name in COLUMNS])
    return out.getvalue().encode("utf-8")


def stored(text: str) -> str | None:
    """How hashtags/sound are stored: an empty field is a missing value (NULL); anything
    else, whitespace-only text included, is kept exactly as written."""
    return None if text == "" else text


@BUILD_SETTINGS
@given(a=POST_TEXT, b=POST_TEXT)
@example(a="", b="")  # empty: NULL
@example(a=" ", b="\t\r\n")  # whitespace only: kept as is
@example(a='"', b="\\")  # a lone quote; a lone backslash
@example(a="¯\\_(ツ)_/¯", b='C:\\x "q" \r\n\\')
def test_post_text_comes_out_byte_identical(a, b):
    rows = [
        make_row(1),
        make_row(2, hashtags=a, sound=b),
        make_row(3, hashtags=b, sound=a),  # the last record of the file
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "master.csv"
        path.write_bytes(csv_file(rows))
        result = run_build(Path(tmp), path)
        got = query(result.db_path, "SELECT csv_line, hashtags, sound FROM posts ORDER BY csv_line")
    line3 = 4 + a.count("\n") + b.count("\n")  # row 2 spans one line per newline in its text
    assert got == [
        (2, rows[0]["hashtags"], rows[0]["sound"]),
        (3, stored(a), stored(b)),
        (line3, stored(b), stored(a)),
    ]


# --- accounting over mixes of good and bad records ------------------------------------------

KINDS = (
    "good",
    "good",
    "good",
    "short",
    "long",
    "stray_quote",
    "text_after_quote",
    "invalid_utf8",
    "bad_metric",
    "bad_url",
    "duplicate",
    "blank",
)
REASONS = {
    "short": "wrong_field_count",
    "long": "wrong_field_count",
    "stray_quote": "bad_quoting",
    "text_after_quote": "bad_quoting",
    "invalid_utf8": "invalid_utf8",
    "bad_metric": "bad_metric",
    "bad_url": "bad_post_url",
}
CAPTION = st.text(alphabet=st.sampled_from('ab ,"\n\r\\é😀#'), max_size=12)


def quoted(value: str) -> str:
    """A field as csv.QUOTE_MINIMAL writes it."""
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def record(values: list[str], end: str) -> bytes:
    return (",".join(quoted(v) for v in values) + end).encode("utf-8")


@dataclass
class Expected:
    """What the build must make of the file being written."""

    data: bytearray = field(default_factory=bytearray)
    line: int = 2  # the line the next record starts on
    records: int = 0
    rejects: set[tuple[int, str]] = field(default_factory=set)
    valid: dict[int, list[int]] = field(default_factory=dict)  # post id -> lines, in order
    next_n: int = 1

    def add(self, data: bytes, reason: str | None = None, pid: int | None = None) -> None:
        self.records += 1
        if reason:
            self.rejects.add((self.line, reason))
        else:
            self.valid.setdefault(pid, []).append(self.line)
        self.data += data
        self.line += data.count(b"\n")

    def posts(self) -> set[tuple[int, int]]:
        return {(lines[-1], pid) for pid, lines in self.valid.items()}

    def duplicates(self) -> set[tuple[int, str]]:
        return {(line, "duplicate_post") for lines in self.valid.values() for line in lines[:-1]}


def write_mix(kinds: list[str], captions: list[str], end: str, final_end: bool) -> Expected:
    exp = Expected()
    exp.data += record(list(COLUMNS), end)
    for i, kind in enumerate(kinds):
        n = exp.next_n
        exp.next_n += 1
        row = make_row(n, hashtags=captions[i % len(captions)] if captions else "fyp")
        values = [row[name] for name in COLUMNS]
        if kind == "blank":
            exp.data += end.encode()
            exp.line += 1
        elif kind == "good":
            exp.add(record(values, end), pid=post_id(n))
        elif kind == "duplicate" and exp.valid:
            again = max(exp.valid, key=lambda pid: exp.valid[pid][-1])  # the latest good post
            n_again = next(k for k in range(1, n) if post_id(k) == again)
            values = [make_row(n_again, views=str(5000 + i))[name] for name in COLUMNS]
            exp.add(record(values, end), pid=again)
        elif kind == "duplicate":  # nothing to duplicate yet: a good record
            exp.add(record(values, end), pid=post_id(n))
        elif kind == "short":
            exp.add(record(values[:-1], end), REASONS[kind])
        elif kind == "long":
            exp.add(record([*values, "extra"], end), REASONS[kind])
        elif kind in ("stray_quote", "text_after_quote"):
            raw = '5" tall' if kind == "stray_quote" else '"fyp" viral'
            fields = [raw if name == "hashtags" else quoted(row[name]) for name in COLUMNS]
            exp.add((",".join(fields) + end).encode("utf-8"), REASONS[kind])
        elif kind == "invalid_utf8":
            data = record(values, end)
            at = data.index(b"tiktok.com")
            exp.add(data[:at] + b"\xff" + data[at:], REASONS[kind])
        elif kind == "bad_metric":
            values[COLUMNS.index("views")] = "12.5"
            exp.add(record(values, end), REASONS[kind])
        elif kind == "bad_url":
            values[COLUMNS.index("post_url")] = "https://www.tiktok.com/@someone/video/123"
            exp.add(record(values, end), REASONS[kind])
    if not final_end and kinds[-1] != "blank":
        del exp.data[-len(end) :]
    return exp


@BUILD_SETTINGS
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=10).map(
        lambda ks: ks if set(ks) != {"blank"} else [*ks, "good"]  # not only blank lines
    ),
    captions=st.lists(CAPTION, max_size=4),
    end=st.sampled_from(["\r\n", "\n"]),
    final_end=st.booleans(),
)
@example(kinds=list(KINDS), captions=['a "b"\nc', ""], end="\r\n", final_end=True)
@example(
    kinds=["good", "invalid_utf8", "blank", "duplicate", "short"],
    captions=[],
    end="\n",
    final_end=False,
)
def test_every_record_is_a_post_or_a_reject_at_its_line(kinds, captions, end, final_end):
    exp = write_mix(kinds, captions, end, final_end)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "master.csv"
        path.write_bytes(bytes(exp.data))
        # A random mix is often mostly rejects: the reject-rate guard would refuse it.
        db = run_build(Path(tmp), path, guards=PublishGuards(refuse_reject_rate=1)).db_path
        posts = set(query(db, "SELECT csv_line, post_id FROM posts"))
        rejects = query(
            db, "SELECT line, reason FROM rejects WHERE input = 'csv' AND entity = 'post'"
        )
        log = query(
            db,
            "SELECT csv_records, csv_loaded, csv_duplicates, csv_rejected, csv_blank_lines "
            "FROM import_log",
        )
    assert posts == exp.posts()
    assert sorted(rejects) == sorted(exp.rejects | exp.duplicates())
    duplicates = len(exp.duplicates())
    assert log == [
        (
            exp.records,
            len(posts),
            duplicates,
            len(exp.rejects),
            kinds.count("blank"),
        )
    ]
    assert exp.records == len(posts) + len(rejects)
