"""A worker process: claims jobs, runs their handlers, keeps their leases alive.

A worker takes jobs from its lanes only (`lanes`; see `queue`): `archive serve` runs its
transcription workers on the transcription lane and always one more on the fast lane. One
speech model per process, loaded before the first claim when the process transcribes, and
kept warm; `concurrency` threads share it (CTranslate2 models are safe to call from several
threads). Its handlers are given to it (`archive.tasks.job_handlers`). On SIGTERM a
worker stops claiming, lets the running job finish for `grace_seconds`, and then releases it
between two segments so another worker can take it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import Engine

from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.jobs import ALL_LANES, JobLane, renew_interval
from archive.errors import ArchiveError
from archive.ingest.transcriber import Transcriber
from archive.jobs import heartbeats, queue
from archive.jobs.context import JobContext, JobReleased
from archive.jobs.queue import ClaimedJob, LeaseLost
from archive.jobs.registry import Handler, Handlers
from archive.search.factory import open_search_index
from archive.settings import Settings
from archive.storage.factory import open_object_store

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0


class Shutdown:
    """Set by a signal; the running job may go on for `grace_seconds` after it."""

    def __init__(self, grace_seconds: float) -> None:
        self.event = threading.Event()
        self.grace_seconds = grace_seconds
        self._requested_at: float | None = None

    def request(self) -> None:
        if self._requested_at is None:
            self._requested_at = time.monotonic()
        self.event.set()

    def release_due(self) -> bool:
        return (
            self._requested_at is not None
            and time.monotonic() - self._requested_at >= self.grace_seconds
        )


def default_transcriber_factory(settings: Settings) -> Callable[[], Transcriber]:
    lock = threading.Lock()
    loaded: list[Transcriber] = []

    def get() -> Transcriber:
        with lock:
            if not loaded:
                from archive.ingest.whisper import WhisperTranscriber

                loaded.append(WhisperTranscriber(settings))
            return loaded[0]

    return get


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, ArchiveError):
        return exc.detail
    if type(exc).__module__.startswith("av"):
        return (
            f"The recording could not be decoded ({exc}). Check that it plays, then "
            "upload it again."
        )
    return f"Processing failed: {type(exc).__name__}: {exc}"


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        handlers: Handlers,
        name: str | None = None,
        transcriber: Callable[[], Transcriber] | None = None,
        engine: Engine | None = None,
        lanes: Sequence[JobLane] = ALL_LANES,
    ) -> None:
        self.settings = settings
        self.lanes = tuple(lanes)
        # The lanes in the name tell a person reading /api/v1/health which worker does what.
        lanes_label = "+".join(lane.value for lane in self.lanes)
        self.name = name or (
            f"{socket.gethostname()}:{os.getpid()}:{lanes_label}:{uuid.uuid4().hex[:6]}"
        )
        self.handlers = handlers
        self.engine = engine or create_db_engine(settings)
        self.sessions = create_session_factory(self.engine)
        self.store = open_object_store(settings)
        self.index = open_search_index(settings)
        self.transcriber = transcriber or default_transcriber_factory(settings)
        self.jobs_done = 0
        self._current: uuid.UUID | None = None
        self._last_heartbeat = 0.0

    def warm_up(self) -> None:
        """Loads the speech models (English and multilingual, or the forced one), and the voice
        detector they use, now: so the first recording does not wait for either."""
        transcriber = self.transcriber()
        silence = np.zeros(16_000, dtype=np.float32)
        for languages in (["en"], ["es"]) if transcriber.model_name == "auto" else (["en"],):
            _, segments = transcriber.transcribe(silence, languages)
            for _ in segments:
                pass

    def run(self, shutdown: Shutdown, *, max_jobs: int | None = None) -> None:
        log.info("worker.started name=%s", self.name)
        while not shutdown.event.is_set():
            self.heartbeat()
            with transaction(self.sessions) as session:
                job = queue.claim(
                    session,
                    self.name,
                    lease_seconds=self.settings.job_lease_seconds,
                    lanes=self.lanes,
                )
            if job is None:
                shutdown.event.wait(self.settings.job_poll_seconds)
                continue
            self.process(job, shutdown)
            if max_jobs is not None and self.jobs_done >= max_jobs:
                break
        self.heartbeat(force=True, stopping=True)
        log.info("worker.stopped name=%s jobs_done=%d", self.name, self.jobs_done)

    def run_until_idle(self, shutdown: Shutdown | None = None) -> int:
        """Processes jobs until none is runnable now; returns how many it took. For
        `archive worker --until-idle`, scripts and tests."""
        shutdown = shutdown or Shutdown(grace_seconds=0)
        taken = 0
        while not shutdown.event.is_set():
            with transaction(self.sessions) as session:
                job = queue.claim(
                    session,
                    self.name,
                    lease_seconds=self.settings.job_lease_seconds,
                    lanes=self.lanes,
                )
            if job is None:
                break
            taken += 1
            self.process(job, shutdown)
        return taken

    def process(self, job: ClaimedJob, shutdown: Shutdown) -> None:
        self._current = job.id
        self.heartbeat(force=True)
        handler = self.handlers.get(job.kind)
        if handler is None or job.attempts > job.max_attempts:
            reason = (
                f"No handler for job kind {job.kind!r}; upgrade this worker."
                if handler is None
                else "The worker running this job stopped responding on every attempt."
            )
            self._fail(job, handler, error=reason)
            return
        lost = threading.Event()
        done = threading.Event()
        renewer = threading.Thread(
            target=self._keep_lease,
            args=(job,),
            kwargs={"done": done, "lost": lost},
            name=f"lease-{job.id}",
            daemon=True,
        )
        renewer.start()
        ctx = JobContext(
            job=job,
            worker=self.name,
            sessions=self.sessions,
            store=self.store,
            index=self.index,
            transcriber=self.transcriber,
            stop_requested=lambda: shutdown.release_due() or lost.is_set(),
            spool_dir=self.settings.spool_dir,
            settings=self.settings,
        )
        started = time.monotonic()
        try:
            handler.run(ctx)
            self.jobs_done += 1
            log.info(
                "job.done id=%s kind=%s seconds=%.2f", job.id, job.kind, time.monotonic() - started
            )
        except JobReleased:
            with transaction(self.sessions) as session:
                if queue.release(session, job.id, worker=self.name):
                    handler.on_release(session, job.payload)
            log.info("job.released id=%s kind=%s", job.id, job.kind)
        except LeaseLost:
            log.warning("job.lease_lost id=%s kind=%s", job.id, job.kind)
        except Exception as exc:
            log.exception("job.error id=%s kind=%s", job.id, job.kind)
            self._fail(job, handler, error=describe_failure(exc))
        finally:
            done.set()
            renewer.join()
            self._current = None

    def _fail(self, job: ClaimedJob, handler: Handler | None, *, error: str) -> None:
        with transaction(self.sessions) as session:
            final = queue.fail(session, job, worker=self.name, error=error)
            if handler is not None:
                handler.on_failure(session, job.payload, error=error, final=final)

    def _keep_lease(self, job: ClaimedJob, *, done: threading.Event, lost: threading.Event) -> None:
        interval = renew_interval(self.settings.job_lease_seconds)
        while not done.wait(interval):
            try:
                with transaction(self.sessions) as session:
                    if not queue.renew(
                        session,
                        job.id,
                        worker=self.name,
                        lease_seconds=self.settings.job_lease_seconds,
                    ):
                        lost.set()
                        return
            except Exception:
                log.exception("job.renew_failed id=%s", job.id)

    def heartbeat(self, *, force: bool = False, stopping: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_heartbeat < HEARTBEAT_SECONDS:
            return
        self._last_heartbeat = now
        try:
            with transaction(self.sessions) as session:
                heartbeats.beat(
                    session,
                    self.name,
                    current_job_id=self._current,
                    jobs_done=self.jobs_done,
                    stopping=stopping,
                )
        except Exception:
            log.exception("worker.heartbeat_failed name=%s", self.name)

    def close(self) -> None:
        self.index.close()
        self.engine.dispose()
