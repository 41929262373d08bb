"""Resumable uploads (tus): creating, appending, terminating them; `completion` finishes them.

An upload's bytes gather in the local spool and, for an S3 store, move into an S3 multipart
upload a part at a time; the offset in the database only ever moves forward, and only after
the bytes it counts are on disk. Every step is a short transaction, the object store's I/O
outside any transaction, another short transaction, and the state between them can be
resumed: bytes in the spool past the committed offset are trimmed by the next request, and a
part sent but not recorded is sent again under the same number.

An upload is seen (HEAD, PATCH, DELETE, completion) only by whoever started it (the user or
the upload link), the archivists of its community and administrators; to anyone else it does
not exist (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy.orm import Session, sessionmaker

from archive import faults
from archive.consent.schemas import ConsentIn
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Viewer, can_create_story, can_curate_community
from archive.domain.jobs import JobKind
from archive.domain.keys import upload_original_key
from archive.errors import (
    Conflict,
    Forbidden,
    Gone,
    Locked,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unprocessable,
)
from archive.events.repository import add_event
from archive.jobs import queue
from archive.models import Upload
from archive.recordings.service import require_story_for_recording
from archive.settings import Settings
from archive.storage.base import ObjectStore
from archive.stories.schemas import StoryCreate
from archive.stories.service import _community_for
from archive.upload_links.service import take_upload
from archive.uploads import repository
from archive.uploads.spool import Digest, Spool

LOCK_SECONDS = 30.0
EXPIRY_GRACE = timedelta(minutes=1)
MAX_OPEN_UPLOADS_PER_USER = 20
MAX_OPEN_UPLOADS_PER_LINK = 5
"""An upload link is handed to people without an account: it may hold fewer at once."""


@dataclass(frozen=True, slots=True)
class UploadState:
    """What a request streaming into an upload needs, read once at its start."""

    id: uuid.UUID
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
    received_all: bool
    """This request brought the last byte: the caller goes on to complete the upload,
    holding the upload's write lock."""


def upload_not_found(upload_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no upload {upload_id} of yours. Start a new upload with POST /api/v1/uploads."
    )


def may_see(
    viewer: Viewer,
    *,
    created_by: uuid.UUID | None,
    upload_link_id: uuid.UUID | None,
    community_id: uuid.UUID,
) -> bool:
    """Whoever started the upload (the user, or the link), the archivists of its
    community, and administrators."""
    if viewer.link_id is not None:
        return upload_link_id == viewer.link_id
    if viewer.user_id is not None and created_by == viewer.user_id:
        return True
    return can_curate_community(viewer, community_id)


def get_upload(session: Session, viewer: Viewer, upload_id: uuid.UUID) -> Upload:
    upload = repository.get_upload(session, upload_id)
    if upload is None or not may_see(
        viewer,
        created_by=upload.created_by,
        upload_link_id=upload.upload_link_id,
        community_id=upload.community_id,
    ):
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


def _uuid_in(metadata: dict[str, str], name: str, what: str) -> uuid.UUID | None:
    if not metadata.get(name):
        return None
    try:
        return uuid.UUID(metadata[name])
    except ValueError as exc:
        raise Unprocessable(f"Upload-Metadata {name} is not {what}.") from exc


def new_story_of(metadata: dict[str, str]) -> StoryCreate:
    """The story an upload names by `title` (with `consent_*` and `community_id`), made
    when the upload completes."""
    try:
        return StoryCreate(
            title=metadata["title"],
            consent=_consent_from_metadata(metadata),
            community_id=_uuid_in(metadata, "community_id", "a community id"),
        )
    except ValueError as exc:
        raise Unprocessable(
            "The new story in Upload-Metadata is not valid: give a `title` of at most a few "
            "hundred characters."
        ) from exc


@dataclass(frozen=True, slots=True)
class _Target:
    story_id: uuid.UUID | None
    community_id: uuid.UUID


