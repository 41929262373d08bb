"""Confidence finds the place Whisper misheard: a sentence of made-up words among clear ones
scores lowest and is flagged, through a real worker and the real model."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.jobs.worker import Worker
from support.paths import FIXTURES

pytestmark = pytest.mark.slow

GARBLED = FIXTURES / "garbled_en.flac"


def overlap(segment: dict[str, Any], sentence: dict[str, Any]) -> float:
    return float(min(segment["end"], sentence["end"]) - max(segment["start"], sentence["start"]))


def test_the_misheard_sentence_has_the_lowest_confidence_and_is_flagged(
    client: TestClient, admin: dict[str, str], worker: Worker
) -> None:
    facts = json.loads((FIXTURES / "garbled_en.json").read_text())
    story = client.post(
        "/api/v1/stories",
        json={"title": "The fishermen", "access": "public", "languages": ["en"]},
        headers=admin,
    ).json()
    response = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        files={"file": (GARBLED.name, GARBLED.read_bytes())},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    worker.run_until_idle()

    transcript = client.get(f"/api/v1/recordings/{response.json()['id']}/transcript").json()
    segments = transcript["segments"]
    garbled = facts["sentences"][facts["garbled"]]
    [misheard] = [s for s in segments if overlap(s, garbled) > 0.5]
    clear = [s for s in segments if s is not misheard]

    assert len(clear) >= 3
    assert misheard["flagged"]
    assert not any(s["flagged"] for s in clear), [(s["text"], s["confidence"]) for s in clear]
    assert misheard["confidence"] < min(s["confidence"] for s in clear)
    # each segment its own: not one value shared across the 30-second window
    assert len({s["confidence"] for s in segments}) == len(segments)
