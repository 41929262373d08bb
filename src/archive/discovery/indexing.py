"""Reading recordings' current transcripts out of the database as search documents.

What the index should hold is decided here and nowhere else: the newest transcript version of
each track of each recording (the original, and the translation when there is one), one
document per segment that is not restricted, with the segment's language, its track and the
story's fields that filters and access decisions need. A segment is restricted when it is
marked so or overlaps a restricted span of its recording (`domain.restrictions`); a
translation's segment also when it overlaps an original segment marked restricted. Such
segments are left out for everyone, archivists included, so one index job after a change of
spans brings the index up to date.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator

from sqlalchemy.orm import Session

from archive.db.base import utcnow
from archive.db.session import UnitOfWork
from archive.discovery import repository
from archive.discovery.repository import TranscriptRows
from archive.domain.access import StoryAccess, effective_access, is_available
from archive.domain.restrictions import Span, masks, translation_spans
from archive.models import Recording, Story
from archive.people.schemas import PersonRole
from archive.recordings import repository as recordings_repository
from archive.search.documents import SegmentDocument, decade_of, year_of
from archive.stories.service import story_access

RECORDINGS_PER_TRANSACTION = 100


def documents_for_recording(
    session: Session, recording_id: uuid.UUID
) -> list[SegmentDocument] | None:
    """The documents the index should hold for a recording; None when it no longer exists."""
    return documents_for_recordings(session, [recording_id]).get(recording_id)


def documents_for_recordings(
    session: Session, recording_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[SegmentDocument]]:
    """`documents_for_recording` for many recordings in a fixed number of queries; recordings
    that no longer exist are left out."""
    if not recording_ids:
        return {}
    latest = repository.latest_transcripts(session, recording_ids)
    spans = recordings_repository.spans_for_recordings(session, recording_ids)
    return {
        recording.id: _documents(
            recording,
            story,
            transcripts=latest.get(recording.id, []),
            spans=spans.get(recording.id, []),
        )
        for recording, story in repository.recordings_with_stories(session, recording_ids)
    }


def database_documents(
    units: UnitOfWork, *, batch: int = RECORDINGS_PER_TRANSACTION
) -> Iterator[tuple[uuid.UUID, list[SegmentDocument]]]:
    """(recording id, its documents) for every recording, in id order.

    Reads `batch` recordings per unit of work from `units` and yields only after it ends, so a slow
    consumer (a whole index being written) never holds the database: on SQLite every
    transaction takes the write lock. Recordings added or deleted meanwhile may or may not be
    included; checking afterwards catches them.
    """
    after: uuid.UUID | None = None
    while True:
        with units() as session:
            ids = repository.recording_ids_after(session, after, limit=batch)
            found = documents_for_recordings(session, ids)
        if not ids:
            return
        for recording_id in ids:
            if recording_id in found:
                yield recording_id, found[recording_id]
        after = ids[-1]


def _searchable(story: Story) -> StoryAccess | None:
    """The story's access facts, or None when its words must not be searchable at all
    (consent withdrawn, or given without search)."""
    access = story_access(story)
    if access.withdrawn or not access.searchable:
        return None
    return access


def _documents(
    recording: Recording, story: Story, *, transcripts: list[TranscriptRows], spans: list[Span]
) -> list[SegmentDocument]:
    access = _searchable(story)
    if not transcripts or access is None or recording.deaccessioned_at is not None:
        return []
    # Unpublished and embargoed stories are indexed as unavailable: only the community's
    # archivists and whoever put them in find them. Publishing and the end of an embargo each
    # queue index jobs that open them.
    available = is_available(access, utcnow())
    protocol_ids = tuple(sorted(access.protocol_ids, key=str))
    narrators = tuple(
        sorted(
            {link.person_id for link in story.people if link.role == PersonRole.NARRATOR}, key=str
        )
    )
    subjects = tuple(sorted(set(story.subjects)))
    decade = decade_of(story.recorded_date)
    year = year_of(story.recorded_date)
    restricted_originals = [
        (start, end)
        for t in transcripts
        if t.kind == "original"
        for _, _, start, end, _, _, _, restricted in t.segments
        if restricted
    ]
    hiding = {
        "original": spans,
        "translation": translation_spans(spans, restricted_originals),
    }
    shown = effective_access(access).value
    # Read once: the story's and recording's fields are ORM attributes, slow to get a
    # million times.
    recording_id, story_id, title = recording.id, story.id, story.title
    owner_id, collection_id, community_id = (
        story.created_by,
        story.collection_id,
        story.community_id,
    )
    protocol_mode = story.protocol_mode
    found: list[SegmentDocument] = []
    for transcript in transcripts:
        hidden = hiding.get(transcript.kind, spans)
        for _, segment_id, start, end, text, speaker, language, restricted in transcript.segments:
            if restricted or (hidden and masks(hidden, start=start, end=end)):
                continue
            found.append(
                SegmentDocument(
                    segment_id=segment_id,
                    recording_id=recording_id,
                    story_id=story_id,
                    transcript_id=transcript.id,
                    start=start,
                    end=end,
                    text=text,
                    language=language or transcript.language,
                    story_title=title,
                    access=shown,
                    owner_id=owner_id,
                    collection_id=collection_id,
                    community_id=community_id,
                    protocol_ids=protocol_ids,
                    protocol_mode=protocol_mode,
                    available=available,
                    narrators=narrators,
                    subjects=subjects,
                    decade=decade,
                    year=year,
                    speaker=speaker,
                    track=transcript.kind,
                )
            )
    return found
