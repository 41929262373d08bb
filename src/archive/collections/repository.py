from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Collection


def get_collection(session: Session, collection_id: uuid.UUID) -> Collection | None:
    return session.get(Collection, collection_id)


def list_collections(session: Session) -> Sequence[Collection]:
    return session.scalars(select(Collection).order_by(Collection.title)).all()


def add_collection(session: Session, collection: Collection) -> Collection:
    session.add(collection)
    session.flush()
    return collection
