"""Every text from the data reaches the report page escaped, in every section, and the
report's code has one way to write markup that is not escaped: raw() on a literal."""

from __future__ import annotations

import ast
import dataclasses
import re
import typing
from datetime import date, datetime
from pathlib import Path

import pytest

import tikdb.outputs.report as report_package
from tikdb.outputs.report import data as rows
from tikdb.outputs.report.markup import Html, escape, lines, raw, tag, void
from tikdb.outputs.report.page import render, render_index

PACKAGE = Path(report_package.__file__).parent


def hostile(name: str) -> str:
    """Text that is live markup if pasted unescaped, in text or in an attribute."""
    return f"\"'><evil-{name} onload=alert(1)>&amp;"


def escaped(name: str) -> str:
    return f"&quot;&#x27;&gt;&lt;evil-{name} onload=alert(1)&gt;&amp;amp;"


def example(row_type: type, **given):
    """A row of row_type whose every text field holds hostile text naming the field."""
    values = {}
    for field, hint in typing.get_type_hints(row_type).items():
        name = f"{row_type.__name__}.{field}"
        kinds = {hint} if typing.get_origin(hint) is list else set(typing.get_args(hint)) or {hint}
        if str in kinds:
            values[field] = hostile(name)
        elif list[str] in kinds:
            values[field] = [hostile(name), hostile(name + "_2")]
        elif datetime in kinds:
            values[field] = datetime(2025, 10, 6, 8, 30)
        elif date in kinds:
            values[field] = date(2025, 10, 6)
        elif bool in kinds:
            values[field] = False
        elif int in kinds:
            values[field] = 3
        elif float in kinds:
            values[field] = 2.5
        else:
            raise AssertionError(f"no example for {row_type.__name__}.{field}: {hint}")
    values.update(given)
    return row_type(**values)


def hostile_report() -> tuple[str, set[str]]:
    """The pages (the warehouse's, a VA's, the index) of a warehouse whose every text is
    hostile, and the text fields they have."""
    va = example(rows.Va)
    data = rows.ReportData(
        scope=rows.Scope(since=date(2025, 10, 1), until=date(2025, 10, 31)),
        va=None,
        period=example(rows.Period),
        headline=example(rows.Headline),
        leaderboard=[example(rows.VaStats), example(rows.VaStats, va_id=None)],
        accounts=[example(rows.AccountStats)],
        weekly=[example(rows.WeeklyViews, va_id=hostile("VaStats.va_id"))],
        slide_counts=[example(rows.SlideCount), example(rows.SlideCount, slide_count=None)],
        posting_hours=[example(rows.HourCell, weekday=2, hour=5)],
        top_posts=[
            example(rows.TopPost),
            example(rows.TopPost, display_name=None, hook_text=None),
        ],
        reused_slides=[example(rows.ReusedSlide)],
        reused_texts=[example(rows.ReusedText)],
        ocr_coverage=[example(rows.OcrCoverage)],
        rejects=[example(rows.RejectReason)],
        check_run=example(rows.CheckRun),
        checks=[example(rows.CheckResult)],
        history=[example(rows.BuildRun)],
        growth=example(rows.GrowthSummary),
        growth_by_age=[example(rows.GrowthByAge)],
        outliers=[example(rows.Outlier), example(rows.Outlier, display_name=None)],
        repost_candidates=[
            example(rows.RepostCandidate),
            example(rows.RepostCandidate, hook_text=None, display_name=None),
        ],
    )
    texts = {
        f"{type(row).__name__}.{f.name}"
        for value in [*vars(data).values(), va]
        for row in (value if isinstance(value, list) else [value])
        if dataclasses.is_dataclass(row)
        for f in dataclasses.fields(row)
        if isinstance(getattr(row, f.name), str | list)
    }
    db = Path('/tmp/"<evil-path>"/tikdb.duckdb')
    when = datetime(2025, 11, 1, 12, 0)
    pages = [
        render(data, db, when),
        render(dataclasses.replace(data, va=va), db, when),
        render_index([(va, hostile("file name"))], data.scope, db, when),
    ]
    return "\n".join(pages), texts


def test_no_text_from_the_data_reaches_the_page_as_markup():
    page, _ = hostile_report()
    assert "<evil" not in page
    assert "&lt;evil-path&gt;" in page


def test_every_text_field_is_shown_escaped():
    page, texts = hostile_report()
    shown = {name for name in texts if escaped(name) in page}
    # A week's va_id only picks the VA's line; the line is labelled with the VA's name.
    assert texts - shown == {"WeeklyViews.va_id"}
    assert escaped("file name") in page  # a report's file name, in the index's links


def test_escape_is_the_one_escaping_function():
    assert escape('<a href="x">Tom\'s & co</a>') == (
        "&lt;a href=&quot;x&quot;&gt;Tom&#x27;s &amp; co&lt;/a&gt;"
    )
    assert escape(None) == ""
    assert escape(1234) == "1234"
    markup = raw("<b>bold</b>")
    assert escape(markup) is markup


def test_builders_escape_text_and_attributes_and_keep_markup():
    assert tag("span", "<i>", class_='"x"', data_metric="va.posts") == (
        '<span class="&quot;x&quot;" data-metric="va.posts">&lt;i&gt;</span>'
    )
    assert tag("p", "a < b ", tag("code", "c")) == "<p>a &lt; b <code>c</code></p>"
    assert tag("td", "x", class_="") == '<td class="">x</td>'  # an empty value is kept
    assert tag("span", "x", data_metric=None) == "<span>x</span>"  # None leaves it out
    assert void("rect", x=0, y=1.5, fill="#fff") == '<rect x="0" y="1.5" fill="#fff"/>'
    assert lines(raw("<br>"), "<br>") == "<br>\n&lt;br&gt;"


def test_adding_text_to_markup_escapes_the_text():
    joined = raw("<b>") + "<i>" + raw("</b>")
    assert joined == "<b>&lt;i&gt;</b>"
    assert isinstance(joined, Html)
    assert "<i>" + raw("<b>") == "&lt;i&gt;<b>"
    # Other str methods give plain text, which the builders escape: visible, never live.
    assert tag("p", raw("<b>{}</b>").format("x")) == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


def calls(name: str):
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield path.name, node


def test_raw_is_only_given_markup_written_in_the_source():
    # A literal, or an ALL_CAPS module constant (CSS, FONT, DOCUMENT_START); never an
    # f-string, a variable or an expression, which could carry text from the data.
    found = []
    for module, node in calls("raw"):
        (argument,) = node.args
        literal = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        constant = isinstance(argument, ast.Name) and re.fullmatch(r"[A-Z_]+", argument.id)
        assert literal or constant, f"{module}:{node.lineno}: raw({ast.unparse(argument)})"
        found.append(module)
    assert found  # the check looked at real calls


@pytest.mark.parametrize("name", ["Html"])
def test_markup_is_made_only_in_markup_py(name):
    assert {module for module, _ in calls(name)} == {"markup.py"}


def test_html_escape_is_called_only_in_markup_py():
    users = {
        path.name
        for path in PACKAGE.glob("*.py")
        if re.search(r"\bhtml\.escape\b|\bescape\(", path.read_text(encoding="utf-8"))
    }
    assert users == {"markup.py"}
