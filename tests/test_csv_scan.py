"""The record scanner: record boundaries, line numbers and structural problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tikdb.errors import InputError
from tikdb.sources import csv_scan
from tikdb.sources.csv_scan import scan_csv


def records(result, data: bytes) -> list[bytes]:
    return [data[s:e] for s, e in zip(result.good_starts, result.good_ends, strict=True)]


def scan_bytes(tmp_path: Path, data: bytes):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    return scan_csv(path)


def test_multiline_quoted_fields_keep_their_start_line(tmp_path):
    data = b'a,b,c\r\n1,"x\ny",\r\n2,"",z\r\n3,,"q""r"\r\n4,\\x,"a\\"\r\n'
    result = scan_bytes(tmp_path, data)
    assert result.header == ["a", "b", "c"]
    assert result.good_lines.tolist() == [2, 4, 5, 6]
    assert result.good_line_spans.tolist() == [2, 1, 1, 1]
    assert records(result, data)[0] == b'1,"x\ny",\r\n'
    assert result.problems == []
    assert result.is_clean


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 64])
def test_chunk_boundaries_do_not_change_the_records(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", chunk)
    data = b'a,b,c\n1,"x\ny\nz",q\n2,x,y\n3,"a,""b""",c\n4,"\xc3\xa9",\xf0\x9f\x98\x80'
    result = scan_bytes(tmp_path, data)
    assert result.good_lines.tolist() == [2, 5, 6, 7]
    assert records(result, data) == [
        b'1,"x\ny\nz",q\n',
        b"2,x,y\n",
        b'3,"a,""b""",c\n',
        b'4,"\xc3\xa9",\xf0\x9f\x98\x80',
    ]


@pytest.mark.parametrize("chunk", [3, 64, 2**20])
def test_one_worker_scans_on_the_calling_thread_with_the_same_result(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", chunk)
    data = b'a,b,c\n1,"x\ny\nz",q\n2,ab"c,d\n3,"a,""b""",c\n\n4,x\n5,"\xc3\xa9",\xff\n6,"open,\n'
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    threaded = scan_csv(path, workers=2)

    def no_threads(*args, **kwargs):
        raise AssertionError("a thread pool was started with one worker")

    monkeypatch.setattr(csv_scan, "ThreadPoolExecutor", no_threads)
    inline = scan_csv(path, workers=1)
    for name in ("good_starts", "good_ends", "good_lines", "good_line_spans"):
        assert getattr(inline, name).tolist() == getattr(threaded, name).tolist(), name
    assert inline.problems == threaded.problems
    assert [p.reason for p in inline.problems] == [
        "bad_quoting",
        "wrong_field_count",
        "invalid_utf8",
        "unterminated_quote",
    ]
    assert (inline.sha256, inline.blank_lines) == (threaded.sha256, threaded.blank_lines)


def test_each_structural_problem_is_named_with_its_line_and_raw_text(tmp_path):
    data = (
        b"\xef\xbb\xbfa,b,c\n"
        b'1,ab"c,d\n'  # 2: stray quote
        b"2,x,y\n"  # 3: good
        b'3,"ab"c,d\n'  # 4: text after a closing quote
        b"\n"  # 5: blank line, not a record
        b'4,"""",\n'  # 6: good (an escaped quote)
        b"5,x\n"  # 7: too few fields
        b"6,1,2,3\n"  # 8: too many
        b"7,\xff,x\n"  # 9: invalid UTF-8
        b'8,"unterminated\nfoo,bar'  # 10-11: quote never closed
    )
    result = scan_bytes(tmp_path, data)
    assert result.has_bom
    assert result.good_lines.tolist() == [3, 6]
    assert result.blank_lines == 1
    assert result.records == 8
    assert [(p.line, p.reason, p.raw) for p in result.problems] == [
        (2, "bad_quoting", b'1,ab"c,d'),
        (4, "bad_quoting", b'3,"ab"c,d'),
        (7, "wrong_field_count", b"5,x"),
        (8, "wrong_field_count", b"6,1,2,3"),
        (9, "invalid_utf8", b"7,\xff,x"),
        (10, "unterminated_quote", b'8,"unterminated\nfoo,bar'),
    ]
    assert result.problems[2].message.startswith("record has 2 fields, expected 3 (too few)")
    assert not result.is_clean


def test_crlf_line_ends_are_not_part_of_the_raw_text(tmp_path):
    result = scan_bytes(tmp_path, b"a,b\r\n1\r\n2,3\r\n")
    assert [(p.line, p.raw) for p in result.problems] == [(2, b"1")]
    assert result.good_lines.tolist() == [3]


def test_sha256_and_size_cover_the_whole_file(tmp_path):
    import hashlib

    data = b"a,b\n1,2\n" * 1000
    result = scan_bytes(tmp_path, data)
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p.write_bytes(b""), r"the file is empty \(0 bytes\)"),
        (lambda p: p.mkdir(), "is a directory, not a CSV file"),
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00a\x00"), "is UTF-16 text"),
        (
            lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"),
            r"line 1 is not UTF-8 text \(byte 1\)",
        ),
        (lambda p: p.write_bytes(b"a,b\rc,d\r"), r"carriage return \(CR\) only"),
    ],
)
def test_unusable_files_raise_input_errors(tmp_path, setup, message):
    path = tmp_path / "in.csv"
    setup(path)
    with pytest.raises(InputError, match=message):
        scan_csv(path)


