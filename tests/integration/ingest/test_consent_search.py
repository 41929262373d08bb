"""Consent reaches the search index before the request that changes it returns."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archive.jobs.worker import Worker
from support.paths import STORY_EN

pytestmark = pytest.mark.slow
CONSENT = {"given_by": "Doña Inés", "listen": "public", "searchable": True}


def transcribed_story(
    client: TestClient, admin: dict[str, str], worker: Worker, consent: dict[str, object]
) -> str:
    story = client.post(
        "/api/v1/stories",
        headers=admin,
        json={
            "title": "The bridge",
            "access": "public",
            "languages": ["en"],
            "consent": consent,
        },
    ).json()
    client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    )
    worker.run_until_idle()
    story_id: str = story["id"]
    return story_id


def hits(client: TestClient, headers: dict[str, str] | None = None) -> int:
    total: int = client.get(
        "/api/v1/search", params={"q": "grandmother"}, headers=headers or {}
    ).json()["total"]
    return total


def test_withdrawing_consent_takes_the_words_out_of_search_at_once(
    client: TestClient, admin: dict[str, str], worker: Worker
) -> None:
    story_id = transcribed_story(client, admin, worker, CONSENT)
    assert hits(client) == 1
    client.post(
        f"/api/v1/stories/{story_id}/consent/withdraw",
        headers=admin,
        json={"reason": "The family asked."},
    )
    assert hits(client) == 0
    assert hits(client, admin) == 0
    assert worker.run_until_idle() == 1  # the index job, the safety net
    assert hits(client) == 0
    assert hits(client, admin) == 0


def test_consent_without_search_keeps_the_words_out_of_the_index(
    client: TestClient, admin: dict[str, str], worker: Worker
) -> None:
    story_id = transcribed_story(client, admin, worker, {**CONSENT, "searchable": False})
    assert hits(client, admin) == 0
    recording_id = client.get(f"/api/v1/stories/{story_id}").json()["recordings"][0]["id"]
    transcript = client.get(f"/api/v1/recordings/{recording_id}/transcript").json()
    assert transcript["segments"]  # still readable, just not findable
    client.put(f"/api/v1/stories/{story_id}/consent", headers=admin, json=CONSENT)
    worker.run_until_idle()
    assert hits(client) == 1
