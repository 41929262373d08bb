"""HTTP Range requests (RFC 9110 §14) for seeking in a recording. Pure.

The unit is case-insensitive, positions may carry leading zeros and any number of digits (a
position past every file is read as past the end, never converted whole), and whitespace
around the parts is tolerated. A header that does not parse, or names another unit, is
ignored: the whole file is served. Players ask for one range at a time; a multi-range request
is answered with its first satisfiable range, which RFC 9110 allows (a server may ignore or
coalesce ranges it does not want to serve), and is 416 only when none is satisfiable.
"""

from __future__ import annotations

from dataclasses import dataclass

_MAX_DIGITS = 18
"""Positions with more significant digits than this lie past any file (10**18 bytes is an
exabyte); they are not converted, so a header of thousands of digits costs nothing."""
_BEYOND: int = 10**_MAX_DIGITS


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int
    """Inclusive, as in `Content-Range`."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class UnsatisfiableRange(ValueError):
    """The range lies outside the file: answer 416 with `Content-Range: bytes */size`."""


@dataclass(frozen=True, slots=True)
class _Spec:
    first: int | None
    """None for a suffix range (`-N`: the last N bytes)."""
    last: int | None


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, or None to serve the whole file (no header, or one we ignore).

    Raises `UnsatisfiableRange` when the header is valid but none of its ranges overlaps the
    file."""
    specs = _parse_specs(header)
    if not specs:
        return None
    for spec in specs:
        chosen = _resolve(spec, size)
        if chosen is not None:
            return chosen
    raise UnsatisfiableRange(header)


def _parse_specs(header: str | None) -> list[_Spec] | None:
    if not header:
        return None
    unit, equals, ranges = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    specs: list[_Spec] = []
    for part in ranges.split(","):
        part = part.strip()
        if not part:
            continue  # RFC 9110 list syntax allows empty elements
        first_text, dash, last_text = part.partition("-")
        if not dash:
            return None
        first_text, last_text = first_text.strip(), last_text.strip()
        if not first_text:
            suffix = _position(last_text)
            if suffix is None:
                return None
            specs.append(_Spec(None, suffix))
            continue
        first = _position(first_text)
        last = _position(last_text) if last_text else None
        if first is None or (last_text and last is None) or (last is not None and last < first):
            return None
        specs.append(_Spec(first, last))
    return specs or None


def _resolve(spec: _Spec, size: int) -> ByteRange | None:
    """The bytes `spec` selects of a file of `size` bytes, or None when it selects none."""
    if spec.first is None:
        suffix = spec.last or 0
        if suffix == 0 or size == 0:
            return None
        return ByteRange(max(0, size - suffix), size - 1)
    if spec.first >= size:
        return None
    last = size - 1 if spec.last is None else min(spec.last, size - 1)
    return ByteRange(spec.first, last)


def _position(text: str) -> int | None:
    """A byte position: ASCII digits only (`str.isdigit` also accepts superscripts, which
    `int` refuses), leading zeros allowed, anything past `_BEYOND` read as `_BEYOND`."""
    if not text or not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return _BEYOND
    return int(significant or "0")
