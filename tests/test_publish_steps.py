"""The publish steps on a real file system: their order, the fsyncs around the swap, and
the clean-up of what crashed builds leave. Fast: no build, just tiny staged warehouses.

Each staged warehouse holds one table ``posts`` with one text ``label`` (in the DuckDB file
and in ``parquet/posts.parquet``), so a reader can tell which build it sees.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tikdb.contract import DB_NAME, PARQUET_DIR
from tikdb.errors import BuildError
from tikdb.pipeline import publish

OLD, NEW, NEWER = "20251001T000000Z-0000aa", "20251002T000000Z-0000bb", "20251003T000000Z-0000cc"


@functools.cache
def database_bytes(label: str) -> bytes:
    """A DuckDB file holding ``label``, created once per label and copied where needed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / DB_NAME
        con = duckdb.connect(str(path))
        try:
            con.execute("CREATE TABLE posts AS SELECT CAST(? AS VARCHAR) AS label", [label])
        finally:
            con.close()
        return path.read_bytes()


def stage(out: Path, run_id: str, label: str) -> Path:
    """A complete staged build whose database and Parquet file both say ``label``."""
    staging = publish.new_staging(out, run_id)
    (staging / DB_NAME).write_bytes(database_bytes(label))
    pq.write_table(pa.table({"label": [label]}), staging / PARQUET_DIR / "posts.parquet")
    return staging


def published(tmp_path: Path, name: str = "wh") -> Path:
    """A warehouse directory with the OLD build published through the real publish()."""
    out = tmp_path / name
    out.mkdir()
    publish.publish(out, stage(out, OLD, "old"), OLD)
    return out


def seen_by_a_new_reader(out: Path) -> tuple[str, str]:
    """(label in OUT/tikdb.duckdb, label in OUT/parquet/posts.parquet), or why it fails."""
    try:
        con = duckdb.connect(str(out / DB_NAME), read_only=True)
        try:
            (db_label,) = con.execute("SELECT label FROM posts").fetchone()
        finally:
            con.close()
        (parquet_label,) = pq.read_table(out / PARQUET_DIR / "posts.parquet")["label"].to_pylist()
    except Exception as exc:  # any failure to read is the finding; show it, don't crash
        current = (
            os.readlink(out / publish.CURRENT) if (out / publish.CURRENT).is_symlink() else None
        )
        return (f"does not open ({type(exc).__name__}: {exc})", f".current -> {current}")
    return (db_label, parquet_label)


def entries(out: Path) -> dict[str, str]:
    """Every entry of OUT but the lock file: '-> target' for a link, else 'dir' or 'file'."""
    found = {}
    for path in out.iterdir():
        if path.name == publish.LOCK_NAME:
            continue
        if path.is_symlink():
            found[path.name] = f"-> {os.readlink(path)}"
        else:
            found[path.name] = "dir" if path.is_dir() else "file"
    return found


def published_layout(run_id: str, *kept: str) -> dict[str, str]:
    """OUT with ``run_id`` published and the builds ``kept`` beside it (for a rollback;
    pruning them is the build's job, not publish()'s)."""
    return {
        "tikdb.duckdb": "-> .current/tikdb.duckdb",
        "parquet": "-> .current/parquet",
        ".current": f"-> .v-{run_id}",
        f".v-{run_id}": "dir",
        publish.LOG_NAME: "file",
        **{f".v-{k}": "dir" for k in kept},
    }


def test_publishing_swaps_in_the_new_build_and_keeps_the_old_one_beside_it(tmp_path):
    out = published(tmp_path)
    assert seen_by_a_new_reader(out) == ("old", "old")
    assert entries(out) == published_layout(OLD)
    publish.publish(out, stage(out, NEW, "new"), NEW)
    assert seen_by_a_new_reader(out) == ("new", "new")
    assert entries(out) == published_layout(NEW, OLD)


def test_a_failure_renaming_the_staged_build_leaves_the_old_warehouse(tmp_path, monkeypatch):
    """The staged folder becomes .v-<run> BEFORE .current points at it: a failure between
    the two must leave .current on the old build, which still opens."""
    out = published(tmp_path)
    staging = stage(out, NEW, "new")
    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):
        if Path(dst).name == f".v-{NEW}":
            raise OSError(errno.EIO, "injected failure renaming the staged build")
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="injected failure renaming the staged build"):
        publish.publish(out, staging, NEW)
    monkeypatch.undo()
    assert seen_by_a_new_reader(out) == ("old", "old")
    assert os.readlink(out / publish.CURRENT) == f".v-{OLD}"


# The file-system calls publish() makes; a failure is injected into one of them at a time.
FS_CALLS = ("rename", "replace", "symlink", "fsync", "remove", "unlink", "rmdir")


