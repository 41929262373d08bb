from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from archive.app import create_app
from archive.settings import Settings
from support.live import serving


@dataclass
class LiveArchive:
    url: str
    app: FastAPI
    settings: Settings
    admin: dict[str, str]

    def story(self, title: str = "A story told on a phone") -> str:
        response = httpx.post(
            f"{self.url}/api/v1/stories",
            headers=self.admin,
            json={"title": title, "access": "public"},
        )
        assert response.status_code == 201, response.text
        story_id: str = response.json()["id"]
        return story_id


@pytest.fixture
def live(settings: Settings, admin: dict[str, str]) -> Iterator[LiveArchive]:
    """The archive on a real loopback socket, as tus clients need."""
    app = create_app(settings)
    with serving(app) as url:
        yield LiveArchive(url, app, settings, admin)
