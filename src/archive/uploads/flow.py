"""Creating, appending to and terminating a resumable upload, as short transactions with the
spool's and the object store's I/O between them (the pattern `archive.backends` describes).

An upload's bytes gather in the local spool and, for an S3 store, move into an S3 multipart
upload a part at a time. The state between the steps can be resumed: bytes in the spool past
the committed offset are trimmed by the next request, and a part sent but not recorded is
sent again under the same number. `uploads.completion` finishes an upload.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from archive import faults
from archive.backends import Backends
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.events.actor import Actor
from archive.models import Upload
from archive.storage.spool import Digest
from archive.uploads import service
from archive.uploads.service import LOST_BYTES, UploadState


@dataclass(frozen=True, slots=True)
class PatchEnd:
    expires_at: datetime
    """The upload's new expiry, counted from this request."""
    received_all: bool
    """This request brought the last byte: the caller goes on to complete the upload,
    holding the upload's write lock."""


def _new_expiry(backends: Backends) -> datetime:
    return utcnow() + timedelta(hours=backends.settings.upload_expiry_hours)


def create_upload(
    backends: Backends, viewer: Viewer, *, length: int, metadata: dict[str, str], actor: Actor
) -> UploadState:
    """Records a new upload and makes its spool file."""
    service.refuse_if_over(length, backends.settings.max_upload_bytes)
    with transaction(backends.sessions) as session:
        state = service.record_upload(
            session,
            viewer,
            length=length,
            metadata=metadata,
            expires_at=_new_expiry(backends),
            actor=actor,
        )
    backends.spool.create(state.id)
    return state


def begin_patch(
    backends: Backends,
    caller: Callable[[Session], Viewer],
    *,
    upload_id: uuid.UUID,
    offset: int,
    owner: str,
) -> UploadState:
    """Finds the caller, checks the offset, takes the upload's write lock, and trims the
    spool to the committed offset (bytes past it are from a request that never finished, or
    a part already recorded as sent)."""
    spool = backends.spool
    with transaction(backends.sessions) as session:
        state = service.lock_for_patch(
            session, caller(session), upload_id=upload_id, offset=offset, owner=owner
        )
        spooled = spool.size(upload_id)
        lost = offset < state.length and spooled < offset - state.spool_base
        if lost:
            service.refuse(session, upload_id, error=LOST_BYTES)
    if lost:
        spool.remove(upload_id)
        raise service.lost_bytes()
    if offset < state.length and spooled > offset - state.spool_base:
        spool.truncate(upload_id, offset - state.spool_base)
    return state


def renew_lock(backends: Backends, upload_id: uuid.UUID, *, owner: str) -> None:
    with transaction(backends.sessions) as session:
        service.take_lock(session, upload_id, owner=owner)


def release_lock(backends: Backends, upload_id: uuid.UUID, *, owner: str) -> None:
    with transaction(backends.sessions) as session:
        service.release_lock(session, upload_id, owner=owner)


def abort_patch(backends: Backends, state: UploadState, *, owner: str) -> None:
    """Puts the spool back as the last committed offset left it, and lets go of the lock."""
    if state.offset < state.length:
        backends.spool.truncate(state.id, state.offset - state.spool_base)
    release_lock(backends, state.id, owner=owner)


def multipart_of(backends: Backends, upload: Upload) -> str | None:
    """The upload's multipart id, starting one (outside any transaction) for a store that
    sends parts and recording it. A multipart started by a process that died before
    recording it is left to the bucket's lifecycle rule; this one is used instead."""
    store = backends.store
    if upload.multipart_id is not None or store.spool_part_size is None:
        return upload.multipart_id
    multipart_id = store.start_spooled(upload.object_key)
    if multipart_id is None:
        return None
    with transaction(backends.sessions) as session:
        return service.record_multipart(session, upload.id, multipart_id=multipart_id)


def end_patch(
    backends: Backends,
    state: UploadState,
    *,
    new_offset: int,
    owner: str,
    digest: Digest | None,
) -> PatchEnd:
    """Commits the new offset. At the last byte the lock is kept: the caller completes the
    upload (`completion.finish_upload`) and lets go of it.

    The bytes are written and on their way to the disk (`archive.writeback`), not yet
    flushed (as tusd's file store does): a server process that dies loses nothing the kernel
    holds, and flushing every chunk would halve the throughput. A machine that loses power
    may lose the last chunks; the next request finds the spool shorter than the offset and
    says so (`begin_patch`). The whole upload is flushed once, before it becomes a recording.

    Enough bytes for an object-store part are sent as one, outside any transaction, then
    recorded with the offset; a process that dies between the two sends the part again under
    the same number when the client resends its bytes.
    """
    store, spool = backends.store, backends.spool
    expires_at = _new_expiry(backends)
    received_all = new_offset == state.length
    part_size = store.spool_part_size
    parts = None
    if part_size is not None and not received_all and spool.size(state.id) >= part_size:
        with transaction(backends.sessions) as session:
            upload = service.detached_upload(session, state.id)
        assert upload is not None
        multipart_id = multipart_of(backends, upload)
        assert multipart_id is not None
        sent = service.parts_of(upload)
        part = store.put_spooled_part(
            upload.object_key, multipart_id, number=len(sent) + 1, spool=spool.path(state.id)
        )
        parts = [*sent, part]
    with transaction(backends.sessions) as session:
        service.commit_offset(
            session,
            state.id,
            owner=owner,
            offset=new_offset,
            expires_at=expires_at,
            parts=parts,
            keep_lock=received_all,
        )
    spool.remember(state.id, new_offset, digest=digest)
    if received_all:
        faults.reached("upload.offset-committed")
    return PatchEnd(expires_at, received_all)


def terminate_upload(
    backends: Backends, viewer: Viewer, *, upload_id: uuid.UUID, actor: Actor
) -> None:
    """Ends an open upload and removes its bytes (the spool, the parts sent)."""
    with transaction(backends.sessions) as session:
        upload = service.terminate(session, viewer, upload_id=upload_id, actor=actor)
        if upload is None:
            return
        key, multipart_id = upload.object_key, upload.multipart_id
    backends.store.abort_spooled(key, multipart_id)
    backends.spool.remove(upload_id)
