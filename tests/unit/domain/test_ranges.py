"""Seeking in a recording: which bytes a player gets for its `Range` header."""

import pytest

from archive.domain.ranges import ByteRange, UnsatisfiableRange, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", SIZE, ByteRange(0, 99)),
        ("bytes=0-0", SIZE, ByteRange(0, 0)),
        ("bytes=999-999", SIZE, ByteRange(999, 999)),
        # open end: from START to the last byte
        ("bytes=100-", SIZE, ByteRange(100, 999)),
        ("bytes=0-", SIZE, ByteRange(0, 999)),
        # suffix: the last N bytes, or the whole file when N is longer than it
        ("bytes=-500", SIZE, ByteRange(500, 999)),
        ("bytes=-1", SIZE, ByteRange(999, 999)),
        ("bytes=-1000", SIZE, ByteRange(0, 999)),
        ("bytes=-5000", SIZE, ByteRange(0, 999)),
        # an end past the file is clamped to the last byte
        ("bytes=900-2000", SIZE, ByteRange(900, 999)),
        ("bytes=0-1000", SIZE, ByteRange(0, 999)),
        # a multi-range request is answered with its first range
        ("bytes=0-99, 200-299", SIZE, ByteRange(0, 99)),
        ("bytes=-100,0-5", SIZE, ByteRange(900, 999)),
        # unit is case-insensitive; whitespace around the parts is tolerated
        ("Bytes=0-99", SIZE, ByteRange(0, 99)),
        ("  bytes = 10 - 20 ", SIZE, ByteRange(10, 20)),
    ],
)
def test_ranges_served(header: str, size: int, expected: ByteRange) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "items=0-1",
        "bytes",
        "bytes=",
        "bytes=abc",
        "bytes=5-2",
        "bytes=-",
        "bytes=--5",
        "bytes=+5-",
        "bytes=0x10-",
        "bytes=1.5-2",
        "bytes=10-abc",
    ],
)
def test_headers_we_ignore_serve_the_whole_file(header: str | None) -> None:
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("bytes=1000-1999", SIZE),
        ("bytes=5000-6000", SIZE),
        # an open end past the file: a client resuming a download it already has whole
        ("bytes=1000-", SIZE),
        ("bytes=5000-", SIZE),
        # a suffix of zero bytes selects nothing
        ("bytes=-0", SIZE),
        # an empty file has no byte to serve, whichever range is asked for
        ("bytes=0-99", 0),
        ("bytes=0-", 0),
        ("bytes=-5", 0),
    ],
)
def test_ranges_outside_the_file_are_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, size)


def test_empty_file_without_a_range_is_served_whole() -> None:
    assert parse_range(None, 0) is None


@pytest.mark.parametrize(
    "header",
    [
        # Latin-1 superscripts: Starlette decodes headers as Latin-1, so a client can send
        # them, and `int` refuses them although `str.isdigit` accepts them
        "bytes=\u00b2-",
        "bytes=0-\u00b3",
        "bytes=-\u00b9",
        # digits of other scripts are not HTTP digits either
        "bytes=\u0661\u0660-",
    ],
)
def test_non_ascii_digits_are_ignored(header: str) -> None:
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize(
    ("byte_range", "size", "content_range", "length"),
    [
        (ByteRange(0, 99), 1000, "bytes 0-99/1000", 100),
        (ByteRange(999, 999), 1000, "bytes 999-999/1000", 1),
        (ByteRange(0, 0), 1, "bytes 0-0/1", 1),
        (ByteRange(500, 999), 1000, "bytes 500-999/1000", 500),
    ],
)
def test_content_range_and_length(
    byte_range: ByteRange, size: int, content_range: str, length: int
) -> None:
    assert byte_range.content_range(size) == content_range
    assert byte_range.length == length


@pytest.mark.parametrize(
    ("header", "content_range", "length"),
    [
        ("bytes=-500", "bytes 500-999/1000", 500),
        ("bytes=900-2000", "bytes 900-999/1000", 100),
        ("bytes=100-", "bytes 100-999/1000", 900),
    ],
)
def test_parsed_range_headers(header: str, content_range: str, length: int) -> None:
    wanted = parse_range(header, SIZE)
    assert wanted is not None
    assert wanted.content_range(SIZE) == content_range
    assert wanted.length == length


THOUSANDS = "9" * 5000
"""More digits than Python converts to an int by default (4300): must never be converted."""


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # RFC 9110: the unit is case-insensitive, positions are 1*DIGIT (leading zeros too)
        ("BYTES=0-", ByteRange(0, 999)),
        ("ByTeS=0-9", ByteRange(0, 9)),
        ("bytes=00-", ByteRange(0, 999)),
        ("bytes=0000000010-0000000019", ByteRange(10, 19)),
        ("bytes=-999999999", ByteRange(0, 999)),
        ("bytes=-0000500", ByteRange(500, 999)),
        ("bytes=   0  -   9  ", ByteRange(0, 9)),
        ("bytes   =0-", ByteRange(0, 999)),
        ("bytes=\t5-\t6", ByteRange(5, 6)),
        # positions of any length: an end past the file is clamped, a suffix takes it whole
        (f"bytes=0-{THOUSANDS}", ByteRange(0, 999)),
        (f"bytes=-{THOUSANDS}", ByteRange(0, 999)),
        (f"bytes={'0' * 5000}7-8", ByteRange(7, 8)),
        # the first range that lies inside the file is served
        ("bytes=5000-6000, 10-19", ByteRange(10, 19)),
        ("bytes=-0, 3-4", ByteRange(3, 4)),
        # empty list elements are allowed by the list syntax
        ("bytes=, 0-9 ,", ByteRange(0, 9)),
    ],
)
def test_every_spelling_rfc_9110_allows(header: str, expected: ByteRange) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header",
    [f"bytes={THOUSANDS}-", f"bytes={THOUSANDS}-{THOUSANDS}", "bytes=5000-6000, 7000-"],
)
def test_huge_or_only_outside_positions_are_unsatisfiable(header: str) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, SIZE)


@pytest.mark.parametrize(
    "header",
    [f"bytes={THOUSANDS}-5", "bytes=0-9, x", "bytes=0-9,5-2", "bytes 0-9", "bytes:0-9"],
)
def test_a_header_with_any_part_we_cannot_read_is_ignored(header: str) -> None:
    assert parse_range(header, SIZE) is None
