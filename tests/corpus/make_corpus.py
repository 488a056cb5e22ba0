"""Write the bad-input corpus under tests/corpus/: deterministic, rerun it to regenerate.

    uv run python tests/corpus/make_corpus.py

* ``csv/<case>.csv``: a small master CSV in the real format (header, CRLF, Python csv
  quoting) with a few good rows around the one bad thing the case is about. Rows come from
  ``conftest.make_row``; byte-level damage (invalid UTF-8, stray quotes, short rows, ...)
  is spliced in as raw bytes. The header is line 1, so row k of a case is on line k + 1
  unless an earlier record spans several lines.
* ``ocr/<case>/by_va/<VA>/ocr_posts.json``: an OCR folder in the real layout, read against
  ``ocr/master.csv`` (posts 1-4).

``tests/test_corpus.py`` pins the outcome of every case, and checks that the committed
files are exactly what this script writes (so edit the cases here, never the files).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import make_row, ocr_record, slide_url  # noqa: E402

from tikdb.contract import COLUMNS  # noqa: E402

HERE = Path(__file__).resolve().parent
CRLF = b"\r\n"
SHRUG = "¯\\_(ツ)_/¯"
ONE_MIB = 2**20


# --- CSV writing ---------------------------------------------------------------------------


def record(values: list[str], terminator: str = "\r\n") -> bytes:
    """One CSV record as Python's csv module writes it (minimal quoting)."""
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator).writerow(values)
    return out.getvalue().encode("utf-8")


def header(names: list[str] | tuple[str, ...] = COLUMNS, terminator: str = "\r\n") -> bytes:
    return record(list(names), terminator)


def line(row: dict[str, str], names: list[str] | tuple[str, ...] = COLUMNS, terminator="\r\n"):
    return record([row.get(name, "") for name in names], terminator)


def master(*rows: dict[str, str] | bytes, names=COLUMNS, terminator="\r\n") -> bytes:
    """Header plus rows; a bytes item is spliced in verbatim (a damaged record)."""
    parts = [header(names, terminator)]
    for row in rows:
        parts.append(row if isinstance(row, bytes) else line(row, names, terminator))
    return b"".join(parts)


def good(*numbers: int) -> list[dict[str, str]]:
    return [make_row(n) for n in numbers]


def fields(row: dict[str, str]) -> list[str]:
    return [row[name] for name in COLUMNS]


def raw_fields(values: list[str]) -> bytes:
    """Fields joined with commas and no quoting at all, then CRLF (hand-made damage)."""
    return ",".join(values).encode("utf-8") + CRLF


def with_fields(row: dict[str, str], **raw: str) -> bytes:
    """A record whose named fields are written verbatim (no quoting); others as csv does."""
    out = [raw[name] if name in raw else quoted(row[name]) for name in COLUMNS]
    return ",".join(out).encode("utf-8") + CRLF


def quoted(value: str) -> str:
    """A field as csv.QUOTE_MINIMAL writes it."""
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def one_account(rows: list[dict[str, str]], handle: str) -> list[dict[str, str]]:
    """The rows, all posted by one account (post_url rewritten to match)."""
    out = []
    for row in rows:
        old = row["post_url"].split("/")[3]
        out.append(dict(row, account=handle, post_url=row["post_url"].replace(old, f"@{handle}")))
    return out


