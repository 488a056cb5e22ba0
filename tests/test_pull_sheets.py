"""``tikdb pull --sheet`` against a real local HTTP server playing Google's endpoints.

Offline: TIKDB_SHEETS_EXPORT_URL and TIKDB_SHEETS_API_URL point at the server, and the
service account's key file (a throwaway RSA key made here) names the server's token
endpoint as its token_uri. Retries sleep through an injected function, so no test waits.
"""

from __future__ import annotations

import email.utils
import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import csv_text, make_row, query, run_build
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fake_google import FakeGoogle, Reply, jwt_parts
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.contract import COLUMNS
from tikdb.pipeline.guards import PublishGuards
from tikdb.sources import sheet_values, sheets
from tikdb.sources import snapshots as store

runner = CliRunner()
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
EXPORT = f"/spreadsheets/d/{KEY}/export"
META = f"/v4/spreadsheets/{KEY}"
TOKEN = "ya29.c.fake-access-token-0123456789abcdefSECRET"
SIGN_IN = (
    b"<!DOCTYPE html><html><head><title>Google Sheets - Sign in</title></head><body>"
    b'<form action="https://accounts.google.com/ServiceLogin">Sign in</form></body></html>'
)
NEW_YORK = ZoneInfo("America/New_York")

# Tests whose sheet is mostly rejects on purpose build with the publish guard off.
MOSTLY_REJECTS = PublishGuards(refuse_reject_rate=1)


