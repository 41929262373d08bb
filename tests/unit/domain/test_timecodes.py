import math

import pytest

from archive.domain.timecodes import (
    format_srt_timestamp,
    format_vtt_timestamp,
    parse_timestamp,
    to_milliseconds,
)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00:00.000"),
        (0.0, "00:00:00.000"),
        (-0.0, "00:00:00.000"),
        (1.5, "00:00:01.500"),
        (61.25, "00:01:01.250"),
        (3600, "01:00:00.000"),
        (3661.001, "01:01:01.001"),
        # half-up on the decimal the caller wrote, not on the binary float below it
        (1.0005, "00:00:01.001"),
        (2.675, "00:00:02.675"),
        (0.0004999, "00:00:00.000"),
        (0.0005, "00:00:00.001"),
        # the carry reaches seconds, minutes and hours: never "60"
        (1.9995, "00:00:02.000"),
        (59.9995, "00:01:00.000"),
        (3599.9995, "01:00:00.000"),
        (59.9994, "00:00:59.999"),
        # hours widen instead of wrapping
        (99 * 3600 + 59 * 60 + 59.999, "99:59:59.999"),
        (100 * 3600, "100:00:00.000"),
        (1000 * 3600 + 0.5, "1000:00:00.500"),
    ],
)
def test_format_vtt_timestamp(seconds: float, expected: str) -> None:
    assert format_vtt_timestamp(seconds) == expected
    assert format_srt_timestamp(seconds) == expected.replace(".", ",")


@pytest.mark.parametrize("seconds", [-0.001, -1.0, -3600])
def test_negative_times_are_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        format_vtt_timestamp(seconds)
    with pytest.raises(ValueError, match="cannot be negative"):
        format_srt_timestamp(seconds)


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf])
def test_non_finite_times_are_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_milliseconds(seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:00:00.000", 0.0),
        ("00:00:01.500", 1.5),
        ("00:00:01,500", 1.5),
        ("01:02:03.004", 3723.004),
        ("01:02.345", 62.345),
        ("59:59.999", 3599.999),
        ("100:00:00.000", 360000.0),
        ("  00:00:02.000\n", 2.0),
        ("00:00:02,5", 2.5),
        ("00:00:02.05", 2.05),
        ("00:00:02", 2.0),
    ],
)
def test_parse_timestamp(text: str, expected: float) -> None:
    assert parse_timestamp(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "text",
    ["", "1.5", "00:60:00.000", "00:00:60.000", "00:00:01.0000", "00:00:01:000", "a:b:c", "1:2.3"],
)
def test_parse_timestamp_refuses_other_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM:SS\.mmm"):
        parse_timestamp(text)


def test_parse_timestamp_refuses_negative() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        parse_timestamp("-00:00:01.000")


@pytest.mark.parametrize(
    "seconds", [0.0, 0.001, 1.9995, 12.345, 3599.999, 3723.004, 360000.5, 987654.321]
)
def test_format_then_parse_keeps_the_millisecond(seconds: float) -> None:
    millis = to_milliseconds(seconds)
    assert to_milliseconds(parse_timestamp(format_vtt_timestamp(seconds))) == millis
    assert to_milliseconds(parse_timestamp(format_srt_timestamp(seconds))) == millis
