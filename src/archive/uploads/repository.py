from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, update
from sqlalchemy.orm import Session

from archive.models import Upload


def get_upload(session: Session, upload_id: uuid.UUID) -> Upload | None:
    return session.get(Upload, upload_id)


def add_upload(session: Session, upload: Upload) -> Upload:
    session.add(upload)
    session.flush()
    return upload


def lock_open_upload_at(
    session: Session,
    upload_id: uuid.UUID,
    offset: int,
    owner: str,
    now: datetime,
    until: datetime,
) -> (
    Row[tuple[uuid.UUID, int, list[dict[str, Any]], uuid.UUID | None, uuid.UUID | None, datetime]]
    | None
):
    """Takes the write lock of an open upload that has exactly `offset` bytes, in one
    statement; returns its story_id, length, parts, created_by, upload_link_id and
    expires_at, or None when it is not open, has another offset, is locked, or does not
    exist."""
    return session.execute(
        update(Upload)
        .where(
            Upload.id == upload_id,
            Upload.status == "open",
            Upload.offset == offset,
            or_(Upload.lock_owner.is_(None), Upload.lock_expires_at < now),
        )
        .values(lock_owner=owner, lock_expires_at=until)
        .returning(
            Upload.story_id,
            Upload.length,
            Upload.parts,
            Upload.created_by,
            Upload.upload_link_id,
            Upload.expires_at,
        )
        .execution_options(synchronize_session=False)
    ).one_or_none()


def refuse(session: Session, upload_id: uuid.UUID, error: str) -> None:
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id)
        .values(status="refused", error=error, lock_owner=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def take_lock(
    session: Session, upload_id: uuid.UUID, owner: str, now: datetime, until: datetime
) -> bool:
    """One writer per upload: a second request racing on it is refused, not interleaved."""
    result = session.execute(
        update(Upload)
        .where(
            Upload.id == upload_id, or_(Upload.lock_owner.is_(None), Upload.lock_expires_at < now)
        )
        .values(lock_owner=owner, lock_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_lock(session: Session, upload_id: uuid.UUID, owner: str) -> None:
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.lock_owner == owner)
        .values(lock_owner=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def commit_offset(
    session: Session, upload_id: uuid.UUID, owner: str, offset: int, expires_at: datetime
) -> bool:
    """Moves the offset forward and lets go of the lock, if `owner` still holds it."""
    result = session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.lock_owner == owner, Upload.offset <= offset)
        .values(offset=offset, expires_at=expires_at, lock_owner=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
