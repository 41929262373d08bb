"""The rules of resumable uploads (tus), each run in the caller's transaction; never commits.

`uploads.flow` (creating, appending, terminating) and `uploads.completion` (finishing) run
them in short transactions with the spool's and the object store's I/O between them (the
pattern `archive.backends` describes). The offset in the database only ever moves forward,
and only after the bytes it counts are on disk.

An upload is seen (HEAD, PATCH, DELETE, completion) only by whoever started it (the user or
the upload link), the archivists of its community and administrators; to anyone else it does
not exist (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from archive.accounts.repository import get_user
from archive.accounts.service import viewer_for_user
from archive.communities.service import with_memberships
from archive.db.base import utcnow
from archive.domain.access import Role, Viewer, can_create_story, can_curate_community
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
from archive.events.actor import Actor
from archive.events.repository import record
from archive.ingest.media import MediaInfo
from archive.jobs import queue
from archive.models import Recording, Upload
from archive.recordings import repository as recordings
from archive.recordings.receive import ReceivedObject
from archive.recordings.service import add_recording, require_story_for_recording
from archive.storage.base import SpooledPart
from archive.stories.consent_schemas import ConsentIn
from archive.stories.schemas import StoryCreate
from archive.stories.service import community_for_new_story, create_story
from archive.upload_links.service import take_upload
from archive.uploads import repository

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


def get_upload(session: Session, viewer: Viewer, *, upload_id: uuid.UUID) -> Upload:
    upload = repository.get_upload(session, upload_id)
    if upload is None or not may_see(
        viewer,
        created_by=upload.created_by,
        upload_link_id=upload.upload_link_id,
        community_id=upload.community_id,
    ):
        raise upload_not_found(upload_id)
    return upload


def refuse_if_over(length: int, limit: int) -> None:
    if length > limit:
        raise PayloadTooLarge(
            f"This upload ({length:,} bytes) is larger than this archive accepts "
            f"({limit:,} bytes). Split the recording, or ask the "
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


def _uuid_in(metadata: dict[str, str], name: str, *, what: str) -> uuid.UUID | None:
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
            community_id=_uuid_in(metadata, "community_id", what="a community id"),
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


def _target_of(session: Session, viewer: Viewer, *, metadata: dict[str, str]) -> _Target:
    """The story the recording goes to, or (for a new story) the community it will be made
    in. A new story is checked here as far as it can be without making it, so a caller who
    could not make it learns so before sending any byte; it is made at completion."""
    story_id = _uuid_in(metadata, "story_id", what="a story id")
    if story_id is not None:
        story = require_story_for_recording(session, viewer, story_id=story_id)
        community_id = (
            story.community_id or community_for_new_story(session, viewer, community_id=None).id
        )
        return _Target(story_id, community_id)
    if metadata.get("title"):
        data = new_story_of(metadata)
        if not can_create_story(viewer):
            raise Forbidden(
                "Your account may not add stories. Ask an archivist to add it, or to "
                "give you a contributor account."
            )
        community = community_for_new_story(session, viewer, community_id=data.community_id)
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


def record_upload(
    session: Session,
    viewer: Viewer,
    *,
    length: int,
    metadata: dict[str, str],
    expires_at: datetime,
    actor: Actor,
) -> UploadState:
    """The new upload's row, its expiry job and its event; no object-store call (an S3
    multipart upload starts with the first part, or at completion)."""
    upload_id, recording_id = uuid.uuid4(), uuid.uuid4()
    target = _target_of(session, viewer, metadata=metadata)
    _refuse_if_too_many(session, viewer)
    take_upload(session, viewer)
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
    record(
        session,
        actor,
        action="upload.created",
        subject=upload,
        details={
            "story_id": str(target.story_id) if target.story_id else None,
            "community_id": str(target.community_id),
            "length": length,
            "upload_link_id": str(viewer.link_id) if viewer.link_id else None,
        },
    )
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


def lock_for_patch(
    session: Session, viewer: Viewer, *, upload_id: uuid.UUID, offset: int, owner: str
) -> UploadState:
    """Takes the upload's write lock at `offset` for `owner`, or raises why it cannot.

    A client sends a long recording as many chunks, each waiting for the answer to the one
    before, so the usual case costs one statement; only a refused request reads the upload
    to say why. An upload that has all its bytes is left for completion to check."""
    now = utcnow()
    locked = repository.lock_open_upload_at(
        session,
        upload_id,
        offset=offset,
        owner=owner,
        now=now,
        until=now + timedelta(seconds=LOCK_SECONDS),
    )
    if locked is None:
        _refuse_patch(session, viewer, upload_id=upload_id, offset=offset)
    if not may_see(
        viewer,
        created_by=locked.created_by,
        upload_link_id=locked.upload_link_id,
        community_id=locked.community_id,
    ):
        raise upload_not_found(upload_id)  # the lock goes with the rollback
    base = sum(part.size for part in locked.parts)
    return UploadState(upload_id, locked.length, offset, base, locked.expires_at)


LOST_BYTES = "The server lost the last bytes of this upload when it stopped without saving them."


def lost_bytes() -> Gone:
    return Gone(f"{LOST_BYTES} Start the upload again; we are sorry for the trouble.")


def _refuse_patch(
    session: Session, viewer: Viewer, *, upload_id: uuid.UUID, offset: int
) -> NoReturn:
    """Why an upload could not be locked at `offset`, in the order a client should learn it."""
    upload = get_upload(session, viewer, upload_id=upload_id)
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


def take_lock(session: Session, upload_id: uuid.UUID, *, owner: str) -> bool:
    """Takes (or renews) the upload's write lock for `owner`; False while another holds it."""
    now = utcnow()
    return repository.take_lock(
        session, upload_id, owner=owner, now=now, until=now + timedelta(seconds=LOCK_SECONDS)
    )


