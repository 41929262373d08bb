from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db.base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from archive.models.communities import Protocol
    from archive.models.people import StoryPerson
    from archive.models.recordings import Recording
    from archive.models.uploads import Consent


class Story(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "stories"

    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    access: Mapped[str] = mapped_column(String(20), default="private")
    community_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), default=None, index=True
    )
    protocol_mode: Mapped[str] = mapped_column(String(3), default="all")
    embargo_until: Mapped[datetime | None] = mapped_column(default=None)
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
    # Dublin Core and what oral historians record. A recorded date may be partial ("1952",
    # "1952-06", "1952-06-14"): the text as given, and how precise it is (year, month, day).
    recorded_date: Mapped[str | None] = mapped_column(String(10), default=None)
    recorded_date_precision: Mapped[str | None] = mapped_column(String(5), default=None)
    place: Mapped[str | None] = mapped_column(String(500), default=None)
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    rights: Mapped[str | None] = mapped_column(Text, default=None)
    related_story_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    translate: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    """Also make an English translation track of each recording."""

    recordings: Mapped[list[Recording]] = relationship(
        back_populates="story", lazy="raise", order_by="Recording.created_at"
    )
    consent: Mapped[Consent | None] = relationship(lazy="raise", uselist=False)
    protocols: Mapped[list[Protocol]] = relationship(secondary="story_protocols", lazy="raise")
    people: Mapped[list[StoryPerson]] = relationship(
        back_populates="story",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="StoryPerson.position",
    )

    __table_args__ = (
        # The review queue: stories waiting, oldest first.
        Index("ix_stories_review_queue", "status", "created_at"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