def big_caption() -> str:
    """A caption of exactly 1 MiB of UTF-8: many lines, quotes, commas, emoji, backslashes."""
    unit = f'#fyp "quoted", {SHRUG} C:\\x 😀 שלום\tend\r\nnext line\n'
    text = unit * ((ONE_MIB - 3) // len(unit.encode("utf-8")))
    return text + "x" * (ONE_MIB - 3 - len(text.encode("utf-8"))) + "end"


# --- the CSV cases --------------------------------------------------------------------------

CSV_CASES: dict[str, Callable[[], bytes]] = {}


def csv_case(fn: Callable[[], bytes]) -> Callable[[], bytes]:
    CSV_CASES[fn.__name__] = fn
    return fn


@csv_case
def good_master() -> bytes:
    return master(*good(1, 2, 3, 4))


@csv_case
def empty() -> bytes:
    return b""


@csv_case
def header_only() -> bytes:
    return header()


@csv_case
def utf16() -> bytes:
    return master(*good(1, 2)).decode("utf-8").encode("utf-16")


@csv_case
def missing_column() -> bytes:
    names = [c for c in COLUMNS if c != "views"]
    return master(*good(1, 2, 3), names=names)


@csv_case
def renamed_column() -> bytes:
    names = ["view_count" if c == "views" else c for c in COLUMNS]
    rows = [dict(r, view_count=r["views"]) for r in good(1, 2, 3)]
    return master(*rows, names=names)


@csv_case
def duplicate_column() -> bytes:
    return master(*good(1, 2, 3), names=[*COLUMNS, "views"])


@csv_case
def extra_column() -> bytes:
    rows = [dict(r, bookmarks=str(n)) for n, r in enumerate(good(1, 2, 3))]
    return master(*rows, names=[*COLUMNS[:5], "bookmarks", *COLUMNS[5:]])


@csv_case
def extra_column_multiline() -> bytes:
    rows = [
        dict(r, notes=note) for r, note in zip(good(1, 2, 3), ["", "a\nb\r\nc", "x"], strict=True)
    ]
    return master(*rows, names=[*COLUMNS, "notes"])


@csv_case
def header_10000_columns() -> bytes:
    names = [*COLUMNS, *(f"extra_{i:05d}" for i in range(1, 10_001 - len(COLUMNS)))]
    return master(*good(1, 2, 3), names=names)


@csv_case
def unknown_sources() -> bytes:
    sources = [
        "current_metrics",
        "sheet_1",
        "sheet_1",
        "a" * 100,
        *(f"sheet_{n}" for n in range(2, 7)),
    ]
    return master(*(dict(make_row(n), source=source) for n, source in enumerate(sources, 1)))


@csv_case
def reordered_columns() -> bytes:
    return master(*good(1, 2, 3), names=list(reversed(COLUMNS)))


@csv_case
def header_case_and_spaces() -> bytes:
    text = (
        header().decode("utf-8").replace("views", " Views ").replace("created_date", "CREATED_DATE")
    )
    return text.encode("utf-8") + b"".join(line(r) for r in good(1, 2, 3))


@csv_case
def bom() -> bytes:
    return b"\xef\xbb\xbf" + master(*good(1, 2, 3))


@csv_case
def crlf() -> bytes:
    return master(*good(1, 2, 3))


@csv_case
def lf() -> bytes:
    return master(*good(1, 2, 3), terminator="\n")


@csv_case
def no_final_line_end() -> bytes:
    return master(*good(1, 2, 3))[:-2]


@csv_case
def blank_lines() -> bytes:
    a, b, c = (line(r) for r in good(1, 2, 3))
    return header() + a + CRLF + b + CRLF + CRLF + c + CRLF


@csv_case
def multiline_captions() -> bytes:
    rows = good(1, 2, 3, 4)
    rows[1]["hashtags"] = "first line #fyp\nsecond line, with a comma\n\nfourth after a blank"
    rows[2]["hashtags"] = "windows line end\r\nnext\r\n"
    rows[2]["sound"] = "som original\n"
    return master(*rows)


@csv_case
def backslashes() -> bytes:
    rows = good(1, 2, 3, 4)
    rows[1]["hashtags"], rows[1]["sound"] = SHRUG, "C:\\x"
    rows[2]["hashtags"] = "ends in a backslash, inside quotes \\"  # written "...\"
    rows[2]["sound"] = 'say \\"hi\\"'  # written "say \""hi\"""
    return master(*rows)


@csv_case
def doubled_quotes() -> bytes:
    rows = good(1, 2, 3)
    rows[1]["hashtags"] = 'she said "hi", twice ""'
    rows[1]["sound"] = '"'
    return master(*rows)


@csv_case
def invalid_utf8() -> bytes:
    a, b, c = good(1, 2, 3)
    bad = line(b).replace(b"fyp, viral, love", b"caf\xe9 fyp, viral, love")
    return master(a, bad, c)


@csv_case
def short_row() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, record(fields(b)[:-1]), c)


