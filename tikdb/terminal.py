"""Untrusted text made safe to print on one line of a terminal, a TSV or a Markdown cell.

Captions, OCR text, header names and check samples come from the internet or from a
file; printed raw, a newline breaks the layout and an ESC sequence drives the terminal.
``safe_text`` is the one function that escapes them; ``brief`` and ``brief_list`` also
keep a message short however long the text or the list (a 10,000-column header must not
print a 128 KB warning). This module imports nothing.
"""

from __future__ import annotations


def safe_text(text: str) -> str:
    """``text`` with backslashes doubled and control characters shown as escapes
    (``\\n``, ``\\t``, ``\\x1b``, ``\\u2028``), so it prints as data on one line."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 32 or 127 <= code < 160 or code in (0x2028, 0x2029):
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def brief(text: str, width: int = 60) -> str:
    """``safe_text(text)``, cut after ``width`` characters with how long it was."""
    if len(text) <= width:
        return safe_text(text)
    return f"{safe_text(text[:width])}… ({len(text):,} characters)"


def brief_list(names: list[str] | tuple[str, ...], shown: int = 5) -> str:
    """The first ``shown`` names, quoted and brief, and how many more there are."""
    listed = ", ".join(f'"{brief(name)}"' for name in names[:shown])
    more = len(names) - shown
    return f"{listed} and {more:,} more" if more > 0 else listed
