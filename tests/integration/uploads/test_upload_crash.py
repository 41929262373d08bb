"""A real `archive serve` killed at each step of finishing an upload, then started again:
the tus client resumes, and the recording exists exactly once with the right SHA-256. And the
half-written file of a one-request upload cut by `kill -9` is gone after the restart."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tusclient import client as tus
from tusclient.exceptions import TusUploadFailed

from archive.db.session import create_db_engine
from archive.faults import ENVIRONMENT_VARIABLE, EXIT_STATUS
from archive.models import Recording, Story, Upload
from archive.settings import Settings
from support.paths import STORY_EN
from support.serve import archive_serve

from .helpers import CONSENT_METADATA, TUS

pytestmark = pytest.mark.slow
TOKEN = "crash-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
POINTS = ["upload.offset-committed", "upload.object-stored", "upload.recording-committed"]


def in_database(data_dir: Path) -> tuple[int, int, list[str]]:
    """(stories, recordings, upload statuses), read once the server has stopped."""
    engine = create_db_engine(Settings(data_dir=data_dir))
    try:
        with engine.connect() as connection:
            stories = connection.scalar(select(func.count()).select_from(Story.__table__))
            recordings = connection.scalar(select(func.count()).select_from(Recording.__table__))
            statuses = list(connection.scalars(select(Upload.__table__.c.status)))
    finally:
        engine.dispose()
    return stories or 0, recordings or 0, statuses


@pytest.mark.parametrize("point", POINTS)
def test_an_upload_killed_at_any_step_of_finishing_resumes_into_one_recording(
    tmp_path: Path, point: str
) -> None:
    data = STORY_EN.read_bytes()
    data_dir = tmp_path / "data"
    metadata = {"title": "The seeds", "filename": "story_en.flac", **CONSENT_METADATA}
    with archive_serve(
        data_dir, TOKEN, workers=0, extra_env={ENVIRONMENT_VARIABLE: point}
    ) as served:
        uploader = tus.TusClient(f"{served.url}/api/v1/uploads", headers=ADMIN).uploader(
            file_stream=STORY_EN.open("rb"), chunk_size=100_000, metadata=metadata
        )
        with pytest.raises(TusUploadFailed):
            uploader.upload()
        assert served.process.wait(timeout=30) == EXIT_STATUS
        assert uploader.url is not None
        upload_path = uploader.url.removeprefix(served.url)
        uploader.file_stream.close()

    with archive_serve(data_dir, TOKEN, workers=0) as served:
        upload_url = f"{served.url}{upload_path}"
        with STORY_EN.open("rb") as stream:
            resumed = tus.TusClient(f"{served.url}/api/v1/uploads", headers=ADMIN).uploader(
                file_stream=stream, url=upload_url, chunk_size=100_000
            )
            resumed.upload()
        status = httpx.head(upload_url, headers={**ADMIN, **TUS})
        assert status.status_code == 200
        recording = httpx.get(
            f"{served.url}/api/v1/recordings/{status.headers['archive-recording-id']}",
            headers=ADMIN,
        ).json()
        assert recording["sha256"] == hashlib.sha256(data).hexdigest()
        assert recording["size"] == len(data)
        assert served.log.read_text().count("uploads.finished_at_start count=") == 1
    assert in_database(data_dir) == (1, 1, ["complete"])
    assert list((data_dir / "uploads").iterdir()) == []


def test_a_one_request_upload_cut_by_kill_leaves_nothing_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    partials = data_dir / "objects" / ".partial"
    data = STORY_EN.read_bytes()
    with archive_serve(data_dir, TOKEN, workers=0) as served:
        story = httpx.post(
            f"{served.url}/api/v1/stories", headers=ADMIN, json={"title": "Cut off"}
        ).json()
        boundary = "cut-off-boundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="story_en.flac"\r\nContent-Type: audio/flac\r\n\r\n'
        ).encode()
        sent = threading.Event()

        def body() -> Iterator[bytes]:
            yield head + data[:100_000]
            sent.set()
            time.sleep(30)  # the server is killed meanwhile
            yield data[100_000:]

        def post() -> None:
            with contextlib.suppress(httpx.TransportError):
                httpx.post(
                    f"{served.url}/api/v1/stories/{story['id']}/recordings",
                    headers={
                        **ADMIN,
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                    },
                    content=body(),
                    timeout=60,
                )

        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        assert sent.wait(10)
        deadline = time.monotonic() + 10
        while not any(partials.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(list(partials.iterdir())) == 1
        served.process.send_signal(signal.SIGKILL)
        served.process.wait(timeout=10)
    assert len(list(partials.iterdir())) == 1, "kill -9 leaves the half-written file"
    with archive_serve(data_dir, TOKEN, workers=0) as served:
        assert list(partials.iterdir()) == []
        assert "store.unfinished_writes_swept count=1" in served.log.read_text()
