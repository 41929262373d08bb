"""Streaming a PATCH body into an upload's spool: bounded memory, the running SHA-256 and
the chunk's own checksum updated in the same pass, the write lock renewed while it lasts."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from archive.blockwriter import BlockWriter
from archive.domain.tus import Checksum
from archive.errors import ChecksumMismatch, PayloadTooLarge
from archive.uploads import service
from archive.uploads.service import UploadState
from archive.uploads.spool import Spool

RENEW_EVERY_SECONDS = 10.0


@dataclass
class Appended:
    offset: int
    """The upload's offset after the bytes that arrived."""
    digest: Any | None
    """The running SHA-256 of the whole upload so far, when it is known."""
    cut_off: bool
    """The client went away mid-request."""


class _Writer:
    def __init__(self, spool: Spool, state: UploadState, checksum: Checksum | None) -> None:
        self.spool = spool
        self.state = state
        self.whole = spool.digest_at(state.id, state.offset)
        self.piece = hashlib.new(checksum.algorithm) if checksum else None

    def write(self, data: bytes) -> None:
        self.spool.append(self.state.id, data)
        if self.whole is not None:
            self.whole.update(data)
        if self.piece is not None:
            self.piece.update(data)


async def append_body(
    request: Request,
    sessions: sessionmaker[Session],
    spool: Spool,
    state: UploadState,
    checksum: Checksum | None,
    owner: str,
) -> Appended:
    """Appends the request body at the upload's offset. Raises `PayloadTooLarge` past the
    upload's length and `ChecksumMismatch` for a damaged chunk; the caller then discards what
    this request appended. A client that goes away keeps what arrived, unless it sent a
    checksum (an incomplete chunk cannot match it)."""
    writer = _Writer(spool, state, checksum)
    blocks = BlockWriter(writer.write)
    remaining = state.length - state.offset
    received = 0
    renewed = time.monotonic()
    cut_off = False
    try:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > remaining:
                    raise PayloadTooLarge(
                        f"This chunk goes past the upload's declared length ({state.length:,} "
                        "bytes). Send only the bytes that remain."
                    )
                await blocks.add(chunk)
                if time.monotonic() - renewed > RENEW_EVERY_SECONDS:
                    await run_in_threadpool(service.renew_lock, sessions, state.id, owner)
                    renewed = time.monotonic()
        except ClientDisconnect:
            cut_off = True
        await blocks.flush()
    except BaseException:
        await blocks.close()
        raise
    if checksum is not None:
        if cut_off:
            return Appended(state.offset, None, cut_off=True)
        assert writer.piece is not None
        if writer.piece.digest() != checksum.digest:
            raise ChecksumMismatch(
                f"The {checksum.algorithm} checksum of this chunk does not match what arrived, "
                "so the chunk was discarded. Send it again from the same offset."
            )
    return Appended(state.offset + received, writer.whole, cut_off)
