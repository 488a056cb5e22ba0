"""Find the records of a CSV file, with their line numbers, before any parser sees it.

Polars reads CSV fast but cannot say *which line* was wrong: it pads short rows,
truncates or fails on long ones, and stops on a stray quote. This module walks the
raw bytes once, vectorised with numpy, and splits them into RFC 4180 records:

* a record ends at a newline outside quotes;
* a quote opens a quoted field only at the start of a field, and a closing quote must
  be followed by a separator, a line end, another quote (``""``) or the end of file;
* every record must have as many fields as the header and be valid UTF-8.

Records that break a rule are returned as problems (reason code, message, raw bytes),
so the build can put them in ``rejects`` and hand only well-formed records to Polars.
The line number of a record is the physical line on which it starts (header = line 1).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from tikdb.errors import InputError

QUOTE, COMMA, LF, CR = 0x22, 0x2C, 0x0A, 0x0D
BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 32 * 1024 * 1024
# A reject keeps the raw text of its record; one broken quote can swallow the rest of a
# huge file into a single "record", so the stored text is capped.
MAX_RAW_BYTES = 4 * 1024 * 1024
# No real record comes near this; a longer one means a quote that never closes.
MAX_RECORD_BYTES = 64 * 1024 * 1024
HEADER_WINDOW = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """A record that cannot be parsed: where it is, what it says, and why it is bad."""

    line: int
    reason: str
    message: str
    raw: bytes


@dataclass
class ScanResult:
    """The records of a CSV file (data records only, header excluded)."""

    path: Path
    size: int
    sha256: str
    header: list[str]
    has_bom: bool
    header_end: int  # byte offset just past the header's line end
    good_starts: np.ndarray  # byte offset of each well-formed record
    good_ends: np.ndarray  # byte offset just past its line end (or EOF)
    good_lines: np.ndarray  # 1-based line on which it starts
    good_line_spans: np.ndarray  # number of physical lines it spans
    problems: list[Problem] = field(default_factory=list)
    blank_lines: int = 0

    @property
    def records(self) -> int:
        """Data records found: well-formed ones plus problems."""
        return len(self.good_starts) + len(self.problems)

    @property
    def is_clean(self) -> bool:
        """True when the file can be handed to a CSV parser as it is."""
        return not self.problems and self.blank_lines == 0


def scan_csv(path: Path) -> ScanResult:
    """Split ``path`` into records and classify each one; raises InputError when unusable."""
    path = Path(path)
    _check_is_readable_file(path)
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes). Export the master CSV again.")

    digest = hashlib.sha256()
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    spans: list[np.ndarray] = []
    problems: list[Problem] = []
    blank = 0
    header: list[str] | None = None
    has_bom = False
    header_end = 0
    with path.open("rb") as f:
        carry = b""
        offset, line = 0, 1  # absolute offset and line of carry's first byte
        eof = False
        while True:
            chunk = f.read(CHUNK_BYTES)
            digest.update(chunk)
            eof = not chunk
            data = carry + chunk if carry else chunk
            if not data:
                break
            if header is None:
                cut = _first_record_end(data)
                if cut < 0 and not eof:
                    carry = data
                    continue
                cut = len(data) if cut < 0 else cut + 1
                header, has_bom = _parse_header(path, data[:cut])
                header_end = cut
                offset, line = cut, 1 + data[:cut].count(b"\n")
                data = data[cut:]
            records = _classify(data, len(header), eof)
            if records.consumed == 0 and not eof:
                if len(data) > MAX_RECORD_BYTES:
                    raise InputError(
                        f"{path}: line {line}: a record runs on for more than "
                        f"{MAX_RECORD_BYTES // 2**20} MiB; a quoted field is probably never "
                        'closed. Fix the quoting (a field with a " must be quoted, "" inside).'
                    )
                carry = data
                continue
            blank += records.blank
            keep = records.good
            starts.append(offset + records.starts[keep])
            ends.append(offset + records.ends[keep])
            lines.append(line + records.lines[keep])
            spans.append(records.spans[keep])
            problems.extend(
                Problem(line + p.line, p.reason, p.message, p.raw) for p in records.problems
            )
            carry = data[records.consumed :]
            offset += records.consumed
            line += records.newlines_consumed
            if eof:
                break
    assert header is not None

    def cat(arrays: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

    return ScanResult(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        header=header,
        has_bom=has_bom,
        header_end=header_end,
        good_starts=cat(starts),
        good_ends=cat(ends),
        good_lines=cat(lines),
        good_line_spans=cat(spans),
        problems=problems,
        blank_lines=blank,
    )


def _check_is_readable_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file. Pass the master CSV with --csv PATH.")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a CSV file. Pass the CSV file itself.")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.strerror}). Check its permissions."
        ) from exc


def _toggle_quotes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (positions of the quotes that open or close a quoted section, positions of
    badly placed quotes) for a buffer that starts outside quotes.

    Fast path: every quote toggles, which is exact for a well-formed file. A quote that
    would open a quoted section in the middle of a field (a stray quote) is treated as a
    literal character when finding record ends, reported as bad, and the states of the
    quotes after it are recomputed.
    """
    quotes = np.flatnonzero(buf == QUOTE)
    stray: list[int] = []
    start = 0
    while start < len(quotes):
        rest = quotes[start:]
        opening = (np.arange(start, len(quotes)) % 2) == 0
        prev = buf[np.maximum(rest - 1, 0)]
        prev_quote = np.empty_like(rest)
        prev_quote[0] = quotes[start - 1] if start > 0 else -2
        prev_quote[1:] = rest[:-1]
        # An opening quote starts a field, or is the second half of a "" escape.
        ok_open = (rest == 0) | (prev == COMMA) | (prev == LF) | (prev_quote == rest - 1)
        bad = np.flatnonzero(opening & ~ok_open)
        if len(bad) == 0:
            break
        k = start + int(bad[0])
        stray.append(int(quotes[k]))
        quotes = np.delete(quotes, k)
        start = k
    # A closing quote is followed by a separator, a line end, a quote or the end of data.
    closing = quotes[1::2]
    n = len(buf)
    nxt = buf[np.minimum(closing + 1, n - 1)]
    ok_close = (closing + 1 == n) | (nxt == COMMA) | (nxt == LF) | (nxt == CR) | (nxt == QUOTE)
    bad_all = np.sort(np.concatenate([np.array(stray, dtype=np.int64), closing[~ok_close]]))
    return quotes, bad_all


