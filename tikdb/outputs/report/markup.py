"""The report's HTML and SVG builders, and its one escaping function.

Text from the data is untrusted: VA names, account handles, captions and hooks, OCR
text, sound names, check samples, reject messages and file paths can all hold markup.
The report writes HTML only through the builders here (tag, void, start, lines, join),
which escape every value that is not already ``Html``: a string passed in is shown as
text, never run as markup. ``Html`` is made only by these builders, or by ``raw()`` from
markup written in tikdb's own source (a test checks that raw() is never given a computed
string). Forgetting to escape therefore shows up as text on the page, not as markup.

Charts come from a plotting library as SVG text; ``svg()`` parses it and writes every
element again through the same escaping, so a VA name in a legend is escaped here, by
this module, whatever the library did with it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from xml.etree import ElementTree


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


# The SVG a chart library writes: its namespaces, and what of it an inline chart keeps.
_NAMESPACES = {
    "http://www.w3.org/2000/svg": "",
    "http://www.w3.org/1999/xlink": "xlink:",
    "http://www.w3.org/XML/1998/namespace": "xml:",
}
# Dropped: <style> (a style sheet inside inline SVG applies to the whole page; the
# report's CSS carries the chart defaults) and <metadata>.
_DROPPED = {"style", "metadata"}
_XML_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*\Z")
_LOCAL_REFERENCE = re.compile(r"url\(#([^)]*)\)")


def svg(document: str, title: str, id_prefix: str) -> Html:
    """An inline <svg class="chart"> from an SVG document (a plotting library's output).

    Every element and attribute is written again here: text and attribute values are
    escaped like any other text, ids get id_prefix (two charts on one page never share
    an id) and so do the local references to them (``#id``, ``url(#id)``); the XML
    prologue, DOCTYPE, namespace declarations, <style> and <metadata> are left out.
    title becomes the chart's accessible name and its first <title>. A name that is not
    a plain XML name raises ValueError: the document is not the SVG expected.
    """
    root = ElementTree.fromstring(document)
    if _name(root.tag) != "svg":
        raise ValueError(f"not an SVG document: its root is <{_name(root.tag)}>")
    opening = start(
        "svg",
        class_="chart",
        role="img",
        aria_label=title,
        viewBox=root.get("viewBox"),
        width=root.get("width"),
        height=root.get("height"),
    )
    body = join(_svg_child(child, id_prefix) for child in root)
    return Html(f"{opening}{tag('title', title)}{body}</svg>")


def _svg_child(element: ElementTree.Element, id_prefix: str) -> Html:
    name = _name(element.tag)
    if name in _DROPPED:
        return escape(element.tail)
    attrs = "".join(
        f' {_name(key)}="{escape(_prefixed(_name(key), value, id_prefix))}"'
        for key, value in element.attrib.items()
    )
    inner = escape(element.text) + join(_svg_child(c, id_prefix) for c in element)
    markup = f"<{name}{attrs}>{inner}</{name}>" if inner else f"<{name}{attrs}/>"
    return Html(markup) + escape(element.tail)


def _name(qualified: str) -> str:
    """An element or attribute name without its namespace URI (xlink:href keeps xlink:)."""
    namespace, _, local = qualified.rpartition("}")
    prefix = _NAMESPACES.get(namespace.lstrip("{")) if namespace else ""
    name = f"{prefix}{local}"
    if prefix is None or not _XML_NAME.match(name):
        raise ValueError(f"unexpected name in an SVG chart: {qualified!r}")
    return name


def _prefixed(attribute: str, value: str, id_prefix: str) -> str:
    if attribute == "id":
        return id_prefix + value
    if attribute in ("href", "xlink:href") and value.startswith("#"):
        return "#" + id_prefix + value[1:]
    return _LOCAL_REFERENCE.sub(lambda m: f"url(#{id_prefix}{m.group(1)})", value)
