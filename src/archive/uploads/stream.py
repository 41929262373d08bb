"""Streaming a PATCH body into an upload's spool: bounded memory, the running SHA-256 and
the chunk's own checksum updated beside the writing, the write lock renewed while it lasts.

The request answers once its bytes are written; the running SHA-256 of the whole upload may
still be catching up then (it is only read when the upload completes). A chunk sent with its
own checksum waits for that checksum, which must match before the offset moves.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, BinaryIO

import anyio.to_thread

from archive.backends import Backends
from archive.blockwriter import BlockWriter
from archive.domain.tus import Checksum
from archive.errors import ChecksumMismatch, PayloadTooLarge
from archive.storage.spool import Digest, Spool
from archive.uploads import flow
from archive.uploads.service import UploadState
from archive.writeback import write_through

RENEW_EVERY_SECONDS = 10.0


class ClientGone(Exception):
    """Raised by a request body whose client went away mid-request."""


@dataclass
class Appended:
    offset: int
    """The upload's offset after the bytes that arrived."""
    digest: Digest | None
    """The running SHA-256 of the whole upload so far, when it is known."""
    cut_off: bool
    """The client went away mid-request."""


class _Writer:
    """`write` runs in one thread, `hash` and `finish` in another."""

    def __init__(self, spool: Spool, state: UploadState, *, checksum: Checksum | None) -> None:
        self.spool = spool
        self.state = state
        self.previous = spool.digest_at(state.id, state.offset)
        self.whole: Any | None = None
        self.started = False
        self.piece = hashlib.new(checksum.algorithm) if checksum else None
        self.file: BinaryIO | None = None
        self.position = state.offset - state.spool_base

    def write(self, data: bytes) -> None:
        if self.file is None:
            self.file = self.spool.appender(self.state.id)
        self.position = write_through(self.file, data, position=self.position)

    def close(self) -> None:
        """Once the writing thread is done with the file."""
        if self.file is not None:
            self.file.close()

    def hash(self, data: bytes) -> None:
        if not self.started:
            self._start()
        if self.whole is not None:
            self.whole.update(data)
        if self.piece is not None:
            self.piece.update(data)

    def _start(self) -> None:
        """Continues from the previous request's digest, once its hashing has finished."""
        self.started = True
        if self.previous is not None and self.previous.exception() is None:
            previous = self.previous.result()
            self.whole = previous.copy() if previous is not None else None

    def finish(self) -> Any | None:
        if not self.started:
            self._start()
        return self.whole

    def piece_digest(self) -> bytes:
        assert self.piece is not None
        return self.piece.digest()


async def append_body(
    body: AsyncIterable[bytes],
    backends: Backends,
    *,
    state: UploadState,
    checksum: Checksum | None,
    owner: str,
) -> Appended:
    """Appends the request body at the upload's offset. Raises `PayloadTooLarge` past the
    upload's length and `ChecksumMismatch` for a damaged chunk; the caller then discards what
    this request appended. A client that goes away (`body` raises `ClientGone`) keeps what
    arrived, unless it sent a checksum (an incomplete chunk cannot match it)."""
    writer = _Writer(backends.spool, state, checksum=checksum)
    blocks = BlockWriter([writer.write, writer.hash])
    remaining = state.length - state.offset
    received = 0
    renewed = time.monotonic()
    cut_off = False
    try:
        try:
            async for chunk in body:
                received += len(chunk)
                if received > remaining:
                    raise PayloadTooLarge(
                        f"This chunk goes past the upload's declared length ({state.length:,} "
                        "bytes). Send only the bytes that remain."
                    )
                await blocks.add(chunk)
                if time.monotonic() - renewed > RENEW_EVERY_SECONDS:
                    await anyio.to_thread.run_sync(
                        partial(flow.renew_lock, backends, state.id, owner=owner)
                    )
                    renewed = time.monotonic()
        except ClientGone:
            cut_off = True
        whole: Digest = await blocks.then(1, writer.finish)
        piece: Future[bytes] | None = (
            await blocks.then(1, writer.piece_digest) if checksum else None
        )
        await blocks.flush(wait_for=[0])
    except BaseException:
        await blocks.close()
        raise
    finally:
        writer.close()
    if checksum is not None:
        if cut_off:
            return Appended(state.offset, writer.previous, cut_off=True)
        assert piece is not None
        if await asyncio.wrap_future(piece) != checksum.digest:
            raise ChecksumMismatch(
                f"The {checksum.algorithm} checksum of this chunk does not match what arrived, "
                "so the chunk was discarded. Send it again from the same offset."
            )
    return Appended(state.offset + received, whole, cut_off)
