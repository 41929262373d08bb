"""Resumable uploads (tus): creating, appending, completing, terminating and expiring them.

An upload's bytes gather in the local spool and, for an S3 store, move into an S3 multipart
upload a part at a time; the offset in the database only ever moves forward, and only after
the bytes it counts are on disk. When the last byte arrives the upload becomes a Recording
exactly as a one-request upload does (probe, SHA-256, transcription job, one transaction).
Functions that touch the object store run their own short transactions through the session
factory they are given, so no transaction is held while bytes move.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy.orm import Session, sessionmaker

from archive.consent.schemas import ConsentIn
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Viewer, is_curator
from archive.domain.jobs import JobKind
from archive.domain.keys import original_key
from archive.errors import (
    ArchiveError,
    Conflict,
    Gone,
    Locked,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
)
from archive.events.repository import add_event
from archive.ingest import queue
from archive.models import Recording, Upload
from archive.recordings.receive import ReceivedObject
from archive.recordings.service import register_upload, require_story_for_recording
from archive.settings import Settings
from archive.storage.base import ObjectStore
from archive.stories.schemas import StoryCreate
from archive.stories.service import create_story
from archive.upload_links.service import take_upload
from archive.uploads import repository
from archive.uploads.spool import Digest, Spool

LOCK_SECONDS = 30.0
EXPIRY_GRACE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class UploadState:
    """What a request streaming into an upload needs, read once at its start."""

    id: uuid.UUID
    story_id: uuid.UUID
    length: int
    offset: int
    spool_base: int
    """Bytes already moved out of the spool into the object store's parts."""
    expires_at: datetime
    """When the upload expires unless more bytes arrive (`Upload-Expires`)."""


@dataclass(frozen=True, slots=True)
class PatchEnd:
    expires_at: datetime
    """The upload's new expiry, counted from this request."""
    recording: Recording | None
    """The recording, when this request brought the last byte."""


def upload_not_found(upload_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no upload {upload_id} of yours. Start a new upload with POST /api/v1/uploads."
    )


def _may_see(
    viewer: Viewer, created_by: uuid.UUID | None, upload_link_id: uuid.UUID | None
) -> bool:
    if viewer.link_id is not None:
        return upload_link_id == viewer.link_id
    if viewer.user_id is not None and created_by == viewer.user_id:
        return True
    return is_curator(viewer)


def get_upload(session: Session, viewer: Viewer, upload_id: uuid.UUID) -> Upload:
    upload = repository.get_upload(session, upload_id)
    if upload is None or not _may_see(viewer, upload.created_by, upload.upload_link_id):
        raise upload_not_found(upload_id)
    return upload


def refuse_if_over(settings: Settings, length: int) -> None:
    if length > settings.max_upload_bytes:
        raise PayloadTooLarge(
            f"This upload ({length:,} bytes) is larger than this archive accepts "
            f"({settings.max_upload_bytes:,} bytes). Split the recording, or ask the "
            "administrator to raise ARCHIVE_MAX_UPLOAD_BYTES."
        )


def _consent_from_metadata(metadata: dict[str, str]) -> ConsentIn | None:
    if "consent_given_by" not in metadata:
        return None
    fields: dict[str, Any] = {
        "given_by": metadata["consent_given_by"],
        "listen": metadata.get("consent_listen", ""),
        "searchable": metadata.get("consent_searchable", "").lower() in ("true", "yes", "1"),
    }
    if metadata.get("consent_embargo_until"):
        fields["embargo_until"] = metadata["consent_embargo_until"]
    try:
        return ConsentIn.model_validate(fields)
    except ValueError as exc:
        raise Unprocessable(
            "The consent in Upload-Metadata is incomplete: give consent_given_by, "
            "consent_listen (public, community, family or private) and consent_searchable "
            "(true or false)."
        ) from exc


def _story_for_upload(session: Session, viewer: Viewer, metadata: dict[str, str]) -> uuid.UUID:
    if metadata.get("story_id"):
        try:
            story_id = uuid.UUID(metadata["story_id"])
        except ValueError as exc:
            raise Unprocessable("Upload-Metadata story_id is not a story id.") from exc
        require_story_for_recording(session, viewer, story_id)
        return story_id
    if metadata.get("title"):
        data = StoryCreate(title=metadata["title"], consent=_consent_from_metadata(metadata))
        return create_story(session, viewer, data).id
    raise Unprocessable(
        "Say which story this recording belongs to: Upload-Metadata `story_id` (an existing "
        "story) or `title` (a new one)."
    )


