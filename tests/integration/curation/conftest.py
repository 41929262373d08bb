"""Helpers for the curation tests: stories submitted by a contributor, edits with If-Match."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.domain.access import Role
from archive.domain.jobs import JobKind
from archive.models import Job
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import ResponseLike

CONSENT = {"given_by": "Doña Rosa", "listen": "public", "searchable": True}

Submit = Callable[..., dict[str, Any]]
"""The `submit` fixture: (title, headers=None, **fields) -> the story's JSON."""
Edit = Callable[..., ResponseLike]
"""The `edit` fixture: (story id, headers, at_version=None, **fields) -> the response."""


@pytest.fixture
def contributor(make_user: MakeUser) -> dict[str, str]:
    return make_user("carla", Role.CONTRIBUTOR)


@pytest.fixture
def submit(client: TestClient, contributor: dict[str, str]) -> Submit:
    """Creates a story as the contributor (or as `headers`), with consent; returns its JSON."""

    def make(
        title: str = "The flood", headers: dict[str, str] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"title": title, "consent": CONSENT, **fields}
        created = client.post("/api/v1/stories", json=body, headers=headers or contributor)
        assert created.status_code == 201, created.text
        story: dict[str, Any] = created.json()
        return story

    return make


@pytest.fixture
def edit(client: TestClient) -> Edit:
    """PATCHes a story with the If-Match of its current version (or the one given)."""

    def patch(
        story_id: str, headers: dict[str, str], at_version: int | None = None, **fields: Any
    ) -> ResponseLike:
        if at_version is None:
            current = client.get(f"/api/v1/stories/{story_id}", headers=headers)
            assert current.status_code == 200, current.text
            at_version = current.json()["version"]
        return client.patch(
            f"/api/v1/stories/{story_id}",
            json=fields,
            headers={**headers, "If-Match": f'"{at_version}"'},
        )

    return patch


@pytest.fixture
def upload(client: TestClient, admin: dict[str, str]) -> Callable[[str], str]:
    """Adds a recording to a story (as the admin); returns the recording's id."""

    def add(story_id: str) -> str:
        response = client.post(
            f"/api/v1/stories/{story_id}/recordings",
            headers=admin,
            files={"file": ("story.flac", STORY_EN.read_bytes())},
        )
        assert response.status_code == 201, response.text
        recording_id: str = response.json()["id"]
        return recording_id

    return add


@pytest.fixture
def index_jobs(sessions: sessionmaker[Session]) -> Callable[[str], int]:
    """How many index jobs name a recording."""

    def count(recording_id: str) -> int:
        with sessions() as session:
            jobs = session.scalars(select(Job).where(Job.kind == JobKind.INDEX.value)).all()
        return sum(1 for job in jobs if job.payload.get("recording_id") == recording_id)

    return count
