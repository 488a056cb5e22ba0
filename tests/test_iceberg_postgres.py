"""Two processes exporting to one PostgreSQL catalog at once: both commit, no snapshot is
lost. The fixture starts a real PostgreSQL server (Debian's package) on a free loopback
port in a temporary folder, and stops it at the end of the module."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import make_row, query, run_build, write_csv
from pyiceberg.catalog.sql import SqlCatalog

from tikdb.outputs.export.iceberg import published_names
from tikdb.outputs.warehouse import connect_read_only


def postgres_bin() -> Path:
    """Debian's newest installed PostgreSQL (15 on Debian 12), or $TIKDB_PG_BIN."""
    if "TIKDB_PG_BIN" in os.environ:
        return Path(os.environ["TIKDB_PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = postgres_bin()

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """The URI of a fresh PostgreSQL server's `postgres` database, trust auth on
    127.0.0.1. initdb refuses to run as root, so as root the server runs as the
    `postgres` user, in a folder that user owns."""
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed ({PG_BIN}); .ci/run installs it")
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}): apt-get install postgresql")
    home = Path(tempfile.mkdtemp(prefix="tikdb-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = home / "data", free_port()

    def pg(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)

    pg(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c max_connections=50"
    pg(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(home / "log"),
        "-o",
        options,
        "-w",
        "start",
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}"
    finally:
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    import psycopg2

    con = psycopg2.connect(server.replace("postgresql+psycopg2", "postgresql") + "/postgres")
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    con.close()
    return f"{server}/{name}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("pgwh")
    return run_build(tmp, write_csv(tmp / "m.csv", [make_row(n) for n in range(1, 8)])).db_path


# One export process: it waits at "committing" until every other process of the race is
# there too, so they all commit on the same base, then prints its report as JSON.
EXPORTER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from tikdb.outputs.export.iceberg import export_iceberg

    db, uri, location, barrier, me, racers = sys.argv[1:7]
    barrier = Path(barrier)
    waited = []

    def on_step(step):
        if step == "committing" and not waited:
            waited.append(True)
            (barrier / me).touch()
            deadline = time.monotonic() + 120
            while len(list(barrier.iterdir())) < int(racers):
                if time.monotonic() > deadline:
                    raise TimeoutError("the other exporter never reached the commit")
                time.sleep(0.01)

    report = export_iceberg(Path(db), uri, location, on_step=on_step)
    print(json.dumps({
        "export_id": report.export_id,
        "attempts": report.attempts,
        "snapshots": {t.name: t.snapshot_id for t in report.tables},
    }))
    """
)


def race(db: Path, uri: str, location: Path, barrier: Path, racers: int) -> list[dict]:
    barrier.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                EXPORTER,
                str(db),
                uri,
                str(location),
                str(barrier),
                f"p{i}",
                str(racers),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(racers)
    ]
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def names_of(db: Path) -> list[str]:
    con = connect_read_only(db)
    try:
        return published_names(con)
    finally:
        con.close()


def test_two_exports_at_once_both_commit_and_no_snapshot_is_lost(postgres, warehouse, tmp_path):
    uri = new_database(postgres, "race")
    location = tmp_path / "lake"
    # Both start on an empty catalog: they also race to create its tables.
    reports = race(warehouse, uri, location, tmp_path / "barrier", racers=2)
    assert sorted(r["attempts"] for r in reports) == [1, 2]  # the loser staged again once
    winner, loser = sorted(reports, key=lambda r: r["attempts"])
    catalog = SqlCatalog("tikdb", uri=uri)
    for name in names_of(warehouse):
        table = catalog.load_table(("tikdb", name))
        history = table.snapshots()
        assert [s.snapshot_id for s in history] == [
            winner["snapshots"][name],
            loser["snapshots"][name],
        ], name
        assert history[1].parent_snapshot_id == history[0].snapshot_id  # a line, nothing lost
        assert [s.summary.additional_properties["tikdb.export-id"] for s in history] == [
            winner["export_id"],
            loser["export_id"],
        ]
        assert table.current_snapshot().snapshot_id == loser["snapshots"][name]
        rows = query(warehouse, f"SELECT count(*) FROM {name}")[0][0]
        assert table.scan().to_arrow().num_rows == rows, name  # an overwrite, not an append


def test_three_more_exports_at_once_extend_every_history_by_three(postgres, warehouse, tmp_path):
    uri = new_database(postgres, "again")
    location = tmp_path / "lake"
    first = race(warehouse, uri, location, tmp_path / "b1", racers=1)[0]
    reports = race(warehouse, uri, location, tmp_path / "b2", racers=3)
    assert sorted(r["attempts"] for r in reports)[0] == 1
    assert all(r["attempts"] >= 2 for r in sorted(reports, key=lambda r: r["attempts"])[1:])
    catalog = SqlCatalog("tikdb", uri=uri)
    for name in names_of(warehouse):
        history = catalog.load_table(("tikdb", name)).snapshots()
        ids = [s.snapshot_id for s in history]
        assert ids[0] == first["snapshots"][name]
        assert sorted(ids[1:]) == sorted(r["snapshots"][name] for r in reports), name
        for parent, child in itertools.pairwise(history):
            assert child.parent_snapshot_id == parent.snapshot_id
