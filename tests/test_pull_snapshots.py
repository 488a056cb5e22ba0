"""The snapshot store and ``tikdb pull --file``: names, sidecars, atomic commits, refusals."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import make_row, query, run_build, write_csv
from typer.testing import CliRunner

from tikdb import __version__
from tikdb.cli import app
from tikdb.contract import COLUMNS
from tikdb.errors import InputError
from tikdb.sources import snapshots as store

runner = CliRunner()
HEADER_NAMES = ",".join(COLUMNS)


def pull(*args: str):
    return runner.invoke(app, ["pull", *args])


def export(tmp_path: Path, *numbers: int, name: str = "export.csv") -> Path:
    return write_csv(tmp_path / name, [make_row(n) for n in numbers])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_pull_file_copies_the_bytes_under_a_dated_hashed_name_with_a_sidecar(tmp_path):
    source = export(tmp_path, 1, 2, 3)
    folder = tmp_path / "snaps"
    result = pull(
        "--file", str(source), "--observed-at", "2026-11-30T18:45:00Z", "--snapshots", str(folder)
    )
    assert result.exit_code == 0, result.output
    digest = sha(source)
    name = f"MASTER_20261130T184500Z_{digest[:12]}"
    snapshot = folder / f"{name}.csv"
    size = source.stat().st_size
    assert result.stdout == f"added {snapshot} ({size:,} bytes, observed at 2026-11-30T18:45:00Z)\n"
    assert result.stderr == ""
    assert files(folder) == [".pull.lock", f"{name}.csv", f"{name}.json"]
    assert snapshot.read_bytes() == source.read_bytes()
    assert json.loads((folder / f"{name}.json").read_text()) == {
        "format": 1,
        "file": f"{name}.csv",
        "observed_at": "2026-11-30T18:45:00Z",
        "bytes": size,
        "sha256": digest,
        "origin": {"kind": "file", "path": str(source.resolve())},
        "tikdb_version": __version__,
    }
    # Immutable: nobody writes to a snapshot or its sidecar by accident.
    for path in (snapshot, folder / f"{name}.json"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0


def test_a_pulled_snapshot_builds_like_the_export_it_copies(tmp_path):
    source = export(tmp_path, 1, 2, 3, 4)
    folder = tmp_path / "snaps"
    assert pull("--file", str(source), "--snapshots", str(folder)).exit_code == 0
    [snapshot] = store.list_snapshots(folder)
    db = run_build(tmp_path, snapshot.path).db_path
    assert query(db, "SELECT count(*) FROM posts") == [(4,)]


def test_identical_content_adds_nothing_and_says_since_when(tmp_path):
    source = export(tmp_path, 1, 2)
    folder = tmp_path / "snaps"
    first = pull(
        "--file", str(source), "--observed-at", "2026-11-01T08:00:00", "--snapshots", str(folder)
    )
    assert first.exit_code == 0, first.output
    before = files(folder)
    # The same bytes under another name, a day later.
    again = tmp_path / "again.csv"
    again.write_bytes(source.read_bytes())
    second = pull(
        "--file", str(again), "--observed-at", "2026-11-02T08:00:00", "--snapshots", str(folder)
    )
    assert second.exit_code == 0, second.output
    snapshot = folder / f"MASTER_20261101T080000Z_{sha(source)[:12]}.csv"
    assert second.stdout == f"unchanged since 2026-11-01T08:00:00Z ({snapshot}); nothing added\n"
    assert files(folder) == before


def test_content_identical_to_an_older_snapshot_adds_nothing_and_names_it(tmp_path):
    folder = tmp_path / "snaps"
    old, new = export(tmp_path, 1, name="old.csv"), export(tmp_path, 1, 2, name="new.csv")
    for source, when in ((old, "2026-11-01T08:00:00Z"), (new, "2026-11-02T08:00:00Z")):
        assert (
            pull("--file", str(source), "--observed-at", when, "--snapshots", str(folder)).exit_code
            == 0
        )
    before = files(folder)
    result = pull(
        "--file", str(old), "--observed-at", "2026-11-03T08:00:00Z", "--snapshots", str(folder)
    )
    assert result.exit_code == 0, result.output
    snapshot = folder / f"MASTER_20261101T080000Z_{sha(old)[:12]}.csv"
    assert (
        result.stdout
        == f"identical to {snapshot} (observed at 2026-11-01T08:00:00Z); nothing added\n"
    )
    assert files(folder) == before


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2026-11-30T18:45:00Z", "2026-11-30T18:45:00Z"),
        ("2026-11-30T18:45:00", "2026-11-30T18:45:00Z"),  # no offset: UTC
        ("2026-11-30 20:45:00+02:00", "2026-11-30T18:45:00Z"),
        ("2026-11-30T13:45:00-05:00", "2026-11-30T18:45:00Z"),
        ("2026-11-30T18:45:00.987654Z", "2026-11-30T18:45:00Z"),  # kept to the second
        ("2026-11-30", "2026-11-30T00:00:00Z"),
    ],
)
def test_observed_at_is_read_as_iso_8601_in_utc(given, stored):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert store.format_time(store.parse_observed_at(given, now)) == stored


def test_observed_at_defaults_to_now_never_the_files_modification_time(tmp_path):
    source = export(tmp_path, 1)
    os.utime(source, (978307200, 978307200))  # 2001-01-01
    before = datetime.now(UTC).replace(microsecond=0)
    assert pull("--file", str(source), "--snapshots", str(tmp_path / "s")).exit_code == 0
    after = datetime.now(UTC)
    [snapshot] = store.list_snapshots(tmp_path / "s")
    assert before <= snapshot.observed_at <= after


def test_a_time_in_the_future_is_refused_beyond_a_small_tolerance():
    now = datetime(2026, 11, 30, 18, 0, 0, tzinfo=UTC)
    ahead = now + store.FUTURE_TOLERANCE
    assert store.parse_observed_at(store.format_time(ahead), now) == ahead
    with pytest.raises(InputError) as raised:
        store.parse_observed_at(store.format_time(ahead + timedelta(seconds=1)), now)
    assert str(raised.value) == (
        "--observed-at 2026-11-30T18:05:01Z is in the future (now is 2026-11-30T18:00:00Z). "
        "Pass the time the export was taken."
    )


def test_observed_at_errors_exit_2_with_one_line_and_write_nothing(tmp_path):
    source = export(tmp_path, 1)
    folder = tmp_path / "snaps"
    result = pull("--file", str(source), "--observed-at", "yesterday", "--snapshots", str(folder))
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: --observed-at "yesterday" is not an ISO 8601 time. '
        "Pass it as 2026-11-30T18:45:00Z (a time without an offset is UTC).\n"
    )
    result = pull(
        "--file", str(source), "--observed-at", "2999-01-01T00:00:00Z", "--snapshots", str(folder)
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: --observed-at 2999-01-01T00:00:00Z is in the future (now is "
    )
    assert not folder.exists()


def test_another_content_of_the_same_source_at_the_same_time_is_refused(tmp_path):
    folder = tmp_path / "snaps"
    source = export(tmp_path, 1, name="a.csv")
    when = "2026-11-30T18:45:00Z"
    assert (
        pull("--file", str(source), "--observed-at", when, "--snapshots", str(folder)).exit_code
        == 0
    )
    first = sha(source)
    before = files(folder)
    export(tmp_path, 2, name="a.csv")  # the export changed, the time given did not
    result = pull("--file", str(source), "--observed-at", when, "--snapshots", str(folder))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {folder}: a snapshot of the same source observed at 2026-11-30T18:45:00Z already "
        f"holds other content (MASTER_20261130T184500Z_{first[:12]}.csv). Pass another --observed-at.\n"
    )
    assert files(folder) == before


def test_two_sources_may_share_an_observation_time(tmp_path):
    folder = tmp_path / "snaps"
    when = "2026-11-30T18:45:00Z"
    for n, name in ((1, "a.csv"), (2, "b.csv")):
        source = export(tmp_path, n, name=name)
        assert (
            pull("--file", str(source), "--observed-at", when, "--snapshots", str(folder)).exit_code
            == 0
        )
    listed = store.list_snapshots(folder)
    assert [s.observed_text for s in listed] == [when, when]
    assert sorted(s.origin["path"] for s in listed) == [
        str(tmp_path / "a.csv"),
        str(tmp_path / "b.csv"),
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "{p}: no such file. Pass the master CSV export with --file PATH."),
        (
            lambda p: (p.mkdir(), p)[1],
            "{p}: is a directory, not a CSV file. Pass the CSV file itself.",
        ),
        (
            lambda p: (p.write_bytes(b""), p)[1],
            "{p}: the file is empty (0 bytes). Export the master CSV again.",
        ),
        (
            lambda p: (p.write_text(HEADER_NAMES + "\r\n"), p)[1],
            "{p}: has a header but no records. Export the master CSV again; nothing was added.",
        ),
        (
            lambda p: write_csv(p, [make_row(1)], [c for c in COLUMNS if c != "views"]),
            '{p}: column "views" missing (header has 14 columns). The header must name: '
            + HEADER_NAMES
            + ".",
        ),
        (
            lambda p: (p.write_text('{"posts": []}\n'), p)[1],
            '{p}: columns "created_date", "created_time", "account", "va", "post_url", "views", '
            '"likes", "comments", "shares", "engagement", "engagement_rate", "hashtags", "sound", '
            '"slides", "source" missing (header has 1 column; found unknown column "{{"posts": []}}"). '
            "The header must name: " + HEADER_NAMES + ".",
        ),
        (
            lambda p: (p.write_bytes("\ufeffcreated_date\r\n".encode("utf-16")), p)[1],
            '{p}: is UTF-16 text (Excel "Unicode text"); re-save it as UTF-8 ("CSV UTF-8") and build again.',
        ),
    ],
    ids=["missing", "directory", "empty", "header-only", "missing-column", "not-a-csv", "utf-16"],
)
def test_a_file_that_is_not_a_master_csv_is_refused_and_nothing_written(tmp_path, make, message):
    path = make(tmp_path / "m.csv")
    folder = tmp_path / "snaps"
    result = pull("--file", str(path), "--snapshots", str(folder))
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: " + message.format(p=path) + "\n"
    assert result.stdout == ""
    assert not folder.exists()


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "m.csv"
    os.mkfifo(fifo)
    folder = tmp_path / "snaps"
    # A real process with a deadline: opening the pipe for reading would block forever.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tikdb.cli",
            "pull",
            "--file",
            str(fifo),
            "--snapshots",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"Error: {fifo}: is a pipe (FIFO), not a regular file. Pass the exported CSV file itself.\n"
    )
    assert not folder.exists()


def test_columns_are_matched_by_name_as_the_build_matches_them(tmp_path):
    header = [f"  {c.upper()} " for c in reversed(COLUMNS)]
    rows = [{f"  {k.upper()} ": v for k, v in make_row(1).items()}]
    source = write_csv(tmp_path / "odd.csv", rows, header)
    result = pull("--file", str(source), "--snapshots", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    [snapshot] = store.list_snapshots(tmp_path / "s")
    assert snapshot.path.read_bytes() == source.read_bytes()  # stored as exported


def test_a_file_that_changes_while_it_is_copied_is_refused(tmp_path, monkeypatch):
    source = export(tmp_path, 1, 2)
    checked = store.check_master_csv

    def check_then_change(path):
        digest = checked(path)
        with path.open("ab") as f:  # another program still writing the export
            f.write(b"half a line")
        return digest

    monkeypatch.setattr(store, "check_master_csv", check_then_change)
    folder = tmp_path / "snaps"
    with pytest.raises(InputError) as raised:
        store.add_file(source, folder, datetime(2026, 11, 30, tzinfo=UTC))
    assert str(raised.value) == (
        f"{source}: changed while it was being copied. Pull again once the export is complete; "
        "nothing was added."
    )
    assert files(folder) == [".pull.lock"]


# --- listing --------------------------------------------------------------------------------


def add(folder: Path, tmp_path: Path, n: int, when: datetime) -> store.Snapshot:
    source = export(tmp_path, n, name=f"e{n}.csv")
    return store.add_file(source, folder, when).snapshot


def test_list_snapshots_sorts_by_observed_at_with_the_sidecar_data(tmp_path):
    folder = tmp_path / "snaps"
    times = [datetime(2026, 11, d, 9, 30, tzinfo=UTC) for d in (3, 1, 2)]
    added = [add(folder, tmp_path, n, when) for n, when in enumerate(times, start=1)]
    listed = store.list_snapshots(folder)
    assert [s.observed_at for s in listed] == sorted(times)
    assert listed == sorted(added, key=lambda s: s.observed_at)
    first = listed[0]
    assert first.sha256 == sha(first.path)
    assert first.bytes == first.path.stat().st_size
    assert first.origin == {"kind": "file", "path": str((tmp_path / "e2.csv").resolve())}
    assert first.tikdb_version == __version__
    assert store.list_snapshots(tmp_path / "no-such-folder") == []


def test_list_snapshots_ignores_temporary_files_and_sidecars_without_their_csv(tmp_path):
    folder = tmp_path / "snaps"
    snapshot = add(folder, tmp_path, 1, datetime(2026, 11, 1, tzinfo=UTC))
    (folder / ".tmp-123.csv").write_text("partial")
    (folder / "MASTER_20261102T000000Z_0123456789ab.json").write_text("{}")
    (folder / "notes.txt").write_text("not a snapshot")
    assert store.list_snapshots(folder) == [snapshot]


def tamper(path: Path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda s: tamper(s.path, s.path.read_bytes() + b"x"),
            "{csv}: is {bigger} bytes, its sidecar says {size}; the snapshot was changed after it "
            "was taken. Restore it from a backup, or move it and its sidecar out of the folder.",
        ),
        (
            lambda s: tamper(s.path, s.path.read_bytes().replace(b"viral", b"viraL")),
            "{csv}: its content no longer matches the sha256 in its sidecar; the snapshot was "
            "changed after it was taken. Restore it from a backup, or move it and its sidecar out "
            "of the folder.",
        ),
        (
            lambda s: s.sidecar_path.unlink(),
            "{csv}: the snapshot has no sidecar {json_name}. Restore it from a backup, or move the "
            "snapshot out of the folder.",
        ),
        (
            lambda s: tamper(s.sidecar_path, b'{"observed_at": '),
            "{json}: the sidecar cannot be read (not JSON: Expecting value at line 1). Restore it "
            "from a backup, or move the snapshot and its sidecar out of the folder.",
        ),
        (
            lambda s: tamper(s.sidecar_path, b'{"observed_at": "2026-11-01T00:00:00Z"}'),
            '{json}: invalid sidecar ("sha256" is missing or not a str). Restore it from a backup, '
            "or move the snapshot and its sidecar out of the folder.",
        ),
        (
            lambda s: tamper(
                s.sidecar_path,
                s.sidecar_path.read_bytes().replace(
                    b"2026-11-01T00:00:00Z", b"2026-11-02T00:00:00Z"
                ),
            ),
            "{csv}: the name says 20261101T000000Z and sha256 {short}…, its sidecar says "
            "2026-11-02T00:00:00Z and {short}…. A snapshot is never renamed; restore both files "
            "from a backup.",
        ),
        (
            lambda s: (s.path.parent / "MASTER_TIKTOK_DATABASE.csv").write_text("x"),
            "{folder}/MASTER_TIKTOK_DATABASE.csv: not a snapshot name "
            "(MASTER_<YYYYMMDDTHHMMSSZ>_<12 hex>.csv). Add exports with `tikdb pull --file PATH`; "
            "move other files out of {folder}.",
        ),
    ],
    ids=[
        "longer",
        "changed",
        "no-sidecar",
        "sidecar-not-json",
        "sidecar-incomplete",
        "renamed",
        "stray",
    ],
)
def test_list_snapshots_fails_loudly_on_a_damaged_store(tmp_path, damage, message):
    folder = tmp_path / "snaps"
    snapshot = add(folder, tmp_path, 1, datetime(2026, 11, 1, tzinfo=UTC))
    damage(snapshot)
    with pytest.raises(InputError) as raised:
        store.list_snapshots(folder)
    assert str(raised.value) == message.format(
        csv=snapshot.path,
        json=snapshot.sidecar_path,
        json_name=snapshot.sidecar_path.name,
        size=snapshot.bytes,
        bigger=snapshot.bytes + 1,
        short=snapshot.sha256[:12],
        folder=folder,
    )


# --- the commit protocol --------------------------------------------------------------------


def test_a_pull_that_dies_between_its_renames_leaves_no_snapshot_and_heals(tmp_path, monkeypatch):
    folder = tmp_path / "snaps"
    source = export(tmp_path, 1, 2)
    renames: list[str] = []
    real_replace = os.replace

    def dies_at_the_csv(src, dst):
        renames.append(Path(dst).name)
        if str(dst).endswith(".csv"):
            raise KeyboardInterrupt  # the process is stopped at the commit point
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", dies_at_the_csv)
    with pytest.raises(KeyboardInterrupt):
        store.add_file(source, folder, datetime(2026, 11, 1, tzinfo=UTC))
    name = f"MASTER_20261101T000000Z_{sha(source)[:12]}"
    # The sidecar went first; the snapshot never appeared; no temporary file is left.
    assert renames == [f"{name}.json", f"{name}.csv"]
    assert files(folder) == [".pull.lock", f"{name}.json"]
    assert store.list_snapshots(folder) == []
    monkeypatch.setattr(store.os, "replace", real_replace)
    # The next pull (another time, so another name) clears the orphaned sidecar.
    later = store.add_file(source, folder, datetime(2026, 11, 2, tzinfo=UTC))
    assert later.added
    assert files(folder) == [
        ".pull.lock",
        later.snapshot.path.name,
        later.snapshot.sidecar_path.name,
    ]


def test_a_fill_that_fails_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "snaps"

    def fill(out):
        out.write(b"created_date,")
        raise InputError("the download broke")

    with pytest.raises(InputError):
        store.add_snapshot(folder, fill, {"kind": "test"}, datetime(2026, 11, 1, tzinfo=UTC))
    assert files(folder) == [".pull.lock"]
