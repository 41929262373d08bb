from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from archive.models import Upload


def get_upload(session: Session, upload_id: uuid.UUID) -> Upload | None:
    return session.get(Upload, upload_id)


def add_upload(session: Session, upload: Upload) -> Upload:
    session.add(upload)
    session.flush()
    return upload


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
