"""An `ObjectStore` in memory, for tests of rules that need a store but not its disk or
network. It holds the same contract as the local and S3 stores (the contract tests run it
beside them): write-once objects visible only after `commit`, seekable read-only readers,
`FileNotFoundError` for a missing object, spooled uploads taken whole or, with a
`part_size`, in parts. Thread-safe: one lock guards every object and unfinished write.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from archive.storage.base import ObjectWriter, SpooledPart


class MemoryObjectWriter:
    def __init__(self, store: MemoryObjectStore, key: str) -> None:
        self._store = store
        self._key = key
        self._buffer: bytearray | None = bytearray()
        self._id = store._begin_write()

    def write(self, data: bytes) -> None:
        assert self._buffer is not None, "write after commit or abort"
        self._buffer += data

    def commit(self) -> None:
        assert self._buffer is not None, "commit after commit or abort"
        data, self._buffer = bytes(self._buffer), None
        try:
            self._store._put_new(self._key, data)
        finally:
            self._store._end_write(self._id)

    def abort(self) -> None:
        if self._buffer is None:
            return
        self._buffer = None
        self._store._end_write(self._id)


class MemoryObjectStore:
    """`part_size`: None takes a spool whole at the end (as the local store does); a size
    takes each spool of at least that size as one part (as S3 does)."""

    def __init__(self, *, part_size: int | None = None) -> None:
        self._part_size = part_size
        self._lock = threading.Lock()
        self._objects: dict[str, bytes] = {}
        self._unfinished: set[int] = set()
        self._multiparts: dict[str, dict[int, bytes]] = {}
        self._ids = itertools.count(1)

    # What the writers and tests use.

    def _begin_write(self) -> int:
        with self._lock:
            write_id = next(self._ids)
            self._unfinished.add(write_id)
            return write_id

    def _end_write(self, write_id: int) -> None:
        with self._lock:
            self._unfinished.discard(write_id)

    def _put_new(self, key: str, data: bytes) -> None:
        with self._lock:
            if key in self._objects:
                raise FileExistsError(f"object {key!r} exists; originals are write-once")
            self._objects[key] = data

    def _get(self, key: str) -> bytes:
        with self._lock:
            data = self._objects.get(key)
        if data is None:
            raise FileNotFoundError(f"no object {key!r} in the memory store")
        return data

    def replace(self, key: str, data: bytes) -> None:
        """Changes an object's bytes behind the store's contract (a test of fixity)."""
        with self._lock:
            self._objects[key] = data

    def unfinished(self) -> list[str]:
        """Writes neither committed nor aborted, and multipart uploads neither completed
        nor aborted."""
        with self._lock:
            return sorted([f"write-{i}" for i in self._unfinished] + list(self._multiparts))

    # The port.

    def writer(self, key: str) -> ObjectWriter:
        return MemoryObjectWriter(self, key)

    def open(self, key: str) -> BinaryIO:
        return io.BufferedReader(io.BytesIO(self._get(key)))

    def iter_range(
        self, key: str, start: int, *, end: int, chunk_size: int = 256 * 1024
    ) -> Iterator[bytes]:
        data = self._get(key)

        def chunks() -> Iterator[bytes]:
            last = min(end, len(data) - 1)
            for at in range(start, last + 1, chunk_size):
                yield data[at : min(at + chunk_size, last + 1)]

        return chunks()

    def size(self, key: str) -> int:
        return len(self._get(key))

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self._objects

    def delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(key, None)

    def discard_unfinished_writes(self) -> int:
        with self._lock:
            removed = len(self._unfinished)
            self._unfinished.clear()
            return removed

    def ping(self) -> bool:
        return True

    def verify_sha256(self, key: str, expected: str) -> bool:
        try:
            data = self._get(key)
        except FileNotFoundError:
            return False
        return hashlib.sha256(data).hexdigest() == expected.lower()

    @property
    def spool_part_size(self) -> int | None:
        return self._part_size

    def start_spooled(self, key: str) -> str | None:
        if self._part_size is None:
            return None
        multipart_id = f"{key}#{next(self._ids)}"
        with self._lock:
            self._multiparts[multipart_id] = {}
        return multipart_id

    def put_spooled_part(
        self, key: str, multipart_id: str, *, number: int, spool: Path
    ) -> SpooledPart:
        if self._part_size is None:
            raise NotImplementedError("this store takes a spool whole, never in parts")
        data = spool.read_bytes()
        with self._lock:
            self._multiparts[multipart_id][number] = data
        return SpooledPart(number, hashlib.md5(data, usedforsecurity=False).hexdigest(), len(data))

    def complete_spooled(
        self, key: str, multipart_id: str | None, *, parts: list[SpooledPart], spool: Path
    ) -> None:
        remaining = spool.read_bytes() if spool.exists() else b""
        with self._lock:
            sent = self._multiparts.get(multipart_id, {}) if multipart_id else {}
            data = b"".join(sent[part.number] for part in parts)
        self._put_new(key, data + remaining)
        if multipart_id is not None:
            with self._lock:
                self._multiparts.pop(multipart_id, None)

    def abort_spooled(self, key: str, multipart_id: str | None) -> None:
        if multipart_id is not None:
            with self._lock:
                self._multiparts.pop(multipart_id, None)
