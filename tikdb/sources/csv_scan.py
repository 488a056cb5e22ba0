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

The file is read in chunks cut after a line feed (so no UTF-8 sequence is split).
Worker threads find the "marks" of each chunk — positions of quotes, line feeds,
commas and carriage returns, and invalid UTF-8 — while the main thread reads ahead and
hashes; the main thread then classifies records from the marks alone, in order.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from tikdb.errors import InputError
from tikdb.sources.files import (
    CHANGED,
    FileIdentity,
    NotARegularFileError,
    is_unchanged,
    open_regular,
)

QUOTE, COMMA, LF, CR = 0x22, 0x2C, 0x0A, 0x0D
# Every byte that matters to the record structure is <= ','; one comparison finds them.
MAX_MARK = COMMA
BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 8 * 1024 * 1024
# A reject keeps the raw text of its record; one broken quote can swallow the rest of a
# huge file into a single "record", so the stored text is capped.
MAX_RAW_BYTES = 4 * 1024 * 1024
# No real record comes near this. A longer record is a reject without its marks being
# kept (memory stays bounded), and the records after it load; one whose quote never
# closes runs to the end of the file and is an unterminated_quote reject.
MAX_RECORD_BYTES = 64 * 1024 * 1024
UNTERMINATED_MESSAGE = (
    "a quoted field opens on this line and is never closed before the end of the file"
)
HEADER_WINDOW = 1024 * 1024
WORKERS = 2


@dataclass(frozen=True)
class Problem:
    """A record that cannot be parsed: where it is, what it says, and why it is bad."""

    line: int
    last_line: int  # the record's last physical line (> line for multi-line records)
    reason: str
    message: str
    raw: bytes


@dataclass
class ScanResult:
    """The records of a CSV file (data records only, header excluded)."""

    path: Path
    identity: FileIdentity  # the file as it was opened; see is_unchanged
    size: int  # bytes read, hashed and split: the size when the file was opened
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
    odd_line_ends: int = 0  # records ending in CR CR LF (or more CRs)

    @property
    def records(self) -> int:
        """Data records found: well-formed ones plus problems."""
        return len(self.good_starts) + len(self.problems)

    @property
    def is_clean(self) -> bool:
        """True when the file can be handed to a CSV parser as it is."""
        return not self.problems and self.blank_lines == 0 and self.odd_line_ends == 0


def scan_csv(path: Path, workers: int = WORKERS) -> ScanResult:
    """Split ``path`` into records and classify each one; raises InputError when unusable.

    Exactly the bytes the file holds when it is opened are read, hashed and split, and a
    file written to meanwhile is an InputError: size, sha256 and records always describe
    the same bytes. ``workers`` threads find the marks while another hashes; with one,
    everything runs on the calling thread (``tikdb build --threads 1``).
    """
    path = Path(path)
    f, identity = _open(path)
    with f:
        if identity.size == 0:
            raise InputError(f"{path}: the file is empty (0 bytes). Export the master CSV again.")
        try:
            result = _scan(path, f, identity, workers)
        except (InputError, OSError) as exc:
            # A file being written reads as garbage; say why rather than what it looks like.
            if not is_unchanged(path, identity, f):
                raise InputError(f"{path}: {CHANGED}") from exc
            if isinstance(exc, OSError):
                raise _cannot_read(path, exc) from exc
            raise
        if not is_unchanged(path, identity, f):
            raise InputError(f"{path}: {CHANGED}")
    return result