@csv_case
def long_row() -> bytes:
    a, b, c, d = good(1, 2, 3, 4)
    return master(a, b, with_fields(c, hashtags="fyp, viral, love"), d)


@csv_case
def trailing_comma_every_row() -> bytes:
    """An export that ends every data row with a comma: one field too many on every row,
    so every record is a reject (seen from a re-saved export)."""
    return master(*(line(row)[: -len(CRLF)] + b"," + CRLF for row in good(1, 2, 3, 4)))


@csv_case
def stray_quote() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, with_fields(b, hashtags='5" tall #fyp'), c)


@csv_case
def text_after_closing_quote() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, with_fields(b, hashtags='"fyp" viral'), c)


@csv_case
def unterminated_quote_at_end() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, b, with_fields(c, hashtags='"never closed #fyp'))


@csv_case
def unterminated_quote_mid_file() -> bytes:
    rows = good(1, 2, 3, 4)
    for row in rows:
        row["hashtags"] = "fyp"  # no quotes anywhere else in the file
    a, b, c, d = rows
    return master(a, with_fields(b, hashtags='"never closed #fyp'), c, d)


@csv_case
def bad_quote_swallows_next_row() -> bytes:
    a, b, c, d = good(1, 2, 3, 4)  # c and d quote their hashtags ("fyp, viral, love")
    return master(a, with_fields(b, hashtags='"never closed #fyp'), c, d)


@csv_case
def cr_line_ends() -> bytes:
    return master(*good(1, 2, 3), terminator="\r")


@csv_case
def crcrlf_line_ends() -> bytes:
    """CRLF written through a text-mode file on Windows: every line ends in CR CR LF."""
    return master(*good(1, 2, 3), terminator="\r\r\n")


@csv_case
def quote_then_bare_cr() -> bytes:
    """One record ends in CR CR LF after a quoted last field: a closing quote, then a CR."""
    a, b, c = good(1, 2, 3)
    bad = line(dict(b, source="current_metrics, sheet 2"))[:-2] + b"\r\r\n"
    return master(a, bad, c)


@csv_case
def quote_then_cr_mid_record() -> bytes:
    """A closing quote followed by a CR that does not end the line."""
    a, b, c = good(1, 2, 3)
    bad = line(b).replace(b'"fyp, viral, love",', b'"fyp, viral, love"\r,')
    assert bad != line(b)
    return master(a, bad, c)


@csv_case
def bare_cr_unquoted() -> bytes:
    """An unquoted field with a CR inside it (RFC 4180 wants it quoted)."""
    a, b, c = good(1, 2, 3)
    bad = line(dict(b, source="current_metrics")).replace(b"current_metrics", b"current\rmetrics")
    return master(a, bad, c)


@csv_case
def header_newline_in_name() -> bytes:
    names = ["created\ndate" if c == "created_date" else c for c in COLUMNS]
    return master(*good(1, 2), names=names)


@csv_case
def duplicate_ids() -> bytes:
    a, b, c = good(1, 2, 3)
    again = dict(a, views="2500", likes="90", engagement=str(90 + 5 + 1))
    return master(a, b, again, c)


@csv_case
def metric_non_numeric() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, views="abc"), c)


@csv_case
def metric_negative() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, likes="-5"), c)


@csv_case
def metric_very_long() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, views="9" * 5000), c)


@csv_case
def metric_whole_float() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, views="12.0"), c)


@csv_case
def metric_fraction() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, comments="12.5"), c)


@csv_case
def metric_thousands() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, views="52,400"), c)


@csv_case
def date_bad_month() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, created_date="2025-13-01"), c)


