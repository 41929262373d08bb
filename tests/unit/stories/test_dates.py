"""Partial recorded dates: a year, a month or a day, real and not in the future."""

from datetime import date

import pytest

from archive.stories.dates import DatePrecision, PartialDate, parse_partial_date

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1952", PartialDate("1952", DatePrecision.YEAR)),
        ("1952-06", PartialDate("1952-06", DatePrecision.MONTH)),
        ("1952-06-14", PartialDate("1952-06-14", DatePrecision.DAY)),
        (" 1952-06-14 ", PartialDate("1952-06-14", DatePrecision.DAY)),
        ("2000-02-29", PartialDate("2000-02-29", DatePrecision.DAY)),
        ("2026", PartialDate("2026", DatePrecision.YEAR)),
        ("2026-11", PartialDate("2026-11", DatePrecision.MONTH)),
        ("2026-11-22", PartialDate("2026-11-22", DatePrecision.DAY)),
        ("1850", PartialDate("1850", DatePrecision.YEAR)),
    ],
)
def test_valid_partial_dates(given: str, expected: PartialDate) -> None:
    assert parse_partial_date(given, TODAY) == expected


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("52", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("June 1952", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("1952/06/14", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("1952-6", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("1952-06-1", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("14-06-1952", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("1952-06-14T10:00", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ("1952-13", "no month 13"),
        ("1952-00", "no month 0"),
        ("1952-02-30", "not a day in the calendar"),
        ("1900-02-29", "not a day in the calendar"),
        ("1952-06-31", "not a day in the calendar"),
        ("1776", "before sound could be recorded"),
        ("2027", "in the future"),
        ("2026-12", "in the future"),
        ("2026-11-23", "in the future"),
    ],
)
def test_invalid_partial_dates_say_what_to_fix(given: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_partial_date(given, TODAY)