def _open(path: Path) -> tuple[BinaryIO, FileIdentity]:
    """The CSV file, open, if it is a regular file; else an InputError saying what it is.

    The CSV is read several times (scan, parse, raw text of rejects), so a pipe, a
    terminal or a device cannot stand in for it; reading one could also block forever.
    """
    try:
        return open_regular(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file. Pass the master CSV with --csv PATH.") from None
    except NotARegularFileError as exc:
        if exc.kind == "a directory":
            raise InputError(
                f"{path}: is a directory, not a CSV file. Pass the CSV file itself."
            ) from None
        raise InputError(
            f"{path}: is {exc.kind}, not a regular file; tikdb reads the master CSV more than "
            "once, so save it to a file and pass that with --csv PATH."
        ) from None
    except OSError as exc:
        raise _cannot_read(path, exc) from exc


def _cannot_read(path: Path, exc: OSError) -> InputError:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(f"{path}: cannot be read ({exc.strerror}). Check its permissions.")
    return InputError(
        f"{path}: cannot be read ({exc.strerror}). Pass the master CSV with --csv PATH."
    )


def _scan(path: Path, f: BinaryIO, identity: FileIdentity, workers: int) -> ScanResult:
    size = identity.size
    digest = hashlib.sha256()
    first = f.read(min(size, HEADER_WINDOW))
    cut = _first_record_end(first)
    if cut < 0 and len(first) < size:
        raise InputError(f"{path}: line 1 is longer than 1 MiB; this is not a master CSV export.")
    header_end = len(first) if cut < 0 else cut + 1
    header, has_bom = _parse_header(path, first[:header_end])
    digest.update(first[:header_end])
    state = _State(ncols=len(header), start=header_end, line=1 + first.count(b"\n", 0, header_end))
    f.seek(header_end)

    # Pipeline: read and hash chunk k+1 while workers find the marks of chunk k.
    workers = max(1, workers)
    threaded = workers > 1
    with (
        ThreadPoolExecutor(workers) if threaded else _OnThisThread() as pool,
        ThreadPoolExecutor(1) if threaded else _OnThisThread() as hasher,
    ):
        pending: deque = deque()
        for chunk, offset, before in _chunks(f, header_end, size):
            hasher.submit(digest.update, chunk)
            pending.append(pool.submit(_find_marks, chunk, offset, before))
            while len(pending) > workers:
                state.add(pending.popleft().result(), eof=False, path=path)
        while pending:
            marks = pending.popleft().result()
            state.add(marks, eof=not pending, path=path)
        if not state.finished:
            state.add(_Marks.empty(size), eof=True, path=path)
    problems = _read_problems(f, state.problems)

    return ScanResult(
        path=path,
        identity=identity,
        size=size,
        sha256=digest.hexdigest(),
        header=header,
        has_bom=has_bom,
        header_end=header_end,
        good_starts=_cat(state.good_starts),
        good_ends=_cat(state.good_ends),
        good_lines=_cat(state.good_lines),
        good_line_spans=_cat(state.good_spans),
        problems=problems,
        blank_lines=state.blank,
        odd_line_ends=state.odd_line_ends,
    )


class _OnThisThread:
    """An executor that runs each task at once on the calling thread."""

    def __enter__(self) -> _OnThisThread:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # handed to whoever waits, as a pool does
            future.set_exception(exc)
        return future


def _cat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, dtype=np.int64)


def _chunks(f, offset: int, size: int) -> Iterator[tuple[memoryview, int, int]]:
    """Yield (bytes, absolute offset, the byte before them) pieces of the file's first
    ``size`` bytes, each ending after a LF except the last and, in a line longer than
    MAX_RECORD_BYTES, pieces cut where the buffer ends. Reads into fresh buffers, so
    pieces stay valid while workers use them."""
    tail = b""
    before = LF
    while True:
        # Never past ``size``: bytes appended meanwhile are not part of this scan.
        want = min(CHUNK_BYTES, size - offset - len(tail))
        buf = bytearray(len(tail) + want)
        buf[: len(tail)] = tail
        n = f.readinto(memoryview(buf)[len(tail) :])
        end = len(tail) + n
        if offset + end >= size or n == 0:
            if end:
                yield memoryview(buf)[:end], offset, before
            return
        cut = buf.rfind(b"\n", 0, end)
        if cut < 0:
            if end > MAX_RECORD_BYTES:
                # A record this long is rejected without keeping it (see _LongRecord):
                # hand the piece over rather than let the buffer grow.
                yield memoryview(buf)[:end], offset, before
                offset, tail, before = offset + end, b"", buf[end - 1]
                continue
            tail = bytes(buf[:end])
            continue
        yield memoryview(buf)[: cut + 1], offset, before
        tail = bytes(buf[cut + 1 : end])
        offset += cut + 1
        before = LF