@pytest.fixture
def google(monkeypatch):
    with FakeGoogle() as fake:
        monkeypatch.setenv("TIKDB_SHEETS_EXPORT_URL", fake.url)
        monkeypatch.setenv("TIKDB_SHEETS_API_URL", fake.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        yield fake


@pytest.fixture
def sleeps(monkeypatch):
    """Retries record their waits here instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr(sheets, "DEFAULT_RETRY", sheets.Retry(sleep=slept.append))
    return slept


def pull(*args: str):
    return runner.invoke(app, ["pull", *args])


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def master_rows(*numbers: int) -> list[dict[str, str]]:
    return [make_row(n) for n in numbers]


# --- the CSV export of a sheet shared by link -----------------------------------------------


def test_a_shared_sheet_is_pulled_through_a_redirect_into_the_master_layout(
    tmp_path, google, sleeps
):
    rows = master_rows(1, 2, 3)
    # The sheet's columns in another order and case; Google redirects to the file.
    header = [c.upper() for c in reversed(COLUMNS)]
    served = csv_text([{c.upper(): v for c, v in r.items()} for r in rows], header)
    google.on(EXPORT, Reply(307, headers={"Location": "/download/abc.csv"}))
    google.on("/download/abc.csv", Reply(200, served.encode(), {"Content-Type": "text/csv"}))
    folder = tmp_path / "snaps"
    url = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
    result = pull(
        "--sheet", url, "--snapshots", str(folder), "--observed-at", "2026-11-30T06:00:00Z"
    )
    assert result.exit_code == 0, result.output
    [snapshot] = store.list_snapshots(folder)
    # Exactly the master layout, as Python's csv module writes it: the same bytes as a
    # master export of these rows.
    assert snapshot.path.read_bytes() == csv_text(rows).encode()
    assert result.stdout == (
        f"added {snapshot.path} ({snapshot.bytes:,} bytes, observed at 2026-11-30T06:00:00Z)\n"
    )
    assert snapshot.origin == {
        "kind": "sheet",
        "via": "export",
        "key": KEY,
        "gid": 0,
        "ignored_columns": [],
    }
    [asked] = google.requests_to(EXPORT)
    assert asked.query == {"format": "csv", "gid": "0"}
    assert sleeps == []


def test_an_unchanged_sheet_adds_nothing(tmp_path, google, sleeps):
    google.on(
        EXPORT, Reply(200, csv_text(master_rows(1, 2)).encode(), {"Content-Type": "text/csv"})
    )
    folder = tmp_path / "snaps"
    first = pull(
        "--sheet", KEY, "--snapshots", str(folder), "--observed-at", "2026-11-30T06:00:00Z"
    )
    assert first.exit_code == 0, first.output
    again = pull(
        "--sheet", KEY, "--snapshots", str(folder), "--observed-at", "2026-11-30T07:00:00Z"
    )
    assert again.exit_code == 0, again.output
    [snapshot] = store.list_snapshots(folder)
    assert (
        again.stdout == f"unchanged since 2026-11-30T06:00:00Z ({snapshot.path}); nothing added\n"
    )


def where(gid: int | None = None) -> str:
    return f"sheet {KEY}" + (f" (gid {gid})" if gid else "")


@pytest.mark.parametrize(
    ("replies", "message", "attempts"),
    [
        (
            [Reply(200, SIGN_IN, {"Content-Type": "text/html; charset=utf-8"})],
            "{w}: Google answered with a sign-in page, not CSV: the sheet is not shared by link. "
            'Share it ("Anyone with the link" can view), or pass --credentials FILE for a service account.',
            1,
        ),
        (
            [Reply(403, b"denied")],
            "{w}: Google refused access (HTTP 403). Share the sheet by link, or pass --credentials "
            "FILE for a service account it is shared with; nothing was added.",
            1,
        ),
        (
            [Reply(404, b"not found")],
            "{w}: Google has no such spreadsheet (HTTP 404). Check the key and the gid; nothing was added.",
            1,
        ),
        (
            [Reply(429, b"slow down", {"Retry-After": "7"})],
            "{w}: Google's rate limit (HTTP 429), 5 attempts. Try again later; nothing was added.",
            5,
        ),
        (
            [Reply(429, b"slow down", {"Retry-After": "3600"})],
            "{w}: Google's rate limit (HTTP 429) asks to wait 3600 s, more than 120 s. "
            "Try again later; nothing was added.",
            1,
        ),
        (
            [Reply(503, b"unavailable")],
            "{w}: Google failed (HTTP 503), 5 attempts. Try again later; nothing was added.",
            5,
        ),
        (
            [Reply(200, csv_text(master_rows(1, 2)).encode(), cut_to=100)],
            "{w}: the download was cut short, 5 attempts. Try again later; nothing was added.",
            5,
        ),
        (
            [Reply(200, b'{"error": "not a csv"}', {"Content-Type": "application/json"})],
            '{w}: columns "created_date", "created_time", "account", "va", "post_url", "views", '
            '"likes", "comments", "shares", "engagement", "engagement_rate", "hashtags", "sound", '
            '"slides", "source" missing (header has 1 column; found unknown column "{{"error": "not a csv"}}"). '
            "The header must name: " + ",".join(COLUMNS) + ".",
            1,
        ),
        (
            [Reply(200, b"\xff\xfe\x00binary", {"Content-Type": "text/csv"})],
            "{w}: the answer is not CSV (not UTF-8 text at byte 1).",
            1,
        ),
        (
            [Reply(200, (",".join(COLUMNS) + "\r\n").encode(), {"Content-Type": "text/csv"})],
            "{w}: has a header but no rows. Check the gid or range names the master sheet; "
            "nothing was added.",
            1,
        ),
        (
            [Reply(200, csv_text(master_rows(1), [c for c in COLUMNS if c != "views"]).encode())],
            '{w}: column "views" missing (header has 14 columns). The header must name: '
            + ",".join(COLUMNS)
            + ".",
            1,
        ),
    ],
    ids=[
        "not-shared",
        "403",
        "404",
        "429-always",
        "429-too-long",
        "503-always",
        "cut-short",
        "json",
        "binary",
        "header-only",
        "missing-column",
    ],
)
def test_every_remote_failure_is_one_line_exit_1_and_writes_nothing(
    tmp_path, google, sleeps, replies, message, attempts
):
    google.on(EXPORT, *replies)
    folder = tmp_path / "snaps"
    result = pull("--sheet", KEY, "--snapshots", str(folder))
    assert result.exit_code == 1, result.output
    assert result.stderr == "Error: " + message.format(w=where()) + "\n"
    assert result.stdout == ""
    assert len(google.requests_to(EXPORT)) == attempts
    assert len(sleeps) == attempts - 1
    assert not folder.exists()


def test_a_429_is_retried_after_the_wait_it_asks_for(tmp_path, google, sleeps):
    good = Reply(200, csv_text(master_rows(1)).encode(), {"Content-Type": "text/csv"})
    google.on(EXPORT, Reply(429, b"", {"Retry-After": "7"}), Reply(429, b""), good)
    result = pull("--sheet", KEY, "--gid", "5", "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    # Retry-After first; without one, the backoff's delay after a second attempt.
    assert sleeps == [7.0, sheets.DEFAULT_RETRY.delay(2)]
    assert [r.query["gid"] for r in google.requests_to(EXPORT)] == ["5", "5", "5"]


def test_a_500_then_a_200_succeeds_after_one_backoff(tmp_path, google, sleeps):
    good = Reply(200, csv_text(master_rows(1)).encode(), {"Content-Type": "text/csv"})
    google.on(EXPORT, Reply(500, b"oops"), good)
    result = pull("--sheet", KEY, "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert sleeps == [sheets.DEFAULT_RETRY.first_delay]
    assert len(store.list_snapshots(tmp_path / "s")) == 1


def test_backoff_doubles_up_to_its_cap():
    retry = sheets.Retry(first_delay=2, max_delay=10)
    assert [retry.delay(n) for n in range(1, 6)] == [2, 4, 8, 10, 10]


def test_a_silent_server_times_out(tmp_path, google, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(sheets, "DEFAULT_RETRY", sheets.Retry(attempts=2, sleep=slept.append))
    google.on(EXPORT, Reply(200, b"late", delay=2.0))
    result = pull("--sheet", KEY, "--timeout", "0.2", "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"Error: {where()}: no answer within 0.2 s, 2 attempts. Try again later; nothing was added.\n"
    )
    assert not (tmp_path / "s").exists()


def test_a_body_shorter_than_its_content_length_is_cut_short_by_our_own_count():
    class Response:
        headers = {"Content-Length": "10"}
        content = b"12345"

    with pytest.raises(sheets._CutShort, match="5 of 10 bytes"):
        sheets._read_body(Response())


def test_the_export_pads_short_rows_and_leaves_out_unknown_columns(tmp_path, google, sleeps):
    rows = master_rows(1, 2)
    header = [*COLUMNS, "notes"]
    served = csv_text([dict(r, notes="keep?") for r in rows], header)
    # The second record lacks its last two fields (slides, source).
    lines = served.split("\r\n")
    lines[2] = lines[2].rsplit(",", 3)[0]
    google.on(EXPORT, Reply(200, "\r\n".join(lines).encode(), {"Content-Type": "text/csv"}))
    result = pull("--sheet", KEY, "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f'Warning: {where()}: left out column(s) "notes" (not in the master layout)\n'
    )
    [snapshot] = store.list_snapshots(tmp_path / "s")
    expected = [rows[0], dict(rows[1], slides="", source="")]
    assert snapshot.path.read_bytes() == csv_text(expected).encode()
    assert snapshot.origin["ignored_columns"] == ["notes"]


def test_formula_errors_in_a_shared_sheet_become_bad_metric_rejects(tmp_path, google, sleeps):
    rows = master_rows(1, 2, 3)
    rows[0]["views"] = "#REF!"
    rows[1]["likes"] = "#DIV/0!"
    google.on(EXPORT, Reply(200, csv_text(rows).encode(), {"Content-Type": "text/csv"}))
    assert pull("--sheet", KEY, "--snapshots", str(tmp_path / "s")).exit_code == 0
    [snapshot] = store.list_snapshots(tmp_path / "s")
    # Two rows in three are rejects: the publish guard would refuse such a build.
    db = run_build(tmp_path, snapshot.path, guards=MOSTLY_REJECTS).db_path
    assert query(db, "SELECT line, reason, message FROM rejects ORDER BY line") == [
        (
            2,
            "bad_metric",
            'views "#REF!" is not a whole number >= 0 (or a rate for engagement_rate)',
        ),
        (
            3,
            "bad_metric",
            'likes "#DIV/0!" is not a whole number >= 0 (or a rate for engagement_rate)',
        ),
    ]


# --- usage errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sheet", "not a key!"],
            '--sheet "not a key!" is neither a Google Sheets URL (https://docs.google.com/spreadsheets/d/KEY/edit) nor a sheet\'s key.',
        ),
        (
            ["--sheet", KEY, "--file", "x.csv"],
            "pass either --file PATH or --sheet URL_OR_KEY, not both.",
        ),
        (["--gid", "3"], "--gid applies to --sheet only. See tikdb pull --help."),
        (
            ["--sheet", KEY, "--range", "Master!A:O"],
            "a range needs a service account (--credentials FILE): the CSV export of a shared sheet reads a whole tab, with its dates as shown.",
        ),
        (
            ["--sheet", f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=4", "--gid", "5"],
            "the sheet's URL names gid 4 but the gid given is 5; keep one of them.",
        ),
        (
            ["--sheet", KEY, "--credentials", "k.json", "--range", "Master!A1:B2:C"],
            "range \"Master!A1:B2:C\" is not a tab and columns like Master!A:O or 'My tab'!A1:O5000.",
        ),
    ],
    ids=[
        "bad-key",
        "file-and-sheet",
        "gid-alone",
        "range-without-credentials",
        "two-gids",
        "bad-range",
    ],
)
def test_usage_errors_exit_2_before_anything_is_fetched(tmp_path, google, args, message):
    result = pull(*args, "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {message}\n"
    assert google.seen == []


# --- the Sheets API with a service account ----------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_file(tmp_path, google, rsa_key):
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "secrets" / "reader.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "agency-sheets",
                "private_key_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0deadbeef",
                "private_key": pem,
                "client_email": "tikdb-reader@agency-sheets.iam.gserviceaccount.com",
                "client_id": "112233445566778899",
                "token_uri": f"{google.url}/token",
            }
        )
    )
    google.on(
        "/token", Reply(200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"})
    )
    return path


def serials(row: dict[str, str], zone: ZoneInfo) -> tuple[int, float]:
    """The date and time serial numbers a sheet in ``zone`` holds for the row's UTC time."""
    utc = datetime.fromisoformat(f"{row['created_date']}T{row['created_time']}+00:00")
    local = utc.astimezone(zone).replace(tzinfo=None) - sheet_values.SERIAL_EPOCH
    return local.days, local.seconds / 86400


# The sheet's header: the master columns in another order, its own id column, and a note.
API_HEADER = ["post_url", "Video ID", *[c for c in COLUMNS if c != "post_url"], "notes"]


def api_row(row: dict[str, str], video_id, zone: ZoneInfo = NEW_YORK) -> list:
    """The row as values.get returns it: numbers as numbers, dates as serials, trailing
    empty cells left out."""
    day, fraction = serials(row, zone)
    values = {
        **row,
        "created_date": day,
        "created_time": fraction,
        "views": int(row["views"]),
        "likes": int(row["likes"]) if row["likes"].isdigit() else row["likes"],
        "comments": int(row["comments"]),
        "shares": int(row["shares"]),
        "engagement": int(row["engagement"]),
        "engagement_rate": float(row["engagement_rate"]),
        "Video ID": video_id,
        "notes": "",
    }
    cells = [values[name] for name in API_HEADER]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def meta(row_count: int, time_zone: str = "America/New_York") -> dict:
    return {
        "properties": {"title": "Agency master", "timeZone": time_zone},
        "sheets": [
            {
                "properties": {
                    "sheetId": 0,
                    "title": "Read me",
                    "gridProperties": {"rowCount": 1000, "columnCount": 5},
                }
            },
            {
                "properties": {
                    "sheetId": 123,
                    "title": "Master",
                    "gridProperties": {"rowCount": row_count, "columnCount": len(API_HEADER)},
                }
            },
        ],
    }


def values_path(a1: str) -> str:
    return f"{META}/values/{a1}"


def api_sheet(google, rows_and_ids, row_count=None, batches=None, time_zone="America/New_York"):
    """Serve the Master tab: the header, then one row per (row, id cell)."""
    values = [API_HEADER, *[api_row(r, i, ZoneInfo(time_zone)) for r, i in rows_and_ids]]
    row_count = row_count or len(values) + 3  # a few empty rows at the end, as sheets have
    google.on(META, Reply(200, meta(row_count, time_zone)))
    last = sheets._column_letters(len(API_HEADER))
    batches = batches or [(1, row_count)]
    for start, end in batches:
        chunk = values[start - 1 : end]
        body = {"range": f"Master!A{start}:{last}{end}", "majorDimension": "ROWS"}
        if chunk:
            body["values"] = chunk
        google.on(values_path(f"'Master'!A{start}:{last}{end}"), Reply(200, body))
    return values


def test_a_service_account_reads_the_sheet_through_the_api(
    tmp_path, google, key_file, rsa_key, sleeps
):
    rows = master_rows(1, 2, 57)  # post 57 is posted at 00:09 UTC: the day before in New York
    rows[1] = dict(rows[1], slides="", source="")  # a short row: trailing empty cells omitted
    rows[2]["likes"] = "#N/A"
    exact = [r["post_url"].rsplit("/", 1)[1] for r in rows]
    as_number = float(exact[0])  # a 19-digit id typed as a number keeps ~16 digits
    api_sheet(google, [(rows[0], as_number), (rows[1], exact[1]), (rows[2], "7000000000000000001")])
    folder = tmp_path / "snaps"
    result = pull(
        "--sheet",
        KEY,
        "--gid",
        "123",
        "--credentials",
        str(key_file),
        "--snapshots",
        str(folder),
        "--observed-at",
        "2026-11-30T06:00:00Z",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f'Warning: {where(123)}: left out column(s) "notes" (not in the master layout)\n'
        f"Warning: {where(123)}: 1 row(s) have an id that is not the id in their post_url; "
        "the build will reject them (id_mismatch)\n"
    )
    [snapshot] = store.list_snapshots(folder)
    # The master layout, dates back in UTC, numbers exact, the id column as video_id: the
    # URL's id where the sheet agrees with it, the sheet's own where it does not.
    expected = [
        dict(rows[0], video_id=exact[0]),
        dict(rows[1], video_id=exact[1]),
        dict(rows[2], video_id="7000000000000000001"),
    ]
    assert snapshot.path.read_bytes() == csv_text(expected, [*COLUMNS, "video_id"]).encode()
    assert snapshot.origin == {
        "kind": "sheet",
        "via": "api",
        "key": KEY,
        "gid": 123,
        "range": "'Master'!A1:Q7",
        "time_zone": "America/New_York",
        "ignored_columns": ["notes"],
    }
    # The JWT grant reached the key file's token_uri, signed by the service account's key.
    [grant] = google.requests_to("/token")
    form = dict(urllib.parse.parse_qsl(grant.body.decode()))
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims, signed, signature = jwt_parts(form["assertion"])
    rsa_key.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    assert header["alg"] == "RS256"
    assert claims["iss"] == "tikdb-reader@agency-sheets.iam.gserviceaccount.com"
    # (google-auth names Google's token service as the audience wherever it posts the grant)
    assert claims["aud"] == "https://oauth2.googleapis.com/token"
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets.readonly"
    # Every API call carried the token; values.get asked for raw numbers and serial dates.
    api_calls = [s for s in google.seen if s.path.startswith("/v4/")]
    assert [s.path for s in api_calls] == [META, values_path("'Master'!A1:Q7")]
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in api_calls)
    assert api_calls[1].query == {
        "majorDimension": "ROWS",
        "valueRenderOption": "UNFORMATTED_VALUE",
        "dateTimeRenderOption": "SERIAL_NUMBER",
    }

    # The build reads the snapshot like any export: the lying rows are rejects.
    db = run_build(tmp_path, snapshot.path).db_path
    assert query(db, "SELECT line, reason FROM rejects ORDER BY line") == [(4, "id_mismatch")]
    assert query(
        db, "SELECT post_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') FROM posts ORDER BY csv_line"
    ) == [
        (int(exact[0]), f"{rows[0]['created_date']} {rows[0]['created_time']}"),
        (int(exact[1]), f"{rows[1]['created_date']} {rows[1]['created_time']}"),
    ]


