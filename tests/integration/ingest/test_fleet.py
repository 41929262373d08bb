"""Many `archive worker` processes on one PostgreSQL queue, as a national archive runs them."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.jobs import JobKind
from archive.domain.keys import original_key
from archive.jobs import queue
from archive.models import Event, Job, Recording, Story, Transcript
from archive.settings import Settings
from archive.storage.factory import open_object_store
from support.paths import LONG_EN

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_settings(settings: Settings) -> Settings:
    if settings.is_sqlite:
        pytest.skip("the worker fleet runs on PostgreSQL (SKIP LOCKED); SQLite has one writer")
    return settings


@pytest.fixture
def sessions_for(pg_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(pg_settings)
    yield create_session_factory(engine)
    engine.dispose()


Spawn = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def spawn_worker(pg_settings: Settings, tmp_path: Path) -> Iterator[Spawn]:
    procs: list[subprocess.Popen[bytes]] = []

    def spawn(*args: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ARCHIVE_DATA_DIR": str(pg_settings.data_dir),
            "ARCHIVE_DATABASE_URL": pg_settings.database_url,
            "ARCHIVE_JOB_POLL_SECONDS": "0.05",
            "ARCHIVE_JOB_LEASE_SECONDS": "3",
        }
        with (tmp_path / f"worker-{len(procs)}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "archive", "worker", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def add_recording(settings: Settings, sessions: sessionmaker[Session], data: bytes) -> uuid.UUID:
    """A recording stored as if uploaded (the bytes need not be audio for fixity)."""
    store = open_object_store(settings)
    recording_id = uuid.uuid4()
    with transaction(sessions) as session:
        story = Story(title="Fleet", access="public", recordings=[])
        session.add(story)
        session.flush()
        key = original_key(story.id, recording_id)
        session.add(
            Recording(
                id=recording_id,
                story_id=story.id,
                object_key=key,
                content_type="audio/flac",
                container="flac",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                duration=144.1,
            )
        )
        writer = store.writer(key)
        writer.write(data)
        writer.commit()
    return recording_id


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


def test_four_workers_do_forty_jobs_exactly_once(
    pg_settings: Settings, sessions_for: sessionmaker[Session], spawn_worker: Spawn
) -> None:
    sessions = sessions_for
    ids = [add_recording(pg_settings, sessions, f"recording {n}".encode() * 100) for n in range(40)]
    with transaction(sessions) as session:
        for recording_id in ids:
            queue.enqueue(session, JobKind.FIXITY, payload={"recording_id": str(recording_id)})
    workers = [spawn_worker() for _ in range(4)]

    def all_done() -> bool:
        with sessions() as session:
            return queue.count_by_status(session) == {"done": 40}

    wait_for(all_done, 180, "forty fixity jobs")
    with sessions() as session:
        events = session.execute(
            select(Event.subject_id, Event.outcome).where(
                Event.action == "recording.fixity_checked"
            )
        ).all()
        owners = set(session.scalars(select(Job.lease_owner)))
    assert sorted(str(e.subject_id) for e in events) == sorted(str(i) for i in ids)
    assert {e.outcome for e in events} == {"success"}
    assert owners == {None}
    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(timeout=30) for proc in workers] == [0, 0, 0, 0]


def running_job(sessions: sessionmaker[Session]) -> Job | None:
    with sessions() as session:
        return session.scalar(select(Job).where(Job.status == "running"))


def test_a_killed_worker_loses_its_job_to_another_and_no_duplicate_is_made(
    pg_settings: Settings, sessions_for: sessionmaker[Session], spawn_worker: Spawn
) -> None:
    sessions = sessions_for
    recording_id = add_recording(pg_settings, sessions, LONG_EN.read_bytes())
    with transaction(sessions) as session:
        queue.enqueue(session, JobKind.TRANSCRIBE, payload={"recording_id": str(recording_id)})
    first = spawn_worker()
    wait_for(lambda: running_job(sessions) is not None, 90, "the first worker's claim")
    job = running_job(sessions)
    assert job is not None
    assert job.lease_owner is not None
    assert int(job.lease_owner.split(":")[1]) == first.pid
    time.sleep(1.0)  # well inside the transcription
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = spawn_worker()

    def ready() -> bool:
        with sessions() as session:
            recording = session.get(Recording, recording_id)
            return recording is not None and recording.status == "ready"

    wait_for(ready, 240, "transcription by the second worker")
    with sessions() as session:
        transcripts = session.scalar(select(func.count()).select_from(Transcript))
        transcribe = session.scalar(select(Job).where(Job.kind == JobKind.TRANSCRIBE))
    assert transcripts == 1
    assert transcribe is not None
    assert transcribe.status == "done"
    assert transcribe.attempts == 2
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0


def test_sigterm_hands_the_job_back_within_the_grace_period_and_exits_0(
    pg_settings: Settings, sessions_for: sessionmaker[Session], spawn_worker: Spawn
) -> None:
    sessions = sessions_for
    recording_id = add_recording(pg_settings, sessions, LONG_EN.read_bytes())
    with transaction(sessions) as session:
        job_id = queue.enqueue(
            session, JobKind.TRANSCRIBE, payload={"recording_id": str(recording_id)}
        ).id
    worker = spawn_worker("--grace", "0.5")
    wait_for(lambda: running_job(sessions) is not None, 90, "the worker's claim")
    time.sleep(0.5)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert time.monotonic() - started < 15
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.lease_owner is None
        if job.status == "queued":  # handed back: the attempt does not count
            assert job.attempts == 0
        else:  # it was quick enough to finish
            assert job.status == "done"
