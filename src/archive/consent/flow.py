"""A consent document in and out, in the pattern `archive.backends` describes.

In (one request): a short transaction refuses what may not be added, the bytes stream into
the store and are sniffed outside any transaction, and a short transaction records them.
Stored bytes that do not become the document are removed. Out: a short transaction finds the
document the caller may read; the store is asked for it after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import anyio.to_thread

from archive.backends import Backends
from archive.consent import documents
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.events.actor import Actor
from archive.models import Consent
from archive.recordings.receive import ReceivedObject, RequestBody, receive_multipart_file


async def add_document(
    backends: Backends, viewer: Viewer, *, story_id: uuid.UUID, body: RequestBody, actor: Actor
) -> Consent:
    await anyio.to_thread.run_sync(partial(_check_allowed, backends, viewer, story_id=story_id))
    received = await receive_multipart_file(
        body,
        backends.store,
        key=documents.document_key(story_id),
        limit=backends.settings.max_upload_bytes,
    )
    return await anyio.to_thread.run_sync(
        partial(_register, backends, viewer, story_id=story_id, received=received, actor=actor)
    )


def _check_allowed(backends: Backends, viewer: Viewer, *, story_id: uuid.UUID) -> None:
    with transaction(backends.sessions) as session:
        documents.check_document_allowed(session, viewer, story_id=story_id)


def _register(
    backends: Backends,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    received: ReceivedObject,
    actor: Actor,
) -> Consent:
    store = backends.store
    try:
        content_type = documents.content_type_of(store, received.key)
        with transaction(backends.sessions) as session:
            return documents.record_document(
                session,
                viewer,
                story_id=story_id,
                received=received,
                content_type=content_type,
                actor=actor,
            )
    except BaseException:
        store.delete(received.key)
        raise


@dataclass(frozen=True, slots=True)
class DocumentBytes:
    content_type: str
    size: int
    body: Iterator[bytes]
    """The bytes, streaming from the store; whoever sends them closes it."""


def read_document(backends: Backends, viewer: Viewer, *, story_id: uuid.UUID) -> DocumentBytes:
    with transaction(backends.sessions) as session:
        consent = documents.document_for(session, viewer, story_id=story_id)
        key, size = consent.document_key, consent.document_size
        content_type = consent.document_content_type or "application/octet-stream"
    assert key is not None
    assert size is not None
    return DocumentBytes(content_type, size, backends.store.iter_range(key, 0, end=size - 1))
