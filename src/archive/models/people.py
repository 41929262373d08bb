from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db.base import Base, Timestamps, UUIDPrimaryKey

if TYPE_CHECKING:
    from archive.models.stories import Story


class Person(UUIDPrimaryKey, Timestamps, Base):
    """Someone whose voice or work is in the archive: a narrator, interviewer, translator.
    Kept by one community's archivists, and named only on that community's stories."""

    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(300), index=True)
    other_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    birth_year: Mapped[int | None] = mapped_column(default=None)
    death_year: Mapped[int | None] = mapped_column(default=None)
    # Many communities do not say or hear the name of someone who has passed away without a
    # warning, and the year is often not known: the flag stands on its own.
    deceased: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    notes: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )


class StoryPerson(Base):
    """A person's part in a story. One person may have several (narrator and translator)."""

    __tablename__ = "story_people"

    story_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship(lazy="raise")
    story: Mapped[Story] = relationship(back_populates="people", lazy="raise")
