from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db.base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from archive.models.recordings import Recording
    from archive.models.uploads import Consent


class Story(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "stories"

    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    access: Mapped[str] = mapped_column(String(20), default="private")
    status: Mapped[str] = mapped_column(String(20), default="published")
    collection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("collections.id", ondelete="SET NULL"), default=None, index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    upload_link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("upload_links.id", ondelete="SET NULL"), default=None, index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    recordings: Mapped[list[Recording]] = relationship(
        back_populates="story", lazy="raise", order_by="Recording.created_at"
    )
    consent: Mapped[Consent | None] = relationship(lazy="raise", uselist=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
