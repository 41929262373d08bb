"""Object keys. Derived from ids only, never from uploaded file names, so a name like
`../../etc/passwd` or one in any script cannot reach the storage layer."""

from __future__ import annotations

import uuid


def original_key(story_id: uuid.UUID, recording_id: uuid.UUID) -> str:
    return f"originals/{story_id}/{recording_id}"


def upload_original_key(upload_id: uuid.UUID, recording_id: uuid.UUID) -> str:
    """The original of a resumable upload, whose story may be made only when it completes."""
    return f"originals/uploads/{upload_id}/{recording_id}"


def import_original_key(community_id: uuid.UUID, sha256: str) -> str:
    """The original of an imported file: named by its bytes, so an import stopped between
    storing a file and recording it stores it under the same key when it runs again."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("sha256 must be 64 lowercase hex digits")
    return f"originals/imports/{community_id}/{sha256}"