def test_big_sheets_are_read_in_row_batches(tmp_path, google, key_file, sleeps):
    rows = master_rows(1, 2, 3, 4, 5)
    ids = [r["post_url"].rsplit("/", 1)[1] for r in rows]
    # 9 grid rows: the header, 5 posts, 3 empty; read 4 at a time.
    api_sheet(
        google, list(zip(rows, ids, strict=True)), row_count=9, batches=[(1, 4), (5, 8), (9, 9)]
    )
    source = sheets.SheetSource(
        KEY, range="Master!A:Q", credentials=key_file, time_zone="America/New_York"
    )
    done = sheets.pull_sheet(
        source, tmp_path / "s", datetime(2026, 11, 30, tzinfo=UTC), batch_rows=4
    )
    asked = [s.path for s in google.seen if s.path.startswith(f"{META}/values/")]
    assert asked == [values_path(f"'Master'!A{a}:Q{b}") for a, b in [(1, 4), (5, 8), (9, 9)]]
    expected = [dict(r, video_id=i) for r, i in zip(rows, ids, strict=True)]
    assert (
        done.result.snapshot.path.read_bytes()
        == csv_text(expected, [*COLUMNS, "video_id"]).encode()
    )


def test_an_explicit_time_zone_overrides_the_spreadsheets(tmp_path, google, key_file, sleeps):
    rows = master_rows(1)
    [row_id] = [r["post_url"].rsplit("/", 1)[1] for r in rows]
    # The sheet's own zone is New York, but its dates were typed in UTC.
    values = [API_HEADER, api_row(rows[0], row_id, ZoneInfo("UTC"))]
    google.on(META, Reply(200, meta(2)))
    google.on(values_path("'Master'!A1:Q2"), Reply(200, {"values": values}))
    result = pull(
        "--sheet",
        KEY,
        "--gid",
        "123",
        "--credentials",
        str(key_file),
        "--time-zone",
        "UTC",
        "--snapshots",
        str(tmp_path / "s"),
    )
    assert result.exit_code == 0, result.output
    [snapshot] = store.list_snapshots(tmp_path / "s")
    assert (
        snapshot.path.read_bytes()
        == csv_text([dict(rows[0], video_id=row_id)], [*COLUMNS, "video_id"]).encode()
    )
    assert snapshot.origin["time_zone"] == "UTC"