class FailAt:
    """Wraps the os file-system calls; the n-th call (1-based) raises OSError(EIO)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
        self.n, self.calls, self.failed = n, [], None
        for name in FS_CALLS:
            monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))

    def _wrap(self, name, real):
        def call(*args, **kwargs):
            self.calls.append((name, args))
            if len(self.calls) == self.n:
                self.failed = (name, args)
                raise OSError(errno.EIO, f"injected failure in os.{name}")
            return real(*args, **kwargs)

        return call


def test_a_failure_at_any_publish_step_leaves_one_whole_warehouse(tmp_path, monkeypatch):
    """Fail the 1st, 2nd, ... file-system call of publish(). Before the commit point a new
    reader sees the old build, after it the new one; never a warehouse that does not open.
    The next publish then leaves the published version, the kept ones and no debris."""
    n = 0
    while True:
        n += 1
        out = published(tmp_path, f"wh{n}")
        staging = stage(out, NEW, "new")
        with monkeypatch.context() as patch:
            injected = FailAt(patch, n)
            try:
                publish.publish(out, staging, NEW)
            except OSError as exc:
                assert str(exc).startswith("[Errno 5] injected failure"), exc
            except BuildError as exc:  # the swap happened; only its log line failed
                assert "could not be written (injected failure" in str(exc), exc
        if injected.failed is None:
            break  # publish() made fewer than n calls: every step has been failed once
        step = f"failing call {n}, os.{injected.failed[0]}{injected.failed[1]}"
        swapped = os.readlink(out / publish.CURRENT) == f".v-{NEW}"
        expected = ("new", "new") if swapped else ("old", "old")
        assert seen_by_a_new_reader(out) == expected, step
        publish.publish(out, stage(out, NEWER, "newer"), NEWER)
        assert seen_by_a_new_reader(out) == ("newer", "newer"), step
        # The failed build is kept if it became a version (a complete, checked build).
        kept = [OLD, NEW] if (out / f".v-{NEW}").is_dir() else [OLD]
        assert entries(out) == published_layout(NEWER, *kept), step
    # The loop really went through the swap: rename, links, fsyncs, clean-up.
    assert n > 8, injected.calls


def test_the_folder_is_fsynced_before_and_after_the_swap(tmp_path, monkeypatch):
    """The rename of the staged folder must be on disk before .current points at it, and
    the swap itself must be on disk before the build reports success."""
    out = published(tmp_path)
    staging = stage(out, NEW, "new")
    events: list[tuple[str, str]] = []
    real = {name: getattr(os, name) for name in ("rename", "replace", "fsync")}

    def moved(name):
        def call(src, dst, *args, **kwargs):
            events.append((name, str(Path(dst))))
            return real[name](src, dst, *args, **kwargs)

        return call

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real["fsync"](fd)

    monkeypatch.setattr(os, "rename", moved("rename"))
    monkeypatch.setattr(os, "replace", moved("replace"))
    monkeypatch.setattr(os, "fsync", fsync)
    publish.publish(out, staging, NEW)
    monkeypatch.undo()

    out_dir, current, version = str(out), str(out / publish.CURRENT), str(out / f".v-{NEW}")
    moves = [(kind, path) for kind, path in events if kind != "fsync"]
    swaps = [i for i, event in enumerate(events) if event[0] != "fsync" and event[1] == current]
    assert len(swaps) == 1, events
    swap = swaps[0]
    assert moves.index(events[swap]) > moves.index(("rename", version)), (
        f".current was swapped before the staged build became {version}: {events}"
    )
    assert events[swap - 1 : swap] == [("fsync", out_dir)], (
        f"no fsync of {out} just before the swap: {events}"
    )
    assert events[swap + 1 : swap + 2] == [("fsync", out_dir)], (
        f"no fsync of {out} just after the swap: {events}"
    )
    assert seen_by_a_new_reader(out) == ("new", "new")


def test_remove_leftovers_deletes_exactly_what_crashed_builds_leave(tmp_path):
    out = published(tmp_path)
    live = out / f".v-{OLD}"
    # What a build killed at various points leaves behind (each provably tikdb's):
    dead = publish.new_staging(out, "20251002T000000Z-dead01")
    (dead / PARQUET_DIR / "posts.parquet").write_bytes(b"x")
    unfinished = out / ".v-20251002T000000Z-dead02"  # killed while writing its marker
    unfinished.mkdir()
    (unfinished / publish.MARKER_TMP).write_bytes(b"20251002T")
    os.symlink(".v-20251002T000000Z-dead02", out / ".tikdb-link-current-dead02")
    os.symlink(".current/parquet", out / ".tikdb-link-parquet-dead03")
    # What is not tikdb's debris (or cannot be proven to be), and what is live:
    (out / "report.html").write_text("<!DOCTYPE html>", encoding="utf-8")
    (out / "notes").mkdir()
    (out / ".tikdb-staging-20251002T000000Z-dead04").mkdir()  # no marker: not provably ours
    (out / ".tikdb-staging-20251002T000000Z-dead04" / "mine.txt").write_text("x")
    with publish.build_lock(out):
        publish.remove_leftovers(out)
    assert entries(out) == {
        **published_layout(OLD),
        "report.html": "file",
        "notes": "dir",
        ".tikdb-staging-20251002T000000Z-dead04": "dir",
    }
    assert (out / "report.html").read_text(encoding="utf-8") == "<!DOCTYPE html>"
    assert sorted(p.name for p in live.iterdir()) == sorted([DB_NAME, PARQUET_DIR, publish.MARKER])
    assert seen_by_a_new_reader(out) == ("old", "old")


def test_remove_leftovers_without_a_published_build_keeps_only_foreign_files(tmp_path):
    out = tmp_path / "wh"
    out.mkdir()
    publish.new_staging(out, "20251002T000000Z-0000dd")  # a build killed before publishing
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    publish.remove_leftovers(out)
    assert entries(out) == {"keep.txt": "file"}
