"""Recording rules: who may add one, what is accepted, what happens when it is.

Never commits. `recordings.flow` runs a one-request upload around these rules: the bytes are
stored and probed outside any transaction, the row made in one short transaction after.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import (
    StoryAccess,
    Viewer,
    can_add_recording,
    can_curate,
    can_view_story,
    story_scope,
)
from archive.domain.cursors import ForeignPosition
from archive.domain.jobs import JobKind
from archive.domain.restrictions import can_hear_restricted, spans_fingerprint
from archive.errors import (
    ArchiveError,
    Forbidden,
    Gone,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
)
from archive.events.actor import Actor
from archive.events.repository import record
from archive.ingest.media import MediaInfo, probe
from archive.jobs import queue
from archive.jobs.reindex import reindex_after_commit
from archive.models import Recording, Story
from archive.recordings import repository
from archive.recordings.receive import ReceivedObject
from archive.recordings.schemas import RecordingListParams, RecordingPage
from archive.storage.base import ObjectStore
from archive.stories import repository as stories
from archive.stories.recording_schemas import RecordingRead
from archive.stories.service import not_found, story_access
from archive.upload_links.service import take_upload
from archive.visibility.pages import bad_cursor, page_request


def recording_not_found(recording_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no recording {recording_id} that you can see. Check the id, or "
        "sign in with an account that may hear it."
    )


def require_story_for_recording(session: Session, viewer: Viewer, *, story_id: uuid.UUID) -> Story:
    """The story, or 404 unless the caller may add a recording to it: one they may not hear,
    or may hear but not add to, is answered the same way."""
    story = stories.get_story(session, story_id)
    if story is None or not can_view_story(viewer, story_access(story), now=utcnow()):
        raise not_found(story_id)
    if not can_add_recording(viewer, story_access(story)):
        raise NotFound(
            f"There is no story {story_id} you may add recordings to. Ask an "
            "archivist to add the recording."
        )
    return story


def check_upload_allowed(session: Session, viewer: Viewer, *, story_id: uuid.UUID) -> None:
    """Refuses, before any byte arrives, an upload the caller may not make; counts it
    against an upload link's uses."""
    require_story_for_recording(session, viewer, story_id=story_id)
    take_upload(session, viewer)


def probe_stored(store: ObjectStore, key: str) -> MediaInfo:
    """Probes the stored bytes; deletes them when they are refused."""
    try:
        with store.open(key) as source:
            return probe(source)
    except ArchiveError:
        store.delete(key)
        raise


def add_uploaded_recording(
    session: Session,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    recording_id: uuid.UUID,
    received: ReceivedObject,
    info: MediaInfo,
    max_attempts: int,
    actor: Actor,
) -> Recording:
    """The recording of bytes the caller uploaded in one request, if its story still exists."""
    if stories.get_story(session, story_id) is None:
        raise not_found(story_id)
    return add_recording(
        session,
        story_id=story_id,
        recording_id=recording_id,
        received=received,
        info=info,
        uploaded_by=viewer.user_id,
        upload_link_id=viewer.link_id,
        max_attempts=max_attempts,
        actor=actor,
    )


def add_recording(
    session: Session,
    *,
    story_id: uuid.UUID,
    recording_id: uuid.UUID,
    received: ReceivedObject,
    info: MediaInfo,
    uploaded_by: uuid.UUID | None,
    upload_link_id: uuid.UUID | None,
    max_attempts: int | None,
    actor: Actor,
) -> Recording:
    """The recording row of probed, stored bytes, its transcription job and its event, in the
    caller's transaction (the story must exist in it). `actor` is whoever uploaded the bytes,
    from where the request that finished the upload came."""
    recording = repository.add_recording(
        session,
        Recording(
            id=recording_id,
            story_id=story_id,
            object_key=received.key,
            original_filename=received.filename[:500],
            content_type=info.content_type,
            container=info.container,
            size=received.size,
            sha256=received.sha256,
            duration=info.duration,
            codec=info.codec,
            sample_rate=info.sample_rate,
            channels=info.channels,
            uploaded_by=uploaded_by,
        ),
    )
    payload = {"recording_id": str(recording_id)}
    if max_attempts is None:  # the queue's own default
        queue.enqueue(session, JobKind.TRANSCRIBE, payload=payload)
    else:
        queue.enqueue(session, JobKind.TRANSCRIBE, payload=payload, max_attempts=max_attempts)
    record(
        session,
        actor,
        action="recording.uploaded",
        subject=recording,
        details={
            "upload_link_id": str(upload_link_id) if upload_link_id else None,
            "story_id": str(story_id),
            "sha256": received.sha256,
            "size": received.size,
            "content_type": info.content_type,
        },
    )
    return recording


def get_visible_recording(
    session: Session, viewer: Viewer | None, *, recording_id: uuid.UUID
) -> Recording:
    return visible_recording_and_access(session, viewer, recording_id=recording_id)[0]


def visible_recording_and_access(
    session: Session, viewer: Viewer | None, *, recording_id: uuid.UUID
) -> tuple[Recording, StoryAccess]:
    """The recording and its story's access facts, or 404 for one the caller may not hear."""
    found = repository.get_recording_with_story(session, recording_id)
    if found is None:
        raise recording_not_found(recording_id)
    access = story_access(found[1])
    if not can_view_story(viewer, access, now=utcnow()):
        raise recording_not_found(recording_id)
    return found[0], access