@csv_case
def date_us_format() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, created_date="10/01/2025"), c)


@csv_case
def date_future() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, created_date="2099-10-01"), c)


@csv_case
def url_short_link() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, post_url="https://www.tiktok.com/t/ZTabc123/"), c)


@csv_case
def url_not_a_post() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, post_url=f"https://www.tiktok.com/@{b['account']}"), c)


@csv_case
def url_video_id_leading_zeros() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(
        a, dict(b, post_url=f"https://www.tiktok.com/@{b['account']}/video/0000000000000000042"), c
    )


@csv_case
def url_video_id_too_big() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(
        a, dict(b, post_url=f"https://www.tiktok.com/@{b['account']}/video/9300000000000000000"), c
    )


@csv_case
def url_empty() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, post_url=""), c)


@csv_case
def account_mismatch() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, account="someone.else"), c)


@csv_case
def url_variants() -> bytes:
    a, b, c, d, e = good(1, 2, 3, 4, 5)
    b["post_url"] = b["post_url"].replace("/video/", "/photo/") + "?_t=8qZ&_r=1"
    c["post_url"] = c["post_url"].replace("https://www.", "https://")
    d["post_url"] = d["post_url"] + "?is_from_webapp=1&sender_device=pc"
    e["post_url"] = e["post_url"] + "/"
    return master(a, b, c, d, e)


@csv_case
def va_names() -> bytes:
    rows = one_account(good(1, 2, 3, 4, 5, 6), "miriam00glow")
    for row, va in zip(rows, ["Carla", "", "UNKNOWN", "CARLA", " carla ", "nan"], strict=True):
        row["va"] = va
    return master(*rows)


@csv_case
def slide_lists() -> bytes:
    a, b, c, d = good(1, 2, 3, 4)
    s = [slide_url(200 + i) for i in range(13)]
    b["slides"] = f"{s[0]}|| {s[1]} |not a url|{s[2]}|"
    c["slides"] = "|".join(s)
    d["slides"] = f"{s[3]}|https://p16-sign.tiktokcdn-us.com/a b.jpeg|ftp-less/{s[4]}"
    return master(a, b, c, d)


@csv_case
def caption_1mib() -> bytes:
    a, b, c = good(1, 2, 3)
    return master(a, dict(b, hashtags=big_caption()), c)


# --- the OCR cases --------------------------------------------------------------------------

OCR_ROWS = good(1, 2, 3, 4)  # ocr/master.csv
OCR_CASES: dict[str, Callable[[], dict[str, bytes]]] = {}


def ocr_case(fn: Callable[[], dict[str, bytes]]) -> Callable[[], dict[str, bytes]]:
    OCR_CASES[fn.__name__] = fn
    return fn


def as_json(records: object) -> bytes:
    """JSON as the OCR pipeline writes it: indent=2, UTF-8, no trailing newline."""
    return json.dumps(records, indent=2, ensure_ascii=False).encode("utf-8")


@ocr_case
def ocr_invalid_json() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    broken = as_json([ocr_record(a, "hello")])[:-40]  # cut off mid-record
    return {"Carla": broken, "Kent": as_json([ocr_record(b, "fine")])}


@ocr_case
def ocr_nan() -> dict[str, bytes]:
    a, b, c = OCR_ROWS[:3]
    text = as_json([ocr_record(a, "hello"), ocr_record(b, "pandas", views=0.5), ocr_record(c, "x")])
    text = text.replace(b'"views": 0.5', b'"views": NaN')
    return {"Carla": text.replace(b'"ocr_text": "x"', b'"ocr_text": NaN')}


@ocr_case
def ocr_not_array() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    return {
        "Carla": as_json({"records": [ocr_record(a, "hello")]}),
        "Kent": as_json([ocr_record(b, "fine")]),
    }


@ocr_case
def ocr_not_utf8() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    return {
        "Carla": as_json([ocr_record(a, "café")]).replace("é".encode(), b"\xe9"),
        "Kent": as_json([ocr_record(b, "fine")]),
    }


