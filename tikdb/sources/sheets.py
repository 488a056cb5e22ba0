"""Google Sheets as a source of snapshots: the master sheet, read and written in exactly
the master CSV layout.

Two ways in:

* a sheet shared by link: its CSV export,
  ``{TIKDB_SHEETS_EXPORT_URL}/spreadsheets/d/KEY/export?format=csv&gid=N``;
* a private sheet: a service account reads it through the Sheets API v4
  (``spreadsheets.get`` for the tab's title, time zone and size, then
  ``spreadsheets.values.get`` in row batches, with unformatted values and dates as serial
  numbers). Tokens come from google-auth: the key file's own ``token_uri`` says where.

Either way the rows are written by Python's csv module (CRLF), header exactly
``COLUMNS`` in order, so the build reads a pulled snapshot with the same reader, rules and
rejects as any export. Every failure raises one ``TikdbError`` and writes nothing; no
message, sidecar or file ever holds a key or a token.
"""

from __future__ import annotations

import csv
import email.utils
import io
import json
import math
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from tikdb import __version__
from tikdb.errors import InputError, RemoteError, TikdbError
from tikdb.sources.sheet_values import MasterTable, to_master_csv
from tikdb.sources.snapshots import AddResult, add_snapshot
from tikdb.terminal import safe_text

DEFAULT_EXPORT_URL = "https://docs.google.com"
DEFAULT_API_URL = "https://sheets.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
# Google advises values.get answers of at most ~2 MB; a master row is ~800 bytes.
BATCH_ROWS = 2000
_KEY = re.compile(r"[A-Za-z0-9_-]{10,200}")
_URL_KEY = re.compile(r"/spreadsheets/(?:u/[0-9]+/)?d/([A-Za-z0-9_-]+)")
_URL_GID = re.compile(r"[#?&]gid=([0-9]+)")
_A1_CELLS = re.compile(r"([A-Za-z]{1,3})([0-9]*):([A-Za-z]{1,3})([0-9]*)")


# --- what to pull ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetSource:
    """One sheet to pull: its key, which tab (gid) or range, and how to get in."""

    key: str
    gid: int | None = None
    range: str | None = None
    credentials: Path | None = None  # a service account's JSON key file: the API way in
    credentials_named_by: str = "--credentials"  # for messages: where the path came from
    time_zone: str | None = None  # the zone of the sheet's dates; default: the sheet's own

    @property
    def where(self) -> str:
        tab = f" (range {self.range})" if self.range else f" (gid {self.gid})" if self.gid else ""
        return f"sheet {self.key}{tab}"


def parse_sheet_ref(text: str) -> tuple[str, int | None]:
    """The key (and the gid, if the URL names one) of a sheet's URL or bare key."""
    text = text.strip()
    match = _URL_KEY.search(text)
    key = match.group(1) if match else text
    if not _KEY.fullmatch(key):
        raise InputError(
            f'--sheet "{safe_text(text)}" is neither a Google Sheets URL '
            "(https://docs.google.com/spreadsheets/d/KEY/edit) nor a sheet's key."
        )
    gid = _URL_GID.search(text) if match else None
    return key, int(gid.group(1)) if gid else None


@dataclass(frozen=True)
class Retry:
    """How often and how long to wait before asking again after a 429, a 5xx, a timeout
    or a broken connection. ``sleep`` is injectable so tests do not wait."""

    attempts: int = 5
    first_delay: float = 2.0
    max_delay: float = 60.0
    # A longer Retry-After than this is not waited for: the pull fails and says so.
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (attempt - 1))


DEFAULT_RETRY = Retry()
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class SheetPull:
    """A pulled sheet: what the store did with it, and what is worth a warning."""

    result: AddResult
    warnings: list[str] = field(default_factory=list)