def _target_of(session: Session, viewer: Viewer, metadata: dict[str, str]) -> _Target:
    """The story the recording goes to, or (for a new story) the community it will be made
    in. A new story is checked here as far as it can be without making it, so a caller who
    could not make it learns so before sending any byte; it is made at completion."""
    story_id = _uuid_in(metadata, "story_id", "a story id")
    if story_id is not None:
        story = require_story_for_recording(session, viewer, story_id)
        community_id = story.community_id or _community_for(session, viewer, None).id
        return _Target(story_id, community_id)
    if metadata.get("title"):
        data = new_story_of(metadata)
        if not can_create_story(viewer):
            raise Forbidden(
                "Your account may not add stories. Ask an archivist to add it, or to "
                "give you a contributor account."
            )
        community = _community_for(session, viewer, data.community_id)
        if data.consent is None and not can_curate_community(viewer, community.id):
            raise Unprocessable(
                "A new story needs the consent of the person telling it. Add consent_given_by, "
                "consent_listen and consent_searchable to Upload-Metadata."
            )
        return _Target(None, community.id)
    raise Unprocessable(
        "Say which story this recording belongs to: Upload-Metadata `story_id` (an existing "
        "story) or `title` (a new one)."
    )


def _refuse_if_too_many(session: Session, viewer: Viewer) -> None:
    """Unfinished uploads hold spool files, expiry jobs and link uses: one caller may keep
    only so many at once."""
    held = repository.count_open_uploads(
        session, created_by=viewer.user_id, upload_link_id=viewer.link_id
    )
    limit = MAX_OPEN_UPLOADS_PER_LINK if viewer.is_link_holder else MAX_OPEN_UPLOADS_PER_USER
    if held >= limit:
        raise TooManyRequests(
            f"You have {held} unfinished uploads, as many as one "
            f"{'upload link' if viewer.is_link_holder else 'person'} may hold at once. Finish "
            "them (resume each from its Upload-Offset; HEAD tells it), or cancel the ones you "
            "no longer need (DELETE /api/v1/uploads/{id}); unfinished uploads also end by "
            "themselves when they expire (Upload-Expires)."
        )


def create_upload(
    sessions: sessionmaker[Session],
    spool: Spool,
    settings: Settings,
    viewer: Viewer,
    length: int,
    metadata: dict[str, str],
) -> UploadState:
    """Records a new upload; no object-store call (an S3 multipart upload starts with the
    first part, `end_patch`, or at completion)."""
    refuse_if_over(settings, length)
    upload_id, recording_id = uuid.uuid4(), uuid.uuid4()
    with transaction(sessions) as session:
        target = _target_of(session, viewer, metadata)
        _refuse_if_too_many(session, viewer)
        take_upload(session, viewer)
        expires_at = utcnow() + timedelta(hours=settings.upload_expiry_hours)
        upload = repository.add_upload(
            session,
            Upload(
                id=upload_id,
                story_id=target.story_id,
                community_id=target.community_id,
                created_by=viewer.user_id,
                upload_link_id=viewer.link_id,
                length=length,
                upload_metadata=metadata,
                filename=metadata.get("filename", "")[:500],
                expires_at=expires_at,
                object_key=upload_original_key(upload_id, recording_id),
                recording_id=recording_id,
            ),
        )
        queue.enqueue(
            session,
            JobKind.EXPIRE_UPLOAD,
            payload={"upload_id": str(upload_id)},
            run_after=expires_at + EXPIRY_GRACE,
        )
        add_event(
            session,
            actor_id=viewer.user_id,
            action="upload.created",
            subject_type="upload",
            subject_id=upload.id,
            details={
                "story_id": str(target.story_id) if target.story_id else None,
                "community_id": str(target.community_id),
                "length": length,
                "upload_link_id": str(viewer.link_id) if viewer.link_id else None,
            },
        )
    spool.create(upload_id)
    return UploadState(upload_id, length, 0, 0, expires_at)