def _first_record_end(data: bytes) -> int:
    """Index of the first newline outside quotes in data, or -1."""
    buf = np.frombuffer(data[:HEADER_WINDOW], dtype=np.uint8)
    quotes, _ = _toggle_quotes(buf)
    newlines = np.flatnonzero(buf == LF)
    outside = newlines[(np.searchsorted(quotes, newlines) % 2) == 0]
    return int(outside[0]) if len(outside) else -1


def _parse_header(path: Path, data: bytes) -> tuple[list[str], bool]:
    has_bom = data.startswith(BOM)
    body = data[len(BOM) :] if has_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: line 1 is not UTF-8 text (byte {exc.start + 1}); this is not a CSV "
            "export. Pass the master CSV with --csv PATH."
        ) from exc
    text = text.rstrip("\r\n")
    if not text.strip():
        raise InputError(f"{path}: line 1 is empty; expected the header row. Export the CSV again.")
    header = next(csv.reader(io.StringIO(text)))
    return [name.strip() for name in header], has_bom


@dataclass
class _Classified:
    """Records found in a buffer; arrays are relative to the buffer (lines 0-based)."""

    starts: np.ndarray
    ends: np.ndarray
    lines: np.ndarray
    spans: np.ndarray
    good: np.ndarray
    problems: list[Problem]
    blank: int
    consumed: int  # bytes of whole records handled; the rest waits for more data
    newlines_consumed: int


