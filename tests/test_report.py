"""`tikdb report`: data is escaped, the file is self-contained, and in a real browser the
charts are drawn and the numbers shown are the warehouse's."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_row, ocr_record, query, run_build, slide_url, write_csv, write_ocr
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.outputs.report import build_report

CHROMIUM = "/usr/bin/chromium"
EVIL_VA = "<script>alert(1)</script>"
EVIL_OCR = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    rows = [make_row(n) for n in range(1, 13)]
    rows[0]["va"] = EVIL_VA
    rows[3]["va"] = EVIL_VA  # same account (n % 3 == 1), so the account's VA is EVIL_VA
    rows[0]["views"] = "30000"  # a top post, so its OCR hook is shown
    rows[5]["views"] = "25000"
    rows[7]["slides"] = "|".join([slide_url(100, sig="again"), slide_url(801), slide_url(802)])
    rows.append(make_row(13, likes="<b>many</b>"))  # a bad_metric reject quoting the field
    csv_path = write_csv(tmp / "in<&>put" / "master.csv", rows)
    ocr = write_ocr(
        tmp / "ocr",
        {"Carla": [ocr_record(rows[0], EVIL_OCR), ocr_record(rows[1], "plain hook")]},
    )
    return run_build(tmp, csv_path, ocr).db_path


def test_text_from_the_data_is_escaped(db):
    page = build_report(db)
    assert EVIL_VA not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "<b>many</b>" not in page and "&lt;b&gt;many&lt;/b&gt;" in page
    assert "in&lt;&amp;&gt;put/master.csv" in page  # the CSV path in the build history
    assert "<script" not in page.lower()


def test_the_report_needs_no_network(db):
    page = build_report(db)
    dom = Dom()
    dom.feed(page)
    loaders = {"script", "link", "iframe", "img", "image", "object", "embed", "font"}
    assert [t for t, _ in dom.tags if t in loaders] == []
    # A chart reuses its own marks (<use href="#id">); nothing else is referenced.
    refs = [a.get(k) for t, a in dom.tags if t != "a" for k in ("href", "xlink:href") if k in a]
    assert refs and all(ref.startswith("#") for ref in refs), refs
    assert [(t, a) for t, a in dom.tags if "src" in a or "srcset" in a] == []
    css = "".join(re.findall(r"<style>(.*?)</style>", page, re.DOTALL))
    assert "@import" not in css and "url(" not in css
    assert "default-src 'none'" in page  # the CSP blocks anything that slipped through
    # The only web addresses are the posts' own (links the reader may follow), none of
    # them loaded: no namespace, DTD, font or script address from the chart library.
    post_urls = {url for (url,) in query(db, "SELECT post_url FROM posts")}
    addresses = set(re.findall(r"https?://[^\s\"'<>]*", page))
    assert addresses and addresses <= post_urls, addresses - post_urls
    assert "<script" not in page.lower()


def test_report_command_writes_beside_the_database(db):
    result = CliRunner().invoke(app, ["report", "--db", str(db)])
    assert result.exit_code == 0, result.output
    target = db.parent / "report.html"
    assert result.stdout == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


class Dom(HTMLParser):
    """The tags of a rendered page, and the text of every data-metric element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.metrics: list[tuple[str, str | None, str]] = []  # (metric, row key, text)
        self._row_key: str | None = None
        self._open: tuple[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tr":
            self._row_key = attrs.get("data-key")
        if "data-metric" in attrs:
            self._open, self._text = (tag, attrs["data-metric"]), []

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self.metrics.append((self._open[1], self._row_key, "".join(self._text)))
            self._open = None

    def count(self, tag: str, css: str | None = None) -> int:
        return sum(
            1
            for t, a in self.tags
            if t == tag and (css is None or css in a.get("class", "").split())
        )

    def metric(self, name: str, key: str | None = None) -> str:
        found = [text for m, k, text in self.metrics if m == name and (key is None or k == key)]
        assert len(found) == 1, (name, key, found)
        return found[0]


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the report test renders in headless Chromium. "
            ".ci/run installs it (apt-get install chromium); install it the same way."
        )
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.slow
def test_chromium_draws_the_charts_and_shows_the_warehouse_numbers(db, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(build_report(db), encoding="utf-8")
    done = chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    dom = Dom()
    dom.feed(done.stdout)

    # the charts: three SVGs, each named, with its VA names shown as text
    (vas, lines) = query(
        db,
        "SELECT (SELECT count(DISTINCT va_id) FROM accounts), (SELECT count(va_id) FROM va_performance)",
    )[0]
    assert dom.count("svg", "chart") == 3
    names = [a.get("aria-label") for t, a in dom.tags if t == "svg"]
    assert names == [
        "Weekly views per VA",
        "Median views by slide count",
        "Median views by weekday and hour (UTC)",
    ]
    assert dom.count("image") == 0 and dom.count("foreignobject") == 0

    # the headline numbers
    posts, views, slides, accounts, ocr = query(
        db,
        "SELECT (SELECT count(*) FROM posts), (SELECT sum(views) FROM posts), "
        "(SELECT count(*) FROM slides), (SELECT count(*) FROM accounts), "
        "(SELECT count(*) FROM post_ocr)",
    )[0]
    assert as_int(dom.metric("posts")) == posts == 12
    assert as_int(dom.metric("vas")) == vas == lines == 3  # VAs whose accounts posted
    assert as_int(dom.metric("accounts")) == accounts
    assert as_int(dom.metric("slides")) == slides
    assert as_int(dom.metric("views")) == views
    assert as_int(dom.metric("ocr_posts")) == ocr == 2
    assert dom.metric("ocr_coverage") == f"{100 * ocr / posts:.1f}%"
    (rate,) = query(db, "SELECT 100 * sum(engagement) / sum(views) FROM posts")[0]
    assert dom.metric("engagement_rate") == f"{rate:.2f}%"

    # the leaderboard, row by row
    board = query(
        db, "SELECT va_id, posts, total_views, median_views, engagement_rate FROM va_performance"
    )
    assert {k for m, k, _ in dom.metrics if m == "va.posts"} == {r[0] for r in board}
    for va_id, n, total, median, va_rate in board:
        assert as_int(dom.metric("va.posts", va_id)) == n
        assert as_int(dom.metric("va.total_views", va_id)) == total
        assert as_int(dom.metric("va.median_views", va_id)) == round(median)
        assert dom.metric("va.engagement_rate", va_id) == f"{va_rate:.2f}%"

    # reused slides, rejects, checks and the build history
    (image, uses) = query(db, "SELECT image_id, posts FROM slide_reuse")[0]
    assert as_int(dom.metric("slide.posts", image)) == uses == 2
    assert as_int(dom.metric("rejects.count", "csv/post/bad_metric")) == 1
    failed = query(db, "SELECT rule, offending_rows FROM check_results WHERE offending_rows > 0")
    for rule, offending in failed:
        assert as_int(dom.metric("check.offending_rows", rule)) == offending
    (run_id, records) = query(db, "SELECT run_id, csv_records FROM import_log")[0]
    assert as_int(dom.metric("build.csv_records", run_id)) == records == 13

    # the escaped text is shown as text, not run
    texts = "".join(text for _, _, text in dom.metrics)
    assert EVIL_VA not in texts
    assert EVIL_VA in done.stdout.replace("&lt;", "<").replace("&gt;", ">")
    assert dom.count("script") == 0 and dom.count("img") == 0

    shot = tmp_path / "report.png"
    done = chromium("--window-size=1100,2400", f"--screenshot={shot}", page.as_uri(), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a blank page is a few kB


# --- at a print width, in a real browser ---------------------------------------------

PRINT_WIDTH = 720  # CSS pixels: an A4 or Letter page less margins of about 12 mm
GAP = ("2025-05-26", "2025-09-22")  # the real export has no posts in these weeks
# Run in a test copy of the page only (the report itself has no script and forbids one):
# names every box wider than the page, or a table wider than its box (cut off in print).
MEASURE = """<script>
const wide = [];
const root = document.documentElement;
if (root.scrollWidth > root.clientWidth) wide.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
document.querySelectorAll('.scroll, svg.chart, .cards, p, h1').forEach((box) => {
  let heading = box.previousElementSibling;
  while (heading && !/^H[123]$/.test(heading.tagName)) heading = heading.previousElementSibling;
  const where = heading ? heading.textContent : box.tagName;
  const right = box.getBoundingClientRect().right;
  if (box.scrollWidth > box.clientWidth + 1 || right > root.clientWidth) {
    wide.push(`${where}: ${box.scrollWidth} > ${box.clientWidth}`);
  }
});
document.body.setAttribute('data-overflow', JSON.stringify(wide));
</script>"""


@pytest.fixture(scope="module")
def agency_db(tmp_path_factory) -> Path:
    """A generated agency whose posts stop for 17 weeks, as in the real export."""
    from tikdb.synthetic import generate

    tmp = tmp_path_factory.mktemp("agency")
    generate(tmp / "raw", posts=2000, seed=5)
    with (tmp / "raw" / "MASTER_TIKTOK_DATABASE.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if not GAP[0] <= r["created_date"] < GAP[1]]
    assert 0 < len(kept) < len(rows)
    csv_path = write_csv(tmp / "master.csv", kept)
    return run_build(tmp, csv_path, tmp / "raw" / "october_ocr_data").db_path


def overflow(page: str, width: int, tmp: Path) -> list[str]:
    """What Chromium lays out wider than the page at width pixels."""
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    copy = tmp / "measured.html"
    copy.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = chromium(f"--window-size={width},1000", "--dump-dom", copy.as_uri(), tmp=tmp)
    assert done.returncode == 0, done.stderr
    found = re.search(r'data-overflow="([^"]*)"', done.stdout)
    assert found, "the measuring script did not run"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
def test_the_reports_fit_a_printed_page(agency_db, tmp_path):
    (va,) = query(agency_db, "SELECT va_id FROM va_performance ORDER BY posts DESC LIMIT 1")[0]
    pages = {
        "report": build_report(agency_db),
        "va-report": build_report(agency_db, va=va),
        "empty-va-report": build_report(
            agency_db, va=va, since=date(2025, 7, 1), until=date(2025, 7, 31)
        ),
    }
    for name, page in pages.items():
        assert overflow(page, PRINT_WIDTH, tmp_path) == [], name
        # A screenshot at 800 pixels, for a person to look at (tmp_path keeps it).
        target = tmp_path / f"{name}.html"
        target.write_text(page, encoding="utf-8")
        shot = tmp_path / f"{name}.png"
        done = chromium(
            "--window-size=800,6000", f"--screenshot={shot}", target.as_uri(), tmp=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = tmp_path / "report.pdf"
    done = chromium(f"--print-to-pdf={pdf}", (tmp_path / "report.html").as_uri(), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_the_measuring_page_catches_a_table_wider_than_the_page(tmp_path):
    # The check above can fail: a table of 40 unbreakable columns is reported.
    wide = "<table><tr>" + "<td>1,234,567,890</td>" * 40 + "</tr></table>"
    page = f'<html><body><main><h2>Wide</h2><div class="scroll">{wide}</div></main></body></html>'
    found = overflow(page, PRINT_WIDTH, tmp_path)
    assert [f for f in found if f.startswith("Wide: ")], found