def pull_sheet(
    source: SheetSource,
    directory: Path,
    observed_at: datetime,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retry: Retry | None = None,
    batch_rows: int | None = None,
) -> SheetPull:
    """Fetch the sheet and add it to the snapshot store in ``directory``.

    Raises InputError (exit 2) for a configuration problem (the credentials), RemoteError
    (exit 1) when Google refuses or fails or sends something that is not the master
    sheet. Nothing is written unless the whole sheet arrived and passed.
    """
    retry = retry or DEFAULT_RETRY
    if source.credentials is not None:
        table, origin = _read_with_api(source, timeout, retry, batch_rows or BATCH_ROWS)
    else:
        table, origin = _read_export(source, timeout, retry)
    origin["ignored_columns"] = list(table.ignored_columns)
    result = add_snapshot(directory, lambda out: out.write(table.data), origin, observed_at)
    warnings = []
    where = safe_text(source.where)
    if table.ignored_columns:
        names = ", ".join(f'"{safe_text(c)}"' for c in table.ignored_columns)
        warnings.append(f"{where}: left out column(s) {names} (not in the master layout)")
    if table.id_conflicts:
        warnings.append(
            f"{where}: {table.id_conflicts} row(s) have an id that is not the id in their "
            f"post_url; the build will reject them (id_mismatch)"
        )
    return SheetPull(result, warnings)


# --- the CSV export (a sheet shared by link) ------------------------------------------------


def base_url(variable: str, default: str) -> str:
    """The base address of a Google endpoint, from ``variable`` if set (tests, proxies)."""
    value = os.environ.get(variable, "").strip() or default
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f'{variable}="{safe_text(value)}" is not an http(s) address. Set it like '
            f"{default}, or unset it."
        )
    return value.rstrip("/")


def _read_export(source: SheetSource, timeout: float, retry: Retry) -> tuple[MasterTable, dict]:
    base = base_url("TIKDB_SHEETS_EXPORT_URL", DEFAULT_EXPORT_URL)
    url = f"{base}/spreadsheets/d/{source.key}/export"
    params = {"format": "csv"}
    if source.gid is not None:
        params["gid"] = str(source.gid)
    where = source.where
    with requests.Session() as session:
        session.headers["User-Agent"] = f"tikdb/{__version__}"
        response, body = _fetch(session, url, params, where, timeout, retry, api=False)
    rows = _parse_export(response, body, where)
    table = to_master_csv(rows, where)
    origin = {"kind": "sheet", "via": "export", "key": source.key, "gid": source.gid}
    return table, origin


def _parse_export(response: requests.Response, body: bytes, where: str) -> list[list[str]]:
    head = body[:2048].lstrip().lower()
    content_type = response.headers.get("Content-Type", "").lower()
    if "text/html" in content_type or head.startswith((b"<!doctype html", b"<html")):
        if b"accounts.google.com" in body or b"servicelogin" in body.lower():
            raise RemoteError(
                f"{where}: Google answered with a sign-in page, not CSV: the sheet is not "
                'shared by link. Share it ("Anyone with the link" can view), or pass '
                "--credentials FILE for a service account."
            )
        raise RemoteError(
            f"{where}: the answer is an HTML page, not CSV. Check the sheet's key, and that "
            "TIKDB_SHEETS_EXPORT_URL (if set) points at Google."
        )
    if not body.strip():
        raise RemoteError(
            f"{where}: the answer is empty, not CSV. Check the gid; nothing was added."
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RemoteError(
            f"{where}: the answer is not CSV (not UTF-8 text at byte {exc.start + 1})."
        ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise RemoteError(f"{where}: the answer is not valid CSV ({exc}).") from None


# --- the Sheets API (a service account) -----------------------------------------------------


def load_credentials(path: Path, named_by: str = "--credentials"):
    """A service account's credentials from its JSON key file, or InputError (exit 2).

    The messages name the file and what is wrong with it, never a value from it.
    """
    from google.oauth2 import service_account

    shown = safe_text(str(path))
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{shown}: no such credentials file ({named_by}). Pass a service account's JSON "
            "key file."
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{shown}: is a directory ({named_by}). Pass a service account's JSON key file."
        ) from None
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot be read ({exc.strerror}). Check its permissions."
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            f"{shown}: not a service account key file (not JSON). Download a JSON key for the "
            "service account."
        ) from None
    if not isinstance(info, dict):
        raise InputError(f"{shown}: not a service account key file (not a JSON object).")
    kind = info.get("type")
    if kind != "service_account":
        said = (
            f'"type" is "{kind}"'
            if isinstance(kind, str) and re.fullmatch(r"[a-z_]{1,40}", kind)
            else 'no "type": "service_account"'
        )
        raise InputError(
            f"{shown}: not a service account key file ({said}). Create a key for a service "
            "account and share the sheet with its email."
        )
    missing = [
        name
        for name in ("client_email", "private_key", "token_uri")
        if not isinstance(info.get(name), str) or not info[name]
    ]
    if missing:
        names = ", ".join(f'"{m}"' for m in missing)
        raise InputError(
            f"{shown}: the service account key file lacks {names}. Download a new JSON key."
        )
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, TypeError, IndexError):
        # The library's own message may quote the key; say only which field is unusable.
        raise InputError(
            f'{shown}: the "private_key" in this service account key file cannot be read. '
            "Download a new JSON key."
        ) from None