@ocr_case
def ocr_missing_keys() -> dict[str, bytes]:
    a, b, c = OCR_ROWS[:3]
    no_url = ocr_record(a, "hello")
    del no_url["post_url"]
    no_text = ocr_record(b, "hello")
    del no_text["ocr_text"]
    return {"Carla": as_json([no_url, no_text, ocr_record(c, "fine"), "not an object"])}


@ocr_case
def ocr_combined_text() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    old = ocr_record(a, "older file")
    old["combined_text"] = old.pop("ocr_text")
    del old["text_hash"]
    return {"Carla": as_json([old, ocr_record(b, "fine")])}


@ocr_case
def ocr_wrong_hash() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    wrong = ocr_record(a, "hello", text_hash=hashlib.md5(b"something else").hexdigest())
    return {"Carla": as_json([wrong, ocr_record(b, "fine")])}


@ocr_case
def ocr_unknown_post() -> dict[str, bytes]:
    return {"Carla": as_json([ocr_record(OCR_ROWS[0], "hello"), ocr_record(make_row(99), "who")])}


@ocr_case
def ocr_video_id_leading_zeros() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    zeros = a["post_url"].rsplit("/", 1)[0] + "/0000000000000000042"
    return {"Carla": as_json([ocr_record(dict(a, post_url=zeros), "hello"), ocr_record(b, "fine")])}


@ocr_case
def ocr_numbers_out_of_range() -> dict[str, bytes]:
    a, b, c, d = OCR_ROWS
    text = as_json(
        [
            ocr_record(a, "ten to the 30", views=10**30),
            ocr_record(b, "two to the 63", thumbnail_count=2**63),
            ocr_record(c, "a float", thumbnails_with_text=1e30),
            ocr_record(d, "5000 digits", views=-1),
        ]
    )
    return {"Carla": text.replace(b'"views": -1', b'"views": 1' + b"0" * 5000)}


@ocr_case
def ocr_lone_surrogate() -> dict[str, bytes]:
    a, b, c = OCR_ROWS[:3]
    text = as_json(
        [ocr_record(a, "half SURROGATE pair"), ocr_record(b, "fine", va="SURROGATE"), ocr_record(c)]
    )
    # JSON may escape half of a UTF-16 pair on its own; no UTF-8 text can hold it.
    return {"Carla": text.replace(b"SURROGATE", b"\\ud800")}


@ocr_case
def ocr_nested_too_deep() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    deep = b"[" * 5000 + b"]" * 5000
    return {
        "Carla": as_json([ocr_record(a, "hello")])[:-2] + b",\n  " + deep + b"\n]",
        "Kent": as_json([ocr_record(b, "fine")]),
    }


@ocr_case
def ocr_repeated_across_folders() -> dict[str, bytes]:
    a, b = OCR_ROWS[:2]
    newer = ocr_record(a, "new text", timestamp="2025-10-20T12:00:00.000000")
    older = ocr_record(a, "old text", va="nan", timestamp="2025-10-20T10:00:00.000000")
    return {"Carla": as_json([newer, ocr_record(b, "fine")]), "nan": as_json([older])}


# --- writing --------------------------------------------------------------------------------


def expected_files() -> dict[str, bytes]:
    """Every corpus file, by path relative to tests/corpus/."""
    files = {f"csv/{name}.csv": make() for name, make in CSV_CASES.items()}
    files["ocr/master.csv"] = master(*OCR_ROWS)
    for name, make in OCR_CASES.items():
        for va, data in make().items():
            files[f"ocr/{name}/by_va/{va}/ocr_posts.json"] = data
    return files


def write_corpus(root: Path = HERE) -> list[Path]:
    """(Re)write the corpus under root; returns the files written."""
    for folder in ("csv", "ocr"):
        shutil.rmtree(root / folder, ignore_errors=True)
    written = []
    for rel, data in expected_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    paths = write_corpus()
    print(f"wrote {len(paths)} files under {HERE}")
