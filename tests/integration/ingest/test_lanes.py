"""`archive serve` always runs a worker for the fast lane, beside its transcription workers, so
index updates and listening copies never wait behind transcription."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from support.paths import STORY_EN
from support.serve import archive_serve, wait_for_workers

pytestmark = pytest.mark.slow
TOKEN = "lanes-admin-token-0123456789"


def test_archive_serve_runs_the_fast_lane_even_with_no_transcription_worker(
    tmp_path: Path,
) -> None:
    with (
        archive_serve(tmp_path / "data", TOKEN, workers=0) as served,
        httpx.Client(
            base_url=served.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ) as http,
    ):
        wait_for_workers(served.url, 1)
        story = http.post(
            "/api/v1/stories", json={"title": "Lanes", "access": "public", "languages": ["en"]}
        ).json()
        recording = http.post(
            f"/api/v1/stories/{story['id']}/recordings",
            files={"file": ("story.flac", STORY_EN.read_bytes())},
        ).json()
        # An index job and a listening-copy job, queued after the transcription.
        restricted = http.post(
            f"/api/v1/recordings/{recording['id']}/restrictions",
            json={"start": 0.0, "end": 2.0, "reason": "A name said in passing."},
        )
        assert restricted.status_code == 201, restricted.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = http.get("/api/v1/health").json()["workers"]
            if workers["jobs"].get("done") == 2:
                break
            time.sleep(0.2)
        assert workers["jobs"] == {"queued": 1, "done": 2}  # the transcription waits
        assert [":fast:" in worker["name"] for worker in workers["workers"]] == [True]
        waiting = http.get(f"/api/v1/recordings/{recording['id']}").json()
        assert waiting["status"] == "queued"  # indexed ahead of transcription, not ready
