from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class UploadRead(BaseModel):
    """What a HEAD request tells of an upload (as tus headers)."""

    status: str
    offset: int
    length: int
    upload_metadata: dict[str, str]
    recording_id: uuid.UUID | None
    expires_at: datetime
