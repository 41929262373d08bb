"""A story with one recording of the English fixture, made through the API as a caller would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

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
