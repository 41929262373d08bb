"""HTTP Range requests (RFC 9110 §14) for seeking in a recording. Pure.

Players ask for one range at a time; a multi-range request is answered with its first range,
which RFC 9110 allows (a server may ignore or coalesce ranges it does not want to serve).
"""

from __future__ import annotations

from dataclasses import dataclass


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


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, or None to serve the whole file (no header, or one we ignore)."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or not spec:
        return None
    first = spec.split(",")[0].strip()
    start_text, dash, end_text = first.partition("-")
    if not dash:
        return None
    start_text, end_text = start_text.strip(), end_text.strip()
    if not start_text:
        if not _is_number(end_text):
            return None
        suffix = int(end_text)
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange(header)
        return ByteRange(max(0, size - suffix), size - 1)
    if not _is_number(start_text) or (end_text and not _is_number(end_text)):
        return None
    start = int(start_text)
    if start >= size:
        raise UnsatisfiableRange(header)
    end = int(end_text) if end_text else size - 1
    if end < start:
        return None
    return ByteRange(start, min(end, size - 1))


def _is_number(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts superscripts, which `int` refuses."""
    return text.isascii() and text.isdigit()
