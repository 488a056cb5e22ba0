"""What a build reads: one master CSV, or every snapshot of a snapshots folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from tikdb.contract import DEFAULT_OCR
from tikdb.errors import InputError
from tikdb.pipeline.build import input_paths
from tikdb.pipeline.raw import SnapshotFile
from tikdb.sources.snapshots import DEFAULT_SNAPSHOTS, list_snapshots


@dataclass(frozen=True)
class Inputs:
    """Either ``csv_path`` or ``snapshots`` (oldest first, listed from ``snapshots_dir``),
    and the OCR folder."""

    csv_path: Path | None
    ocr_dir: Path | None
    snapshots: tuple[SnapshotFile, ...] = ()
    snapshots_dir: Path | None = None


def choose_inputs(
    csv_path: Path | None, snapshots_dir: Path | None, ocr_dir: Path | None
) -> Inputs:
    """What a build reads: the given --csv file, the given --snapshots folder, or by
    default data/raw/snapshots/ when it holds snapshots, else the default CSV. The
    default OCR folder goes with the default CSV or the default snapshots folder (see
    input_paths).

    The caller refuses --csv and --snapshots together. A given folder without snapshots
    is an InputError; so is a snapshot without a valid sidecar.
    """
    if csv_path is None:
        folder = Path(snapshots_dir) if snapshots_dir is not None else DEFAULT_SNAPSHOTS
        files = snapshot_files(folder)
        if files:
            if ocr_dir is None and _same(folder, DEFAULT_SNAPSHOTS) and DEFAULT_OCR.is_dir():
                ocr_dir = DEFAULT_OCR
            return Inputs(None, ocr_dir, files, folder)
        if snapshots_dir is not None:
            raise InputError(
                f"{folder}: holds no snapshots. Add exports with `tikdb pull --file PATH`, or "
                "build from one CSV with --csv PATH."
            )
    return Inputs(*input_paths(csv_path, ocr_dir))


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def snapshot_files(folder: Path) -> tuple[SnapshotFile, ...]:
    """The snapshots of ``folder``, oldest first, as the build reads them.

    Their bytes are not hashed here: a build hashes each file it parses (and compares
    with the sidecar) and checks the size of those whose parse it reuses.
    """
    return tuple(
        SnapshotFile(
            path=s.path,
            observed_at=s.observed_at.astimezone(UTC).replace(tzinfo=None),
            sha256=s.sha256,
            bytes=s.bytes,
        )
        for s in list_snapshots(folder, verify=False)
    )
