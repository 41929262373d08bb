from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Collection, Community


def collection_title(session: Session, collection_id: uuid.UUID | None) -> str | None:
    if collection_id is None:
        return None
    return session.scalar(select(Collection.title).where(Collection.id == collection_id))


def community_name(session: Session, community_id: uuid.UUID | None) -> str | None:
    if community_id is None:
        return None
    return session.scalar(select(Community.name).where(Community.id == community_id))
