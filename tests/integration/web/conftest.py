"""Page tests: cheap argon2 parameters and a maker of users who sign in with a password."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.settings import Settings
from integration.accounts.helpers import PASSWORD, MakePasswordUser

CHEAP_ARGON2 = {"password_time_cost": 1, "password_memory_kib": 1024, "password_parallelism": 1}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=CHEAP_ARGON2)


@pytest.fixture
def make_password_user(client: TestClient, admin: dict[str, str]) -> MakePasswordUser:
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
