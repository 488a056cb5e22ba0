"""How ``tikdb pull`` reads a sheet's cells: references, ranges, numbers, serial dates and
id columns. Expected values are worked out by hand (or by the inverse computation)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tikdb.errors import InputError
from tikdb.sources import sheet_values, sheets

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "key", "gid"),
    [
        (KEY, KEY, None),
        (f"  {KEY} ", KEY, None),
        (f"https://docs.google.com/spreadsheets/d/{KEY}/edit", KEY, None),
        (f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0", KEY, 0),
        (f"https://docs.google.com/spreadsheets/d/{KEY}/edit?usp=sharing&gid=77#gid=77", KEY, 77),
        (f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit#gid=5", KEY, 5),
        (f"https://docs.google.com/spreadsheets/d/{KEY}/export?format=csv&gid=9", KEY, 9),
    ],
)
def test_sheet_references(text, key, gid):
    assert sheets.parse_sheet_ref(text) == (key, gid)


@pytest.mark.parametrize("text", ["", "short", "https://example.com/a b", "../../etc/passwd"])
def test_what_is_not_a_sheet_reference(text):
    with pytest.raises(InputError, match="is neither a Google Sheets URL"):
        sheets.parse_sheet_ref(text)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("Master!A:O", ("Master", ("A", None, "O", None))),
        ("'My tab'!a1:o5000", ("My tab", ("A", 1, "O", 5000))),
        ("'It''s here'!B2:Q", ("It's here", ("B", 2, "Q", None))),
        ("A:O", (None, ("A", None, "O", None))),
        ("Master", ("Master", None)),
        ("Sheet 1", ("Sheet 1", None)),
    ],
)
def test_ranges(text, parsed):
    assert sheets.split_range(text) == parsed


@pytest.mark.parametrize("text", ["Master!A1", "Master!A1:B2:C", "!A:O", "Master!1:2"])
def test_bad_ranges(text):
    with pytest.raises(InputError):
        sheets.split_range(text)


@pytest.mark.parametrize(
    ("number", "letters"), [(1, "A"), (15, "O"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA")]
)
def test_column_letters(number, letters):
    assert sheets._column_letters(number) == letters


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        ("", ""),
        ("  spaced \n", "  spaced \n"),  # text is kept exactly
        ("#N/A", "#N/A"),
        (True, "TRUE"),
        (False, "FALSE"),
        (0, "0"),
        (1646, "1646"),
        (7502407048114605354, "7502407048114605354"),
        (Decimal("47.0"), "47"),
        (Decimal("3.770"), "3.77"),
        (Decimal("7.502407048114605E+18"), "7502407048114605000"),  # as Google wrote it, no float
        (Decimal("1.3E+6"), "1300000"),
        (Decimal("1.5E-7"), "0.00000015"),
        (Decimal("-0.0"), "0"),
        (0.1, "0.1"),
    ],
)
def test_cells_are_written_exactly(cell, text):
    assert sheet_values.cell_text(cell) == text


# 2025-10-01 is serial 45931 (1899-12-30 + 45931 days).
OCT_1 = 45931


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        # 08:30 in New York in October (EDT, UTC-4) is 12:30 UTC.
        (OCT_1, Decimal("0.3541666666666667"), ("2025-10-01", "12:30:00")),
        # 22:00 in New York is 02:00 UTC the next day.
        (OCT_1, Decimal("0.9166666666666666"), ("2025-10-02", "02:00:00")),
        # In December New York is UTC-5: 08:30 is 13:30 UTC (2025-12-01 is serial 45992).
        (45992, Decimal("0.3541666666666667"), ("2025-12-01", "13:30:00")),
        # A date-time serial in the date cell alone.
        (Decimal("45931.3541666666666667"), None, ("2025-10-01", "12:30:00")),
        (Decimal("45931.3541666666666667"), "", ("2025-10-01", "12:30:00")),
        # A date alone: its calendar date and no time (the build rejects the missing time).
        (OCT_1, None, ("2025-10-01", "")),
        # 2025-11-02 01:30 happens twice in New York: the first (EDT) is 05:30 UTC.
        (45963, Decimal("0.0625"), ("2025-11-02", "05:30:00")),
        # 2025-03-09 02:30 never happens in New York: read as still EST, 07:30 UTC.
        (45725, Decimal("0.1041666666666667"), ("2025-03-09", "07:30:00")),
        # Not serials, or not both: written as they are.
        ("2025-10-01", "08:30:00", None),
        (OCT_1, "08:30:00", None),
        (OCT_1, Decimal("1.5"), None),
        (-3, Decimal("0.5"), None),
        (True, Decimal("0.5"), None),
    ],
)
def test_serial_dates_are_read_in_the_sheets_zone_and_written_in_utc(date, time, expected):
    assert sheet_values.serial_to_utc(date, time, NEW_YORK) == expected


def test_serial_times_round_to_the_nearest_second():
    # 30600.4 s and 30600.6 s after midnight, in UTC.
    utc = ZoneInfo("UTC")
    assert sheet_values.serial_to_utc(OCT_1, Decimal(30600.4) / 86400, utc) == (
        "2025-10-01",
        "08:30:00",
    )
    assert sheet_values.serial_to_utc(OCT_1, Decimal(30600.6) / 86400, utc) == (
        "2025-10-01",
        "08:30:01",
    )


URL_ID = "7502407048114605354"


@pytest.mark.parametrize(
    ("cell", "agrees"),
    [
        (URL_ID, True),
        (f" {URL_ID} ", True),
        (int(URL_ID), True),
        (Decimal("7502407048114605056"), True),  # the double a sheet keeps, in full
        ("7502407048114605056", True),
        (Decimal("7.502407048114605E+18"), True),  # the shortest text of that double
        ("7.50240704811461E+18", True),  # shown with 15 digits
        ("7502407048114610000", True),  # shown with 15 digits, as a whole number
        ("7,502,407,048,114,610,000", True),
        ("7.50241E+18", True),  # shown with 6 digits
        ("7502407048114605355", False),  # 19 digits, and not this id
        ("7502407048114605350", False),  # 18 significant digits that are not the id
        ("750240704811460535", False),  # a digit short
        ("7.50242E+18", False),
        ("7502407048114605", False),  # the first 16 digits, without the magnitude
        ("7556168519704919518", False),  # another post's id
        ("abc", False),
        ("#REF!", False),
        (True, False),
        (Decimal("-7502407048114605354"), False),
    ],
)
def test_an_id_cell_agrees_with_post_url_as_far_as_its_digits_go(cell, agrees):
    assert sheet_values.id_agrees(cell, URL_ID) is agrees


ids = st.integers(min_value=7_000_000_000_000_000_000, max_value=7_700_000_000_000_000_000)


@given(ids)
def test_every_form_a_spreadsheet_gives_an_id_agrees(video_id):
    url_id = str(video_id)
    double = float(video_id)
    for cell in (
        url_id,
        repr(double),
        Decimal(repr(double)),
        str(int(double)),
        f"{double:.14E}",  # 15 significant digits, as a sheet shows them
        f"{double:.5E}",
    ):
        assert sheet_values.id_agrees(cell, url_id), cell


@given(ids, st.integers(min_value=10**14, max_value=10**17))
def test_every_form_of_another_id_disagrees(video_id, distance):
    other = float(video_id + distance)
    url_id = str(video_id)
    for cell in (str(video_id + distance), repr(other), str(int(other)), f"{other:.14E}"):
        assert not sheet_values.id_agrees(cell, url_id), cell


@given(ids, st.integers(min_value=1, max_value=10**6))
def test_a_19_digit_text_agrees_only_if_it_is_the_id_or_its_double(video_id, offset):
    url_id = str(video_id)
    text = str(video_id + offset)
    # A text ending in zeros (<= 17 significant digits) may be a rounded display of the id,
    # which the rule accepts on purpose (see the table test above); this property is about
    # texts carrying 18 or more significant digits.
    assume(len(Decimal(text).normalize().as_tuple().digits) >= 18)
    assert sheet_values.id_agrees(text, url_id) is (Decimal(text) == Decimal(float(video_id)))