@pytest.fixture
def small_limits(monkeypatch):
    """A 256-byte record limit, read in 64-byte chunks (the real ones: 64 MiB, 8 MiB)."""
    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", 64)
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 256)


def problem(result) -> tuple:
    (p,) = result.problems
    return (p.line, p.last_line, p.reason, p.message, p.raw)


def test_a_quote_that_never_closes_in_a_huge_file_is_one_reject_to_the_end(tmp_path, small_limits):
    data = b'a,b\n1,"never closed\n' + b"2,x\n" * 200
    result = scan_bytes(tmp_path, data)
    assert result.records == 1 and len(result.good_starts) == 0
    assert problem(result) == (
        2,
        202,
        "unterminated_quote",
        "a quoted field opens on this line and is never closed before the end of the file "
        "(this record spans lines 2-202)",
        data[4:-1],
    )


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
@pytest.mark.parametrize("newlines_inside", [False, True])
def test_a_record_over_the_limit_is_a_reject_and_the_next_records_load(
    tmp_path, small_limits, line_end, newlines_inside
):
    body = (b'x"", \n' if newlines_inside else b'x"", ') * 100  # quotes and commas inside
    long = b'2,"' + body + b'"'
    data = b"a,b" + line_end + b"1,x" + line_end + long + line_end + b"3,y" + line_end
    result = scan_bytes(tmp_path, data)
    spans = body.count(b"\n")
    assert records(result, data) == [b"1,x" + line_end, b"3,y" + line_end]
    assert result.good_lines.tolist() == [2, 4 + spans]
    message = (
        f"record is {len(long) + len(line_end):,} bytes long, more than the 256 bytes one "
        "record may hold; its quotes pair up, so it is a record of its own (no export writes "
        "fields this long)"
    )
    if spans:
        message += f" (this record spans lines 3-{3 + spans})"
    assert problem(result) == (3, 3 + spans, "record_too_long", message, long)


def test_a_long_record_that_ends_at_the_end_of_the_file(tmp_path, small_limits):
    long = b'2,"' + b"y" * 400 + b'"'
    result = scan_bytes(tmp_path, b"a,b\n1,x\n" + long)
    assert records(result, b"a,b\n1,x\n" + long) == [b"1,x\n"]
    assert problem(result)[:3] == (3, 3, "record_too_long")
    assert problem(result)[4] == long


def test_a_long_record_keeps_its_quoting_across_pieces(tmp_path, small_limits):
    """A "" escape, and a newline inside quotes after the limit, are read as in any
    record: the record ends where its quotes close."""
    body = b"z" * 300 + b'""' + b"w" * 63 + b'""\n"",\n'
    long = b'2,"' + body + b'"'
    data = b"a,b\n" + long + b"\n3,y\n"
    result = scan_bytes(tmp_path, data)
    assert records(result, data) == [b"3,y\n"]
    assert result.good_lines.tolist() == [5]
    assert problem(result)[:3] == (2, 4, "record_too_long")


