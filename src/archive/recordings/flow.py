"""A recording uploaded in one request, in the pattern `archive.backends` describes: a short
transaction refuses what may not be uploaded, the bytes stream into the store and are probed
outside any transaction, and a short transaction makes the recording and its job. Stored
bytes that do not become a recording are removed."""

from __future__ import annotations

import uuid
from functools import partial

import anyio.to_thread

from archive.backends import Backends
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.domain.keys import original_key
from archive.models import Recording
from archive.recordings import service
from archive.recordings.receive import ReceivedObject, RequestBody, receive_multipart_file


async def upload_recording(
    backends: Backends, viewer: Viewer, *, story_id: uuid.UUID, body: RequestBody
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
            )
    except BaseException:
        store.delete(received.key)
        raise
