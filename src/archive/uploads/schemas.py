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


METADATA_KEYS: dict[str, str] = {
    "story_id": "The existing story the recording belongs to (a story id). Give this or `title`.",
    "title": "For a new story: its title. The story is made only when the upload completes, so "
    "a cancelled, refused or expired upload leaves none.",
    "community_id": "For a new story: the community it belongs to (an id); left out, yours "
    "when you belong to one only (an upload link's stories go to its collection's community).",
    "consent_given_by": "For a new story: the name of the person telling it, who gives "
    "consent. Required, with the two below, from anyone but the community's archivists "
    "(contributors, upload-link holders).",
    "consent_listen": "Who that person allows to listen: `public`, `community`, `family` or "
    "`private`.",
    "consent_searchable": "Whether the words may be found by search: `true` or `false`.",
    "consent_embargo_until": "Optional: nobody but the community's archivists hears it before "
    "this date or time (`2030-01-01`, or with a zone: `2030-01-01T09:00:00Z`).",
    "filename": "The file's name on the sender's device, kept with the recording.",
    "filetype": "The file's type as the sender's device names it (`audio/flac`); informative "
    "only: the archive reads what the bytes are.",
}
"""Every key of `Upload-Metadata` that `POST /api/v1/uploads` reads (tus sends metadata only
there: comma-separated `key base64(value)` pairs), and what it means. Others are kept and
ignored. The upload link's token is not metadata: it goes in `Authorization: Bearer`."""
