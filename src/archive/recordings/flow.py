"""A recording's bytes in and out, in the pattern `archive.backends` describes.

In (one request): a short transaction refuses what may not be uploaded, the bytes stream into
the store and are probed outside any transaction, and a short transaction makes the recording
and its job. Stored bytes that do not become a recording are removed.

Out: a short transaction decides which bytes the caller may hear, the store is asked for them
outside it, and a short transaction records the read (only once the bytes are on their way).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import anyio.to_thread

from archive.backends import Backends
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.domain.keys import original_key
from archive.domain.ranges import ByteRange, UnsatisfiableRange, parse_range
from archive.errors import ArchiveError, RangeNotSatisfiable
from archive.events.actor import Actor
from archive.models import Recording
from archive.recordings import service
from archive.recordings.receive import ReceivedObject, RequestBody, receive_multipart_file
from archive.recordings.service import AudioObject
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)


async def upload_recording(
    backends: Backends, viewer: Viewer, *, story_id: uuid.UUID, body: RequestBody, actor: Actor
) -> Recording:
    await anyio.to_thread.run_sync(
        partial(_check_upload_allowed, backends, viewer, story_id=story_id)
    )
    recording_id = uuid.uuid4()
    received = await receive_multipart_file(
        body,
        backends.store,
        key=original_key(story_id, recording_id),
        limit=backends.settings.max_upload_bytes,
    )
    return await anyio.to_thread.run_sync(
        partial(
            _register,
            backends,
            viewer,
            story_id=story_id,
            recording_id=recording_id,
            received=received,
            actor=actor,
        )
    )


def _check_upload_allowed(backends: Backends, viewer: Viewer, *, story_id: uuid.UUID) -> None:
    with transaction(backends.sessions) as session:
        service.check_upload_allowed(session, viewer, story_id=story_id)


def _register(
    backends: Backends,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    recording_id: uuid.UUID,
    received: ReceivedObject,
    actor: Actor,
) -> Recording:
    """Turns stored bytes into a recording and its transcription job, in one transaction."""
    store = backends.store
    info = service.probe_stored(store, received.key)
    try:
        with transaction(backends.sessions) as session:
            return service.add_uploaded_recording(
                session,
                viewer,
                story_id=story_id,
                recording_id=recording_id,
                received=received,
                info=info,
                max_attempts=backends.settings.job_max_attempts,
                actor=actor,
            )
    except BaseException:
        store.delete(received.key)
        raise


@dataclass(frozen=True, slots=True)
class AudioBytes:
    audio: AudioObject
    wanted: ByteRange | None
    """The range asked for (`Range`), or None for the whole object."""
    body: Iterator[bytes]
    """The bytes, streaming from the store; whoever sends them closes it."""


def read_audio(
    backends: Backends,
    viewer: Viewer | None,
    *,
    recording_id: uuid.UUID,
    range_header: str | None,
    actor: Actor,
) -> AudioBytes:
    """The bytes the caller may hear of a recording, and their audit. A 416 carries no bytes
    and is not audited; nor is a store that does not answer (503)."""
    with transaction(backends.sessions) as session:
        audio = service.audio_to_serve(session, viewer, recording_id=recording_id)
    size = audio.size
    try:
        wanted = parse_range(range_header, size)
    except UnsatisfiableRange as exc:
        raise RangeNotSatisfiable(
            f"This recording has {size:,} bytes; ask for a range inside it.",
            headers={"Content-Range": f"bytes */{size}"},
        ) from exc
    store = backends.store
    if wanted is not None:
        body = store.iter_range(audio.key, wanted.start, end=wanted.end)
    else:
        body = store.iter_range(audio.key, 0, end=size - 1) if size else iter(())
    try:
        with transaction(backends.sessions) as session:
            service.note_read(session, viewer, recording_id=recording_id, what="audio", actor=actor)
    except BaseException:
        close = getattr(body, "close", None)
        if close is not None:
            close()
        raise
    return AudioBytes(audio, wanted, body)


def remove_deaccessioned(store: ObjectStore, *, recording_id: uuid.UUID, keys: list[str]) -> None:
    """Removes a deaccessioned recording's bytes, once its tombstone is committed. Bytes that
    cannot be removed stay under the tombstone, and the next fixity audit reports them
    (`tombstone_holds_bytes`)."""
    for key in keys:
        try:
            store.delete(key)
        except ArchiveError:
            log.warning("deaccession.bytes_kept recording=%s key=%s", recording_id, key)
