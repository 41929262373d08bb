"""Accounts tests: cheap argon2 parameters (the real ones are used where timing matters), an
app factory on the same database, and a maker of password users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.app import create_app
from archive.settings import Settings
from integration.accounts.helpers import PASSWORD, MakePasswordUser

CHEAP_ARGON2 = {"password_time_cost": 1, "password_memory_kib": 1024, "password_parallelism": 1}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, with argon2 cheap enough for many sign-ins per test."""
    return settings.model_copy(update=CHEAP_ARGON2)


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Another app on the same database and data, with some settings changed."""
    clients: list[TestClient] = []

    def make(base_url: str = "http://testserver", **changes: Any) -> TestClient:
        client = TestClient(
            create_app(settings.model_copy(update=changes)),
            base_url=base_url,
            raise_server_exceptions=False,
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def make_password_user(client: TestClient, admin: dict[str, str]) -> MakePasswordUser:
    """Creates a user with `PASSWORD` through the API, as the bootstrap admin."""

    def make(username: str, role: str = "researcher", password: str = PASSWORD) -> dict[str, Any]:
        response = client.post(
            "/api/v1/users",
            headers=admin,
            json={"username": username, "password": password, "role": role},
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return make
