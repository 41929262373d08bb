"""Finishing a resumable upload: its bytes become the object, the object a recording.

Idempotent and recoverable, in the pattern `archive.backends` describes. The steps are: the
last offset is committed (the finishing request keeps the upload's lock); the bytes are put
under the upload's object key; the media is probed; then one transaction makes the new story
(for an upload that named one by title), the recording, its transcription job and the
upload's completion. A process that dies at any step leaves an open upload with all its
bytes, found and finished by the next HEAD or PATCH (`status_of`, `finish_upload`), by
`archive serve` as it starts (`finish_received_uploads`), or by the upload's expiry job. Only
bytes that are in neither the spool nor the store are lost (410).
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from archive import faults
from archive.backends import Backends
from archive.db.session import transaction
from archive.domain.access import Viewer
from archive.errors import ArchiveError, Conflict, ServiceUnavailable
from archive.events.actor import SYSTEM, Actor
from archive.models import Recording, Upload
from archive.recordings.receive import ReceivedObject
from archive.recordings.service import probe_stored
from archive.storage.base import ObjectStore
from archive.uploads import service
from archive.uploads.flow import multipart_of, release_lock
from archive.uploads.service import LOST_BYTES, FinishedMeanwhile, check_open, upload_not_found

log = logging.getLogger(__name__)


def finish_upload(
    backends: Backends,
    upload_id: uuid.UUID,
    *,
    max_attempts: int | None,
    owner: str | None,
    actor: Actor,
) -> Recording:
    """The recording of an upload that has all its bytes, made now or found made before.

    A refusal (not media we can read, a new story that cannot be made, bytes lost) marks the
    upload refused, removes its bytes and raises the reason; `Gone` for an upload refused or
    ended before. `ServiceUnavailable` while the store does not answer: nothing is lost, the
    next attempt goes on. Lets go of the lock `owner` holds, if any. `actor` is the request
    (or `SYSTEM`: a job, the server starting) that finishes it; the events name the uploader."""
    try:
        return _finish(backends, upload_id, max_attempts=max_attempts, actor=actor)
    finally:
        if owner is not None:
            release_lock(backends, upload_id, owner=owner)


def _finish(
    backends: Backends, upload_id: uuid.UUID, *, max_attempts: int | None, actor: Actor
) -> Recording:
    store = backends.store
    with transaction(backends.sessions) as session:
        upload = service.detached_upload(session, upload_id)
        if upload is None:
            raise upload_not_found(upload_id)
        if upload.status == "complete":
            return service.recording_of(session, upload)
        check_open(upload)
        if upload.offset != upload.length:
            raise Conflict(
                f"This upload has {upload.offset:,} of its {upload.length:,} bytes; send the "
                "rest from Upload-Offset."
            )
    sha256 = _store_object(backends, upload)
    faults.reached("upload.object-stored")
    try:
        info = probe_stored(store, upload.object_key)  # removes what is not media
    except ServiceUnavailable:
        raise
    except ArchiveError as exc:
        _refuse(backends, upload_id, error=exc.detail)
        raise
    received = ReceivedObject(upload.object_key, upload.filename, sha256, upload.length)
    try:
        with transaction(backends.sessions) as session:
            recording = service.complete_upload(
                session,
                upload,
                received=received,
                info=info,
                max_attempts=max_attempts,
                actor=actor,
            )
    except FinishedMeanwhile:
        with transaction(backends.sessions) as session:
            again = service.detached_upload(session, upload_id)
            if again is None:
                raise upload_not_found(upload_id) from None
            if again.status == "complete":
                return service.recording_of(session, again)
            check_open(again)
            raise
    except ServiceUnavailable:
        raise
    except ArchiveError as exc:  # the new story could not be made
        store.delete(upload.object_key)
        _refuse(backends, upload_id, error=exc.detail)
        raise
    log.info("upload.completed id=%s recording_id=%s", upload_id, recording.id)
    faults.reached("upload.recording-committed")
    return recording


def _store_object(backends: Backends, upload: Upload) -> str:
    """Puts the upload's bytes under its object key, once, and returns their SHA-256 (kept
    while the bytes arrived; read back after a restart lost it)."""
    store, spool = backends.store, backends.spool
    running = spool.digest_at(upload.id, upload.length)
    digest = running.result() if running is not None and running.exception() is None else None
    key = upload.object_key
    if not store.exists(key):
        parts = service.parts_of(upload)
        in_spool = upload.length - sum(part.size for part in parts)
        if spool.size(upload.id) < in_spool:
            if not store.exists(key):  # not put there meanwhile by another request
                _refuse(backends, upload.id, error=LOST_BYTES)
                spool.remove(upload.id)
                raise service.lost_bytes()
        else:
            path = spool.path(upload.id)
            path.touch()
            if spool.size(upload.id) > in_spool:
                spool.truncate(upload.id, in_spool)  # a part recorded as sent, or a cut request
            spool.sync(upload.id)
            multipart_id = multipart_of(backends, upload)
            try:
                store.complete_spooled(key, multipart_id, parts=parts, spool=path)
            except (FileExistsError, ServiceUnavailable):
                if not store.exists(key):
                    raise
    spool.remove(upload.id)
    return digest.hexdigest() if digest is not None else _read_back_sha256(store, key)


def _read_back_sha256(store: ObjectStore, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse(backends: Backends, upload_id: uuid.UUID, *, error: str) -> None:
    with transaction(backends.sessions) as session:
        service.refuse(session, upload_id, error=error)


def status_of(backends: Backends, viewer: Viewer, *, upload_id: uuid.UUID, actor: Actor) -> Upload:
    """The upload as the caller may see it (HEAD). One that has all its bytes but no
    recording, and that no request is finishing now, is finished first."""
    with transaction(backends.sessions) as session:
        upload = service.get_upload(session, viewer, upload_id=upload_id)
        if upload.status != "open" or upload.offset != upload.length:
            return upload
        owner = uuid.uuid4().hex
        taken = service.take_lock(session, upload_id, owner=owner)
    if taken:
        try:
            finish_upload(
                backends,
                upload_id,
                max_attempts=backends.settings.job_max_attempts,
                owner=owner,
                actor=actor,
            )
        except ArchiveError as exc:
            log.info("upload.not_finished id=%s status=%s", upload_id, exc.status)
    with transaction(backends.sessions) as session:
        return service.get_upload(session, viewer, upload_id=upload_id)


def finish_received_uploads(backends: Backends) -> int:
    """Finishes every open upload that has all its bytes (a process stopped while finishing
    it); for `archive serve` as it starts. Returns how many became recordings."""
    with transaction(backends.sessions) as session:
        received = service.received_but_unfinished(session)
    finished = 0
    for upload_id in received:
        try:
            finish_upload(
                backends,
                upload_id,
                max_attempts=backends.settings.job_max_attempts,
                owner=None,
                actor=SYSTEM,
            )
        except ArchiveError as exc:
            log.warning("upload.not_finished id=%s detail=%s", upload_id, exc.detail)
            continue
        finished += 1
    return finished
