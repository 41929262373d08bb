"""The Elasticsearch node going away while recordings are being indexed, and coming back: uploads
keep working, health says search is unavailable, the index jobs retry, and `archive reindex
--check` then finds nothing missing. On the session's own node, stopped and started again."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from archive.app import create_app
from archive.cli import app as cli
from archive.ingest.transcriber import Task, TranscribedSegment, TranscriptionInfo
from archive.jobs.worker import Worker
from archive.settings import Settings
from archive.tasks import job_handlers
from support.elasticsearch_node import ElasticsearchNode
from support.paths import STORY_EN

CONSENT = {"given_by": "Doña Inés", "listen": "public", "searchable": True}


class SaysTheRiver:
    """Transcribes any audio as one sentence about the river."""

    model_name = "scripted"

    def transcribe(
        self, audio: npt.NDArray[np.float32], languages: list[str], *, task: Task = "transcribe"
    ) -> tuple[TranscriptionInfo, Iterator[TranscribedSegment]]:
        segment = TranscribedSegment(0.0, 4.0, "the river rose in winter", -0.2, 1.2, 0.01)
        return TranscriptionInfo("en", 0.99, len(audio) / 16_000), iter([segment])


@pytest.fixture
def node(elasticsearch_node: ElasticsearchNode | None) -> Iterator[ElasticsearchNode]:
    """The session's node, started again whatever the test did to it."""
    if elasticsearch_node is None:
        pytest.skip("stopping a node needs the tests' own (ARCHIVE_TEST_ELASTICSEARCH_URL is set)")
    try:
        yield elasticsearch_node
    finally:
        elasticsearch_node.start()


def upload(client: TestClient, admin: dict[str, str], story_id: str) -> None:
    response = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        headers=admin,
        files={"file": ("story.flac", STORY_EN.read_bytes())},
    )
    assert response.status_code == 201, response.text


def found(client: TestClient, words: str) -> int:
    response = client.get("/api/v1/search", params={"q": words})
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


@pytest.mark.slow
def test_the_node_stopping_mid_indexing_loses_nothing(
    node: ElasticsearchNode,
    settings: Settings,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not settings.is_sqlite, "Elasticsearch runs beside PostgreSQL (tests/conftest.py)"
    prefix = f"archive-test-{uuid.uuid4().hex[:12]}"
    settings = settings.model_copy(update={"search_url": node.url, "search_index_prefix": prefix})
    worker = Worker(settings, handlers=job_handlers(), name="w", transcriber=SaysTheRiver)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        story = client.post(
            "/api/v1/stories",
            headers=admin,
            json={
                "title": "The river",
                "access": "public",
                "languages": ["en"],
                "consent": CONSENT,
            },
        )
        assert story.status_code == 201, story.text
        story_id = story.json()["id"]
        upload(client, admin, story_id)
        worker.run_until_idle()
        assert found(client, "river") == 1

        upload(client, admin, story_id)
        node.stop()
        # Transcribed, but its index job cannot reach the node: it is to be tried again.
        worker.run_until_idle()
        assert client.get("/api/v1/health").json()["search"] == "unavailable"
        upload(client, admin, story_id)  # uploads keep working
        search = client.get("/api/v1/search", params={"q": "river"})
        assert search.status_code == 503

        node.start()
        assert client.get("/api/v1/health").json()["search"] == "ok"
        # The index job that failed is tried again once its wait (5 s) is over.
        deadline = time.monotonic() + 60
        while found(client, "river") < 3 and time.monotonic() < deadline:
            worker.run_until_idle()
            time.sleep(0.5)
        assert found(client, "river") == 3
    worker.close()

    for name in list(os.environ):
        if name.startswith("ARCHIVE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARCHIVE_SEARCH_URL", settings.search_url)
    monkeypatch.setenv("ARCHIVE_SEARCH_INDEX_PREFIX", prefix)
    monkeypatch.setattr("archive.logs.configure_logging", lambda level: None)
    checked = CliRunner().invoke(cli, ["reindex", "--check"])
    assert checked.exit_code == 0, checked.output
    assert "matches the database (3 documents)" in checked.output