def test_the_api_403_names_the_fix(tmp_path, google, key_file, sleeps):
    google.on(
        META, Reply(403, {"error": {"code": 403, "message": "The caller does not have permission"}})
    )
    result = pull(
        "--sheet", KEY, "--credentials", str(key_file), "--snapshots", str(tmp_path / "s")
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {where()}: the service account may not read this sheet (HTTP 403). Share the sheet "
        "with the service account's email (Viewer); nothing was added.\n"
    )
    assert not (tmp_path / "s").exists()


def test_a_tab_that_does_not_exist_is_named(tmp_path, google, key_file, sleeps):
    google.on(META, Reply(200, meta(5)))
    result = pull(
        "--sheet",
        KEY,
        "--gid",
        "9",
        "--credentials",
        str(key_file),
        "--snapshots",
        str(tmp_path / "s"),
    )
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: {where(9)}: no tab with gid 9 (gids: 0, 123). Correct the gid.\n"
    )


def good_key(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            None,
            "{p}: no such credentials file (--credentials). Pass a service account's JSON key file.",
        ),
        (
            lambda p, k: p.write_text("-----BEGIN PRIVATE KEY-----\n"),
            "{p}: not a service account key file (not JSON). Download a JSON key for the service account.",
        ),
        (
            lambda p, k: p.write_text(json.dumps(dict(k, type="authorized_user"))),
            '{p}: not a service account key file ("type" is "authorized_user"). Create a key for a service account and share the sheet with its email.',
        ),
        (
            lambda p, k: p.write_text(
                json.dumps({x: v for x, v in k.items() if x not in ("client_email", "token_uri")})
            ),
            '{p}: the service account key file lacks "client_email", "token_uri". Download a new JSON key.',
        ),
        (
            lambda p, k: p.write_text(json.dumps(dict(k, private_key=k["private_key"][:200]))),
            '{p}: the "private_key" in this service account key file cannot be read. Download a new JSON key.',
        ),
    ],
    ids=["missing", "not-json", "user-credentials", "missing-fields", "broken-key"],
)
def test_bad_credentials_exit_2_without_a_request_or_a_secret(
    tmp_path, google, key_file, write, message
):
    key = good_key(key_file)
    path = tmp_path / "other.json"
    if write is not None:
        write(path, key)
    result = pull("--sheet", KEY, "--credentials", str(path), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: " + message.format(p=path) + "\n"
    assert google.seen == []
    assert not (tmp_path / "s").exists()
    secret_lines = key["private_key"].splitlines()[1:-1]
    assert not any(line in result.output for line in secret_lines)


def test_credentials_come_from_google_application_credentials(
    tmp_path, google, key_file, sleeps, monkeypatch
):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "gone.json"))
    result = pull("--sheet", KEY, "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'gone.json'}: no such credentials file (GOOGLE_APPLICATION_CREDENTIALS). "
        "Pass a service account's JSON key file.\n"
    )


