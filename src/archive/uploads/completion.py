"""Finishing a resumable upload: its bytes become the object, the object a recording.

Idempotent and recoverable. The steps are: the last offset is committed (the finishing
request keeps the upload's lock); the bytes are put under the upload's object key; the media
is probed; then one transaction makes the new story (for an upload that named one by title),
the recording, its transcription job and the upload's completion. A process that dies at any
step leaves an open upload with all its bytes, found and finished by the next HEAD or PATCH
(`status_of`, `completion.finish_upload`), by `archive serve` as it starts
(`finish_received_uploads`), or by the upload's expiry job. Only bytes that are in neither
the spool nor the store are lost (410).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from archive import faults
from archive.accounts.service import viewer_for_user
from archive.communities.service import with_memberships
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role, Viewer
from archive.errors import ArchiveError, Conflict, Gone, ServiceUnavailable
from archive.ingest.media import MediaInfo
from archive.models import Recording, Upload, UploadLink, User
from archive.recordings.receive import ReceivedObject
from archive.recordings.service import add_recording, probe_stored
from archive.storage.base import ObjectStore
from archive.stories.service import create_story
from archive.uploads import repository
from archive.uploads.service import (
    LOCK_SECONDS,
    LOST_BYTES,
    check_open,
    get_upload,
    multipart_of,
    new_story_of,
    release_lock,
    upload_not_found,
)
from archive.uploads.spool import Spool

log = logging.getLogger(__name__)


class _FinishedMeanwhile(Exception):
    """Another request completed (or ended) the upload first: this transaction rolls back."""


def finish_upload(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    upload_id: uuid.UUID,
    *,
    max_attempts: int | None,
    owner: str | None,
) -> Recording:
    """The recording of an upload that has all its bytes, made now or found made before.

    A refusal (not media we can read, a new story that cannot be made, bytes lost) marks the
    upload refused, removes its bytes and raises the reason; `Gone` for an upload refused or
    ended before. `ServiceUnavailable` while the store does not answer: nothing is lost, the
    next attempt goes on. Lets go of the lock `owner` holds, if any."""
    try:
        return _finish(sessions, store, spool, upload_id, max_attempts=max_attempts)
    finally:
        if owner is not None:
            release_lock(sessions, upload_id, owner)


def _finish(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    upload_id: uuid.UUID,
    *,
    max_attempts: int | None,
) -> Recording:
    with transaction(sessions) as session:
        upload = repository.get_upload(session, upload_id)
        if upload is None:
            raise upload_not_found(upload_id)
        if upload.status == "complete":
            return _recording_of(session, upload)
        check_open(upload)
        if upload.offset != upload.length:
            raise Conflict(
                f"This upload has {upload.offset:,} of its {upload.length:,} bytes; send the "
                "rest from Upload-Offset."
            )
        session.expunge(upload)
    sha256 = _store_object(sessions, store, spool, upload)
    faults.reached("upload.object-stored")
    try:
        info = probe_stored(store, upload.object_key)  # removes what is not media
    except ServiceUnavailable:
        raise
    except ArchiveError as exc:
        _refuse(sessions, upload_id, exc.detail)
        raise
    received = ReceivedObject(upload.object_key, upload.filename, sha256, upload.length)
    try:
        with transaction(sessions) as session:
            recording = _register(session, upload, received, info, max_attempts=max_attempts)
    except _FinishedMeanwhile:
        with transaction(sessions) as session:
            again = repository.get_upload(session, upload_id)
            if again is None:
                raise upload_not_found(upload_id) from None
            if again.status == "complete":
                return _recording_of(session, again)
            check_open(again)
            raise
    except ServiceUnavailable:
        raise
    except ArchiveError as exc:  # the new story could not be made
        store.delete(upload.object_key)
        _refuse(sessions, upload_id, exc.detail)
        raise
    log.info("upload.completed id=%s recording_id=%s", upload_id, recording.id)
    faults.reached("upload.recording-committed")
    return recording


def _recording_of(session: Session, upload: Upload) -> Recording:
    recording = session.get(Recording, upload.recording_id)
    if recording is None:
        raise Gone(
            "This upload became a recording that has since been removed. Start a new "
            "upload to add the recording again."
        )
    return recording


def _store_object(
    sessions: sessionmaker[Session], store: ObjectStore, spool: Spool, upload: Upload
) -> str:
    """Puts the upload's bytes under its object key, once, and returns their SHA-256 (kept
    while the bytes arrived; read back after a restart lost it)."""
    running = spool.digest_at(upload.id, upload.length)
    digest = running.result() if running is not None and running.exception() is None else None
    key = upload.object_key
    if not store.exists(key):
        in_spool = upload.length - sum(int(part["Size"]) for part in upload.parts)
        if spool.size(upload.id) < in_spool:
            if not store.exists(key):  # not put there meanwhile by another request
                _refuse(sessions, upload.id, LOST_BYTES)
                spool.remove(upload.id)
                raise Gone(f"{LOST_BYTES} Start the upload again; we are sorry for the trouble.")
        else:
            path = spool.path(upload.id)
            path.touch()
            if spool.size(upload.id) > in_spool:
                spool.truncate(upload.id, in_spool)  # a part recorded as sent, or a cut request
            spool.sync(upload.id)
            multipart_id = multipart_of(sessions, store, upload)
            try:
                store.complete_spooled(key, multipart_id, list(upload.parts), path)
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


def _register(
    session: Session,
    upload: Upload,
    received: ReceivedObject,
    info: MediaInfo,
    *,
    max_attempts: int | None,
) -> Recording:
    """One transaction: the upload's completion, its new story, the recording and its job."""
    if not repository.mark_complete(session, upload.id):
        raise _FinishedMeanwhile
    story_id = upload.story_id
    if story_id is None:
        data = new_story_of(upload.upload_metadata)
        story_id = create_story(session, _uploader(session, upload), data).id
        repository.attach_story(session, upload.id, story_id)
    return add_recording(
        session,
        story_id=story_id,
        recording_id=upload.recording_id or uuid.uuid4(),
        received=received,
        info=info,
        uploaded_by=upload.created_by,
        upload_link_id=upload.upload_link_id,
        max_attempts=max_attempts,
    )