def list_recordings(
    session: Session, viewer: Viewer | None, *, params: RecordingListParams
) -> RecordingPage:
    """A page of the recordings of the stories the caller may hear."""
    request = page_request(
        "recordings",
        query=params.model_dump(mode="json", exclude={"cursor", "limit"}),
        cursor=params.cursor,
    )
    try:
        page = repository.list_recordings(
            session,
            params.filters(),
            scope=story_scope(viewer),
            now=utcnow(),
            sort=params.sort,
            descending=params.order == "desc",
            position=request.position,
            limit=params.limit,
        )
    except ForeignPosition:
        raise bad_cursor() from None
    return RecordingPage(
        items=[RecordingRead.of(row[0]) for row in page.rows],
        total=page.total,
        limit=params.limit,
        next_cursor=request.next_cursor(page.next),
    )


def get_curated_recording(
    session: Session, viewer: Viewer, *, recording_id: uuid.UUID, doing: str
) -> Recording:
    """404 for a recording the caller may not hear; 403 for one they hear but may not change
    (only the archivists of its story's community and administrators may)."""
    recording, access = visible_recording_and_access(session, viewer, recording_id=recording_id)
    if not can_curate(viewer, access):
        raise Forbidden(
            f"Only the archivists of this story's community {doing}. Tell one of "
            "them what should change."
        )
    return recording


def require_held(recording: Recording) -> None:
    """410 for a recording whose original was deaccessioned: its tombstone stays, not its
    bytes or what was heard in them."""
    if recording.deaccessioned_at is not None:
        raise Gone(
            f"This recording was withdrawn from the archive on "
            f"{recording.deaccessioned_at:%Y-%m-%d}: {recording.deaccession_reason}. Ask the "
            "community's archivists if you need to know more."
        )


def get_held_recording(
    session: Session, viewer: Viewer | None, *, recording_id: uuid.UUID
) -> Recording:
    """A recording the caller may hear whose original is still held (410 after deaccession)."""
    recording = get_visible_recording(session, viewer, recording_id=recording_id)
    require_held(recording)
    return recording


MIN_REASON_LENGTH = 10


@dataclass(frozen=True, slots=True)
class Deaccessioned:
    """What to remove from storage once the tombstone is committed."""

    recording: Recording
    keys: list[str]


def deaccession(
    session: Session, viewer: Viewer, *, recording_id: uuid.UUID, reason: str, actor: Actor
) -> Deaccessioned:
    """Withdraws an original from the archive on purpose: the recording becomes a tombstone
    (who, when, why; its SHA-256 and size kept), leaves search, and its bytes and listening
    copy are to be removed. The one path that removes an original; never undone."""
    recording = get_curated_recording(
        session, viewer, recording_id=recording_id, doing="may deaccession a recording"
    )
    repository.lock_recording(session, recording)  # two deaccessions at once: one wins
    require_held(recording)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise Unprocessable(
            "Say why this recording leaves the archive (at least 10 characters): the reason "
            "stays with its tombstone for whoever asks later."
        )
    recording.deaccessioned_at = utcnow()
    recording.deaccession_reason = reason
    recording.deaccessioned_by = viewer.user_id
    copy = repository.get_listening_copy(session, recording_id)
    keys = [recording.object_key] + ([copy.object_key] if copy is not None else [])
    record(
        session,
        actor,
        action="recording.deaccessioned",
        subject=recording,
        details={
            "reason": reason,
            "sha256": recording.sha256,
            "size": recording.size,
            "object_key": recording.object_key,
        },
    )
    reindex_after_commit(session, [recording_id])
    return Deaccessioned(recording, keys)


class AudioBeingPrepared(ServiceUnavailable):
    slug = "audio-being-prepared"
    title = "The audio is being prepared"


@dataclass(frozen=True, slots=True)
class AudioObject:
    """The bytes a caller is given for a recording: the original, or its listening copy."""

    key: str
    size: int
    content_type: str
    sha256: str
    listening_copy: bool


def audio_to_serve(
    session: Session, viewer: Viewer | None, *, recording_id: uuid.UUID
) -> AudioObject:
    """The original for those who may hear restricted spans, and for recordings with none;
    for everyone else the copy with every span silent, made for the spans as they are now.

    Raises `AudioBeingPrepared` (503) while that copy is not made yet: never the original.
    """
    recording, access = visible_recording_and_access(session, viewer, recording_id=recording_id)
    require_held(recording)
    original = AudioObject(
        recording.object_key, recording.size, recording.content_type, recording.sha256, False
    )
    if can_hear_restricted(viewer, access):
        return original
    spans = repository.spans_for_recording(session, recording_id)
    if not spans:
        return original
    copy = repository.get_listening_copy(session, recording_id)
    if copy is None or copy.spans_fingerprint != spans_fingerprint(spans):
        raise AudioBeingPrepared(
            "Parts of this recording are restricted, and the copy you may hear, with those "
            "parts silent, is being prepared. Try again in a minute.",
            headers={"Retry-After": "30"},
        )
    return AudioObject(copy.object_key, copy.size, copy.content_type, copy.sha256, True)


def note_read(
    session: Session,
    viewer: Viewer | None,
    *,
    recording_id: uuid.UUID,
    what: str,
    actor: Actor,
) -> None:
    """Every read of material that is not open to everyone leaves an event: who heard or read
    what of which recording, when, from where. What anyone may hear (public, published, out of
    embargo) is not logged (it is everyone's); a public story still in review or under
    embargo is."""
    found = repository.get_recording_with_story(session, recording_id)
    if found is None or can_view_story(None, story_access(found[1]), now=utcnow()):
        return
    record(
        session,
        actor,
        action=f"recording.{what}_read",
        subject=found[0],
        details={"story_id": str(found[1].id)},
    )
