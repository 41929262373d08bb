"""A story with a recording: through the API as a caller makes one, or as rows for tests of
what is built on a transcript."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from archive.models import Recording
from support.paths import STORY_EN


def story_with_recording(
    client: TestClient, headers: dict[str, str], **story: Any
) -> tuple[str, str]:
    """Creates a story from `story` (the JSON fields of `POST /api/v1/stories`) and uploads
    one recording to it; returns (story id, recording id)."""
    created = client.post("/api/v1/stories", headers=headers, json=story)
    assert created.status_code == 201, created.text
    story_id = str(created.json()["id"])
    uploaded = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        headers=headers,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    )
    assert uploaded.status_code == 201, uploaded.text
    return story_id, str(uploaded.json()["id"])


def add_ready_recording(session: Session, story_id: uuid.UUID) -> Recording:
    """A recording row of `story_id` that is ready, written straight to the database (no
    bytes behind it): for tests of what is built on a transcript, not of uploading."""
    recording = Recording(
        story_id=story_id,
        object_key=f"recordings/{uuid.uuid4()}",
        content_type="audio/flac",
        container="flac",
        size=1,
        sha256="0" * 64,
        status="ready",
    )
    session.add(recording)
    session.flush()
    return recording
