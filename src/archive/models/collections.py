from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class Collection(UUIDPrimaryKey, Base):
    __tablename__ = "collections"

    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