def create_upload(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    settings: Settings,
    viewer: Viewer,
    length: int,
    metadata: dict[str, str],
) -> UploadState:
    refuse_if_over(settings, length)
    upload_id, recording_id = uuid.uuid4(), uuid.uuid4()
    with transaction(sessions) as session:
        story_id = _story_for_upload(session, viewer, metadata)
        take_upload(session, viewer)
        key = original_key(story_id, recording_id)
        expires_at = utcnow() + timedelta(hours=settings.upload_expiry_hours)
        upload = repository.add_upload(
            session,
            Upload(
                id=upload_id,
                story_id=story_id,
                created_by=viewer.user_id,
                upload_link_id=viewer.link_id,
                length=length,
                upload_metadata=metadata,
                filename=metadata.get("filename", "")[:500],
                expires_at=expires_at,
                object_key=key,
                recording_id=recording_id,
                multipart_id=store.start_spooled(key),
            ),
        )
        queue.enqueue(
            session,
            JobKind.EXPIRE_UPLOAD,
            {"upload_id": str(upload_id)},
            run_after=expires_at + EXPIRY_GRACE,
        )
        add_event(
            session,
            actor_id=viewer.user_id,
            action="upload.created",
            subject_type="upload",
            subject_id=upload.id,
            details={
                "story_id": str(story_id),
                "length": length,
                "upload_link_id": str(viewer.link_id) if viewer.link_id else None,
            },
        )
        spool.create(upload_id)
    return UploadState(upload_id, story_id, length, 0, 0, expires_at)


def _check_open(upload: Upload) -> None:
    if upload.status == "complete":
        raise Conflict(
            f"This upload is complete; its recording is /api/v1/recordings/{upload.recording_id}."
        )
    if upload.status in ("terminated", "expired"):
        raise Gone(f"This upload was {upload.status} and its bytes removed. Start a new upload.")
    if upload.status == "refused":
        raise Gone(f"This upload was refused: {upload.error} Start a new upload.")


def begin_patch(
    sessions: sessionmaker[Session],
    spool: Spool,
    caller: Callable[[Session], Viewer],
    upload_id: uuid.UUID,
    offset: int,
    owner: str,
) -> tuple[UploadState, Viewer]:
    """Finds the caller, checks the offset, takes the upload's write lock, and trims the
    spool to the committed offset (bytes past it are from a request that never finished).

    A client sends a long recording as many chunks, each waiting for the answer to the one
    before, so the usual case costs one statement; only a refused request reads the upload
    to say why."""
    now = utcnow()
    lost = False
    with transaction(sessions) as session:
        viewer = caller(session)
        locked = repository.lock_open_upload_at(
            session, upload_id, offset, owner, now, now + timedelta(seconds=LOCK_SECONDS)
        )
        if locked is None:
            _refuse_patch(session, viewer, upload_id, offset)
        if not _may_see(viewer, locked.created_by, locked.upload_link_id):
            raise upload_not_found(upload_id)  # the lock goes with the rollback
        base = sum(int(part["Size"]) for part in locked.parts)
        state = UploadState(
            upload_id, locked.story_id, locked.length, offset, base, locked.expires_at
        )
        spooled = spool.size(upload_id)
        if spooled < offset - base:
            repository.refuse(session, upload_id, LOST_BYTES)
            lost = True
    if lost:
        spool.remove(upload_id)
        raise Gone(f"{LOST_BYTES} Start the upload again; we are sorry for the trouble.")
    if spooled > offset - base:
        spool.truncate(upload_id, offset - base)
    return state, viewer


LOST_BYTES = "The server lost the last bytes of this upload when it stopped without saving them."


def _refuse_patch(session: Session, viewer: Viewer, upload_id: uuid.UUID, offset: int) -> NoReturn:
    """Why an upload could not be locked at `offset`, in the order a client should learn it."""
    upload = get_upload(session, viewer, upload_id)
    _check_open(upload)
    if offset != upload.offset:
        raise Conflict(
            f"This upload has {upload.offset:,} bytes; send the next chunk from there "
            "(Upload-Offset). A HEAD request always tells the current offset."
        )
    raise Locked(
        "Another request is sending bytes to this upload right now. Wait for "
        "it to finish, then ask for the offset (HEAD) and go on."
    )


def renew_lock(sessions: sessionmaker[Session], upload_id: uuid.UUID, owner: str) -> None:
    with transaction(sessions) as session:
        now = utcnow()
        repository.take_lock(session, upload_id, owner, now, now + timedelta(seconds=LOCK_SECONDS))


