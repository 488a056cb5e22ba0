"""``tikdb.toml``: the sources ``tikdb pull`` reads when it is given none.

::

    snapshots = "data/raw/snapshots"          # optional; this is the default

    [[pull]]                                  # a sheet shared by link
    sheet = "https://docs.google.com/spreadsheets/d/KEY/edit#gid=0"

    [[pull]]                                  # a private sheet, read by a service account
    sheet = "KEY"
    range = "Master!A:O"                      # or gid = 123
    credentials = "secrets/tikdb-reader.json" # the key file's path, never the key
    time_zone = "UTC"                         # optional: the zone the sheet's dates are in

    [[pull]]                                  # an export on this machine
    file = "exports/MASTER_TIKTOK_DATABASE.csv"

Relative paths are relative to the file's folder. Read with the standard library's
tomllib; every mistake is an InputError naming the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tikdb.errors import InputError
from tikdb.terminal import safe_text

CONFIG_NAME = "tikdb.toml"
_SOURCE_KEYS = {
    "sheet": str,
    "file": str,
    "gid": int,
    "range": str,
    "credentials": str,
    "time_zone": str,
}


@dataclass(frozen=True)
class PullEntry:
    """One ``[[pull]]`` source: a ``file``, or a ``sheet`` with how to read it."""

    number: int  # 1-based position among the [[pull]] entries, for messages
    file: Path | None = None
    sheet: str | None = None
    gid: int | None = None
    range: str | None = None
    credentials: Path | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    snapshots: Path | None
    pulls: tuple[PullEntry, ...]


def read_toml(path: Path) -> dict:
    """The parsed ``tikdb.toml`` at ``path``; InputError (exit 2) when it cannot be read."""
    path = Path(path)
    shown = safe_text(str(path))
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InputError(
            f"{shown}: no such file. Pass --file PATH or --sheet URL, or list the sources in "
            f"{CONFIG_NAME} (see the README)."
        ) from None
    except IsADirectoryError:
        raise InputError(f"{shown}: is a directory, not a {CONFIG_NAME} file.") from None
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot be read ({exc.strerror}). Check its permissions."
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"{shown}: is not UTF-8 text. Save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{shown}: is not valid TOML ({exc}).") from None
    return data


def load_config(path: Path) -> Config:
    """Read and check ``path``'s pull settings; raise InputError (exit 2) for any mistake.

    ``[export.iceberg]`` is read by the build (tikdb.outputs.export.iceberg)."""
    path = Path(path)
    shown = safe_text(str(path))
    data = read_toml(path)
    base = path.parent
    unknown = sorted(set(data) - {"snapshots", "pull", "export"})
    if unknown:
        raise InputError(
            f'{shown}: unknown key "{safe_text(unknown[0])}". It may hold "snapshots", '
            "[[pull]] and [export.iceberg] tables."
        )
    snapshots = data.get("snapshots")
    if snapshots is not None and not isinstance(snapshots, str):
        raise InputError(f'{shown}: "snapshots" must be a folder path in quotes.')
    entries = data.get("pull")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) for e in entries)
    ):
        raise InputError(
            f'{shown}: names no sources. Add a [[pull]] table with sheet = "URL" or file = "PATH".'
        )
    pulls = tuple(_entry(shown, base, n, entry) for n, entry in enumerate(entries, start=1))
    return Config(path, base / snapshots if snapshots else None, pulls)


def _entry(shown: str, base: Path, number: int, entry: dict) -> PullEntry:
    where = f"{shown}: [[pull]] number {number}"
    for key, value in entry.items():
        kind = _SOURCE_KEYS.get(key)
        if kind is None:
            names = ", ".join(_SOURCE_KEYS)
            raise InputError(f'{where}: unknown key "{safe_text(key)}" (known: {names}).')
        if not isinstance(value, kind) or isinstance(value, bool):
            what = "a whole number" if kind is int else "text in quotes"
            raise InputError(f'{where}: "{key}" must be {what}.')
    if ("sheet" in entry) == ("file" in entry):
        raise InputError(f'{where}: give either sheet = "URL_OR_KEY" or file = "PATH".')
    if "file" in entry:
        extra = sorted(set(entry) - {"file"})
        if extra:
            raise InputError(f'{where}: "{extra[0]}" applies to a sheet, not to a file.')
        return PullEntry(number, file=base / entry["file"])
    if entry.get("gid", 0) < 0:
        raise InputError(f'{where}: "gid" must be 0 or more.')
    credentials = entry.get("credentials")
    return PullEntry(
        number,
        sheet=entry["sheet"],
        gid=entry.get("gid"),
        range=entry.get("range"),
        credentials=base / credentials if credentials else None,
        time_zone=entry.get("time_zone"),
    )
