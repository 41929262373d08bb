"""Receiving an upload's bytes: streamed into the object store while SHA-256 and the size are
computed, in bounded memory, refused as soon as it passes the size limit."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass

import anyio.to_thread

from archive.blockwriter import BlockWriter
from archive.errors import PayloadTooLarge, Unprocessable
from archive.recordings.multipart import MultipartFileReader
from archive.storage.base import ObjectStore, ObjectWriter

FORM_OVERHEAD_BYTES = 64 * 1024
FIELD_NAME = "file"
MULTIPART_FILE_BODY: dict[str, object] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD_NAME],
                    "properties": {
                        FIELD_NAME: {
                            "type": "string",
                            "format": "binary",
                            "description": "The recording: WAV, FLAC, MP3, M4A/MP4/MOV, "
                            "OGG/Opus, WebM/MKV or AAC. What it is is read from its bytes, "
                            "never from its name or declared type.",
                        }
                    },
                }
            }
        },
    }
}
"""The OpenAPI description of a request read by `receive_multipart_file` (which FastAPI
cannot infer: the body is streamed, not declared as a parameter)."""


@dataclass(frozen=True, slots=True)
class RequestBody:
    """A request's body as it streams in, and the headers that describe it."""

    chunks: AsyncIterable[bytes]
    content_type: str
    content_length: str | None


@dataclass(frozen=True, slots=True)
class ReceivedObject:
    key: str
    filename: str
    sha256: str
    size: int


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"This upload is larger than this archive accepts ({limit:,} bytes). Split the "
        "recording into parts, or ask the administrator to raise ARCHIVE_MAX_UPLOAD_BYTES."
    )


class _HashingSink:
    """Counts, hashes and stores the file's bytes; the hashing and writing happen in the
    block writer's thread, beside the event loop that keeps reading the request."""

    def __init__(self, writer: ObjectWriter, limit: int) -> None:
        self.writer = writer
        self.limit = limit
        self.digest = hashlib.sha256()
        self.size = 0
        self.blocks = BlockWriter([self.writer.write, self.digest.update])

    async def add(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.size += len(chunk)
            if self.size > self.limit:
                raise too_large(self.limit)
            await self.blocks.add(chunk)


async def receive_multipart_file(
    body: RequestBody, store: ObjectStore, *, key: str, limit: int
) -> ReceivedObject:
    """Stores the `file` field of a multipart request under `key` and commits it.

    Leaves no object behind when it raises.
    """
    declared = body.content_length
    if declared and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD_BYTES:
        raise too_large(limit)
    reader = MultipartFileReader(body.content_type, FIELD_NAME)
    writer = await anyio.to_thread.run_sync(store.writer, key)
    sink = _HashingSink(writer, limit)
    body_bytes = 0
    try:
        async for chunk in body.chunks:
            body_bytes += len(chunk)
            if body_bytes > limit + FORM_OVERHEAD_BYTES:
                raise too_large(limit)
            reader.feed(chunk)
            await sink.add(reader.take())
        if not reader.found:
            raise Unprocessable(
                f"The form has no `{FIELD_NAME}` field. Send the recording as "
                f"{FIELD_NAME}=@story.flac (curl -F)."
            )
        if not reader.finished:
            raise Unprocessable(
                "The upload ended before the whole form arrived. Send the recording again."
            )
        await sink.blocks.flush()
        await anyio.to_thread.run_sync(writer.commit)
    except BaseException:
        await sink.blocks.close()
        await anyio.to_thread.run_sync(writer.abort)
        raise
    return ReceivedObject(
        key=key, filename=reader.filename or "", sha256=sink.digest.hexdigest(), size=sink.size
    )
