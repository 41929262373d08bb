from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from archive.ingest.transcriber import Transcriber
from archive.jobs.worker import Worker
from archive.settings import Settings
from archive.tasks import job_handlers


def _no_whisper() -> Transcriber:
    raise AssertionError("these tests build their transcripts; nothing should transcribe")


@pytest.fixture
def jobs_worker(settings: Settings, client: TestClient) -> Iterator[Worker]:
    """A worker on the same data as `client` that runs index and silence jobs, without a
    speech model."""
    built = Worker(
        settings, handlers=job_handlers(), name="restrictions-worker", transcriber=_no_whisper
    )
    yield built
    built.close()
