"""The SQL that reads many recordings' documents at once, for checking and rebuilding a whole
index. (One recording's come through the recordings and transcripts repositories.)"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from archive.models import Recording, Segment, Story, Transcript
from archive.stories.repository import ACCESS_LOADS

DOCUMENT_LOADS = (*ACCESS_LOADS, selectinload(Story.people))
"""What a story's search documents read beside its row: the access facts and who narrates it
(the links only: documents hold person ids, not names)."""

SegmentRow = tuple[object, uuid.UUID, float, float, str, str | None, str | None, bool]
"""What a search document reads of a segment: its transcript's id as the driver gives it (not
made a `UUID`: it is only looked up), its own id, start, end, text, speaker, language and
whether it is marked restricted (never its `words`, the bulk of the row)."""


@dataclass(slots=True)
class TranscriptRows:
    """What search documents read of a transcript version: plain rows, no ORM objects (a
    rebuild reads millions of segments)."""

    id: uuid.UUID
    kind: str
    language: str | None
    segments: list[SegmentRow] = field(default_factory=list)
    """In their order in the transcript."""


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


def latest_transcripts(
    session: Session, recording_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[TranscriptRows]]:
    """Each recording's newest transcript version of each track (the original first, then a
    translation when there is one), with their segments."""
    latest = (
        select(
            Transcript.recording_id,
            Transcript.kind,
            func.max(Transcript.version).label("version"),
        )
        .where(Transcript.recording_id.in_(recording_ids))
        .group_by(Transcript.recording_id, Transcript.kind)
        .subquery()
    )
    current = (
        select(
            Transcript.id,
            type_coerce(Transcript.id, String),
            Transcript.recording_id,
            Transcript.kind,
            Transcript.language,
        )
        .join(
            latest,
            and_(
                Transcript.recording_id == latest.c.recording_id,
                Transcript.kind == latest.c.kind,
                Transcript.version == latest.c.version,
            ),
        )
        .order_by(Transcript.recording_id, Transcript.kind)  # "original" < "translation"
    )
    found: dict[uuid.UUID, list[TranscriptRows]] = {}
    transcripts: dict[object, TranscriptRows] = {}
    # Core statements on the session's connection: plain rows, without the ORM's per-row
    # bookkeeping.
    connection = session.connection()
    for transcript_id, key, recording_id, kind, language in connection.execute(current):
        rows = TranscriptRows(id=transcript_id, kind=kind, language=language)
        transcripts[key] = rows
        found.setdefault(recording_id, []).append(rows)
    if not transcripts:
        return found
    segments = (
        select(
            type_coerce(Segment.transcript_id, String),
            Segment.id,
            Segment.start,
            Segment.end,
            Segment.text,
            Segment.speaker,
            Segment.language,
            Segment.restricted,
        )
        .where(Segment.transcript_id.in_([rows.id for rows in transcripts.values()]))
        .order_by(Segment.transcript_id, Segment.position)
    )
    for segment in connection.execute(segments).all():
        transcripts[segment[0]].segments.append(segment)
    return found
