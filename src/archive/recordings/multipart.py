"""Reading one file field out of a `multipart/form-data` body as it streams in.

Starlette's own form parsing spools the whole body before the endpoint runs; an archive must
refuse an oversized upload after the first bytes over the limit, and never hold a recording in
memory, so the body is fed through python-multipart's push parser chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

from archive.errors import BadRequest, UnsupportedMedia


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None


class MultipartFileReader:
    """Push the body in with `feed`; take the named field's bytes out with `take`."""

    def __init__(self, content_type: str, field_name: str) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise UnsupportedMedia(
                "Send the recording as multipart/form-data with the file in a field named "
                f"`{field_name}` (curl: -F {field_name}=@story.flac)."
            )
        self.field_name = field_name
        self.filename: str | None = None
        self.found = False
        self.finished = False
        self._pending: list[bytes] = []
        self._part = _Part()
        self._header_field = b""
        self._header_value = b""
        self._in_file = False
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except Exception as exc:
            raise BadRequest(
                "The multipart form could not be read; send the recording with a standard "
                "client, for example curl -F file=@story.flac."
            ) from exc

    def take(self) -> list[bytes]:
        """The file bytes parsed since the last call."""
        pending, self._pending = self._pending, []
        return pending

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._part.headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _on_headers_finished(self) -> None:
        disposition = self._part.headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self._in_file = name == self.field_name and not self.found
        if self._in_file:
            self.found = True
            raw = options.get(b"filename*") or options.get(b"filename") or b""
            self.filename = raw.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(data[start:end])

    def _on_part_end(self) -> None:
        self._in_file = False

    def _on_end(self) -> None:
        self.finished = True
