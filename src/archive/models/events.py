from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base, UUIDPrimaryKey, utcnow


class Event(UUIDPrimaryKey, Base):
    """The audit and preservation log: who did what to which thing, when, and how it ended."""

    __tablename__ = "events"

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Where the request came from (the client address the server saw), for events made in
    # requests; None for the worker's and the command line's.
    source_ip: Mapped[str | None] = mapped_column(String(45), default=None)
    # The community of the thing acted on, whose archivists may read the event; None for
    # events about users, tokens and the system, which administrators alone read.
    community_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), default=None, index=True
    )