def _read_with_api(
    source: SheetSource, timeout: float, retry: Retry, batch_rows: int
) -> tuple[MasterTable, dict]:
    from google.auth.transport.requests import AuthorizedSession

    credentials = load_credentials(source.credentials, source.credentials_named_by)
    base = base_url("TIKDB_SHEETS_API_URL", DEFAULT_API_URL)
    where = source.where
    with AuthorizedSession(credentials, refresh_timeout=timeout) as session:
        session.headers["User-Agent"] = f"tikdb/{__version__}"
        fields = (
            "properties(title,timeZone),"
            "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))"
        )
        meta = _get_json(
            session,
            f"{base}/v4/spreadsheets/{source.key}",
            {"fields": fields},
            where,
            timeout,
            retry,
            source,
        )
        tab, first_col, first_row, last_col, last_row = _choose_range(meta, source, where)
        zone_name = source.time_zone or _dig(meta, "properties", "timeZone")
        zone = _zone(zone_name, source, where)
        quoted = "'" + tab["title"].replace("'", "''") + "'"
        rows: list[list[Any]] = []
        for start in range(first_row, last_row + 1, batch_rows):
            end = min(last_row, start + batch_rows - 1)
            a1 = f"{quoted}!{first_col}{start}:{last_col}{end}"
            answer = _get_json(
                session,
                f"{base}/v4/spreadsheets/{source.key}/values/{urllib.parse.quote(a1, safe='')}",
                {
                    "majorDimension": "ROWS",
                    "valueRenderOption": "UNFORMATTED_VALUE",
                    "dateTimeRenderOption": "SERIAL_NUMBER",
                },
                where,
                timeout,
                retry,
                source,
            )
            values = answer.get("values", [])
            if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
                raise RemoteError(f"{where}: the Sheets API answered with unexpected values.")
            # Empty rows at the end of a batch are left out of the answer: keep positions.
            rows.extend(values)
            rows.extend([] for _ in range(end - start + 1 - len(values)))
    table = to_master_csv(rows, where, zone)
    origin = {
        "kind": "sheet",
        "via": "api",
        "key": source.key,
        "gid": tab["sheetId"],
        "range": f"{quoted}!{first_col}{first_row}:{last_col}{last_row}",
        "time_zone": zone.key,
    }
    return table, origin


