"""The SQL that reads many recordings' documents at once, for checking and rebuilding a whole
index. (One recording's come through the recordings and transcripts repositories.)"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Recording, Segment, Story, Transcript
from archive.stories.repository import ACCESS_LOADS

DOCUMENT_LOADS = (*ACCESS_LOADS, selectinload(Story.people))
"""What a story's search documents read beside its row: the access facts and who narrates it
(the links only: documents hold person ids, not names)."""


def recording_ids_after(
    session: Session, after: uuid.UUID | None, *, limit: int
) -> list[uuid.UUID]:
    """Up to `limit` recording ids greater than `after` (from the first when None), in order:
    a keyset page, stable while recordings come and go."""
    statement = select(Recording.id).order_by(Recording.id).limit(limit)
    if after is not None:
        statement = statement.where(Recording.id > after)
    return list(session.scalars(statement))


def recordings_with_stories(
    session: Session, recording_ids: Collection[uuid.UUID]
) -> list[tuple[Recording, Story]]:
    """The recordings that exist of `recording_ids`, each with its story and `DOCUMENT_LOADS`."""
    rows = session.execute(
        select(Recording, Story)
        .join(Story, Story.id == Recording.story_id)
        .where(Recording.id.in_(recording_ids))
        .options(*DOCUMENT_LOADS)
    ).all()
    return [(row[0], row[1]) for row in rows]


class SegmentRow(NamedTuple):
    """What a search document reads of a segment (not its words, which can be long)."""

    id: uuid.UUID
    start: float
    end: float
    text: str
    speaker: str | None
    restricted: bool


@dataclass(frozen=True, slots=True)
class LatestTranscript:
    id: uuid.UUID
    language: str | None
    segments: list[SegmentRow]
    """In order."""


def latest_transcripts(
    session: Session, recording_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, LatestTranscript]:
    """Each recording's newest transcript version, with its segments as plain rows."""
    latest = (
        select(Transcript.recording_id, func.max(Transcript.version).label("version"))
        .where(Transcript.recording_id.in_(recording_ids))
        .group_by(Transcript.recording_id)
        .subquery()
    )
    transcripts = session.execute(
        select(Transcript.id, Transcript.recording_id, Transcript.language).join(
            latest,
            and_(
                Transcript.recording_id == latest.c.recording_id,
                Transcript.version == latest.c.version,
            ),
        )
    ).all()
    segments: dict[uuid.UUID, list[SegmentRow]] = {row[0]: [] for row in transcripts}
    if segments:
        rows = session.execute(
            select(
                Segment.transcript_id,
                Segment.id,
                Segment.start,
                Segment.end,
                Segment.text,
                Segment.speaker,
                Segment.restricted,
            )
            .where(Segment.transcript_id.in_(segments))
            .order_by(Segment.transcript_id, Segment.position)
        )
        for transcript_id, segment_id, start, end, text, speaker, restricted in rows:
            segments[transcript_id].append(
                SegmentRow(segment_id, start, end, text, speaker, restricted)
            )
    return {
        recording_id: LatestTranscript(transcript_id, language, segments[transcript_id])
        for transcript_id, recording_id, language in transcripts
    }