def _uploader(session: Session, upload: Upload) -> Viewer:
    """Whoever started the upload, as they are now: the new story is theirs, whoever's
    request finishes it."""
    if upload.upload_link_id is not None:
        link = session.get(UploadLink, upload.upload_link_id)
        if link is not None:
            return Viewer(
                user_id=None,
                role=Role.CONTRIBUTOR,
                link_id=link.id,
                link_collection_id=link.collection_id,
            )
    elif upload.created_by is not None:
        user = session.get(User, upload.created_by)
        if user is not None:
            return with_memberships(session, viewer_for_user(session, user))
    raise Gone(
        "Whoever started this upload is no longer known to the archive (the account or the "
        "upload link was removed), so its story cannot be made. Start a new upload."
    )


def _refuse(sessions: sessionmaker[Session], upload_id: uuid.UUID, error: str) -> None:
    with transaction(sessions) as session:
        repository.refuse(session, upload_id, error)


def status_of(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    viewer: Viewer,
    upload_id: uuid.UUID,
    *,
    max_attempts: int,
) -> Upload:
    """The upload as the caller may see it (HEAD). One that has all its bytes but no
    recording, and that no request is finishing now, is finished first."""
    with transaction(sessions) as session:
        upload = get_upload(session, viewer, upload_id)
        if upload.status != "open" or upload.offset != upload.length:
            return upload
        owner = uuid.uuid4().hex
        now = utcnow()
        taken = repository.take_lock(
            session, upload_id, owner, now, now + timedelta(seconds=LOCK_SECONDS)
        )
    if taken:
        try:
            finish_upload(sessions, store, spool, upload_id, max_attempts=max_attempts, owner=owner)
        except ArchiveError as exc:
            log.info("upload.not_finished id=%s status=%s", upload_id, exc.status)
    with transaction(sessions) as session:
        return get_upload(session, viewer, upload_id)


def finish_received_uploads(
    sessions: sessionmaker[Session], store: ObjectStore, spool: Spool, *, max_attempts: int
) -> int:
    """Finishes every open upload that has all its bytes (a process stopped while finishing
    it); for `archive serve` as it starts. Returns how many became recordings."""
    with transaction(sessions) as session:
        received = repository.received_but_unfinished(session)
    finished = 0
    for upload_id in received:
        try:
            finish_upload(sessions, store, spool, upload_id, max_attempts=max_attempts, owner=None)
        except ArchiveError as exc:
            log.warning("upload.not_finished id=%s detail=%s", upload_id, exc.detail)
            continue
        finished += 1
    return finished