def _choose_range(meta: dict, source: SheetSource, where: str) -> tuple[dict, str, int, str, int]:
    """The tab, and the columns and rows to read: from the range, else the whole tab."""
    tabs = [s.get("properties", {}) for s in meta.get("sheets", []) if isinstance(s, dict)]
    if not tabs:
        raise RemoteError(f"{where}: the Sheets API listed no tabs in this spreadsheet.")
    title, cells = split_range(source.range) if source.range else (None, None)
    if title is not None:
        found = [t for t in tabs if t.get("title") == title]
        if not found:
            names = ", ".join(f'"{safe_text(str(t.get("title")))}"' for t in tabs)
            raise RemoteError(
                f'{where}: no tab named "{safe_text(title)}" (tabs: {names}). Correct the range.'
            )
        tab = found[0]
    elif source.gid is not None:
        found = [t for t in tabs if t.get("sheetId") == source.gid]
        if not found:
            gids = ", ".join(str(t.get("sheetId")) for t in tabs)
            raise RemoteError(
                f"{where}: no tab with gid {source.gid} (gids: {gids}). Correct the gid."
            )
        tab = found[0]
    else:
        tab = tabs[0]
    grid = tab.get("gridProperties", {})
    row_count, column_count = grid.get("rowCount"), grid.get("columnCount")
    if not isinstance(row_count, int) or not isinstance(column_count, int):
        raise RemoteError(f"{where}: the Sheets API did not say how big the tab is.")
    if cells is None:
        return tab, "A", 1, _column_letters(column_count), row_count
    first_col, first_row, last_col, last_row = cells
    return tab, first_col, first_row or 1, last_col, min(last_row or row_count, row_count)


def split_range(text: str) -> tuple[str | None, tuple[str, int | None, str, int | None] | None]:
    """``Master!A:O`` -> ("Master", ("A", None, "O", None)); ``'My tab'`` -> ("My tab", None);
    ``A1:O`` -> (None, ("A", 1, "O", None)). InputError for anything else."""
    text = text.strip()
    title, _, cells = text.rpartition("!") if "!" in text else ("", "", text)
    if "!" not in text and not _A1_CELLS.fullmatch(text):
        title, cells = text, ""
    if title.startswith("'") and title.endswith("'") and len(title) >= 2:
        title = title[1:-1].replace("''", "'")
    parsed = None
    if cells:
        match = _A1_CELLS.fullmatch(cells)
        if match is None:
            raise InputError(
                f'range "{safe_text(text)}" is not a tab and columns like Master!A:O or '
                "'My tab'!A1:O5000."
            )
        c1, r1, c2, r2 = match.groups()
        parsed = (c1.upper(), int(r1) if r1 else None, c2.upper(), int(r2) if r2 else None)
    if "!" in text and not title:
        raise InputError(f'range "{safe_text(text)}" names no tab before "!".')
    return (title or None), parsed


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters or "A"


