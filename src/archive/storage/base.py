"""The `ObjectStore` port: where original recordings live.

Objects are write-once. A write goes through an `ObjectWriter`: bytes are appended as they
arrive, and the object becomes visible only when `commit()` returns; `abort()` leaves nothing
behind. Readers get a seekable binary file, which is what PyAV needs to probe and decode.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol


@dataclass(frozen=True, slots=True)
class SpooledPart:
    """One part of a spooled upload sent to the store, as the caller keeps it between
    requests (as JSON: `as_json` and `from_json` keep the S3 names)."""

    number: int
    """1-based, in the order the parts make the object."""
    etag: str
    size: int
    """Bytes in the part."""

    def as_json(self) -> dict[str, Any]:
        return {"PartNumber": self.number, "ETag": self.etag, "Size": self.size}

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> SpooledPart:
        return cls(int(record["PartNumber"]), str(record["ETag"]), int(record["Size"]))


class ObjectWriter(Protocol):
    def write(self, data: bytes) -> None: ...

    def commit(self) -> None:
        """Makes the object visible under its key. Called at most once."""

    def abort(self) -> None:
        """Discards everything written. Safe to call after a failed write or twice."""


class ObjectStore(Protocol):
    def writer(self, key: str) -> ObjectWriter: ...

    def open(self, key: str) -> BinaryIO:
        """A seekable reader of the whole object; the caller closes it."""

    def iter_range(
        self, key: str, start: int, *, end: int, chunk_size: int = 256 * 1024
    ) -> Iterator[bytes]:
        """Yields bytes `start` to `end` inclusive, in chunks."""

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Removes the object; a missing object is not an error."""

    def discard_unfinished_writes(self) -> int:
        """Removes what writers left behind when their process died mid-write (never an
        object); returns how many were removed. Only for a process that knows no writer of
        this store is running (`archive serve` as it starts)."""

    def ping(self) -> bool:
        """True when the store answers and takes writes; never raises."""

    def verify_sha256(self, key: str, expected: str) -> bool:
        """Fixity: reads the stored object back, streaming, and tells whether its SHA-256 is
        `expected` (hex). A missing object is False: it no longer holds what was recorded.
        A store that does not answer raises `ServiceUnavailable`, so the check is retried."""

    # Spooled (resumable) uploads. Their bytes gather in a local spool file over many requests;
    # a store with a `spool_part_size` takes each spool of at least that size as one part of a
    # multipart upload (an S3 part must be at least 5 MiB), a store without one takes the
    # whole spool at the end. The caller keeps the `SpooledPart`s between requests.

    @property
    def spool_part_size(self) -> int | None: ...

    def start_spooled(self, key: str) -> str | None:
        """Begins a spooled upload for `key`; returns its multipart id, if the store has one."""

    def put_spooled_part(
        self, key: str, multipart_id: str, *, number: int, spool: Path
    ) -> SpooledPart:
        """Sends the spool file as part `number` (1-based)."""

    def complete_spooled(
        self, key: str, multipart_id: str | None, *, parts: list[SpooledPart], spool: Path
    ) -> None:
        """Makes the object from the parts sent and the spool's remaining bytes (the spool
        file may be moved or left; the caller removes it)."""

    def abort_spooled(self, key: str, multipart_id: str | None) -> None:
        """Discards the parts sent; never raises for an upload already gone."""
