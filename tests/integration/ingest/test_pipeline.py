"""A recording's way from upload to `ready`, through a real worker and the real model."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.jobs import JobKind
from archive.jobs import queue
from archive.jobs.worker import Shutdown, Worker
from archive.models import Job, Transcript
from support.paths import SILENCE, STORY_EN, story_facts

pytestmark = pytest.mark.slow


def upload(client: TestClient, admin: dict[str, str], path: Path, access: str = "public") -> str:
    story = client.post(
        "/api/v1/stories",
        json={"title": "The flood", "access": access, "languages": ["en"]},
        headers=admin,
    ).json()
    response = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        files={"file": (path.name, path.read_bytes())},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    recording_id: str = response.json()["id"]
    return recording_id


def test_a_recording_becomes_ready_and_searchable_at_the_second_it_is_said(
    client: TestClient, admin: dict[str, str], worker: Worker
) -> None:
    recording_id = upload(client, admin, STORY_EN)
    assert worker.run_until_idle() == 2  # transcribe, then index
    recording = client.get(f"/api/v1/recordings/{recording_id}").json()
    assert recording["status"] == "ready"
    assert recording["progress"] == 1.0
    assert recording["transcription"]["model"] == "tiny.en"
    assert recording["transcription"]["language"] == "en"
    assert 0 < recording["transcription"]["seconds"] < 60

    transcript = client.get(f"/api/v1/recordings/{recording_id}/transcript").json()
    assert transcript["version"] == 1
    assert transcript["source"] == "machine"
    words = [w["word"].strip(".,").lower() for s in transcript["segments"] for w in s["words"]]
    for expected in ("grandmother", "seeds", "river", "flooded", "village", "bridge"):
        assert expected in words
    for segment in transcript["segments"]:
        assert 0 < segment["confidence"] <= 1
        assert segment["start"] <= segment["words"][0]["start"] < segment["end"]

    facts = story_facts()
    hits = client.get("/api/v1/search", params={"q": '"stone bridge"'}).json()
    assert hits["total"] == 1
    [hit] = hits["hits"]
    assert hit["recording_id"] == recording_id
    assert abs(hit["start"] - facts["phrase_start"]) < 2.0
    assert "<mark>stone bridge</mark>" in hit["highlight"]


def test_a_private_story_is_transcribed_but_not_found_by_strangers(
    client: TestClient, admin: dict[str, str], worker: Worker
) -> None:
    upload(client, admin, STORY_EN, access="private")
    worker.run_until_idle()
    assert client.get("/api/v1/search", params={"q": "grandmother"}).json()["total"] == 0
    assert (
        client.get("/api/v1/search", params={"q": "grandmother"}, headers=admin).json()["total"]
        == 1
    )


def test_silence_gives_no_text(client: TestClient, admin: dict[str, str], worker: Worker) -> None:
    recording_id = upload(client, admin, SILENCE)
    worker.run_until_idle()
    assert client.get(f"/api/v1/recordings/{recording_id}").json()["status"] == "ready"
    transcript = client.get(f"/api/v1/recordings/{recording_id}/transcript").json()
    assert transcript["segments"] == []
    assert (
        client.get(f"/api/v1/recordings/{recording_id}/transcript", params={"format": "vtt"}).text
        == "WEBVTT\n\n"
    )


def test_a_transcription_job_run_twice_leaves_one_transcript(
    client: TestClient, admin: dict[str, str], worker: Worker, sessions: sessionmaker[Session]
) -> None:
    recording_id = upload(client, admin, STORY_EN)
    worker.run_until_idle()
    # The first run committed; now the same job comes round again (say its worker's
    # finish was lost on the network and the lease lapsed).
    with transaction(sessions) as session:
        session.execute(
            update(Job)
            .where(Job.kind == JobKind.TRANSCRIBE)
            .values(status="queued", run_after=utcnow())
        )
    worker.run_until_idle()
    with transaction(sessions) as session:
        transcripts = session.scalar(select(func.count()).select_from(Transcript))
        index_jobs = session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == JobKind.INDEX)
        )
    assert transcripts == 1
    assert index_jobs == 1
    assert client.get(f"/api/v1/recordings/{recording_id}").json()["status"] == "ready"


def test_a_recording_that_cannot_be_read_fails_with_a_readable_error(
    client: TestClient, admin: dict[str, str], worker: Worker, sessions: sessionmaker[Session]
) -> None:
    recording_id = upload(client, admin, STORY_EN)
    with transaction(sessions) as session:
        session.execute(update(Job).values(payload={"recording_id": recording_id}))
    objects = worker.settings.data_dir / "objects"
    [stored] = [p for p in objects.rglob("*") if p.is_file()]
    stored.write_bytes(b"fLaC" + bytes(4096))  # the disk under it went bad
    for _ in range(worker.settings.job_max_attempts):
        worker.run_until_idle()
        with transaction(sessions) as session:  # skip the backoff
            session.execute(update(Job).values(run_after=utcnow()))
    recording = client.get(f"/api/v1/recordings/{recording_id}").json()
    assert recording["status"] == "failed"
    assert "upload it again" in recording["error"].lower()
    with transaction(sessions) as session:
        job = session.scalar(select(Job))
        assert job is not None
        assert job.status == "failed"
        assert job.attempts == worker.settings.job_max_attempts


def test_a_stopping_worker_hands_its_job_back(
    client: TestClient, admin: dict[str, str], worker: Worker, sessions: sessionmaker[Session]
) -> None:
    recording_id = upload(client, admin, STORY_EN)
    shutdown = Shutdown(grace_seconds=0)
    with transaction(sessions) as session:
        job = queue.claim(session, worker.name, lease_seconds=30)
    assert job is not None
    shutdown.request()
    worker.process(job, shutdown)
    with transaction(sessions) as session:
        row = session.get(Job, job.id)
        assert row is not None
        assert (row.status, row.attempts, row.lease_owner) == ("queued", 0, None)
        assert session.scalar(select(func.count()).select_from(Transcript)) == 0
    assert client.get(f"/api/v1/recordings/{recording_id}").json()["status"] == "queued"
    assert worker.run_until_idle() == 2


def test_unknown_recordings_in_jobs_are_skipped(
    worker: Worker, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        queue.enqueue(session, JobKind.TRANSCRIBE, payload={"recording_id": str(uuid.uuid4())})
    assert worker.run_until_idle() == 1
    with transaction(sessions) as session:
        assert queue.count_by_status(session) == {"done": 1}
