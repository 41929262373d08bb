from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from archive.domain.review import StoryStatus
from archive.models import Story


def waiting_stories(
    session: Session,
    statuses: Collection[StoryStatus],
    communities: Collection[uuid.UUID] | None,
    *,
    limit: int,
    offset: int,
) -> tuple[Sequence[Story], int]:
    """A page of the stories in `statuses`, oldest first, and how many there are; only those
    of `communities` unless it is None (every community)."""
    conditions = [Story.status.in_([status.value for status in statuses])]
    if communities is not None:
        conditions.append(Story.community_id.in_(communities))
    total = session.scalar(select(func.count()).select_from(Story).where(*conditions)) or 0
    rows = session.scalars(
        select(Story)
        .where(*conditions)
        .options(selectinload(Story.consent))
        .order_by(Story.created_at, Story.id)
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), total
