"""No object-store call happens while a database transaction is open, in any flow that moves
bytes: a resumable upload (its parts, its completion, its termination), a one-request upload
(kept or refused), a consent document, and reading audio (whose read is audited). On SQLite a
writing transaction holds the whole database's write lock, so a part upload inside one would
stop every other writer for its length.

The store is the in-memory twin, sending parts of a small size, wrapped so that every call
notes how many transactions the database engine has open at that moment.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from sqlalchemy import Engine, event

from archive.storage.base import ObjectStore, ObjectWriter, SpooledPart
from support.memory_store import MemoryObjectStore
from support.paths import STORY_EN

from .conftest import LiveArchive
from .helpers import CONSENT_METADATA, send, start

PART_SIZE = 64 * 1024
CHUNK = 100 * 1024


class OpenTransactions:
    """How many transactions the engine has open now, across its connections."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._open = 0
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, _connection: Any) -> None:
        with self._lock:
            self._open += 1

    def _end(self, _connection: Any) -> None:
        with self._lock:
            self._open = max(0, self._open - 1)

    @property
    def now(self) -> int:
        with self._lock:
            return self._open


class WatchedWriter:
    def __init__(self, writer: ObjectWriter, note: Any) -> None:
        self._writer, self._note = writer, note

    def write(self, data: bytes) -> None:
        self._note("writer.write")
        self._writer.write(data)

    def commit(self) -> None:
        self._note("writer.commit")
        self._writer.commit()

    def abort(self) -> None:
        self._note("writer.abort")
        self._writer.abort()


class WatchedStore:
    """Notes each call with the number of transactions open when it was made."""

    def __init__(self, store: MemoryObjectStore, transactions: OpenTransactions) -> None:
        self._store, self._transactions = store, transactions
        self.calls: list[tuple[str, int]] = []

    def _note(self, name: str) -> None:
        self.calls.append((name, self._transactions.now))

    def writer(self, key: str) -> ObjectWriter:
        self._note("writer")
        return WatchedWriter(self._store.writer(key), self._note)

    def open(self, key: str) -> BinaryIO:
        self._note("open")
        return self._store.open(key)

    def iter_range(
        self, key: str, start: int, *, end: int, chunk_size: int = 256 * 1024
    ) -> Iterator[bytes]:
        self._note("iter_range")
        return self._store.iter_range(key, start, end=end, chunk_size=chunk_size)

    def size(self, key: str) -> int:
        self._note("size")
        return self._store.size(key)

    def exists(self, key: str) -> bool:
        self._note("exists")
        return self._store.exists(key)

    def delete(self, key: str) -> None:
        self._note("delete")
        self._store.delete(key)

    def discard_unfinished_writes(self) -> int:
        self._note("discard_unfinished_writes")
        return self._store.discard_unfinished_writes()

    def ping(self) -> bool:
        return self._store.ping()

    def verify_sha256(self, key: str, expected: str) -> bool:
        self._note("verify_sha256")
        return self._store.verify_sha256(key, expected)

    @property
    def spool_part_size(self) -> int | None:
        return self._store.spool_part_size

    def start_spooled(self, key: str) -> str | None:
        self._note("start_spooled")
        return self._store.start_spooled(key)

    def put_spooled_part(
        self, key: str, multipart_id: str, *, number: int, spool: Path
    ) -> SpooledPart:
        self._note("put_spooled_part")
        return self._store.put_spooled_part(key, multipart_id, number=number, spool=spool)

    def complete_spooled(
        self, key: str, multipart_id: str | None, *, parts: list[SpooledPart], spool: Path
    ) -> None:
        self._note("complete_spooled")
        self._store.complete_spooled(key, multipart_id, parts=parts, spool=spool)

    def abort_spooled(self, key: str, multipart_id: str | None) -> None:
        self._note("abort_spooled")
        self._store.abort_spooled(key, multipart_id)


def watched(live: LiveArchive) -> WatchedStore:
    """Puts a watched in-memory store in place of the archive's own."""
    store = WatchedStore(
        MemoryObjectStore(part_size=PART_SIZE), OpenTransactions(live.app.state.engine)
    )
    as_port: ObjectStore = store
    live.app.state.store = as_port
    live.app.state.backends = dataclasses.replace(live.app.state.backends, store=as_port)
    return store


def test_no_store_call_runs_inside_a_transaction(live: LiveArchive) -> None:
    store = watched(live)
    data = STORY_EN.read_bytes()
    assert len(data) > 3 * CHUNK

    created = start(live.url, live.admin, len(data), {"title": "In parts", **CONSENT_METADATA})
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    for offset in range(0, len(data), CHUNK):
        sent = send(url, live.admin, offset, data[offset : offset + CHUNK])
        assert sent.status_code == 204, sent.text
    recording_id = sent.headers["archive-recording-id"]

    ended = start(live.url, live.admin, len(data), {"title": "Stopped", **CONSENT_METADATA})
    ended_url = ended.headers["location"]
    assert send(ended_url, live.admin, 0, data[: 2 * CHUNK]).status_code == 204
    deleted = httpx.delete(ended_url, headers={**live.admin, "Tus-Resumable": "1.0.0"})
    assert deleted.status_code == 204

    story_id = live.story()
    one = httpx.post(
        f"{live.url}/api/v1/stories/{story_id}/recordings",
        headers=live.admin,
        files={"file": ("story.flac", data)},
        timeout=30,
    )
    assert one.status_code == 201, one.text
    refused = httpx.post(
        f"{live.url}/api/v1/stories/{story_id}/recordings",
        headers=live.admin,
        files={"file": ("notes.txt", b"not audio at all\n" * 100)},
    )
    assert refused.status_code in (415, 422), refused.text
    consent = httpx.put(
        f"{live.url}/api/v1/stories/{story_id}/consent",
        headers=live.admin,
        json={"given_by": "Tía Marta", "listen": "community", "searchable": True},
    )
    assert consent.status_code == 200, consent.text
    document = httpx.post(
        f"{live.url}/api/v1/stories/{story_id}/consent/document",
        headers=live.admin,
        files={"file": ("form.pdf", b"%PDF-1.4\n" + b"0" * 1000)},
    )
    assert document.status_code == 200, document.text

    audio = httpx.get(f"{live.url}/api/v1/recordings/{recording_id}/audio", headers=live.admin)
    assert audio.content == data
    ranged = httpx.get(
        f"{live.url}/api/v1/recordings/{recording_id}/audio",
        headers={**live.admin, "Range": "bytes=10-19"},
    )
    assert ranged.status_code == 206
    assert ranged.content == data[10:20]
    kept = httpx.get(f"{live.url}/api/v1/stories/{story_id}/consent/document", headers=live.admin)
    assert kept.content.startswith(b"%PDF-1.4")

    called = {name for name, _ in store.calls}
    assert {
        "start_spooled",
        "put_spooled_part",
        "complete_spooled",
        "abort_spooled",
        "writer",
        "writer.commit",
        "open",
        "delete",
        "iter_range",
    } <= called, called
    inside = [name for name, open_now in store.calls if open_now]
    assert inside == [], inside