def test_a_stray_quote_at_the_start_of_a_piece_is_read_as_a_stray_quote(tmp_path, small_limits):
    """A line longer than the limit is cut where the buffer ends; the byte before a
    piece is then not a line feed, and a quote there is no field's opening quote."""
    long = b"2," + b"x" * 318 + b'"' + b"y" * 10  # the quote is byte 324 of the file
    data = b"a,b\n" + long + b"\n3,y\n"
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with path.open("rb") as f:
        f.seek(4)  # past the header, as the scan does
        pieces = [(offset, before) for _view, offset, before in csv_scan._chunks(f, 4, len(data))]
    assert (324, ord("x")) in pieces
    result = scan_csv(path)
    assert records(result, data) == [b"3,y\n"]
    assert problem(result)[:3] == (2, 2, "record_too_long")


def test_a_doubled_quote_split_between_pieces_is_still_one_quote(tmp_path, small_limits):
    """The piece boundary falls inside a "" escape of a long quoted field: the quote
    that starts the next piece follows the closing one, so it escapes, and the newline
    after it is still inside the field."""
    long = b'2,"' + b"z" * 316 + b'""' + b"w" * 10 + b"\n" + b"v" * 5 + b'"'  # "" at 323-324
    data = b"a,b\n" + long + b"\n3,y\n"
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with path.open("rb") as f:
        f.seek(4)  # past the header, as the scan does
        pieces = [(offset, before) for _view, offset, before in csv_scan._chunks(f, 4, len(data))]
    assert (324, ord('"')) in pieces
    result = scan_csv(path)
    assert records(result, data) == [b"3,y\n"]
    assert result.good_lines.tolist() == [4]
    assert problem(result)[:3] == (2, 3, "record_too_long")


def test_raw_text_over_the_cap_is_cut_between_characters_and_the_message_says_so(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(csv_scan, "MAX_RAW_BYTES", 20)
    bad = "1,ab" + "é" * 20  # a short row (2 fields of 3), 44 bytes
    data = ("a,b,c\n" + bad + "\n2,x,y\n").encode()
    result = scan_bytes(tmp_path, data)
    line, last, reason, message, raw = problem(result)
    assert raw == b"1,ab" + "é".encode() * 8  # 20 bytes: no half "é"
    assert message.endswith(" (raw_text holds its first 20 of 44 bytes)")
    monkeypatch.setattr(csv_scan, "MAX_RAW_BYTES", 21)
    assert problem(scan_bytes(tmp_path, data))[4] == raw  # 21 would split an "é"


def _fields_by_walking(text: bytes) -> list[int]:
    """Fields per record, one byte at a time: the reference for the vectorised count.
    Every quote toggles the quoted state (the strategy below makes no stray quotes)."""
    counts, fields, quoted = [], 1, False
    for byte in text:
        if byte == ord('"'):
            quoted = not quoted
        elif byte == ord(",") and not quoted:
            fields += 1
        elif byte == ord("\n") and not quoted:
            counts.append(fields)
            fields = 1
    if not text.endswith(b"\n") or quoted:
        counts.append(fields)
    return counts


# Fields of the forms a, "a,b" and "a""\nb": every quote opens at a field start or
# closes a quoted field, so every quote toggles; the last record may lack its line end
# or leave a quote open (an unterminated field at the end of the file).
_FIELD = st.sampled_from([b"", b"a", b"a b", b'","', b'"a,b"', b'"x""y"', b'"1\n2,3"'])
_RECORD = st.lists(_FIELD, min_size=1, max_size=6).map(b",".join)


@given(
    rows=st.lists(_RECORD, min_size=1, max_size=8),
    ending=st.sampled_from([b"\n", b"", b',"open,\n']),
)
def test_field_counts_match_a_byte_by_byte_walk(rows, ending):
    text = b"\n".join(rows) + ending
    marks = csv_scan._find_marks(memoryview(text), 0)
    quotes, _, _, stray = csv_scan._toggles(marks.quotes, marks.quote_prev, marks.quote_next)
    assert len(stray) == 0
    in_quotes = (np.searchsorted(quotes, marks.newlines) % 2) == 1
    ends = marks.newlines[~in_quotes] + 1
    if len(ends) == 0 or ends[-1] != len(text):
        ends = np.append(ends, len(text))
    got = csv_scan._field_counts(marks.commas, quotes, ends, marks.end)
    assert got.tolist() == _fields_by_walking(text)
