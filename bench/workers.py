"""Throughput of one and two worker processes on PostgreSQL, and the claim latency.

In one run, on a fresh PostgreSQL database of its own:

- the same batch of recordings (`--batch` copies of a speech fixture) transcribed and indexed by
  one `archive worker` process, then by two; prints both wall times and the ratio;
- the median time to claim one job (claim and finish, one transaction each) with `--queued`
  jobs waiting (default 10,000). Target: under 20 ms.

    .venv/bin/python bench/workers.py [--database-url URL] [--batch N] [--queued N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from archive.db import migrate
from archive.db.base import utcnow
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.jobs import JobKind
from archive.domain.keys import original_key
from archive.jobs import queue
from archive.models import Job, Recording, Story, WorkerHeartbeat
from archive.settings import Settings
from archive.storage.factory import open_object_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "story_en.flac"
CLAIM_TARGET_MS = 20.0


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    libpq = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    name = f"archive_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def add_recordings(settings: Settings, sessions: sessionmaker[Session], count: int) -> None:
    data = FIXTURE.read_bytes()
    store = open_object_store(settings)
    with transaction(sessions) as session:
        story = Story(title="Benchmark", access="public", languages=["en"], recordings=[])
        session.add(story)
        session.flush()
        for _ in range(count):
            recording_id = uuid.uuid4()
            key = original_key(story.id, recording_id)
            writer = store.writer(key)
            writer.write(data)
            writer.commit()
            session.add(
                Recording(
                    id=recording_id,
                    story_id=story.id,
                    object_key=key,
                    content_type="audio/flac",
                    container="flac",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    duration=26.78,
                )
            )
            session.flush()
            queue.enqueue(session, JobKind.TRANSCRIBE, payload={"recording_id": str(recording_id)})


def run_batch(settings: Settings, workers: int, batch: int) -> float:
    """Seconds from enqueueing `batch` recordings to all of them `ready`."""
    engine = create_db_engine(settings)
    sessions = create_session_factory(engine)
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_DATABASE_URL": settings.database_url,
        "ARCHIVE_JOB_POLL_SECONDS": "0.05",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "archive", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        deadline = time.monotonic() + 120
        while True:  # every worker has loaded its model and said so
            with sessions() as session:
                alive = session.scalar(select(func.count()).select_from(WorkerHeartbeat)) or 0
            if alive >= workers:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("workers did not start")
            time.sleep(0.1)
        started = time.monotonic()
        add_recordings(settings, sessions, batch)
        deadline = started + 60 * batch
        while True:
            with sessions() as session:
                waiting = (
                    session.scalar(
                        select(func.count())
                        .select_from(Recording)
                        .where(Recording.status != "ready")
                    )
                    or 0
                )
            if waiting == 0:
                return time.monotonic() - started
            if time.monotonic() > deadline:
                raise TimeoutError(f"{waiting} recordings still not ready")
            time.sleep(0.05)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        engine.dispose()


def claim_latency_ms(settings: Settings, queued: int, samples: int) -> float:
    engine = create_db_engine(settings)
    sessions = create_session_factory(engine)
    now = utcnow()
    with transaction(sessions) as session:
        session.execute(
            insert(Job),
            [
                {
                    "id": uuid.uuid4(),
                    "kind": "fixity",
                    "lane": "fast",
                    "payload": {},
                    "status": "queued",
                    "attempts": 0,
                    "max_attempts": 3,
                    "run_after": now,
                    "progress": 0.0,
                    "created_at": now,
                }
                for _ in range(queued)
            ],
        )
    timings = []
    for _ in range(samples):
        begun = time.perf_counter()
        with transaction(sessions) as session:
            job = queue.claim(session, "bench", lease_seconds=60)
            assert job is not None
        timings.append((time.perf_counter() - begun) * 1000)
        with transaction(sessions) as session:
            queue.finish(session, job.id, worker="bench")
    engine.dispose()
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "ARCHIVE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()

    results: dict[int, float] = {}
    for workers in (1, 2):
        with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), database_url=url)
            migrate.upgrade(settings)
            results[workers] = run_batch(settings, workers, args.batch)
            audio = args.batch * 26.78
            print(
                f"{workers} worker(s): {args.batch} recordings ({audio:.0f} s of audio) "
                f"ready in {results[workers]:.2f} s, {audio / results[workers]:.1f}x real time"
            )
    print(
        f"two workers / one worker throughput ratio: {results[1] / results[2]:.2f} "
        f"(on {os.cpu_count()} cores)"
    )

    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=url)
        migrate.upgrade(settings)
        median = claim_latency_ms(settings, args.queued, args.samples)
    verdict = "meets" if median < CLAIM_TARGET_MS else "misses"
    print(
        f"claim latency with {args.queued:,} queued jobs: median {median:.2f} ms "
        f"({verdict} the {CLAIM_TARGET_MS:.0f} ms target)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