def release_lock(session: Session, upload_id: uuid.UUID, *, owner: str) -> None:
    repository.release_lock(session, upload_id, owner=owner)


def refuse(session: Session, upload_id: uuid.UUID, *, error: str) -> None:
    """Ends the upload as refused (`error` says why); its bytes are for the caller to remove."""
    repository.refuse(session, upload_id, error=error)


def detached_upload(session: Session, upload_id: uuid.UUID) -> Upload | None:
    """The upload as it is now, readable after the transaction ends."""
    return repository.get_detached(session, upload_id)


def record_multipart(session: Session, upload_id: uuid.UUID, *, multipart_id: str) -> str | None:
    """Records the upload's multipart id unless one was recorded first; returns the one kept."""
    repository.set_multipart_id(session, upload_id, multipart_id=multipart_id)
    recorded = repository.get_upload(session, upload_id)
    assert recorded is not None
    return recorded.multipart_id


def commit_offset(
    session: Session,
    upload_id: uuid.UUID,
    *,
    owner: str,
    offset: int,
    expires_at: datetime,
    parts: list[SpooledPart] | None,
    keep_lock: bool,
) -> None:
    """Moves the offset forward (with the parts sent, when given) while `owner` holds the lock."""
    committed = repository.commit_offset(
        session,
        upload_id,
        owner=owner,
        offset=offset,
        expires_at=expires_at,
        parts=parts,
        keep_lock=keep_lock,
    )
    if not committed:
        raise Conflict(
            "This upload was taken over by another request while this one "
            "was sending; ask for the offset (HEAD) and go on from there."
        )


def terminate(
    session: Session, viewer: Viewer, *, upload_id: uuid.UUID, actor: Actor
) -> Upload | None:
    """Marks an open upload terminated; returns it (its bytes for the caller to remove), or
    None for one already ended."""
    upload = get_upload(session, viewer, upload_id=upload_id)
    if upload.status == "complete":
        raise Conflict(
            "This upload is complete and is now a recording; ask an archivist "
            "if it should be withdrawn."
        )
    if upload.status != "open":
        return None
    if upload.offset == upload.length:
        raise Conflict(
            "This upload has all its bytes and is becoming a recording; ask for it "
            "(HEAD gives Archive-Recording-Id), and ask an archivist if it should be "
            "withdrawn."
        )
    upload.status = "terminated"
    record(session, actor, action="upload.terminated", subject=upload)
    return upload


def parts_of(upload: Upload) -> list[SpooledPart]:
    return [SpooledPart.from_json(part) for part in upload.parts]


def received_but_unfinished(session: Session) -> list[uuid.UUID]:
    return repository.received_but_unfinished(session)


class FinishedMeanwhile(Exception):
    """Another request completed (or ended) the upload first: this transaction rolls back."""


def complete_upload(
    session: Session,
    upload: Upload,
    *,
    received: ReceivedObject,
    info: MediaInfo,
    max_attempts: int | None,
    actor: Actor,
) -> Recording:
    """The upload's completion, its new story, the recording and its job, in the caller's
    transaction. Raises `FinishedMeanwhile` when the upload is no longer open. The events name
    whoever started the upload, from the address of `actor` (the request or job finishing it)."""
    if not repository.mark_complete(session, upload.id):
        raise FinishedMeanwhile
    story_id = upload.story_id
    if story_id is None:
        data = new_story_of(upload.upload_metadata)
        uploader = _uploader(session, upload)
        story_id = create_story(
            session, uploader, data=data, actor=actor.as_user(uploader.user_id)
        ).id
        repository.attach_story(session, upload.id, story_id=story_id)
    return add_recording(
        session,
        story_id=story_id,
        recording_id=upload.recording_id or uuid.uuid4(),
        received=received,
        info=info,
        uploaded_by=upload.created_by,
        upload_link_id=upload.upload_link_id,
        max_attempts=max_attempts,
        actor=actor.as_user(upload.created_by),
    )


def recording_of(session: Session, upload: Upload) -> Recording:
    """The recording a completed upload became."""
    recording = (
        None
        if upload.recording_id is None
        else recordings.get_recording(session, upload.recording_id)
    )
    if recording is None:
        raise Gone(
            "This upload became a recording that has since been removed. Start a new "
            "upload to add the recording again."
        )
    return recording


def _uploader(session: Session, upload: Upload) -> Viewer:
    """Whoever started the upload, as they are now: the new story is theirs, whoever's
    request finishes it."""
    if upload.upload_link_id is not None:
        link = repository.get_link(session, upload.upload_link_id)
        if link is not None:
            return Viewer(
                user_id=None,
                role=Role.CONTRIBUTOR,
                link_id=link.id,
                link_collection_id=link.collection_id,
                link_community_id=link.community_id,
            )
    elif upload.created_by is not None:
        user = get_user(session, upload.created_by)
        if user is not None:
            return with_memberships(session, viewer_for_user(session, user))
    raise Gone(
        "Whoever started this upload is no longer known to the archive (the account or the "
        "upload link was removed), so its story cannot be made. Start a new upload."
    )