def abort_patch(
    sessions: sessionmaker[Session], spool: Spool, state: UploadState, owner: str
) -> None:
    """Puts the spool back as the last committed offset left it, and lets go of the lock."""
    spool.truncate(state.id, state.offset - state.spool_base)
    with transaction(sessions) as session:
        repository.release_lock(session, state.id, owner)


def end_patch(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    settings: Settings,
    viewer: Viewer,
    state: UploadState,
    new_offset: int,
    owner: str,
    digest: Digest | None,
) -> PatchEnd:
    """Commits the new offset and, at the last byte, turns the upload into a recording.

    The bytes are written and on their way to the disk (`archive.writeback`), not yet
    flushed (as tusd's file store does): a server process that dies loses nothing the kernel
    holds, and flushing every chunk would halve the throughput. A machine that loses power
    may lose the last chunks; the next request finds the spool shorter than the offset and
    says so (`begin_patch`). The whole upload is flushed once, before it becomes a recording.
    """
    expires_at = utcnow() + timedelta(hours=settings.upload_expiry_hours)
    part_size = store.spool_part_size
    if part_size is None or new_offset == state.length or spool.size(state.id) < part_size:
        # The common case: one statement, guarded by the lock this request holds.
        with transaction(sessions) as session:
            if not repository.commit_offset(session, state.id, owner, new_offset, expires_at):
                raise Conflict(
                    "This upload was taken over by another request while this one "
                    "was sending; ask for the offset (HEAD) and go on from there."
                )
    else:
        # Enough bytes for an object-store part: they move out of the spool.
        with transaction(sessions) as session:
            upload = get_upload(session, viewer, state.id)
            upload.offset = new_offset
            upload.expires_at = expires_at
            part = store.put_spooled_part(
                upload.object_key,
                upload.multipart_id or "",
                len(upload.parts) + 1,
                spool.path(state.id),
            )
            upload.parts = [*upload.parts, part]
            spool.truncate(state.id, 0)
            repository.release_lock(session, state.id, owner)
    spool.remember(state.id, new_offset, digest)
    if new_offset < state.length:
        return PatchEnd(expires_at, None)
    recording = complete_upload(sessions, store, spool, settings, viewer, state.id)
    return PatchEnd(expires_at, recording)


def complete_upload(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    settings: Settings,
    viewer: Viewer,
    upload_id: uuid.UUID,
) -> Recording:
    with transaction(sessions) as session:
        upload = get_upload(session, viewer, upload_id)
        key, multipart_id, parts = upload.object_key, upload.multipart_id, list(upload.parts)
        story_id, recording_id = upload.story_id, upload.recording_id
        length, filename = upload.length, upload.filename
    assert recording_id is not None
    running = spool.digest_at(upload_id, length)
    digest = running.result() if running is not None and running.exception() is None else None
    spool.sync(upload_id)
    store.complete_spooled(key, multipart_id, parts, spool.path(upload_id))
    spool.remove(upload_id)
    sha256 = digest.hexdigest() if digest is not None else _read_back_sha256(store, key)
    received = ReceivedObject(key=key, filename=filename, sha256=sha256, size=length)

    def mark_complete(session: Session) -> None:
        row = session.get(Upload, upload_id)
        assert row is not None
        row.status = "complete"

    try:
        return register_upload(
            sessions,
            store,
            viewer,
            story_id,
            recording_id,
            received,
            settings.job_max_attempts,
            within=mark_complete,
        )
    except ArchiveError as exc:
        with transaction(sessions) as session:
            row = session.get(Upload, upload_id)
            if row is not None:
                row.status, row.error = "refused", exc.detail
        raise


def _read_back_sha256(store: ObjectStore, key: str) -> str:
    """Only after a restart lost the running digest."""
    digest = hashlib.sha256()
    with store.open(key) as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def terminate_upload(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    viewer: Viewer,
    upload_id: uuid.UUID,
) -> None:
    with transaction(sessions) as session:
        upload = get_upload(session, viewer, upload_id)
        if upload.status == "complete":
            raise Conflict(
                "This upload is complete and is now a recording; ask an archivist "
                "if it should be withdrawn."
            )
        if upload.status != "open":
            return
        upload.status = "terminated"
        key, multipart_id = upload.object_key, upload.multipart_id
        add_event(
            session,
            actor_id=viewer.user_id,
            action="upload.terminated",
            subject_type="upload",
            subject_id=upload.id,
        )
    store.abort_spooled(key, multipart_id)
    spool.remove(upload_id)
