"""All SQL about restricted spans and the listening copies made for them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import ListeningCopy, Restriction
from archive.recordings.repository import get_listening_copy


def add_restriction(session: Session, restriction: Restriction) -> Restriction:
    session.add(restriction)
    session.flush()
    return restriction


def get_restriction(
    session: Session, recording_id: uuid.UUID, *, restriction_id: uuid.UUID
) -> Restriction | None:
    return session.scalar(
        select(Restriction).where(
            Restriction.id == restriction_id, Restriction.recording_id == recording_id
        )
    )


def list_restrictions(session: Session, recording_id: uuid.UUID) -> list[Restriction]:
    """In time order (then by when they were made)."""
    return list(
        session.scalars(
            select(Restriction)
            .where(Restriction.recording_id == recording_id)
            .order_by(Restriction.start, Restriction.end, Restriction.created_at)
        )
    )


def delete_restriction(session: Session, restriction: Restriction) -> None:
    session.delete(restriction)
    session.flush()


def put_listening_copy(session: Session, copy: ListeningCopy) -> str | None:
    """Makes `copy` the recording's listening copy; returns the object key of the one it
    replaces (for the caller to delete after commit), or None."""
    previous = get_listening_copy(session, copy.recording_id)
    replaced = None
    if previous is not None:
        replaced = previous.object_key
        session.delete(previous)
        session.flush()
    session.add(copy)
    session.flush()
    return replaced


def remove_listening_copy(session: Session, recording_id: uuid.UUID) -> str | None:
    """Removes the recording's listening copy; returns its object key, or None."""
    previous = get_listening_copy(session, recording_id)
    if previous is None:
        return None
    session.delete(previous)
    session.flush()
    return previous.object_key
