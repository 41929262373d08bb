"""The local spool of a resumable upload: bytes that arrived but are not yet in the object
store (all of them for a local store, the unfinished part for S3).

The SHA-256 of the whole upload is kept in memory as bytes arrive, per upload and offset, so
completing an upload does not read it again. It is kept as a future: a request answers once
its bytes are written, and their hashing finishes in the background while the client sends
the next chunk. After a restart the digest is gone; completion then reads the stored object
once (`digest_at` returns None).
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any, BinaryIO

Digest = Future[Any]
"""A running hashlib SHA-256 object, once every byte it counts is hashed."""


def known_digest(digest: Any) -> Digest:
    future: Digest = Future()
    future.set_result(digest)
    return future


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._digests: dict[uuid.UUID, tuple[int, Digest]] = {}
        self._lock = threading.Lock()

    def path(self, upload_id: uuid.UUID) -> Path:
        return self.directory / f"{upload_id}.part"

    def create(self, upload_id: uuid.UUID) -> None:
        self.path(upload_id).touch()
        with self._lock:
            self._digests[upload_id] = (0, known_digest(hashlib.sha256()))

    def size(self, upload_id: uuid.UUID) -> int:
        path = self.path(upload_id)
        return path.stat().st_size if path.exists() else 0

    def truncate(self, upload_id: uuid.UUID, size: int) -> None:
        """Drops bytes past `size` (a chunk refused, or bytes of a request cut by a crash)."""
        with self.path(upload_id).open("r+b") as f:
            f.truncate(size)

    def appender(self, upload_id: uuid.UUID) -> BinaryIO:
        """The spool file opened for appending, unbuffered; the caller closes it."""
        return self.path(upload_id).open("ab", buffering=0)

    def sync(self, upload_id: uuid.UUID) -> None:
        fd = os.open(self.path(upload_id), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove(self, upload_id: uuid.UUID) -> None:
        self.path(upload_id).unlink(missing_ok=True)
        self.forget(upload_id)

    def digest_at(self, upload_id: uuid.UUID, offset: int) -> Digest | None:
        """The running SHA-256 when it covers exactly `offset` bytes, else None. Callers
        update a copy of it, never the digest itself: a chunk that is refused later must
        leave it as it was."""
        with self._lock:
            entry = self._digests.get(upload_id)
        if entry is None or entry[0] != offset:
            return None
        return entry[1]

    def remember(self, upload_id: uuid.UUID, offset: int, *, digest: Digest | None) -> None:
        with self._lock:
            if digest is None:
                self._digests.pop(upload_id, None)
            else:
                self._digests[upload_id] = (offset, digest)

    def forget(self, upload_id: uuid.UUID) -> None:
        with self._lock:
            self._digests.pop(upload_id, None)
