"""Reading a recording's current transcript out of the database as search documents."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from archive.recordings import repository as recordings
from archive.search.documents import SegmentDocument
from archive.transcripts import repository as transcripts


def documents_for_recording(
    session: Session, recording_id: uuid.UUID
) -> list[SegmentDocument] | None:
    """The documents the index should hold for a recording; None when it no longer exists."""
    found = recordings.get_recording_with_story(session, recording_id)
    if found is None:
        return None
    recording, story = found
    transcript = transcripts.latest_transcript(session, recording_id)
    if transcript is None:
        return []
    return [
        SegmentDocument(
            segment_id=segment.id,
            recording_id=recording.id,
            story_id=story.id,
            transcript_id=transcript.id,
            start=segment.start,
            end=segment.end,
            text=segment.text,
            language=transcript.language,
            story_title=story.title,
            access=story.access,
            owner_id=story.created_by,
        )
        for segment in transcript.segments
        if not segment.restricted
    ]
