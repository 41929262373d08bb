"""Partial dates, as oral historians record them: "1952", "1952-06" or "1952-06-14".

Pure: no I/O, and `today` is given, so the rules are tested without a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

EARLIEST_YEAR = 1850
"""No sound was recorded before this; an earlier year is a typing mistake."""

_FORM = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

HOW_TO_WRITE = "write it as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 1952, 1952-06 or 1952-06-14"


class DatePrecision(StrEnum):
    """How precisely a partial date is known: year, month or day."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class PartialDate:
    text: str
    """The date as given and stored, e.g. "1952-06"."""
    precision: DatePrecision


def parse_partial_date(value: str, today: date) -> PartialDate:
    """The date `value` names, to the precision it gives; `ValueError` with what to write
    when it is not a real calendar date of a year, month or day no later than `today`."""
    text = value.strip()
    match = _FORM.fullmatch(text)
    if match is None:
        raise ValueError(f"{value!r} is not a date we can read; {HOW_TO_WRITE}")
    year_text, month_text, day_text = match.groups()
    year = int(year_text)
    if year < EARLIEST_YEAR:
        raise ValueError(f"{year} is before sound could be recorded; check the year")
    if month_text is None:
        if year > today.year:
            raise ValueError(f"{text} is in the future; give the year it was recorded")
        return PartialDate(text, DatePrecision.YEAR)
    month = int(month_text)
    if not 1 <= month <= 12:
        raise ValueError(f"{text} has no month {month}; months go from 01 to 12")
    if day_text is None:
        if (year, month) > (today.year, today.month):
            raise ValueError(f"{text} is in the future; give the month it was recorded")
        return PartialDate(text, DatePrecision.MONTH)
    try:
        day = date(year, month, int(day_text))
    except ValueError:
        raise ValueError(f"{text} is not a day in the calendar; check the day") from None
    if day > today:
        raise ValueError(f"{text} is in the future; give the day it was recorded")
    return PartialDate(text, DatePrecision.DAY)
