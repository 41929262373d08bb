"""Search never shows what the database hides: a change that hides something is out of
anonymous search when its request returns, however busy the workers are with transcription."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient

from archive.app import create_app
from archive.domain.jobs import JobLane
from archive.errors import ServiceUnavailable
from archive.ingest.transcriber import Task, TranscribedSegment, TranscriptionInfo
from archive.jobs.worker import Shutdown, Worker
from archive.search.base import SearchIndex
from archive.search.documents import SegmentDocument
from archive.settings import Settings
from archive.tasks import job_handlers
from support.live import serving
from support.paths import STORY_EN

Http = TestClient | httpx.Client
CONSENT = {"given_by": "Doña Inés", "listen": "public", "searchable": True}
SPOKEN = [
    (0.0, 4.0, "My grandmother crossed the river in winter"),
    (5.0, 9.0, "the bridge was not built yet"),
]


class ScriptedTranscriber:
    """Says `SPOKEN` of any audio; when `hold` is given, the first segment waits for it, as a
    long recording keeps a worker busy for many minutes."""

    model_name = "scripted"

    def __init__(self, hold: threading.Event | None = None) -> None:
        self.hold = hold
        self.started = threading.Event()

    def transcribe(
        self, audio: npt.NDArray[np.float32], languages: list[str], *, task: Task = "transcribe"
    ) -> tuple[TranscriptionInfo, Iterator[TranscribedSegment]]:
        self.started.set()
        return TranscriptionInfo("en", 0.99, len(audio) / 16_000), self._segments()

    def _segments(self) -> Iterator[TranscribedSegment]:
        if self.hold is not None:
            self.hold.wait(timeout=120)
        for start, end, text in SPOKEN:
            yield TranscribedSegment(start, end, text, -0.2, 1.2, 0.01)


@dataclass
class Archive:
    client: Http
    admin: dict[str, str]
    story_id: str
    recording_id: str


def upload(client: Http, admin: dict[str, str], story_id: str) -> str:
    response = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        headers=admin,
        files={"file": ("story.flac", STORY_EN.read_bytes())},
    )
    assert response.status_code == 201, response.text
    recording_id: str = response.json()["id"]
    return recording_id


def new_story(client: Http, admin: dict[str, str], title: str) -> str:
    response = client.post(
        "/api/v1/stories",
        headers=admin,
        json={"title": title, "access": "public", "languages": ["en"], "consent": CONSENT},
    )
    assert response.status_code == 201, response.text
    story_id: str = response.json()["id"]
    return story_id


def anonymous_hits(client: Http, words: str) -> int:
    response = client.get("/api/v1/search", params={"q": words})
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


@pytest.fixture
def busy_archive(
    settings: Settings, client: TestClient, admin: dict[str, str]
) -> Iterator[Archive]:
    """A public story, transcribed and found; then three long transcriptions queued and one
    of them running on the only worker."""
    story_id = new_story(client, admin, "The crossing")
    recording_id = upload(client, admin, story_id)
    quick = Worker(settings, handlers=job_handlers(), name="quick", transcriber=ScriptedTranscriber)
    try:
        quick.run_until_idle()
    finally:
        quick.close()
    assert anonymous_hits(client, "grandmother") == 1
    other = new_story(client, admin, "Long recordings")
    for _ in range(3):
        upload(client, admin, other)
    hold = threading.Event()
    long_one = ScriptedTranscriber(hold)
    shutdown = Shutdown(grace_seconds=0)
    busy = Worker(settings, handlers=job_handlers(), name="busy", transcriber=lambda: long_one)
    thread = threading.Thread(target=busy.run, args=(shutdown,), daemon=True)
    thread.start()
    try:
        assert long_one.started.wait(timeout=30), "the worker took no transcription"
        yield Archive(client, admin, story_id, recording_id)
    finally:
        shutdown.request()
        hold.set()
        thread.join(timeout=30)
        busy.close()


def make_private(archive: Archive) -> None:
    story = archive.client.get(f"/api/v1/stories/{archive.story_id}", headers=archive.admin)
    response = archive.client.patch(
        f"/api/v1/stories/{archive.story_id}",
        headers={**archive.admin, "If-Match": story.headers["ETag"]},
        json={"access": "private"},
    )
    assert response.status_code == 200, response.text


def restrict_first_segment(archive: Archive) -> None:
    response = archive.client.post(
        f"/api/v1/recordings/{archive.recording_id}/restrictions",
        headers=archive.admin,
        json={"start": 0.0, "end": 4.5, "reason": "A family matter."},
    )
    assert response.status_code == 201, response.text


def withdraw_consent(archive: Archive) -> None:
    response = archive.client.post(
        f"/api/v1/stories/{archive.story_id}/consent/withdraw",
        headers=archive.admin,
        json={"reason": "The family asked."},
    )
    assert response.status_code == 200, response.text


def withdraw_story(archive: Archive) -> None:
    response = archive.client.delete(f"/api/v1/stories/{archive.story_id}", headers=archive.admin)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("change", "still_found"),
    [(make_private, 0), (restrict_first_segment, 1), (withdraw_consent, 0), (withdraw_story, 0)],
    ids=["story made private", "span restricted", "consent withdrawn", "story withdrawn"],
)
def test_a_change_that_hides_words_is_out_of_search_when_its_request_returns(
    busy_archive: Archive, change: Callable[[Archive], None], still_found: int
) -> None:
    client = busy_archive.client
    begun = time.monotonic()
    change(busy_archive)
    # At once, not after the queued transcriptions: the worker is still busy with one.
    assert anonymous_hits(client, "grandmother") == 0
    assert time.monotonic() - begun < 2.0
    assert anonymous_hits(client, "bridge") == still_found


class SlowOrBrokenIndex:
    """The app's index, with writes that take `delay` seconds first, or fail."""

    def __init__(self, inner: SearchIndex, *, delay: float = 0.0, broken: bool = False) -> None:
        self.inner = inner
        self.delay = delay
        self.broken = broken

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        time.sleep(self.delay)
        if self.broken:
            raise ServiceUnavailable("The search index is away.")
        self.inner.replace_recording(recording_id, documents)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def transcribed_story(settings: Settings, client: Http, admin: dict[str, str]) -> Archive:
    story_id = new_story(client, admin, "The crossing")
    recording_id = upload(client, admin, story_id)
    quick = Worker(settings, handlers=job_handlers(), name="quick", transcriber=ScriptedTranscriber)
    try:
        quick.run_until_idle()
    finally:
        quick.close()
    assert anonymous_hits(client, "grandmother") == 1
    return Archive(client, admin, story_id, recording_id)


