"""The consent itself, kept like any original: a scanned form (PDF or image) or a recorded
statement (audio or video, probed as recordings are). Write-once: a new document is added
beside the old one, which stays. Never commits: `consent.flow` stores and sniffs the bytes
outside any transaction and records them with `record_document`."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.domain.access import Viewer, can_curate, can_view_story, is_owner
from archive.domain.formats import ACCEPTED_FORMATS_TEXT, SNIFF_BYTES, sniff_document
from archive.errors import ArchiveError, Conflict, Forbidden, NotFound, UnsupportedMedia
from archive.events.actor import Actor
from archive.events.repository import record
from archive.ingest.media import probe
from archive.models import Consent, Story
from archive.recordings.receive import ReceivedObject
from archive.storage.base import ObjectStore
from archive.stories import repository as stories
from archive.stories.service import not_found, story_access


def document_key(story_id: uuid.UUID) -> str:
    return f"consents/{story_id}/{uuid.uuid4()}"


def _consent_for(
    session: Session, viewer: Viewer | None, *, story_id: uuid.UUID, changing: bool
) -> tuple[Story, Consent]:
    """The story, if the caller may handle its consent document, and its consent."""
    story = stories.get_story(session, story_id)
    if story is None or not can_view_story(viewer, story_access(story), now=utcnow()):
        raise not_found(story_id)
    access = story_access(story)
    if not (can_curate(viewer, access) or is_owner(viewer, access)):
        raise Forbidden(
            "Only the community's archivists and whoever put the story in handle "
            "its consent document."
        )
    if story.consent is None:
        if changing:
            raise Conflict(
                "Record the consent first (PUT /api/v1/stories/{id}/consent, or "
                "`consent` when creating the story); then add its document."
            )
        raise NotFound("This story's consent has no document.")
    return story, story.consent


def check_document_allowed(session: Session, viewer: Viewer, *, story_id: uuid.UUID) -> None:
    _consent_for(session, viewer, story_id=story_id, changing=True)


def content_type_of(store: ObjectStore, key: str) -> str:
    """A scanned form by its signature, else a recorded statement by probing it."""
    with store.open(key) as source:
        document = sniff_document(source.read(SNIFF_BYTES))
        if document is not None:
            return document
        try:
            return probe(source).content_type
        except ArchiveError as exc:
            raise UnsupportedMedia(
                "This is neither a scanned consent form nor a recorded statement we can read. "
                f"Upload a PDF, PNG, JPEG or TIFF scan, or a {ACCEPTED_FORMATS_TEXT} recording."
            ) from exc


def record_document(
    session: Session,
    viewer: Viewer,
    *,
    story_id: uuid.UUID,
    received: ReceivedObject,
    content_type: str,
    actor: Actor,
) -> Consent:
    """Makes the stored bytes the story's consent document (the one before stays stored)."""
    story, consent = _consent_for(session, viewer, story_id=story_id, changing=True)
    before = consent.document_key
    consent.document_key = received.key
    consent.document_content_type = content_type
    consent.document_sha256 = received.sha256
    consent.document_size = received.size
    record(
        session,
        actor,
        action="consent.document_added",
        subject=story,
        details={
            "key": received.key,
            "sha256": received.sha256,
            "content_type": content_type,
            "previous_key": before,
        },
    )
    return consent


def document_for(session: Session, viewer: Viewer | None, *, story_id: uuid.UUID) -> Consent:
    _, consent = _consent_for(session, viewer, story_id=story_id, changing=False)
    if consent.document_key is None:
        raise NotFound("This story's consent has no document yet.")
    return consent
