"""What tikdb generate wrote in a folder, so that it is never taken for a real export.

``tikdb generate`` leaves a marker file (``GENERATED_MARKER``) in the folder it writes:
a first line saying the data is generated, then one ``<sha256>  <path>`` line (the format
of ``sha256sum``) per file it wrote, the path relative to the folder. A file whose content
is still what the marker records is generated; a file not listed, or changed since, is
not: someone put it there, and it may be the agency's real export. A marker of an
earlier tikdb has the first line only and lists nothing; it is trusted as before (the
whole folder is generated).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from tikdb.contract import GENERATED_MARKER

MARKER_TEXT = "Written by tikdb generate: generated data, not a real export."
_LINE = re.compile(r"([0-9a-f]{64})  (\S(?:.*\S)?)")


def write_marker(folder: Path, files: list[Path]) -> None:
    """Write the marker of ``folder`` listing ``files`` (paths inside it) with their
    sha256. Written whole or not at all."""
    lines = [MARKER_TEXT]
    lines += [f"{sha256_of(path)}  {path.relative_to(folder).as_posix()}" for path in files]
    tmp = folder / f"{GENERATED_MARKER}.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, folder / GENERATED_MARKER)


def recorded(folder: Path) -> dict[str, str] | None:
    """The files the marker of ``folder`` lists (relative path: sha256); None when the
    folder has no marker. An empty dict: a marker of an earlier tikdb, listing nothing."""
    marker = folder / GENERATED_MARKER
    if not marker.is_file():
        return None
    files = {}
    for line in marker.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        match = _LINE.fullmatch(line)
        if match:
            files[match.group(2)] = match.group(1)
    return files


def not_generated(folder: Path, paths: list[Path]) -> list[Path]:
    """Those of ``paths`` (files inside ``folder``) that tikdb generate did not write as
    they are now: every one when the folder has no marker, none for a marker that lists
    nothing."""
    files = recorded(folder)
    if files is None:
        return list(paths)
    if not files:
        return []
    return [p for p in paths if files.get(p.relative_to(folder).as_posix()) != sha256_of(p)]


def files_under(path: Path) -> list[Path]:
    """The file at ``path``, or the files below it, in a stable order; none if absent."""
    if path.is_file() or path.is_symlink():
        return [path]
    found = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        found += [Path(root) / name for name in sorted(names)]
    return found


def sha256_of(path: Path) -> str | None:
    """The sha256 of a regular file's bytes; None for anything else (a link, a pipe)."""
    if path.is_symlink() or not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(4 * 2**20):
            digest.update(block)
    return digest.hexdigest()