def _classify(data: bytes, ncols: int, eof: bool) -> _Classified:
    """Split data (which starts at a record start) into records and check each one.

    Unless at the end of the file, only records whose line end is in data are handled.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes, bad_quotes = _toggle_quotes(buf)
    newlines = np.flatnonzero(buf == LF)
    record_nl = newlines[(np.searchsorted(quotes, newlines) % 2) == 0]
    ends = (record_nl + 1).astype(np.int64)
    unterminated = False
    if eof and len(buf) and (len(ends) == 0 or ends[-1] != len(buf)):
        # The last record has no line end, or its quote never closes.
        unterminated = np.searchsorted(quotes, len(buf)) % 2 == 1
        ends = np.append(ends, len(buf))
    consumed = int(ends[-1]) if len(ends) else 0
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)

    lines = np.searchsorted(newlines, starts)  # newlines before each record
    spans = np.searchsorted(newlines, ends - 1) - lines + 1
    # Content end excludes the record's line end (LF or CRLF).
    last = buf[np.maximum(ends - 1, 0)] if len(ends) else np.zeros(0, dtype=np.uint8)
    content_end = ends - ((ends > starts) & (last == LF))
    before = buf[np.maximum(content_end - 1, 0)] if len(ends) else np.zeros(0, dtype=np.uint8)
    content_end = content_end - ((content_end > starts) & (before == CR) & (last == LF))
    blank_mask = content_end == starts

    commas = np.flatnonzero(buf[:consumed] == COMMA)
    outside_commas = commas[(np.searchsorted(quotes, commas) % 2) == 0]
    fields = np.bincount(np.searchsorted(ends, outside_commas, side="right"), minlength=len(ends))
    fields = fields[: len(ends)] + 1

    reasons: dict[int, tuple[str, str]] = {}
    for i in np.flatnonzero((fields != ncols) & ~blank_mask):
        got = int(fields[i])
        kind = "too many" if got > ncols else "too few"
        reasons[int(i)] = (
            "wrong_field_count",
            f"record has {got} fields, expected {ncols} ({kind}); check the separators and "
            "quoting of this record",
        )
    bad_quotes = bad_quotes[bad_quotes < consumed]
    for i in np.unique(np.searchsorted(ends, bad_quotes, side="right")):
        reasons[int(i)] = (
            "bad_quoting",
            'a quote (") appears inside an unquoted field or right after a closing quote; '
            'quote the whole field and double the quotes inside it ("")',
        )
    invalid = _invalid_utf8_positions(memoryview(data)[:consumed])
    for pos in invalid:
        i = int(np.searchsorted(ends, pos, side="right"))
        reasons.setdefault(
            i,
            (
                "invalid_utf8",
                f"invalid UTF-8 byte 0x{data[pos]:02x} at byte {pos - int(starts[i]) + 1} of "
                "the record; re-export the file as UTF-8",
            ),
        )
    if unterminated:
        reasons[len(ends) - 1] = (
            "unterminated_quote",
            "a quoted field opens on this line and is never closed before the end of the file",
        )

    good = ~blank_mask
    problems = []
    for i, (reason, message) in sorted(reasons.items()):
        good[i] = False
        raw = data[int(starts[i]) : int(content_end[i])][:MAX_RAW_BYTES]
        problems.append(Problem(int(lines[i]), reason, message, raw))
    return _Classified(
        starts=starts,
        ends=ends,
        lines=lines.astype(np.int64),
        spans=spans.astype(np.int64),
        good=good,
        problems=problems,
        blank=int(blank_mask.sum()),
        consumed=consumed,
        newlines_consumed=int(np.searchsorted(newlines, consumed)),
    )


def _invalid_utf8_positions(view: memoryview) -> list[int]:
    """Byte offsets of invalid UTF-8 sequences (usually none).

    Arrow's validator (SIMD, no Python string built) answers the common case; only a
    buffer that fails it is walked with Python's decoder to find each bad byte.
    """
    offsets = pa.py_buffer(np.array([0, len(view)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(view)])
    try:
        whole.cast(pa.large_string())
        return []
    except pa.ArrowInvalid:
        pass
    data = view
    positions = []
    pos = 0
    decoder = codecs.utf_8_decode
    while pos < len(data):
        try:
            decoder(view[pos:], "strict", True)
            break
        except UnicodeDecodeError as exc:
            positions.append(pos + exc.start)
            pos += exc.end
    return positions
