"""Fixity audits on the local store: a changed byte and a missing object are both reported,
each check is an event, the result is read through the API and the health report, and an
audit that cannot read storage never passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from archive.cli import app as cli
from archive.db.session import transaction
from archive.domain.access import Role
from archive.domain.jobs import JobKind
from archive.fixity import flow, repository
from archive.fixity.service import schedule_next
from archive.jobs.worker import Worker
from archive.models import Job
from archive.settings import Settings
from archive.storage.base import ObjectStore
from support.accounts import MakeUser
from support.community_world import move_to
from support.fixity import audit_now, corrupt_one_byte
from support.stories import story_with_recording


def three_recordings(client: TestClient, headers: dict[str, str]) -> list[tuple[str, str]]:
    return [story_with_recording(client, headers, title=f"Story {n}") for n in range(3)]


def object_path(settings: Settings, story_id: str, recording_id: str) -> Path:
    return settings.data_dir / "objects" / "originals" / story_id / recording_id


def test_a_changed_byte_and_a_missing_object_are_both_reported(
    client: TestClient, admin: dict[str, str], settings: Settings, make_user: MakeUser
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    made = three_recordings(client, archivist)
    corrupt_one_byte(object_path(settings, *made[0]))
    object_path(settings, *made[1]).unlink()

    audit = audit_now(client)

    assert (audit.status, audit.checked, audit.intact) == ("failed", 3, 1)
    assert (audit.missing, audit.changed) == (1, 1)
    problems = {f["recording_id"]: f["problem"] for f in audit.findings}
    assert problems == {made[0][1]: "changed", made[1][1]: "missing"}
    read = client.get("/api/v1/fixity", headers=archivist)
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["status"] == "failed"
    assert {f["problem"] for f in body["findings"]} == {"changed", "missing"}
    events = client.get(
        "/api/v1/events", headers=admin, params={"action": "recording.fixity_checked"}
    ).json()
    outcomes = sorted(e["outcome"] for e in events["items"])
    assert outcomes == ["failure", "failure", "success"]
    health = client.get("/api/v1/health").json()
    assert health["fixity"]["status"] == "failed"
    assert (health["fixity"]["missing"], health["fixity"]["changed"]) == (1, 1)


def test_findings_stay_within_the_archivists_communities(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, settings: Settings
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    made = three_recordings(client, archivist)
    object_path(settings, *made[0]).unlink()
    other = client.post("/api/v1/communities", headers=admin, json={"name": "Other"}).json()
    outsider = make_user("bo", Role.ARCHIVIST)
    move_to(client, admin, outsider, leave=None, join=other["id"], role="archivist")
    audit_now(client)

    theirs = client.get("/api/v1/fixity", headers=outsider).json()
    assert (theirs["status"], theirs["findings"], theirs["missing"]) == ("passed", [], 0)
    assert theirs["checked"] is None
    member = make_user("cy", Role.RESEARCHER)
    assert client.get("/api/v1/fixity", headers=member).status_code == 403
    assert client.get("/api/v1/fixity").status_code == 401


def test_an_audit_that_cannot_read_storage_never_passes(
    client: TestClient, make_user: MakeUser, settings: Settings
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    three_recordings(client, archivist)
    shutil.rmtree(settings.data_dir / "objects")

    audit = audit_now(client)

    assert audit.status == "error"
    assert audit.error is not None
    assert "could not be read" in audit.error
    assert client.get("/api/v1/health").json()["fixity"]["status"] == "error"


def test_the_command_reports_each_finding_and_exits_non_zero(
    client: TestClient, make_user: MakeUser, settings: Settings
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    made = three_recordings(client, archivist)
    corrupt_one_byte(object_path(settings, *made[2]))
    env = {
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_DATABASE_URL": settings.database_url,
    }
    result = CliRunner().invoke(cli, ["fixity"], env=env)
    assert result.exit_code == 1, result.output
    assert "3 originals checked, 2 intact, 0 missing, 1 changed" in result.output
    assert f"changed: recording {made[2][1]}" in result.output
    corrupted = object_path(settings, *made[2])
    corrupted.write_bytes(b"")
    corrupted.unlink()
    sampled = CliRunner().invoke(cli, ["fixity", "--sample", "100"], env=env)
    assert sampled.exit_code == 1
    assert "1 missing" in sampled.output


def test_the_scheduled_audit_runs_as_a_job_and_queues_the_next_one(
    client: TestClient, make_user: MakeUser, settings: Settings
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    three_recordings(client, archivist)
    sessions: sessionmaker[Session] = client.app.state.sessions  # type: ignore[attr-defined]
    with transaction(sessions) as session:
        for job in session.query(Job).all():
            session.delete(job)
        schedule_next(session, interval_hours=24, sample_percent=100)
        schedule_next(session, interval_hours=24, sample_percent=100)  # one is enough
    from archive.tasks import job_handlers

    worker = Worker(settings, handlers=job_handlers(), name="fixity-worker")
    try:
        worker.run_until_idle()
    finally:
        worker.close()
    with transaction(sessions) as session:
        audit = repository.latest_audit(session)
        assert audit is not None
        assert (audit.trigger, audit.status, audit.checked) == ("schedule", "passed", 3)
        queued = session.query(Job).filter_by(kind=JobKind.FIXITY_AUDIT, status="queued").all()
        assert len(queued) == 1
        assert audit.finished_at is not None
        hours = (queued[0].run_after - audit.finished_at).total_seconds() / 3600
        assert hours == pytest.approx(settings.fixity_interval_hours, abs=0.1)


def test_a_large_archive_is_audited_in_steps_that_resume(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    three_recordings(client, archivist)
    monkeypatch.setattr(flow, "STEP_SIZE", 1)
    sessions: sessionmaker[Session] = client.app.state.sessions  # type: ignore[attr-defined]
    store: ObjectStore = client.app.state.store  # type: ignore[attr-defined]
    audit_id = flow.start_audit(sessions, store, trigger="command", sample_percent=100)
    assert flow.run_step(sessions, store, audit_id=audit_id) is False
    with transaction(sessions) as session:
        partial = repository.get_audit(session, audit_id)
        assert partial is not None
        assert (partial.status, partial.checked) == ("running", 1)
    assert flow.run_audit(sessions, store, audit_id=audit_id)
    with transaction(sessions) as session:
        done = repository.get_audit(session, audit_id)
        assert done is not None
        assert (done.status, done.checked) == ("passed", 3)
