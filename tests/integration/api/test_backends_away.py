"""A backend that goes away at run time: health says which, uploads answer 503, nothing stored
is lost, and the archive recovers when it comes back."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from archive.app import create_app
from archive.settings import Settings
from support.paths import STORY_EN
from support.problems import assert_problem
from support.proxy import CuttableProxy


@pytest.fixture
def postgres_behind_proxy(settings: Settings) -> Iterator[tuple[Settings, CuttableProxy]]:
    if settings.is_sqlite:
        pytest.skip("a database server going away is a PostgreSQL matter")
    url = make_url(settings.database_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.restore()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield settings.model_copy(update={"database_url": proxied}), proxy
    proxy.cut()


def test_the_database_going_away_is_reported_and_survived(
    postgres_behind_proxy: tuple[Settings, CuttableProxy], admin: dict[str, str]
) -> None:
    settings, proxy = postgres_behind_proxy
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        story = client.post(
            "/api/v1/stories", json={"title": "Kept", "access": "public"}, headers=admin
        ).json()
        proxy.cut()
        health = client.get("/api/v1/health")
        assert health.status_code == 200
        assert health.json()["database"] == "unavailable"
        assert health.json()["status"] == "degraded"
        refused = client.post(
            f"/api/v1/stories/{story['id']}/recordings",
            headers=admin,
            files={"file": ("a.flac", STORY_EN.read_bytes())},
        )
        assert "database" in assert_problem(refused, 503)["detail"]
        proxy.restore()
        assert client.get("/api/v1/health").json()["database"] == "ok"
        assert client.get(f"/api/v1/stories/{story['id']}").json()["title"] == "Kept"


def test_the_recording_store_going_away_is_reported_and_survived(
    settings: Settings, admin: dict[str, str]
) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        story = client.post(
            "/api/v1/stories", json={"title": "Kept", "access": "public"}, headers=admin
        ).json()
        first = client.post(
            f"/api/v1/stories/{story['id']}/recordings",
            headers=admin,
            files={"file": ("a.flac", STORY_EN.read_bytes())},
        ).json()
        objects = settings.data_dir / "objects"
        moved = settings.data_dir / "objects-unmounted"
        objects.rename(moved)  # the disk was unmounted
        try:
            assert client.get("/api/v1/health").json()["storage"] == "unavailable"
            refused = client.post(
                f"/api/v1/stories/{story['id']}/recordings",
                headers=admin,
                files={"file": ("b.flac", STORY_EN.read_bytes())},
            )
            assert_problem(refused, 503)
        finally:
            if objects.exists():
                shutil.rmtree(objects)
            moved.rename(objects)
        assert client.get("/api/v1/health").json()["storage"] == "ok"
        audio = client.get(f"/api/v1/recordings/{first['id']}/audio")
        assert audio.content == STORY_EN.read_bytes()
