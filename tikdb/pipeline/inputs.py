"""What a build reads: one master CSV, or every snapshot of a snapshots folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from tikdb.contract import DEFAULT_CSV, DEFAULT_OCR, DEFAULT_RAW, GENERATED_MARKER
from tikdb.errors import InputError
from tikdb.pipeline.build import input_paths
from tikdb.pipeline.raw import SnapshotFile
from tikdb.sources import generated
from tikdb.sources.snapshots import DEFAULT_SNAPSHOTS, Snapshot, is_generated, list_snapshots
from tikdb.terminal import safe_text


@dataclass(frozen=True)
class Inputs:
    """Either ``csv_path`` or ``snapshots`` (oldest first, listed from ``snapshots_dir``),
    and the OCR folder."""

    csv_path: Path | None
    ocr_dir: Path | None
    snapshots: tuple[SnapshotFile, ...] = ()
    snapshots_dir: Path | None = None
    warnings: tuple[str, ...] = ()  # what the user may not expect of this choice


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
        listed = list_snapshots(folder, verify=False)
        if listed:
            made_up = sum(1 for s in listed if is_generated(s))
            _require_one_kind(folder, made_up, len(listed))
            if ocr_dir is None and _same(folder, DEFAULT_SNAPSHOTS) and DEFAULT_OCR.is_dir():
                if not made_up:
                    _require_real_default_ocr()
                ocr_dir = DEFAULT_OCR
            warnings = ()
            if snapshots_dir is None and DEFAULT_CSV.is_file():
                warnings = (
                    f"built from the snapshots in {folder}; {DEFAULT_CSV} was not read. "
                    "Pass --csv PATH to build from it, or add it with tikdb pull --file.",
                )
            return Inputs(None, ocr_dir, _as_files(listed), folder, warnings)
        if snapshots_dir is not None:
            raise InputError(
                f"{folder}: holds no snapshots. Add exports with `tikdb pull --file PATH`, or "
                "build from one CSV with --csv PATH."
            )
    return Inputs(*input_paths(csv_path, ocr_dir))


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def snapshot_files(folder: Path) -> tuple[SnapshotFile, ...]:
    """The snapshots of ``folder``, oldest first, as the build reads them."""
    return _as_files(list_snapshots(folder, verify=False))


def _as_files(listed: list[Snapshot]) -> tuple[SnapshotFile, ...]:
    """Snapshots as the build reads them. Their bytes are not hashed here: a build hashes
    each file it parses (and compares with the sidecar) and checks the size of those
    whose parse it reuses."""
    return tuple(
        SnapshotFile(
            path=s.path,
            observed_at=s.observed_at.astimezone(UTC).replace(tzinfo=None),
            sha256=s.sha256,
            bytes=s.bytes,
        )
        for s in listed
    )


def _require_one_kind(folder: Path, made_up: int, total: int) -> None:
    """Refuse a folder mixing generated snapshots (tikdb generate: the sample) with real
    exports: the build would publish invented posts among real ones."""
    if 0 < made_up < total:
        raise InputError(
            f"{safe_text(str(folder))}: mixes real exports with snapshots tikdb generate "
            f"wrote (generated data: {made_up} of {total}); a build would mix invented "
            "posts into real ones. Move the generated ones elsewhere (their .json sidecar "
            'says "generated"), then build again.'
        )


def _require_real_default_ocr() -> None:
    """Refuse the sample's OCR as the default OCR of real snapshots: its records belong to
    invented posts. The OCR folder is the sample's while it holds a file tikdb generate
    wrote there (its marker in data/raw lists them with their sha256)."""
    marker = DEFAULT_RAW / GENERATED_MARKER
    if generated.recorded(DEFAULT_RAW) is None:
        return
    files = generated.files_under(DEFAULT_OCR)
    if set(files) - set(generated.not_generated(DEFAULT_RAW, files)):
        raise InputError(
            f"{DEFAULT_OCR}: holds the generated sample's OCR ({marker} lists its files), "
            f"not the OCR of the real exports in {DEFAULT_SNAPSHOTS}. Pass --ocr DIR with "
            f"the real OCR, or move the sample's away (mv {DEFAULT_OCR} {DEFAULT_OCR}-sample)."
        )
