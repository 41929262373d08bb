"""The translation track: its own versions and captions, read by exactly those who may read the
original, hidden by time where the original is; and asking for one. No Whisper needed: the
tracks are written straight in the database (the real models are in
`tests/integration/ingest/test_languages.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role
from archive.jobs.worker import Worker
from archive.models import Job, Recording, Segment, Transcript
from archive.settings import Settings
from archive.tasks import job_handlers
from support.accounts import MakeUser

TRANSLATED = [
    (0.0, 3.0, "We crossed the stone bridge."),
    (3.2, 4.2, "The river"),
    (4.2, 5.2, "was high."),
    (6.0, 8.0, "Then we reached the mill."),
]


def add_translation(sessions: sessionmaker[Session], recording_id: uuid.UUID) -> None:
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=recording_id,
            kind="translation",
            version=1,
            source="machine",
            model="base",
            language="en",
            language_probability=1.0,
        )
        transcript.segments = [
            Segment(position=i, start=a, end=b, text=text, language="en")
            for i, (a, b, text) in enumerate(TRANSLATED)
        ]
        session.add(transcript)


def restrict_original_segment(sessions: sessionmaker[Session], recording_id: uuid.UUID) -> None:
    """Marks the original's second segment (3.5 s to 5.0 s) restricted."""
    with transaction(sessions) as session:
        original = session.scalars(
            select(Transcript).where(
                Transcript.recording_id == recording_id, Transcript.kind == "original"
            )
        ).one()
        segment = session.scalars(
            select(Segment).where(Segment.transcript_id == original.id, Segment.position == 1)
        ).one()
        segment.restricted = True


def texts(client: TestClient, recording_id: uuid.UUID, headers: dict[str, str]) -> list[str]:
    response = client.get(
        f"/api/v1/recordings/{recording_id}/transcript",
        params={"track": "translation"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["track"] == "translation"
    return [s["text"] for s in response.json()["segments"]]


def test_a_translation_is_hidden_by_time_where_the_original_is_restricted(
    client: TestClient,
    sessions: sessionmaker[Session],
    make_recording: Callable[..., uuid.UUID],
    admin: dict[str, str],
) -> None:
    recording_id = make_recording()
    missing = client.get(
        f"/api/v1/recordings/{recording_id}/transcript", params={"track": "translation"}
    )
    assert missing.status_code == 404
    assert "/translation" in missing.json()["detail"]
    add_translation(sessions, recording_id)
    restrict_original_segment(sessions, recording_id)
    # Both translated halves of the restricted 3.5-5.0 s are hidden, the rest is not.
    assert texts(client, recording_id, {}) == [
        "We crossed the stone bridge.",
        "[restricted]",
        "[restricted]",
        "Then we reached the mill.",
    ]
    assert texts(client, recording_id, admin) == [text for _, _, text in TRANSLATED]
    vtt = client.get(
        f"/api/v1/recordings/{recording_id}/transcript",
        params={"track": "translation", "format": "vtt"},
    ).text
    assert "was high" not in vtt
    assert "[restricted]" in vtt
    versions = client.get(
        f"/api/v1/recordings/{recording_id}/transcript/versions", params={"track": "translation"}
    ).json()
    assert [(v["version"], v["model"]) for v in versions] == [(1, "base")]
    original = client.get(f"/api/v1/recordings/{recording_id}/transcript/versions").json()
    assert [(v["version"], v["model"]) for v in original] == [(1, "tiny.en")]


def test_archivists_ask_for_a_translation_and_others_may_not(
    client: TestClient,
    sessions: sessionmaker[Session],
    make_recording: Callable[..., uuid.UUID],
    admin: dict[str, str],
    make_user: MakeUser,
) -> None:
    recording_id = make_recording()
    url = f"/api/v1/recordings/{recording_id}/translation"
    assert client.post(url).status_code == 401
    refused = client.post(url, headers=make_user("rosa", Role.RESEARCHER))
    assert refused.status_code == 403
    assert "archivists" in refused.json()["detail"]
    accepted = client.post(url, headers=admin)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert (body["recording_id"], body["status"]) == (str(recording_id), "queued")
    with transaction(sessions) as session:
        job = session.get(Job, uuid.UUID(body["job_id"]))
        assert job is not None
        assert (job.kind, job.lane, job.payload) == (
            "translate",
            "transcribe",
            {"recording_id": str(recording_id)},
        )


def test_a_deaccessioned_recording_has_no_translation_to_read_or_make(
    client: TestClient,
    sessions: sessionmaker[Session],
    make_recording: Callable[..., uuid.UUID],
    admin: dict[str, str],
    settings: Settings,
) -> None:
    recording_id = make_recording()
    add_translation(sessions, recording_id)
    url = f"/api/v1/recordings/{recording_id}/translation"
    queued = client.post(url, headers=admin)
    assert queued.status_code == 202, queued.text
    with transaction(sessions) as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        recording.deaccessioned_at = utcnow()
        recording.deaccession_reason = "The family asked for it back."

    read = client.get(
        f"/api/v1/recordings/{recording_id}/transcript",
        params={"track": "translation"},
        headers=admin,
    )
    assert read.status_code == 410
    assert "withdrawn" in read.json()["detail"]
    assert client.post(url, headers=admin).status_code == 410
    # The translation asked for before is skipped, not failed on a missing original.
    worker = Worker(settings, handlers=job_handlers(), name="translate-worker")
    try:
        worker.run_until_idle()
    finally:
        worker.close()
    with transaction(sessions) as session:
        job = session.get(Job, uuid.UUID(queued.json()["job_id"]))
        assert job is not None
        assert job.status == "done"
        kinds = session.scalars(
            select(Transcript.kind).where(Transcript.recording_id == recording_id)
        ).all()
        assert sorted(kinds) == ["original", "translation"]