@dataclass
class _Marks:
    """Absolute positions of the structural bytes in a stretch of the file."""

    quotes: np.ndarray
    quote_prev: np.ndarray  # the byte before each quote
    quote_next: np.ndarray  # the byte after each quote (LF at the end of the file)
    newlines: np.ndarray
    commas: np.ndarray
    crs: np.ndarray
    bad_utf8: np.ndarray  # positions of invalid UTF-8 bytes
    bad_bytes: np.ndarray  # the invalid byte values, for messages
    end: int  # absolute offset just past this stretch

    @classmethod
    def empty(cls, end: int) -> _Marks:
        z = np.zeros(0, dtype=np.int64)
        b = np.zeros(0, dtype=np.uint8)
        return cls(z, b, b, z, z, z, z, b, end)

    def since(self, start: int) -> _Marks:
        """The marks at or after ``start``."""

        def cut(a: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
            i = int(np.searchsorted(a, start))
            return [a[i:], *(o[i:] for o in others)]

        q, qp, qn = cut(self.quotes, self.quote_prev, self.quote_next)
        u, ub = cut(self.bad_utf8, self.bad_bytes)
        return _Marks(
            q, qp, qn, *cut(self.newlines), *cut(self.commas), *cut(self.crs), u, ub, self.end
        )

    def join(self, other: _Marks) -> _Marks:
        if not any(len(a) for a in self.arrays()):
            # The usual case: the previous chunk ended with a record; nothing to copy.
            return other
        return _Marks(
            *(np.concatenate([a, b]) for a, b in zip(self.arrays(), other.arrays(), strict=True)),
            other.end,
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (
            self.quotes,
            self.quote_prev,
            self.quote_next,
            self.newlines,
            self.commas,
            self.crs,
            self.bad_utf8,
            self.bad_bytes,
        )


def _find_marks(chunk: memoryview, offset: int, before: int = LF) -> _Marks:
    """The marks of one chunk (runs in a worker thread; numpy releases the GIL).

    ``before`` is the byte before the chunk: a line feed, except inside an overlong line.
    """
    buf = np.frombuffer(chunk, dtype=np.uint8)
    n = len(buf)
    candidates = np.flatnonzero(buf <= MAX_MARK)
    kinds = buf[candidates]
    quotes = candidates[kinds == QUOTE]
    prev = np.where(quotes > 0, buf[np.maximum(quotes - 1, 0)], before).astype(np.uint8)
    # Chunks end with a line feed (or the end of file, where a closing quote is fine).
    nxt = np.where(quotes + 1 < n, buf[np.minimum(quotes + 1, n - 1)], LF).astype(np.uint8)
    bad = np.array(_invalid_utf8_positions(chunk), dtype=np.int64)
    return _Marks(
        quotes=quotes + offset,
        quote_prev=prev,
        quote_next=nxt,
        newlines=candidates[kinds == LF] + offset,
        commas=candidates[kinds == COMMA] + offset,
        crs=candidates[kinds == CR] + offset,
        bad_utf8=bad + offset,
        bad_bytes=buf[bad] if len(bad) else np.zeros(0, dtype=np.uint8),
        end=offset + n,
    )


@dataclass
class _PendingProblem:
    start: int
    content_end: int
    line: int
    last_line: int
    reason: str
    message: str


@dataclass
class _LongRecord:
    """A record that ran past MAX_RECORD_BYTES: where it started, and the state needed
    to find where it ends without keeping its marks."""

    start: int
    line: int
    newlines: int  # line feeds inside it so far
    in_quotes: bool  # whether the marks so far end inside a quoted field
    last_quote: int  # position of the last quote that opened or closed a field, or -2


def _too_long(size: int) -> str:
    limit = MAX_RECORD_BYTES
    limit_text = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit:,} bytes"
    return (
        f"record is {size:,} bytes long, more than the {limit_text} one record may hold; "
        "its quotes pair up, so it is a record of its own (no export writes fields this long)"
    )


@dataclass
class _State:
    """Records found so far, and the marks of the record still being read."""

    ncols: int
    start: int  # absolute offset where the unfinished record starts
    line: int  # its line number
    pending: _Marks | None = None
    long: _LongRecord | None = None  # a record past MAX_RECORD_BYTES, being skipped
    finished: bool = False
    good_starts: list[np.ndarray] = field(default_factory=list)
    good_ends: list[np.ndarray] = field(default_factory=list)
    good_lines: list[np.ndarray] = field(default_factory=list)
    good_spans: list[np.ndarray] = field(default_factory=list)
    problems: list[_PendingProblem] = field(default_factory=list)
    blank: int = 0
    odd_line_ends: int = 0

    def add(self, marks: _Marks, eof: bool, path: Path) -> None:
        if self.long is not None:
            rest = self._skip_long(marks, eof)
            if rest is None:
                self.finished = eof
                return
            marks = rest
        m = self.pending.join(marks) if self.pending is not None else marks
        consumed = self._classify(m, eof)
        if eof:
            self.finished = True
            self.pending = None
            return
        if consumed > self.start:
            self.line += int(np.searchsorted(m.newlines, consumed))
            self.start = consumed
        self.pending = m.since(self.start)
        if m.end - self.start > MAX_RECORD_BYTES:
            self._begin_long()

    def _begin_long(self) -> None:
        """Stop keeping the marks of the unfinished record: it is longer than any record
        tikdb loads, so it will be a reject; only where it ends still matters."""
        pending = self.pending
        assert pending is not None
        quotes, _prev, _nxt, _stray = _toggles(
            pending.quotes, pending.quote_prev, pending.quote_next
        )
        self.long = _LongRecord(
            start=self.start,
            line=self.line,
            newlines=len(pending.newlines),
            in_quotes=len(quotes) % 2 == 1,
            last_quote=int(quotes[-1]) if len(quotes) else -2,
        )
        self.pending = None

    def _skip_long(self, marks: _Marks, eof: bool) -> _Marks | None:
        """Follow the overlong record through ``marks``. When it ends, record it as a
        problem and return the marks after it; None while it goes on (or at the end of
        the file, where it is recorded too)."""
        long = self.long
        assert long is not None
        # The quoting state so far, as quotes before these marks: one open quote, or a
        # pair closed at the last quote (so that a quote right after it reads as "").
        if long.last_quote < 0:
            before = np.zeros(0, dtype=np.int64)
        elif long.in_quotes:
            before = np.array([long.last_quote], dtype=np.int64)
        else:
            before = np.array([long.last_quote - 1, long.last_quote], dtype=np.int64)
        opener = np.full(len(before), COMMA, dtype=np.uint8)
        quotes, _prev, _nxt, _stray = _toggles(
            np.concatenate([before, marks.quotes]),
            np.concatenate([opener, marks.quote_prev]),
            np.concatenate([opener, marks.quote_next]),
        )
        outside = marks.newlines[(np.searchsorted(quotes, marks.newlines) % 2) == 0]
        if len(outside) == 0 and not eof:
            long.newlines += len(marks.newlines)
            long.in_quotes = len(quotes) % 2 == 1
            long.last_quote = int(quotes[-1]) if len(quotes) else long.last_quote
            return None
        if len(outside):
            end = int(outside[0]) + 1
            reason, message = "record_too_long", _too_long(end - long.start)
        else:  # it runs to the end of the file
            end = marks.end
            if len(quotes) % 2 == 1:
                reason, message = "unterminated_quote", UNTERMINATED_MESSAGE
            else:
                reason, message = "record_too_long", _too_long(end - long.start)
        inside = int(np.searchsorted(marks.newlines, end - 1))  # newlines before its end
        last_line = long.line + long.newlines + inside
        content_end = end
        if np.isin(end - 1, marks.newlines):
            content_end -= 1
            while content_end > long.start and np.isin(content_end - 1, marks.crs):
                content_end -= 1
        if last_line > long.line:
            message += f" (this record spans lines {long.line}-{last_line})"
        self.problems.append(
            _PendingProblem(long.start, content_end, long.line, last_line, reason, message)
        )
        self.long = None
        if len(outside) == 0:
            return None
        self.start, self.line = end, last_line + 1
        return marks.since(end)

    def _classify(self, m: _Marks, eof: bool) -> int:
        """Classify the records that end in ``m``; return the offset just past the last."""
        quotes, prev, nxt, stray = _toggles(m.quotes, m.quote_prev, m.quote_next)
        record_nl = m.newlines[(np.searchsorted(quotes, m.newlines) % 2) == 0]
        ends = (record_nl + 1).astype(np.int64)
        unterminated = False
        if eof and m.end > self.start and (len(ends) == 0 or ends[-1] != m.end):
            unterminated = len(quotes) % 2 == 1
            ends = np.append(ends, m.end)
        if len(ends) == 0:
            return self.start
        consumed = int(ends[-1])
        starts = np.concatenate([[self.start], ends[:-1]]).astype(np.int64)
        first_nl = np.searchsorted(m.newlines, starts)
        lines = self.line + first_nl
        spans = np.searchsorted(m.newlines, ends - 1) - first_nl + 1
        # Content ends before the line end: the LF and any CRs right before it (CRLF, or
        # CR CR LF from a CRLF file written again in text mode).
        has_lf = np.isin(ends - 1, m.newlines, assume_unique=True)
        content_end = ends - has_lf
        stripped = np.zeros(len(ends), dtype=np.int64)
        trailing = has_lf.copy()
        while trailing.any():
            trailing &= (content_end > starts) & np.isin(content_end - 1, m.crs, assume_unique=True)
            content_end -= trailing
            stripped += trailing
        blank = content_end == starts
        self.odd_line_ends += int((stripped > 1).sum())

        # A CR outside quotes that is not part of a line end is malformed; Polars would
        # drop it silently.
        crs = m.crs[m.crs < consumed]
        outside_crs = crs[(np.searchsorted(quotes, crs) % 2) == 0]
        bare_crs = outside_crs[~_is_line_end_cr(outside_crs, m.crs, m.newlines)]

        fields = _field_counts(m.commas, quotes, ends, m.end)

        closing = quotes[1::2]
        after = nxt[1::2]
        ok_close = np.isin(after, np.array([COMMA, LF, QUOTE], dtype=np.uint8))
        ok_close |= (after == CR) & _is_line_end_cr(closing + 1, m.crs, m.newlines)
        bad_close = closing[~ok_close]
        bad_quotes = np.concatenate([stray, bad_close])
        bad_quotes = bad_quotes[bad_quotes < consumed]

        reasons: dict[int, tuple[str, str]] = {}
        for i in np.flatnonzero((fields != self.ncols) & ~blank):
            got = int(fields[i])
            kind = "too many" if got > self.ncols else "too few"
            reasons[int(i)] = (
                "wrong_field_count",
                f"record has {got} field{'s' if got != 1 else ''}, expected {self.ncols} "
                f"({kind}); check the separators and quoting of this record",
            )
        for i in np.unique(np.searchsorted(ends, bare_crs[bare_crs < consumed], side="right")):
            reasons[int(i)] = (
                "bad_line_end",
                "a carriage return (CR) outside quotes does not end the line; quote the "
                "field or re-save the file with LF or CRLF line ends",
            )
        for i in np.unique(np.searchsorted(ends, bad_quotes, side="right")):
            reasons[int(i)] = (
                "bad_quoting",
                'a quote (") appears inside an unquoted field or right after a closing '
                'quote; quote the whole field and double the quotes inside it ("")',
            )
        in_range = m.bad_utf8 < consumed
        for pos, byte in zip(m.bad_utf8[in_range], m.bad_bytes[in_range], strict=True):
            i = int(np.searchsorted(ends, pos, side="right"))
            reasons.setdefault(
                i,
                (
                    "invalid_utf8",
                    f"invalid UTF-8 byte 0x{int(byte):02x} at byte {int(pos) - int(starts[i]) + 1}"
                    " of the record; re-export the file as UTF-8",
                ),
            )
        if unterminated:
            reasons[len(ends) - 1] = ("unterminated_quote", UNTERMINATED_MESSAGE)

        good = ~blank
        for i, (reason, message) in sorted(reasons.items()):
            good[i] = False
            first, last = int(lines[i]), int(lines[i] + spans[i] - 1)
            if last > first:
                # One quote can pair with another lines later; say which lines this is.
                message += f" (this record spans lines {first}-{last})"
            self.problems.append(
                _PendingProblem(int(starts[i]), int(content_end[i]), first, last, reason, message)
            )
        self.good_starts.append(starts[good])
        self.good_ends.append(ends[good])
        self.good_lines.append(lines[good])
        self.good_spans.append(spans[good])
        self.blank += int(blank.sum())
        return consumed


def _field_counts(
    commas: np.ndarray, quotes: np.ndarray, ends: np.ndarray, stretch_end: int
) -> np.ndarray:
    """Fields per record: 1 + the commas before its end that are not inside quotes.

    ``quotes`` are the toggling quotes, in pairs (open, close); an unpaired last one
    opens a section that runs to ``stretch_end``, the end of the marks. A quoted section
    never spans a record end, so a record's separators are its commas minus those inside
    its sections. Counting from running totals at each record end and each section takes
    one binary search per record and two per section instead of one per comma (the
    export has ~15 commas per record and about one quoted section).
    """
    commas_before = np.searchsorted(commas, ends)
    opens = quotes[0::2]
    closes = np.append(quotes[1::2], stretch_end) if len(quotes) % 2 else quotes[1::2]
    inside = np.searchsorted(commas, closes) - np.searchsorted(commas, opens)
    inside_before = np.concatenate([[0], np.cumsum(inside)])[np.searchsorted(opens, ends)]
    return np.diff(commas_before - inside_before, prepend=0) + 1


def _is_line_end_cr(positions: np.ndarray, crs: np.ndarray, newlines: np.ndarray) -> np.ndarray:
    """For each position (of a CR), whether only CRs stand between it and the next LF."""
    if len(newlines) == 0:
        return np.zeros(len(positions), dtype=bool)
    nxt = np.searchsorted(newlines, positions)
    has_next = nxt < len(newlines)
    next_lf = np.where(has_next, newlines[np.minimum(nxt, len(newlines) - 1)], -1)
    run = np.searchsorted(crs, next_lf) - np.searchsorted(crs, positions)
    return has_next & (run == next_lf - positions)


def _toggles(
    quotes: np.ndarray, prev: np.ndarray, nxt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The quotes that open or close a quoted section, for marks starting outside quotes.

    Fast path: every quote toggles, which is exact for a well-formed file. A quote that
    would open a quoted section in the middle of a field (a stray quote) is a literal
    character for finding record ends; it is returned in ``stray`` and the states of the
    quotes after it are recomputed.
    """
    stray: list[int] = []
    start = 0
    while start < len(quotes):
        rest = quotes[start:]
        opening = (np.arange(start, len(quotes)) % 2) == 0
        prev_quote = np.empty_like(rest)
        prev_quote[0] = quotes[start - 1] if start > 0 else -2
        prev_quote[1:] = rest[:-1]
        p = prev[start:]
        # An opening quote starts a field, or is the second half of a "" escape.
        ok_open = (p == COMMA) | (p == LF) | (prev_quote == rest - 1)
        bad = np.flatnonzero(opening & ~ok_open)
        if len(bad) == 0:
            break
        k = start + int(bad[0])
        stray.append(int(quotes[k]))
        quotes, prev, nxt = np.delete(quotes, k), np.delete(prev, k), np.delete(nxt, k)
        start = k
    return quotes, prev, nxt, np.array(stray, dtype=np.int64)


def _read_problems(f, pending: list[_PendingProblem]) -> list[Problem]:
    """Read the raw bytes of the malformed records back from the file: at most
    MAX_RAW_BYTES, cut between characters, and the message says when they were cut."""
    problems = []
    for p in pending:
        f.seek(p.start)
        length = p.content_end - p.start
        raw = f.read(min(length, MAX_RAW_BYTES))
        message = p.message
        if length > MAX_RAW_BYTES:
            raw = _whole_characters(raw)
            message += f" (raw_text holds its first {len(raw):,} of {length:,} bytes)"
        problems.append(Problem(p.line, p.last_line, p.reason, message, raw))
    return problems


def _whole_characters(raw: bytes) -> bytes:
    """``raw`` without a UTF-8 character cut in two at its end."""
    for back in range(1, min(4, len(raw)) + 1):
        byte = raw[-back]
        if byte < 0x80:
            return raw
        if byte >= 0xC0:  # the first byte of a character `size` bytes long
            size = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return raw if back >= size else raw[:-back]
    return raw


def _first_record_end(data: bytes) -> int:
    """Index of the first newline outside quotes in data, or -1 (for the header)."""
    in_quotes = False
    for i, byte in enumerate(data):
        if byte == QUOTE:
            in_quotes = not in_quotes
        elif byte == LF and not in_quotes:
            return i
    return -1


def _parse_header(path: Path, data: bytes) -> tuple[list[str], bool]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f'{path}: is UTF-16 text (Excel "Unicode text"); re-save it as UTF-8 '
            '("CSV UTF-8") and build again.'
        )
    has_bom = data.startswith(BOM)
    body = data[len(BOM) :] if has_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: line 1 is not UTF-8 text (byte {exc.start + 1}); re-save the file as "
            'UTF-8 ("CSV UTF-8") and build again.'
        ) from exc
    text = text.rstrip("\r\n")
    if not text.strip():
        raise InputError(f"{path}: line 1 is empty; expected the header row. Export the CSV again.")
    if "\r" in text and "\n" not in text:
        raise InputError(
            f"{path}: its lines end with a carriage return (CR) only; re-save the file with "
            "LF or CRLF line ends."
        )
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"{path}: line 1 (the header) is not valid CSV: {exc}.") from exc
    return [name.strip() for name in header], has_bom


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
