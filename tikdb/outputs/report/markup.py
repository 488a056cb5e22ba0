"""The report's HTML and SVG builders, and its one escaping function.

Text from the data is untrusted: VA names, account handles, captions and hooks, OCR
text, sound names, check samples, reject messages and file paths can all hold markup.
The report writes HTML only through the builders here (tag, void, start, lines, join),
which escape every value that is not already ``Html``: a string passed in is shown as
text, never run as markup. ``Html`` is made only by these builders, or by ``raw()`` from
markup written in tikdb's own source (a test checks that raw() is never given a computed
string). Forgetting to escape therefore shows up as text on the page, not as markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


class Html(str):
    """Text that is already HTML. Adding plain text to it escapes that text.

    Other str methods (format, join, replace, slicing) return a plain str, which the
    builders escape again: a mistake shows as visible entities, never as live markup.
    """

    __slots__ = ()

    def __add__(self, other: object) -> Html:
        return Html(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> Html:
        return Html(str.__add__(escape(other), self))


def escape(value: object) -> Html:
    """The text of value as HTML: & < > " and ' escaped (so it is safe in attribute values
    too); None is empty; Html passes unchanged."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def raw(markup: str) -> Html:
    """Markup written in tikdb's source: a string literal or an ALL_CAPS constant, never
    text from the data (tests/test_report_markup.py checks every call)."""
    return Html(markup)


def _attributes(attrs: dict[str, object]) -> str:
    # Python names to HTML ones: class_ -> class, data_metric -> data-metric. A value of
    # None leaves the attribute out; numbers are written as str() writes them.
    return "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for key, value in attrs.items()
        if value is not None
    )


def start(name: str, **attrs: object) -> Html:
    """An opening tag, for elements whose content is written line by line."""
    return Html(f"<{name}{_attributes(attrs)}>")


def tag(name: str, *children: object, **attrs: object) -> Html:
    """<name attrs>children</name>, the children escaped unless they are Html."""
    return Html(f"<{name}{_attributes(attrs)}>{join(children)}</{name}>")


def void(name: str, **attrs: object) -> Html:
    """An empty SVG element: <name attrs/>."""
    return Html(f"<{name}{_attributes(attrs)}/>")


def join(parts: Iterable[object]) -> Html:
    """The parts one after the other, each escaped unless it is Html."""
    return Html("".join(escape(part) for part in parts))


def lines(*parts: object) -> Html:
    """The parts on lines of their own, each escaped unless it is Html."""
    return Html("\n".join(escape(part) for part in parts))
