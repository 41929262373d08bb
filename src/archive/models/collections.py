from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class Collection(UUIDPrimaryKey, Base):
    """Stories grouped by an archivist, within one community: a collection never holds
    another community's stories, and never moves."""

    __tablename__ = "collections"

    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
