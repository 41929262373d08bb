from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from archive.db.base import Base


class OaiRecord(Base):
    """A story as the OAI-PMH catalogue has given it: its datestamp moves when its record
    changes, and it stays, marked deleted, once the story is no longer public (the
    protocol's persistent deleted records). Kept by `oai.service.reconcile`, which compares
    the catalogue with what anonymous callers may see now."""

    __tablename__ = "oai_records"

    story_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    datestamp: Mapped[datetime] = mapped_column(index=True)
    deleted: Mapped[bool] = mapped_column(default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    collection_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
