from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, Timestamps, UUIDPrimaryKey, utcnow


class UploadLink(UUIDPrimaryKey, Base):
    """A capability handed to someone without an account: create stories and upload into one
    collection, until it expires, is used up or is revoked. Only the token's hash is kept."""

    __tablename__ = "upload_links"

    collection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    """Its collection's: the community its stories belong to and whose archivists manage it."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    max_uploads: Mapped[int | None] = mapped_column(default=None)
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Upload(UUIDPrimaryKey, Timestamps, Base):
    """A resumable (tus) upload in progress. Its bytes become a Recording only when the last
    byte has arrived and the media is accepted; until then nothing of it is visible.

    `story_id` is None while the upload names a new story by its title: that story is made
    when the upload completes, in the community already recorded in `community_id`."""

    __tablename__ = "uploads"

    story_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True, default=None
    )
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    upload_link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("upload_links.id", ondelete="SET NULL"), index=True, default=None
    )
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    upload_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filename: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    expires_at: Mapped[datetime]
    object_key: Mapped[str] = mapped_column(String(500))
    multipart_id: Mapped[str | None] = mapped_column(String(1024), default=None)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    recording_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    lock_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lock_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class Consent(UUIDPrimaryKey, Timestamps, Base):
    """The narrator's consent: who may listen, whether the words may be searched, until when
    the story waits (embargo). Withdrawal is recorded, never deleted."""

    __tablename__ = "consents"

    story_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), unique=True
    )
    given_by: Mapped[str] = mapped_column(String(300))
    listen: Mapped[str] = mapped_column(String(20))
    searchable: Mapped[bool] = mapped_column(default=True)
    embargo_until: Mapped[datetime | None] = mapped_column(default=None)
    document_key: Mapped[str | None] = mapped_column(String(500), default=None)
    document_content_type: Mapped[str | None] = mapped_column(String(100), default=None)
    document_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    document_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
