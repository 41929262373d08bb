"""The SQL that reads many recordings' documents at once, for checking and rebuilding a whole
index. (One recording's come through the recordings and transcripts repositories.)"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Recording, Story, Transcript
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


def latest_transcripts(
    session: Session, recording_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[Transcript]]:
    """Each recording's newest transcript version of each track (the original first, then a
    translation when there is one), with their segments loaded."""
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
    transcripts = session.scalars(
        select(Transcript)
        .join(
            latest,
            and_(
                Transcript.recording_id == latest.c.recording_id,
                Transcript.kind == latest.c.kind,
                Transcript.version == latest.c.version,
            ),
        )
        .options(selectinload(Transcript.segments))
        .order_by(Transcript.recording_id, Transcript.kind)  # "original" < "translation"
    )
    found: dict[uuid.UUID, list[Transcript]] = {}
    for transcript in transcripts:
        found.setdefault(transcript.recording_id, []).append(transcript)
    return found
