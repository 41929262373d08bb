"""The jobs table as a queue, on a real database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.jobs import ALL_LANES, JobKind, JobLane
from archive.jobs import queue
from archive.models import Job
from archive.settings import Settings


@pytest.fixture
def jobs(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(settings)
    yield create_session_factory(engine)
    engine.dispose()


def add_jobs(sessions: sessionmaker[Session], count: int, kind: str = "echo") -> list[str]:
    with transaction(sessions) as session:
        return [str(queue.enqueue(session, kind, payload={"n": n}).id) for n in range(count)]


def expire_leases(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))


def test_jobs_are_claimed_oldest_first_and_once(jobs: sessionmaker[Session]) -> None:
    ids = add_jobs(jobs, 3)
    with transaction(jobs) as session:
        claimed = [queue.claim(session, "w1", lease_seconds=30) for _ in range(4)]
    assert [str(c.id) for c in claimed if c] == ids
    assert claimed[3] is None
    assert all(c.attempts == 1 for c in claimed if c)


def test_a_job_whose_lease_lapsed_is_claimed_again_and_the_old_owner_cannot_finish(
    jobs: sessionmaker[Session],
) -> None:
    add_jobs(jobs, 1)
    with transaction(jobs) as session:
        first = queue.claim(session, "dead-worker", lease_seconds=30)
    assert first is not None
    with transaction(jobs) as session:
        assert queue.claim(session, "w2", lease_seconds=30) is None  # the lease still holds
    expire_leases(jobs)
    with transaction(jobs) as session:
        second = queue.claim(session, "w2", lease_seconds=30)
    assert second is not None
    assert second.id == first.id
    assert second.attempts == 2
    with pytest.raises(queue.LeaseLost), transaction(jobs) as session:
        queue.finish(session, first.id, worker="dead-worker")
    with transaction(jobs) as session:
        assert not queue.renew(session, first.id, worker="dead-worker", lease_seconds=30)
        queue.finish(session, first.id, worker="w2")
        job = session.get(Job, first.id)
        assert job is not None
        assert job.status == "done"
        assert job.lease_owner is None


def test_a_failed_job_is_retried_later_then_fails_for_good(jobs: sessionmaker[Session]) -> None:
    with transaction(jobs) as session:
        job_id = queue.enqueue(session, "echo", payload={}, max_attempts=2).id
    with transaction(jobs) as session:
        claimed = queue.claim(session, "w", lease_seconds=30)
        assert claimed is not None
        assert queue.fail(session, claimed, worker="w", error="first failure") is False
    with transaction(jobs) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.status == "queued"
        assert job.last_error == "first failure"
        assert job.run_after > utcnow() + timedelta(seconds=3)
        assert queue.claim(session, "w", lease_seconds=30) is None  # backing off
        job.run_after = utcnow()
    with transaction(jobs) as session:
        claimed = queue.claim(session, "w", lease_seconds=30)
        assert claimed is not None
        assert claimed.attempts == 2
        assert queue.fail(session, claimed, worker="w", error="second failure") is True
    with transaction(jobs) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.status == "failed"
        assert job.finished_at is not None


def test_a_released_job_does_not_count_the_attempt(jobs: sessionmaker[Session]) -> None:
    add_jobs(jobs, 1)
    with transaction(jobs) as session:
        claimed = queue.claim(session, "w", lease_seconds=30)
        assert claimed is not None
        assert queue.release(session, claimed.id, worker="w")
    with transaction(jobs) as session:
        again = queue.claim(session, "w2", lease_seconds=30)
    assert again is not None
    assert again.attempts == 1


def test_concurrent_claimers_never_take_the_same_job(jobs: sessionmaker[Session]) -> None:
    ids = add_jobs(jobs, 40)
    taken: list[str] = []
    lock = threading.Lock()

    def drain(name: str) -> None:
        while True:
            with transaction(jobs) as session:
                job = queue.claim(session, name, lease_seconds=30)
                if job is None:
                    return
                queue.finish(session, job.id, worker=name)
            with lock:
                taken.append(str(job.id))

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(ids)
    with transaction(jobs) as session:
        assert queue.count_by_status(session) == {"done": 40}


def claim_kinds(sessions: sessionmaker[Session], lanes: tuple[JobLane, ...]) -> list[str]:
    """The kinds a worker of `lanes` takes, in order, until it finds nothing."""
    kinds: list[str] = []
    while True:
        with transaction(sessions) as session:
            job = queue.claim(session, f"w-{'+'.join(lanes)}", lease_seconds=30, lanes=lanes)
            if job is None:
                return kinds
            queue.finish(session, job.id, worker=f"w-{'+'.join(lanes)}")
        kinds.append(job.kind)


def test_each_lane_takes_its_own_jobs_and_a_worker_of_both_takes_fast_ones_first(
    jobs: sessionmaker[Session],
) -> None:
    with transaction(jobs) as session:
        for kind in (JobKind.TRANSCRIBE, JobKind.TRANSCRIBE, JobKind.INDEX, JobKind.SILENCE):
            queue.enqueue(session, kind, payload={})
    assert claim_kinds(jobs, (JobLane.TRANSCRIBE,)) == ["transcribe", "transcribe"]
    assert claim_kinds(jobs, (JobLane.TRANSCRIBE,)) == []
    with transaction(jobs) as session:
        for kind in (JobKind.TRANSCRIBE, JobKind.FIXITY, JobKind.EXPIRE_UPLOAD):
            queue.enqueue(session, kind, payload={})
    # The index and silence jobs waited for no transcription, and the older transcription
    # waits behind every fast job for a worker of both lanes.
    assert claim_kinds(jobs, ALL_LANES) == [
        "index",
        "silence",
        "fixity",
        "expire_upload",
        "transcribe",
    ]


def test_a_lapsed_lease_is_taken_over_within_its_lane_only(jobs: sessionmaker[Session]) -> None:
    with transaction(jobs) as session:
        queue.enqueue(session, JobKind.TRANSCRIBE, payload={})
    with transaction(jobs) as session:
        assert (
            queue.claim(session, "dead", lease_seconds=30, lanes=(JobLane.TRANSCRIBE,)) is not None
        )
    expire_leases(jobs)
    with transaction(jobs) as session:
        assert queue.claim(session, "fast", lease_seconds=30, lanes=(JobLane.FAST,)) is None
        taken = queue.claim(session, "slow", lease_seconds=30, lanes=(JobLane.TRANSCRIBE,))
    assert taken is not None
    assert taken.attempts == 2
