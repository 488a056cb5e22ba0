"""Finding a VA by name, and the file name of a VA's report.

VA names come from the export: untrusted text. A file name made from one keeps only
lower-case ASCII letters and digits of it (so no separator, dot, drive or device name
survives), is cut short, and ends with a hash of the VA's id, so two VAs never share a
file and a name with nothing usable in it still gets one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Sequence

from tikdb.errors import InputError
from tikdb.outputs.report.data import Va
from tikdb.terminal import safe_text

SLUG_CHARS = 40
HASH_CHARS = 8
CLOSE_NAMES = 5


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits of text, runs of anything else as one "-"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:SLUG_CHARS].rstrip("-")


def report_file_name(va: Va) -> str:
    """The file name of va's report, e.g. ``carla-8813d406.html``: a slug of its name and
    a hash of its id (``va-<hash>.html`` when the name has no letter or digit)."""
    digest = hashlib.sha256(va.va_id.encode("utf-8")).hexdigest()[:HASH_CHARS]
    return f"{slug(va.label) or 'va'}-{digest}.html"


def find_va(vas: Sequence[Va], name: str, where: str) -> Va:
    """The VA whose id or display name is name (ignoring case and surrounding spaces).

    An unknown name is an InputError that lists a few close names.
    """
    wanted = name.strip().casefold()
    found = [va for va in vas if wanted in (va.va_id.casefold(), va.display_name.casefold())]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:  # an id of one VA spelled like another's display name
        names = ", ".join(_shown(va) for va in found)
        raise InputError(
            f'{where}: "{safe_text(name)}" names {len(found)} VAs: {names}. Pass a VA id instead.'
        )
    by_key = {}
    for va in vas:
        by_key.setdefault(va.va_id.casefold(), va)
        by_key.setdefault(va.display_name.casefold(), va)
    close = []
    for key in difflib.get_close_matches(wanted, list(by_key), n=CLOSE_NAMES, cutoff=0.5):
        if by_key[key] not in close:
            close.append(by_key[key])
    if close:
        hint = "Close names: " + ", ".join(_shown(va) for va in close) + "."
    elif vas:
        hint = f"VAs here: {', '.join(_shown(va) for va in vas[:CLOSE_NAMES])}"
        hint += ", …" if len(vas) > CLOSE_NAMES else "."
    else:
        hint = "The warehouse has no VAs."
    raise InputError(
        f'{where}: no VA named "{safe_text(name)}". {hint} '
        'List them all with: tikdb sql "SELECT va_id, display_name FROM vas"'
    )


def _shown(va: Va) -> str:
    """A VA as an error message names it: its display name and, if it is not the same name
    in another case, its id."""
    label = safe_text(va.label)
    return label if va.label.casefold() == va.va_id else f"{label} ({safe_text(va.va_id)})"
