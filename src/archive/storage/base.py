"""The `ObjectStore` port: where original recordings live.

Objects are write-once. A write goes through an `ObjectWriter`: bytes are appended as they
arrive, and the object becomes visible only when `commit()` returns; `abort()` leaves nothing
behind. Readers get a seekable binary file, which is what PyAV needs to probe and decode.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol


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
        self, key: str, start: int, end: int, chunk_size: int = 256 * 1024
    ) -> Iterator[bytes]:
        """Yields bytes `start` to `end` inclusive, in chunks."""

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Removes the object; a missing object is not an error."""

    def ping(self) -> bool: ...