def check_open(upload: Upload) -> None:
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
) -> UploadState:
    """Finds the caller, checks the offset, takes the upload's write lock, and trims the
    spool to the committed offset (bytes past it are from a request that never finished, or
    a part already recorded as sent).

    A client sends a long recording as many chunks, each waiting for the answer to the one
    before, so the usual case costs one statement; only a refused request reads the upload
    to say why. An upload that has all its bytes is left for completion to check."""
    now = utcnow()
    lost = False
    with transaction(sessions) as session:
        viewer = caller(session)
        locked = repository.lock_open_upload_at(
            session, upload_id, offset, owner, now, now + timedelta(seconds=LOCK_SECONDS)
        )
        if locked is None:
            _refuse_patch(session, viewer, upload_id, offset)
        if not may_see(
            viewer,
            created_by=locked.created_by,
            upload_link_id=locked.upload_link_id,
            community_id=locked.community_id,
        ):
            raise upload_not_found(upload_id)  # the lock goes with the rollback
        length = locked.length
        base = sum(int(part["Size"]) for part in locked.parts)
        state = UploadState(upload_id, length, offset, base, locked.expires_at)
        spooled = spool.size(upload_id)
        if offset < length and spooled < offset - base:
            repository.refuse(session, upload_id, LOST_BYTES)
            lost = True
    if lost:
        spool.remove(upload_id)
        raise Gone(f"{LOST_BYTES} Start the upload again; we are sorry for the trouble.")
    if offset < length and spooled > offset - base:
        spool.truncate(upload_id, offset - base)
    return state


LOST_BYTES = "The server lost the last bytes of this upload when it stopped without saving them."


def _refuse_patch(session: Session, viewer: Viewer, upload_id: uuid.UUID, offset: int) -> NoReturn:
    """Why an upload could not be locked at `offset`, in the order a client should learn it."""
    upload = get_upload(session, viewer, upload_id)
    check_open(upload)
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


def release_lock(sessions: sessionmaker[Session], upload_id: uuid.UUID, owner: str) -> None:
    with transaction(sessions) as session:
        repository.release_lock(session, upload_id, owner)


def abort_patch(
    sessions: sessionmaker[Session], spool: Spool, state: UploadState, owner: str
) -> None:
    """Puts the spool back as the last committed offset left it, and lets go of the lock."""
    if state.offset < state.length:
        spool.truncate(state.id, state.offset - state.spool_base)
    release_lock(sessions, state.id, owner)


def multipart_of(sessions: sessionmaker[Session], store: ObjectStore, upload: Upload) -> str | None:
    """The upload's multipart id, starting one (outside any transaction) for a store that
    sends parts and recording it. A multipart started by a process that died before
    recording it is left to the bucket's lifecycle rule; this one is used instead."""
    if upload.multipart_id is not None or store.spool_part_size is None:
        return upload.multipart_id
    multipart_id = store.start_spooled(upload.object_key)
    if multipart_id is None:
        return None
    with transaction(sessions) as session:
        repository.set_multipart_id(session, upload.id, multipart_id)
        recorded = repository.get_upload(session, upload.id)
        assert recorded is not None
        return recorded.multipart_id


def end_patch(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    spool: Spool,
    settings: Settings,
    state: UploadState,
    new_offset: int,
    *,
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
    expires_at = utcnow() + timedelta(hours=settings.upload_expiry_hours)
    received_all = new_offset == state.length
    part_size = store.spool_part_size
    parts: list[dict[str, Any]] | None = None
    if part_size is not None and not received_all and spool.size(state.id) >= part_size:
        with transaction(sessions) as session:
            upload = repository.get_upload(session, state.id)
            assert upload is not None
            session.expunge(upload)
        multipart_id = multipart_of(sessions, store, upload)
        assert multipart_id is not None
        part = store.put_spooled_part(
            upload.object_key, multipart_id, len(upload.parts) + 1, spool.path(state.id)
        )
        parts = [*upload.parts, part]
    with transaction(sessions) as session:
        committed = repository.commit_offset(
            session,
            state.id,
            owner,
            new_offset,
            expires_at=expires_at,
            parts=parts,
            keep_lock=received_all,
        )
        if not committed:
            raise Conflict(
                "This upload was taken over by another request while this one "
                "was sending; ask for the offset (HEAD) and go on from there."
            )
    spool.remember(state.id, new_offset, digest)
    if received_all:
        faults.reached("upload.offset-committed")
    return PatchEnd(expires_at, received_all)


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
        if upload.offset == upload.length:
            raise Conflict(
                "This upload has all its bytes and is becoming a recording; ask for it "
                "(HEAD gives Archive-Recording-Id), and ask an archivist if it should be "
                "withdrawn."
            )
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
