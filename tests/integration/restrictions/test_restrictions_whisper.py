"""A restricted span over a recording transcribed by the real worker and model, end to end:
search, transcript, captions and audio for those without the right, and back again."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.jobs.worker import Worker
from archive.models import ListeningCopy, Recording
from archive.storage.base import ObjectStore
from integration.restrictions.helpers import BRIDGE, make_story, rms
from support.paths import STORY_EN

pytestmark = pytest.mark.slow

SILENT = 1e-4


def bridge_hits(client: TestClient, headers: dict[str, str] | None = None) -> int:
    response = client.get("/api/v1/search", params={"q": '"stone bridge"'}, headers=headers or {})
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def test_a_restricted_span_is_masked_unfindable_and_silent_until_it_is_lifted(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    worker: Worker,
) -> None:
    story_id = make_story(client, admin)
    uploaded = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        headers=admin,
        files={"file": ("story_en.flac", STORY_EN.read_bytes())},
    )
    assert uploaded.status_code == 201, uploaded.text
    recording_id = uploaded.json()["id"]
    sha256 = hashlib.sha256(STORY_EN.read_bytes()).hexdigest()
    assert uploaded.json()["sha256"] == sha256
    worker.run_until_idle()  # transcribe, index
    assert bridge_hits(client) == 1

    restriction = client.post(
        f"/api/v1/recordings/{recording_id}/restrictions",
        headers=admin,
        json={"start": BRIDGE[0], "end": BRIDGE[1], "reason": "The family asked."},
    )
    assert restriction.status_code == 201, restriction.text
    assert worker.run_until_idle() == 2  # index, silence

    # Search: the documents leave the segment out for everyone, curators included.
    assert bridge_hits(client) == 0
    assert bridge_hits(client, admin) == 0

    transcript_url = f"/api/v1/recordings/{recording_id}/transcript"
    anonymous = client.get(transcript_url).json()["segments"]
    masked = [s for s in anonymous if s["text"] == "[restricted]"]
    assert masked
    for segment in masked:
        assert segment["words"] == []
        assert segment["start"] < BRIDGE[1]
        assert BRIDGE[0] < segment["end"]
    assert "bridge" not in str(anonymous).lower()
    vtt = client.get(transcript_url, params={"format": "vtt"}).text
    assert "[restricted]" in vtt
    assert "bridge" not in vtt.lower()
    full = client.get(transcript_url, headers=admin).json()["segments"]
    assert "stone bridge" in " ".join(s["text"] for s in full).lower()

    audio_url = f"/api/v1/recordings/{recording_id}/audio"
    silenced = client.get(audio_url)
    assert silenced.status_code == 200
    inside, before, after = rms(silenced.content, [(16.15, 20.25), (0.0, 4.6), (20.7, 26.3)])
    assert inside < SILENT
    assert before > 100 * SILENT
    assert after > 100 * SILENT
    original = client.get(audio_url, headers=admin).content
    assert hashlib.sha256(original).hexdigest() == sha256
    store: ObjectStore = client.app.state.store  # type: ignore[attr-defined]
    with transaction(sessions) as session:
        recording = session.get(Recording, uuid.UUID(recording_id))
        assert recording is not None
        assert recording.sha256 == sha256
        assert store.verify_sha256(recording.object_key, sha256)
        copy = session.scalar(select(ListeningCopy))
        assert copy is not None
        copy_key = copy.object_key

    lifted = client.delete(
        f"/api/v1/recordings/{recording_id}/restrictions/{restriction.json()['id']}",
        headers=admin,
    )
    assert lifted.status_code == 204
    assert worker.run_until_idle() == 2
    assert bridge_hits(client) == 1
    assert "[restricted]" not in client.get(transcript_url).text
    assert hashlib.sha256(client.get(audio_url).content).hexdigest() == sha256
    assert not store.exists(copy_key)
    with transaction(sessions) as session:
        assert session.scalar(select(ListeningCopy)) is None
