"""Object keys. Derived from ids only, never from uploaded file names, so a name like
`../../etc/passwd` or one in any script cannot reach the storage layer."""

from __future__ import annotations

import uuid


def original_key(story_id: uuid.UUID, recording_id: uuid.UUID) -> str:
    return f"originals/{story_id}/{recording_id}"


def upload_original_key(upload_id: uuid.UUID, recording_id: uuid.UUID) -> str:
    """The original of a resumable upload, whose story may be made only when it completes."""
    return f"originals/uploads/{upload_id}/{recording_id}"
