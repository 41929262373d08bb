from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.domain.review import StoryStatus
from archive.models import Story


def waiting_stories(
    session: Session,
    statuses: Collection[StoryStatus],
    *,
    scope: CommunityScope,
    limit: int,
    offset: int,
) -> tuple[Sequence[Story], int]:
    """A page of the stories in `statuses` of the communities in `scope`, oldest first, and
    how many there are."""
    conditions = [
        Story.status.in_([status.value for status in statuses]),
        within(Story.community_id, scope),
    ]
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
