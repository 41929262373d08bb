"""Timestamps as captions write them: `HH:MM:SS.mmm` (WebVTT) and `HH:MM:SS,mmm` (SRT).

Times are seconds from the start of a recording, carried as floats, and shown to the
millisecond. Rounding goes through the shortest decimal form of the float (what `repr` prints),
half up, so 1.9995 becomes 00:00:02.000 as a person reading the number expects, and the carry
reaches seconds, minutes and hours instead of ever producing "60". Hours are always written, as
at least two digits, widening past 99 hours rather than wrapping.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

_MS_PER_SECOND = 1000
_MS_PER_MINUTE = 60 * _MS_PER_SECOND
_MS_PER_HOUR = 60 * _MS_PER_MINUTE

# Hours are optional (WebVTT allows MM:SS.mmm); minutes and seconds are two digits below 60.
# One to three fraction digits are read as a decimal fraction, so ",5" is half a second.
_TIMESTAMP = re.compile(
    r"(?:(?P<hours>\d+):)?(?P<minutes>[0-5]\d):(?P<seconds>[0-5]\d)(?:[.,](?P<fraction>\d{1,3}))?"
)


def to_milliseconds(seconds: float) -> int:
    """Round a time in seconds to whole milliseconds, half up on its decimal form.

    Raises ValueError for negative, NaN or infinite times: captions cannot point before the
    start of a recording or nowhere at all.
    """
    # float() first: numpy scalars repr as "np.float64(...)", which Decimal cannot read.
    seconds = float(seconds)
    if not math.isfinite(seconds):
        raise ValueError(f"A time must be a finite number of seconds, not {seconds!r}.")
    if seconds < 0:
        raise ValueError(
            f"A time cannot be negative (got {seconds!r} seconds): times count from the start"
            " of the recording."
        )
    millis = (Decimal(repr(seconds)) * _MS_PER_SECOND).to_integral_value(rounding=ROUND_HALF_UP)
    return int(millis)


def _format(seconds: float, separator: str) -> str:
    total = to_milliseconds(seconds)
    hours, rest = divmod(total, _MS_PER_HOUR)
    minutes, rest = divmod(rest, _MS_PER_MINUTE)
    secs, millis = divmod(rest, _MS_PER_SECOND)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def format_vtt_timestamp(seconds: float) -> str:
    """`HH:MM:SS.mmm`; raises ValueError for a negative or non-finite time."""
    return _format(seconds, ".")


def format_srt_timestamp(seconds: float) -> str:
    """`HH:MM:SS,mmm`; raises ValueError for a negative or non-finite time."""
    return _format(seconds, ",")


def parse_timestamp(text: str) -> float:
    """Seconds from a WebVTT or SRT timestamp (`HH:MM:SS.mmm`, `HH:MM:SS,mmm`, `MM:SS.mmm`).

    Surrounding whitespace is ignored. Raises ValueError, with the expected form, for anything
    else, including negative times.
    """
    stripped = text.strip()
    if stripped.startswith("-"):
        raise ValueError(
            f"A time cannot be negative (got {text!r}): times count from the start of the"
            " recording."
        )
    match = _TIMESTAMP.fullmatch(stripped)
    if match is None:
        raise ValueError(
            f"{text!r} is not a timestamp. Write it as HH:MM:SS.mmm (or HH:MM:SS,mmm as in SRT),"
            " for example 00:01:02.500."
        )
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"])
    secs = int(match["seconds"])
    millis = int((match["fraction"] or "0").ljust(3, "0"))
    total = hours * _MS_PER_HOUR + minutes * _MS_PER_MINUTE + secs * _MS_PER_SECOND + millis
    return total / _MS_PER_SECOND