def test_the_index_is_updated_before_the_response_is_sent(
    settings: Settings, admin: dict[str, str]
) -> None:
    """Over real HTTP: the session commits, and the index follows, before the response goes
    out (the session's scope is the endpoint function's, not the whole request's)."""
    app = create_app(settings)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        archive = transcribed_story(settings, http, admin)
        app.state.index = SlowOrBrokenIndex(app.state.index, delay=1.0)
        story = http.get(f"/api/v1/stories/{archive.story_id}", headers=admin)
        response = http.patch(
            f"/api/v1/stories/{archive.story_id}",
            headers={**admin, "If-Match": story.headers["ETag"]},
            json={"access": "private"},
        )
        assert response.status_code == 200, response.text
        assert http.get("/api/v1/search", params={"q": "grandmother"}).json()["total"] == 0


def test_when_the_index_cannot_follow_at_once_the_change_stands_and_its_job_mends_it(
    settings: Settings, client: TestClient, admin: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    archive = transcribed_story(settings, client, admin)
    state = client.app.state  # type: ignore[attr-defined]
    state.index = SlowOrBrokenIndex(state.index, broken=True)
    make_private(archive)  # 200: the change is committed whatever the index says
    assert "search.update_now_failed" in caplog.text
    state.index = state.index.inner
    assert anonymous_hits(client, "grandmother") == 1  # not yet
    fast = Worker(settings, handlers=job_handlers(), name="fast", lanes=(JobLane.FAST,))
    try:
        assert fast.run_until_idle() == 1  # the index job queued with the change
    finally:
        fast.close()
    assert anonymous_hits(client, "grandmother") == 0