def test_a_refused_token_grant_is_a_credentials_error(tmp_path, google, key_file, sleeps):
    google.on(
        "/token",
        Reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
    )
    result = pull(
        "--sheet", KEY, "--credentials", str(key_file), "--snapshots", str(tmp_path / "s")
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: {key_file}: the token endpoint refused this service account key (invalid_grant). "
        "Check that the key is current and not deleted; nothing was added.\n"
    )
    assert [s.path for s in google.seen] == ["/token"]


def test_no_key_or_token_reaches_output_sidecars_or_the_warehouse(
    tmp_path, google, key_file, sleeps
):
    rows = master_rows(1, 2)
    ids = [r["post_url"].rsplit("/", 1)[1] for r in rows]
    api_sheet(google, list(zip(rows, ids, strict=True)))
    folder = tmp_path / "snaps"
    outputs = []
    done = pull(
        "--sheet", KEY, "--gid", "123", "--credentials", str(key_file), "--snapshots", str(folder)
    )
    assert done.exit_code == 0, done.output
    outputs.append(done.output)
    # A failing run too: a 401 from the API and a refused grant.
    google.on(META, Reply(401, {"error": {"message": f"bad token {TOKEN}"}}))
    outputs.append(
        pull("--sheet", KEY, "--credentials", str(key_file), "--snapshots", str(folder)).output
    )
    [snapshot] = store.list_snapshots(folder)
    build = runner.invoke(
        app,
        [
            "build",
            "--csv",
            str(snapshot.path),
            "--out",
            str(tmp_path / "wh"),
        ],
    )
    assert build.exit_code == 0, build.output
    outputs.append(build.output)
    key = good_key(key_file)
    secrets = [TOKEN, key["private_key_id"], *key["private_key"].splitlines()[1:-1]]
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != key_file]
    assert any(p.suffix == ".duckdb" for p in written) and any(
        p.suffix == ".parquet" for p in written
    )
    for secret in secrets:
        assert not any(secret in text for text in outputs), secret
        for path in written:
            assert secret.encode() not in path.read_bytes(), (secret, path)


def test_a_base_address_that_is_not_http_is_a_configuration_error(tmp_path, google, monkeypatch):
    monkeypatch.setenv("TIKDB_SHEETS_EXPORT_URL", "docs.google.com")
    result = pull("--sheet", KEY, "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: TIKDB_SHEETS_EXPORT_URL="docs.google.com" is not an http(s) address. Set it like '
        "https://docs.google.com, or unset it.\n"
    )


def test_retry_after_may_be_an_http_date():
    class Response:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    soon = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= sheets._retry_after(Response(soon)) <= 31
    assert sheets._retry_after(Response("Wed, 21 Oct 2015 07:28:00 GMT")) == 0
    assert sheets._retry_after(Response("soon")) is None
    assert sheets._retry_after(Response("12")) == 12
