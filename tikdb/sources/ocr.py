"""The OCR results as an input: find the files, parse them, and describe every record.

Files are parsed with Python's ``json`` module rather than Polars' JSON reader: it reports
the line and column of a syntax error, and lets us see the ``NaN`` that pandas writes
(invalid JSON) record by record instead of failing the whole file. The OCR data is small
(about 0.4% of posts), so this costs nothing measurable.

Nothing here decides whether a record is loaded; it records what each file and record
says. Records that cannot be described (not an object, a key missing, a NaN) carry a
problem reason; the SQL models reject those and the ones naming unknown posts.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import reprlib
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tikdb.errors import InputError
from tikdb.sources.files import (
    CHANGED,
    ChangedWhileReadError,
    NotARegularFileError,
    file_kind,
    path_text,
    read_whole,
)

# A reject keeps the raw text of its file or record up to this many characters; its
# message says when the text was cut.
MAX_RAW_CHARS = 4 * 1024 * 1024
# The largest count the tables hold (BIGINT).
MAX_COUNT = 2**63 - 1
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 60

RECORD_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("record_index", pa.int64()),
        ("raw_text", pa.string()),
        ("raw_text_note", pa.string()),  # says so when raw_text is cut
        ("problem_reason", pa.string()),
        ("problem_message", pa.string()),
        ("post_url", pa.string()),
        ("account", pa.string()),
        ("va", pa.string()),
        ("views", pa.int64()),
        ("created_date", pa.string()),
        ("thumbnail_count", pa.int64()),
        ("thumbnails_with_text", pa.int64()),
        ("ocr_text", pa.string()),
        ("text_key", pa.string()),
        ("file_text_hash", pa.string()),
        ("ocr_timestamp", pa.string()),
    ]
)
FILE_PROBLEM_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("reason", pa.string()),
        ("message", pa.string()),
        ("raw_text", pa.string()),
    ]
)
INT_KEYS = ("views", "thumbnail_count", "thumbnails_with_text")
TEXT_KEYS = ("post_url", "account", "va", "created_date", "text_hash", "timestamp")


@dataclass(frozen=True)
class OcrFile:
    """One OCR file: where it is, its identity, and how many records it held."""

    path: Path
    size: int
    sha256: str
    records: int  # 0 when the file could not be read as a JSON array


@dataclass
class OcrInput:
    """Everything read from an OCR folder."""

    root: Path
    found: bool  # False when the folder does not exist
    files: list[OcrFile] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    file_problems: list[dict] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return len(self.records)

    def records_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.records, schema=RECORD_SCHEMA)

    def file_problems_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.file_problems, schema=FILE_PROBLEM_SCHEMA)


def ocr_files(root: Path) -> list[Path]:
    """The record files of an OCR folder: by_va/*/ocr_posts.json, else all_results.json.

    all_results.json holds the union of the by_va files, so it is read only when by_va/
    is absent; reading both would count every record twice. Every entry with a record
    file's name is listed, even one that cannot be read (a link to nowhere, a link
    loop, a FIFO), and so is a VA entry that is a link that cannot be followed: reading
    them makes them ``ocr_file`` rejects instead of letting them vanish. Raises OSError
    when by_va/ exists but cannot be listed.
    """
    by_va = root / "by_va"
    if not os.path.lexists(by_va):
        flat = root / "all_results.json"
        return [flat] if os.path.lexists(flat) else []
    found = []
    with os.scandir(by_va) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            candidate = Path(entry.path) / "ocr_posts.json"
            try:
                is_dir = entry.is_dir()
            except OSError:  # a link that cannot be followed (a loop)
                is_dir = False
            if is_dir:
                if _named_here(candidate):
                    found.append(candidate)
            elif entry.is_symlink() and not os.path.exists(entry.path):
                found.append(candidate)  # reading it says why the link leads nowhere
    return found


def _named_here(path: Path) -> bool:
    """Whether a directory entry of this name exists (a broken link counts; a folder
    that cannot be searched counts too, so that reading it reports why)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def read_ocr(root: Path | None) -> OcrInput:
    """Read every OCR record under ``root``; a missing folder gives an empty input."""
    if root is None:
        return OcrInput(root=Path(), found=False)
    root = Path(root)
    if not root.exists():
        return OcrInput(root=root, found=False)
    if not root.is_dir():
        mode = root.stat().st_mode
        kind = "a file" if stat.S_ISREG(mode) else file_kind(mode)
        raise InputError(
            f"{root}: is {kind}; --ocr expects the OCR folder (with by_va/<VA>/ocr_posts.json)."
        )
    result = OcrInput(root=root, found=True)
    try:
        paths = ocr_files(root)
    except OSError as exc:
        _unreadable(root / "by_va", f"cannot be read ({exc.strerror})", result)
        return result
    for path in paths:
        _read_file(path, result)
    return result


def _unreadable(path: Path, message: str, into: OcrInput) -> None:
    into.files.append(OcrFile(path, 0, "", 0))
    into.file_problems.append(_file_problem(path_text(path), "ocr_unreadable", message, ""))


def _read_file(path: Path, into: OcrInput) -> None:
    name = path_text(path)
    try:
        data, _identity = read_whole(path)
    except ChangedWhileReadError as exc:
        raise InputError(f"{name}: {CHANGED}") from exc
    except NotARegularFileError as exc:
        _unreadable(path, f"is {exc.kind}, not a regular file", into)
        return
    except OSError as exc:
        _unreadable(path, f"cannot be read ({exc.strerror})", into)
        return
    size, sha = len(data), hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        into.files.append(OcrFile(path, size, sha, 0))
        message = f"is not UTF-8 (invalid byte 0x{data[exc.start]:02x} at byte {exc.start + 1})"
        raw = data.decode("utf-8", errors="replace")
        into.file_problems.append(_file_problem(name, "ocr_unreadable", message, raw))
        return
    try:
        parsed = json.loads(text, parse_constant=_NotANumber, parse_int=_parse_int)
        if isinstance(parsed, list):
            records = [_describe_record(name, index, item) for index, item in enumerate(parsed)]
    except json.JSONDecodeError as exc:
        into.files.append(OcrFile(path, size, sha, 0))
        message = f"is not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno})"
        into.file_problems.append(_file_problem(name, "ocr_invalid_json", message, text))
        return
    except RecursionError:
        into.files.append(OcrFile(path, size, sha, 0))
        message = (
            f"nests arrays or objects {_nesting(text):,} levels deep, too deep for the JSON "
            "reader; an OCR file is an array of flat objects"
        )
        into.file_problems.append(_file_problem(name, "ocr_invalid_json", message, text))
        return
    if not isinstance(parsed, list):
        into.files.append(OcrFile(path, size, sha, 0))
        message = f"holds a JSON {_json_type(parsed)}, expected an array of OCR records"
        into.file_problems.append(_file_problem(name, "ocr_not_array", message, text))
        return
    into.files.append(OcrFile(path, size, sha, len(parsed)))
    into.records.extend(records)


def _parse_int(token: str) -> int | _BigNumber:
    """A JSON integer; one too long for any count stays text (Python refuses to convert
    integers of more than 4,300 digits at all)."""
    return _BigNumber(token) if len(token) > 20 else int(token)


class _BigNumber:
    """Stands for an integer too long to be a count."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in JSON text (strings skipped)."""
    depth = deepest = 0
    for bracket in re.sub(r'"(?:[^"\\]|\\.)*"', "", text):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


class _NotANumber:
    """Stands for a NaN or Infinity constant, which JSON does not allow."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def _file_problem(name: str, reason: str, message: str, raw: str) -> dict:
    return {
        "source_file": name,
        "reason": reason,
        "message": message + raw_cut_note(raw),
        "raw_text": raw[:MAX_RAW_CHARS],
    }


def raw_cut_note(raw: str) -> str:
    """What a reject's message adds when its raw text is cut at MAX_RAW_CHARS."""
    if len(raw) <= MAX_RAW_CHARS:
        return ""
    return f" (raw_text holds the first {MAX_RAW_CHARS:,} of its {len(raw):,} characters)"


def _describe_record(name: str, index: int, item: object) -> dict:
    record = {key: None for key in RECORD_SCHEMA.names}
    raw = _raw(item)
    record.update(
        source_file=name,
        record_index=index,
        raw_text=raw[:MAX_RAW_CHARS],
        raw_text_note=raw_cut_note(raw) or None,
    )
    problem = _problem(item)
    if problem:
        record["problem_reason"], record["problem_message"] = problem
        if not isinstance(item, dict):
            return record
    assert isinstance(item, dict)
    item = _nan_as_missing(item)
    text_key = _text_key(item)
    record.update(
        post_url=_text(item.get("post_url")),
        account=_text(item.get("account")),
        va=_text(item.get("va")),
        created_date=_text(item.get("created_date")),
        ocr_text=_text(item.get(text_key)),
        text_key=text_key if text_key in item else None,
        file_text_hash=_text(item.get("text_hash")),
        ocr_timestamp=_text(item.get("timestamp")),
        **{key: _whole(item.get(key)) for key in INT_KEYS},
    )
    return record


def _problem(item: object) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return "ocr_bad_record", f"is a JSON {_json_type(item)}, expected an object"
    missing = [key for key in ("post_url",) if key not in item]
    if "ocr_text" not in item and "combined_text" not in item:
        missing.append("ocr_text")
    if missing:
        return "ocr_missing_key", "lacks the key " + ", ".join(f'"{k}"' for k in missing)
    text_key = _text_key(item)
    # A NaN (pandas' missing value) in the post URL or the text leaves nothing to load; in
    # the other keys (copies and metadata) it is read as a missing value.
    for key in ("post_url", text_key):
        if isinstance(item[key], _NotANumber):
            return "ocr_bad_value", f'"{key}" is {item[key].token}, which is not valid JSON'
    item = _nan_as_missing(item)
    for key in ("post_url", text_key):
        if not isinstance(item[key], str):
            return "ocr_bad_value", f'"{key}" is not a string'
    for key in INT_KEYS:
        if key in item and item[key] is not None and _whole(item[key]) is None:
            value = item[key]
            if _count(value) is not None:
                return "ocr_bad_value", f'"{key}" is more than {MAX_COUNT}: {_excerpt(value)}'
            return "ocr_bad_value", f'"{key}" is not a whole number >= 0: {_excerpt(value)}'
    for key in TEXT_KEYS:
        if key in item and item[key] is not None and not isinstance(item[key], str):
            return "ocr_bad_value", f'"{key}" is not a string: {_excerpt(item[key])}'
    for key in ("post_url", text_key, *TEXT_KEYS):
        where = _lone_surrogate(item.get(key))
        if where is not None:
            return "ocr_bad_value", f'"{key}" holds a lone surrogate ({where}), which is not text'
    return None


def _lone_surrogate(value: object) -> str | None:
    """Where a text holds half of a UTF-16 pair on its own (JSON allows "\\ud800"; no
    UTF-8 consumer does), e.g. "\\ud800 at character 3"; None if nowhere."""
    if not isinstance(value, str):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"\\u{ord(value[exc.start]):04x} at character {exc.start + 1}"
    return None


def _excerpt(value: object) -> str:
    """A value as it appears in a message: short, on one line, any size or depth."""
    return _REPR.repr(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _text_key(item: dict) -> str:
    """The key that holds the OCR text: ocr_text, or combined_text in older files."""
    return "ocr_text" if "ocr_text" in item else "combined_text"


def _nan_as_missing(item: dict) -> dict:
    return {k: (None if isinstance(v, _NotANumber) else v) for k, v in item.items()}


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _whole(value: object) -> int | None:
    """A count that fits the tables' BIGINT columns, else None."""
    count = _count(value)
    return count if count is not None and count <= MAX_COUNT else None


def _count(value: object) -> int | None:
    """A whole number >= 0: an int, or a float with no fraction (pandas writes 2.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, _BigNumber) and value.token.isdigit():
        return MAX_COUNT + 1  # more than 20 digits: more than any count
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _text(value: object) -> str | None:
    """A text value; None for anything else, or for text no UTF-8 consumer accepts."""
    return value if isinstance(value, str) and _lone_surrogate(value) is None else None


def _raw(item: object) -> str:
    """The record as JSON text; a lone surrogate is written as its escape, as in the file."""
    text = json.dumps(item, ensure_ascii=False, default=repr)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
