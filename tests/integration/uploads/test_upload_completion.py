"""Finishing an upload is idempotent and resumable: an upload that has all its bytes but no
recording (its process stopped while finishing it) is finished by the next HEAD or PATCH."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.jobs.worker import Worker
from archive.models import Event, Job, Recording, Story, Upload
from archive.tasks import job_handlers
from support.paths import STORY_EN
from support.problems import assert_problem

from .conftest import LiveArchive
from .helpers import CONSENT_METADATA, head, send, start

TAIL = 5_000


def stopped_before_completing(live: LiveArchive, *, object_stored: bool) -> str:
    """An upload as a process leaves it that stopped after committing the last offset
    (and, with `object_stored`, after putting the bytes under their key too)."""
    data = STORY_EN.read_bytes()
    created = start(
        live.url, live.admin, len(data), {"title": "Stopped midway", **CONSENT_METADATA}
    )
    url = created.headers["location"]
    assert send(url, live.admin, 0, data[:-TAIL]).status_code == 204
    (spool,) = live.settings.spool_dir.iterdir()
    with spool.open("ab") as f:
        f.write(data[-TAIL:])
    sessions = live.app.state.sessions
    with transaction(sessions) as session:
        session.execute(update(Upload).values(offset=len(data)))
        key = session.scalar(select(Upload.object_key))
    assert key is not None
    if object_stored:
        target = live.settings.data_dir / "objects" / key
        target.parent.mkdir(parents=True)
        shutil.move(spool, target)
    live.app.state.spool.forget(uuid.UUID(spool.stem))  # the running digest died with it
    return url


def recordings_and_stories(live: LiveArchive) -> tuple[int, int]:
    with live.app.state.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Recording)) or 0,
            session.scalar(select(func.count()).select_from(Story)) or 0,
        )


def addresses(live: LiveArchive) -> dict[str, str | None]:
    """Each event's action and the address it names."""
    with live.app.state.sessions() as session:
        return {e.action: e.source_ip for e in session.scalars(select(Event))}


FINISHING = ("upload.created", "story.created", "recording.uploaded")


@pytest.mark.parametrize("object_stored", [False, True], ids=["in-spool", "in-store"])
def test_head_finishes_an_upload_that_has_all_its_bytes(
    live: LiveArchive, object_stored: bool
) -> None:
    url = stopped_before_completing(live, object_stored=object_stored)
    assert recordings_and_stories(live) == (0, 0)
    first = head(url, live.admin)
    assert first.status_code == 200
    recording_id = first.headers["archive-recording-id"]
    again = head(url, live.admin)
    assert again.headers["archive-recording-id"] == recording_id
    recording = httpx.get(f"{live.url}/api/v1/recordings/{recording_id}", headers=live.admin).json()
    assert recording["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()
    assert recordings_and_stories(live) == (1, 1)
    assert list(live.settings.spool_dir.iterdir()) == []


def test_a_patch_at_the_end_finishes_it_too(live: LiveArchive) -> None:
    url = stopped_before_completing(live, object_stored=True)
    length = len(STORY_EN.read_bytes())
    finished = send(url, live.admin, length, b"")
    assert finished.status_code == 204, finished.text
    assert finished.headers["upload-offset"] == str(length)
    recording_id = finished.headers["archive-recording-id"]
    assert head(url, live.admin).headers["archive-recording-id"] == recording_id
    assert_problem(send(url, live.admin, length, b""), 409)
    assert recordings_and_stories(live) == (1, 1)
    # The story and the recording are logged from the address of the request finishing them.
    logged = addresses(live)
    assert [logged[action] for action in FINISHING] == ["127.0.0.1"] * 3


def test_only_bytes_truly_lost_make_an_upload_gone(live: LiveArchive) -> None:
    url = stopped_before_completing(live, object_stored=False)
    (spool,) = live.settings.spool_dir.iterdir()
    spool.unlink()
    assert head(url, live.admin).status_code == 410
    assert recordings_and_stories(live) == (0, 0)


def test_an_upload_with_all_its_bytes_cannot_be_cancelled_and_lost(live: LiveArchive) -> None:
    url = stopped_before_completing(live, object_stored=True)
    assert_problem(httpx.delete(url, headers={**live.admin, "Tus-Resumable": "1.0.0"}), 409)
    assert "archive-recording-id" in head(url, live.admin).headers
    assert recordings_and_stories(live) == (1, 1)


def test_the_expiry_job_finishes_an_upload_instead_of_expiring_its_bytes(
    live: LiveArchive,
) -> None:
    url = stopped_before_completing(live, object_stored=False)
    with transaction(live.app.state.sessions) as session:
        session.execute(update(Upload).values(expires_at=utcnow() - timedelta(hours=1)))
        session.execute(update(Job).values(run_after=utcnow()))
    worker = Worker(
        live.settings,
        handlers=job_handlers(),
        name="expiry-test",
        transcriber=lambda: None,  # type: ignore[arg-type,return-value]
    )
    try:
        worker.run_until_idle()
    finally:
        worker.close()
    with live.app.state.sessions() as session:
        assert session.scalar(select(Upload.status)) == "complete"
    assert recordings_and_stories(live) == (1, 1)
    # A job finished them: no request, no address.
    logged = addresses(live)
    assert [logged[action] for action in FINISHING] == ["127.0.0.1", None, None]
    assert "archive-recording-id" in head(url, live.admin).headers