def _zone(name: Any, source: SheetSource, where: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise RemoteError(f"{where}: the Sheets API did not give the spreadsheet's time zone.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if source.time_zone:
            raise InputError(
                f'time zone "{safe_text(name)}" is unknown. Pass an IANA name such as UTC or '
                "America/New_York."
            ) from None
        raise RemoteError(
            f'{where}: the spreadsheet\'s time zone "{safe_text(name)}" is unknown here. Pass '
            "--time-zone with an IANA name."
        ) from None


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _get_json(session, url, params, where, timeout, retry, source) -> dict:
    _, body = _fetch(session, url, params, where, timeout, retry, api=True, source=source)
    try:
        # Decimal keeps every digit Google wrote; a float would round them.
        data = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RemoteError(
            f"{where}: the Sheets API answered with something that is not JSON."
        ) from None
    if not isinstance(data, dict):
        raise RemoteError(f"{where}: the Sheets API answered with unexpected JSON.")
    return data


# --- HTTP with bounded retries ----------------------------------------------------------------


class _CutShort(Exception):
    pass


def _fetch(
    session: requests.Session,
    url: str,
    params: dict[str, str],
    where: str,
    timeout: float,
    retry: Retry,
    api: bool,
    source: SheetSource | None = None,
) -> tuple[requests.Response, bytes]:
    """GET ``url`` and read the whole answer, retrying what may pass (429, 5xx, a timeout,
    a broken or cut-short download) up to ``retry.attempts`` times."""
    from google.auth import exceptions as auth_errors

    problem = ""
    for attempt in range(1, retry.attempts + 1):
        wait = None
        try:
            response = session.get(url, params=params, timeout=timeout, stream=True)
            try:
                body = _read_body(response)
            finally:
                response.close()
        except auth_errors.RefreshError as exc:
            raise _refresh_failed(exc, source, where) from None
        except auth_errors.TransportError:
            problem = "cannot reach the service account's token endpoint"
        except requests.Timeout:
            problem = f"no answer within {timeout:g} s"
        except _CutShort as exc:
            problem = f"the download was cut short ({exc})"
        except requests.exceptions.ChunkedEncodingError:
            problem = "the download was cut short"
        except requests.ConnectionError as exc:
            problem = (
                f"no answer within {timeout:g} s"
                if "timed out" in str(exc).lower()
                else f"cannot connect to {urllib.parse.urlsplit(url).netloc}"
            )
        except requests.RequestException as exc:  # e.g. a body that cannot be decoded
            problem = f"the request failed ({type(exc).__name__})"
        else:
            status = response.status_code
            if status == 200:
                return response, body
            if status == 429:
                wait = _retry_after(response)
                if wait is not None and wait > retry.max_retry_after:
                    raise RemoteError(
                        f"{where}: Google's rate limit (HTTP 429) asks to wait {wait:g} s, more "
                        f"than {retry.max_retry_after:g} s. Try again later; nothing was added."
                    )
                problem = "Google's rate limit (HTTP 429)"
            elif 500 <= status <= 599:
                problem = f"Google failed (HTTP {status})"
            else:
                raise _refused(status, where, api, source)
        if attempt < retry.attempts:
            retry.sleep(wait if wait is not None else retry.delay(attempt))
    raise RemoteError(
        f"{where}: {problem}, {retry.attempts} attempts. Try again later; nothing was added."
    )


def _read_body(response: requests.Response) -> bytes:
    body = response.content  # raises when the connection breaks or the read times out
    expected = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if expected and expected.isdigit() and not encoded and len(body) != int(expected):
        raise _CutShort(f"{len(body)} of {expected} bytes")
    return body


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, math.ceil((moment - datetime.now(UTC)).total_seconds()))


def _refused(status: int, where: str, api: bool, source: SheetSource | None) -> TikdbError:
    if status == 404:
        return RemoteError(
            f"{where}: Google has no such spreadsheet (HTTP 404). Check the key"
            + (" and the gid; nothing was added." if not api else "; nothing was added.")
        )
    if status == 403:
        if api:
            return RemoteError(
                f"{where}: the service account may not read this sheet (HTTP 403). Share the "
                "sheet with the service account's email (Viewer); nothing was added."
            )
        return RemoteError(
            f"{where}: Google refused access (HTTP 403). Share the sheet by link, or pass "
            "--credentials FILE for a service account it is shared with; nothing was added."
        )
    if status == 401:
        return RemoteError(
            f"{where}: Google did not accept the service account's token (HTTP 401). Check "
            "that the key is current; nothing was added."
        )
    return RemoteError(f"{where}: Google refused the request (HTTP {status}); nothing was added.")


def _refresh_failed(exc: Exception, source: SheetSource | None, where: str) -> TikdbError:
    """A token request the endpoint refused. Only its OAuth error code is shown: the rest
    of its answer is not ours to print."""
    data = exc.args[1] if len(exc.args) > 1 else None
    code = data.get("error") if isinstance(data, dict) else None
    said = f" ({code})" if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code) else ""
    path = safe_text(str(source.credentials)) if source and source.credentials else "the key"
    if getattr(exc, "retryable", False):
        return RemoteError(
            f"{where}: the token endpoint failed{said}. Try again later; nothing was added."
        )
    return InputError(
        f"{path}: the token endpoint refused this service account key{said}. Check that the "
        "key is current and not deleted; nothing was added."
    )
