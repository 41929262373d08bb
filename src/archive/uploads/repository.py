from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from archive.models import Upload, UploadLink
from archive.storage.base import SpooledPart


@dataclass(frozen=True, slots=True)
class LockedUpload:
    length: int
    parts: list[SpooledPart]
    created_by: uuid.UUID | None
    upload_link_id: uuid.UUID | None
    community_id: uuid.UUID
    expires_at: datetime


def get_upload(session: Session, upload_id: uuid.UUID) -> Upload | None:
    return session.get(Upload, upload_id)


def get_detached(session: Session, upload_id: uuid.UUID) -> Upload | None:
    """The upload, detached from the session so it stays readable after the transaction."""
    upload = session.get(Upload, upload_id)
    if upload is not None:
        session.expunge(upload)
    return upload


def get_link(session: Session, link_id: uuid.UUID) -> UploadLink | None:
    """The upload link an upload was started with, whatever its community."""
    return session.get(UploadLink, link_id)


def add_upload(session: Session, upload: Upload) -> Upload:
    session.add(upload)
    session.flush()
    return upload


def lock_open_upload_at(
    session: Session,
    upload_id: uuid.UUID,
    *,
    offset: int,
    owner: str,
    now: datetime,
    until: datetime,
) -> LockedUpload | None:
    """Takes the write lock of an open upload that has exactly `offset` bytes, in one
    statement; None when it is not open, has another offset, is locked, or does not
    exist."""
    row = session.execute(
        update(Upload)
        .where(
            Upload.id == upload_id,
            Upload.status == "open",
            Upload.offset == offset,
            or_(Upload.lock_owner.is_(None), Upload.lock_expires_at < now),
        )
        .values(lock_owner=owner, lock_expires_at=until)
        .returning(
            Upload.length,
            Upload.parts,
            Upload.created_by,
            Upload.upload_link_id,
            Upload.community_id,
            Upload.expires_at,
        )
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        return None
    length, parts, created_by, link_id, community_id, expires_at = row
    return LockedUpload(
        length,
        [SpooledPart.from_json(part) for part in parts],
        created_by,
        link_id,
        community_id,
        expires_at,
    )


def refuse(session: Session, upload_id: uuid.UUID, *, error: str) -> None:
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id)
        .values(status="refused", error=error, lock_owner=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def take_lock(
    session: Session, upload_id: uuid.UUID, *, owner: str, now: datetime, until: datetime
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


def release_lock(session: Session, upload_id: uuid.UUID, *, owner: str) -> None:
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.lock_owner == owner)
        .values(lock_owner=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def commit_offset(
    session: Session,
    upload_id: uuid.UUID,
    *,
    owner: str,
    offset: int,
    expires_at: datetime,
    parts: list[SpooledPart] | None = None,
    keep_lock: bool = False,
) -> bool:
    """Moves the offset forward (and records the parts sent, when given) if `owner` still
    holds the lock; lets go of it unless `keep_lock` (the request goes on to complete)."""
    values: dict[str, Any] = {"offset": offset, "expires_at": expires_at}
    if parts is not None:
        values["parts"] = [part.as_json() for part in parts]
    if not keep_lock:
        values.update(lock_owner=None, lock_expires_at=None)
    result = session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.lock_owner == owner, Upload.offset <= offset)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_multipart_id(session: Session, upload_id: uuid.UUID, *, multipart_id: str) -> None:
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.multipart_id.is_(None))
        .values(multipart_id=multipart_id)
        .execution_options(synchronize_session=False)
    )


def mark_complete(session: Session, upload_id: uuid.UUID) -> bool:
    """Completes an open upload; False when it is not open (another request completed,
    terminated or refused it first: the caller's transaction must then roll back)."""
    result = session.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.status == "open")
        .values(status="complete", lock_owner=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def attach_story(session: Session, upload_id: uuid.UUID, *, story_id: uuid.UUID) -> None:
    session.execute(
        update(Upload)
        .where(Upload.id == upload_id)
        .values(story_id=story_id)
        .execution_options(synchronize_session=False)
    )


def count_open_uploads(
    session: Session, *, created_by: uuid.UUID | None, upload_link_id: uuid.UUID | None
) -> int:
    """Unfinished uploads of one user, or of one upload link."""
    query = select(func.count()).select_from(Upload).where(Upload.status == "open")
    if upload_link_id is not None:
        query = query.where(Upload.upload_link_id == upload_link_id)
    else:
        query = query.where(Upload.created_by == created_by)
    return int(session.scalar(query) or 0)


def received_but_unfinished(session: Session) -> list[uuid.UUID]:
    """Open uploads that have all their bytes: a process stopped while completing them."""
    return list(
        session.scalars(
            select(Upload.id).where(Upload.status == "open", Upload.offset == Upload.length)
        )
    )
