"""The HTML report shows hostile text from the data as text, in every section.

Each kind of untrusted text gets its own payload with its own tag, so a failure names
the place that stopped escaping: a VA name, an OCR hook of a top post, an OCR text that
two posts share (the reused-OCR table), a rejected field quoted in a reject message, the
CSV path and an OCR folder name (file names are data too), and the caption and sound
fields (not shown today; if a section starts showing them, they must be escaped too).
Account names need no payload: a handle that is not [a-z0-9._] is rejected at the CSV.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_row, ocr_record, run_build, write_csv, write_ocr

from tikdb.outputs.report import build_report, write_report

VA_NAME = "<marquee onstart=va>Eve</marquee>"  # longer than a chart legend label
OCR_HOOK = "<iframe srcdoc=hook></iframe>"
OCR_REUSED = "<script>alert(1)</script><img src=x onerror=y>"
REJECTED_VIEWS = "<video onerror=reject>"
CSV_FOLDER = "in<details open ontoggle=path>"
OCR_FOLDER = "<object data=folder>"
CAPTION = "<form action=caption>#fyp</form>"
SOUND = "<audio src=sound onerror=sound>"
SHOWN = {
    "VA name": VA_NAME,
    "OCR hook of a top post": OCR_HOOK,
    "OCR text shared by two posts": OCR_REUSED,
    "rejected field in a reject message": REJECTED_VIEWS,
    "CSV path": CSV_FOLDER,
    "OCR folder name": OCR_FOLDER,
}
NOT_SHOWN = {"caption": CAPTION, "sound": SOUND}
PAYLOAD_TAGS = {"marquee", "iframe", "script", "img", "video", "details", "object", "form"}
PAYLOAD_TAGS |= {"audio"}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """A warehouse whose data carries every payload."""
    tmp = tmp_path_factory.mktemp("escaping")
    # Post 1 has the most views: its OCR hook is shown among the top posts.
    rows = [
        make_row(n, views=str(9000 - 100 * n), hashtags=CAPTION, sound=SOUND) for n in range(1, 13)
    ]
    for n in (1, 4, 7):  # one account (n % 3 == 1): its VA is VA_NAME
        rows[n - 1]["va"] = VA_NAME
    # Two posts with the fewest views share one OCR text: they are not among the top
    # posts, so that text is on the page only in the reused-OCR table.
    low = [make_row(n, views=str(n)) for n in (13, 14)]
    bad = make_row(15, views=REJECTED_VIEWS)
    csv_path = write_csv(tmp / CSV_FOLDER / "master.csv", [*rows, *low, bad])
    unknown = ocr_record(make_row(99), "a post that is not in the master")
    ocr = write_ocr(
        tmp / "ocr",
        {
            "Carla": [
                ocr_record(rows[0], OCR_HOOK),
                ocr_record(low[0], OCR_REUSED),
                ocr_record(low[1], OCR_REUSED),
            ],
            OCR_FOLDER: [unknown],
        },
    )
    return run_build(tmp, csv_path, ocr).db_path


@pytest.fixture(scope="module")
def page(db) -> str:
    return build_report(db)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def sections_with(page: str, text: str) -> list[str]:
    """The headings (h2, h3) of the report sections whose HTML contains `text`."""
    head, *parts = re.split(r"<h[23]>", page)
    found = ["(before the first heading)"] if text in head else []
    return found + [re.split(r"</h[23]>", part, maxsplit=1)[0] for part in parts if text in part]


@pytest.mark.parametrize("where", sorted(SHOWN))
def test_untrusted_text_is_shown_escaped(page, where):
    payload = SHOWN[where]
    leaked = sections_with(page, payload)
    assert leaked == [], f"the {where} reaches the page as markup in: {leaked}"
    assert html.escape(payload) in page, f"the {where} is not on the page at all"


def test_the_shared_ocr_text_is_shown_in_the_reused_ocr_table(page):
    # Its two posts have the fewest views: no other section shows this text.
    shown = sections_with(page, html.escape(OCR_REUSED))
    assert len(shown) == 1, f"expected in the reused-OCR table only, found in {shown}"


@pytest.mark.parametrize("what", sorted(NOT_SHOWN))
def test_text_not_shown_today_never_leaks(page, what):
    assert sections_with(page, NOT_SHOWN[what]) == [], f"the {what} reaches the page as markup"


def test_no_payload_becomes_an_element_or_an_event_handler(page):
    tags = Tags()
    tags.feed(page)
    injected = [(tag, attrs) for tag, attrs in tags.found if tag in PAYLOAD_TAGS]
    handlers = [(tag, a) for tag, attrs in tags.found for a, _ in attrs if a.startswith("on")]
    assert injected == [], injected
    assert handlers == [], handlers


def test_the_written_report_is_the_escaped_page(db, tmp_path):
    out = write_report(db, tmp_path / "report.html")
    text = out.read_text(encoding="utf-8")
    assert html.escape(OCR_REUSED) in text
    assert [p for p in [*SHOWN.values(), *NOT_SHOWN.values()] if p in text] == []
