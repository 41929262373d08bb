"""Changing a story's access reaches everything that comes from it: its recordings, audio,
transcripts, captions and, within one index cycle, its search documents."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.jobs import JobKind
from archive.jobs import queue
from archive.jobs.worker import Worker
from archive.models import Segment, Transcript
from archive.settings import Settings
from archive.tasks import job_handlers
from support.paths import STORY_EN
from support.problems import assert_problem


def test_making_a_story_private_closes_every_way_to_it(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "The river", "access": "public"}
    ).json()
    recording_id = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    ).json()["id"]
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=uuid.UUID(recording_id), version=1, source="machine", language="en"
        )
        transcript.segments = [
            Segment(position=0, start=0.0, end=4.0, text="My grandmother carried the seeds.")
        ]
        session.add(transcript)
    worker = Worker(
        settings,
        handlers=job_handlers(),
        name="access-change",
        transcriber=lambda: None,  # type: ignore[arg-type,return-value]
    )
    with transaction(sessions) as session:
        queue.enqueue(session, JobKind.INDEX, payload={"recording_id": recording_id})
    worker.run_until_idle()

    paths = [
        f"/api/v1/stories/{story['id']}",
        f"/api/v1/recordings/{recording_id}",
        f"/api/v1/recordings/{recording_id}/audio",
        f"/api/v1/recordings/{recording_id}/transcript",
        f"/api/v1/recordings/{recording_id}/transcript?format=vtt",
    ]

    def search_total(headers: dict[str, str] | None = None) -> int:
        found: dict[str, Any] = client.get(
            "/api/v1/search", params={"q": "grandmother"}, headers=headers or {}
        ).json()
        return int(found["total"])

    assert all(client.get(path).status_code == 200 for path in paths)
    assert search_total() == 1
    version = client.get(f"/api/v1/stories/{story['id']}", headers=admin).headers["etag"]
    changed = client.patch(
        f"/api/v1/stories/{story['id']}",
        json={"access": "private"},
        headers={**admin, "If-Match": version},
    )
    assert changed.status_code == 200, changed.text
    for path in paths:  # at once: every decision reads the story as it is now
        assert_problem(client.get(path), 404)
    assert worker.run_until_idle() >= 1  # one index cycle
    assert search_total() == 0
    assert search_total(admin) == 1
    worker.close()
