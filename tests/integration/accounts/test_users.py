"""Accounts with passwords: who may make them, which passwords are refused, and `/users/me`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.accounts import repository
from archive.db.session import transaction
from archive.domain.access import Role
from archive.settings import Settings
from integration.accounts.helpers import PASSWORD, MakePasswordUser, login
from support.accounts import MakeUser
from support.problems import assert_problem


def test_an_admin_creates_a_user_whose_password_is_kept_as_an_argon2id_hash(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "rosa", "password": PASSWORD, "role": "archivist"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "username", "role", "created_at"}
    assert (body["username"], body["role"]) == ("rosa", "archivist")
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert PASSWORD not in response.text
    with transaction(sessions) as session:
        user = repository.get_user_by_username(session, "rosa")
        assert user is not None
        assert user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("taken", ["rosa", "Rosa", "ROSA"])
def test_a_taken_username_is_a_conflict_ignoring_case(
    client: TestClient,
    admin: dict[str, str],
    make_password_user: MakePasswordUser,
    taken: str,
) -> None:
    make_password_user("rosa")
    body = assert_problem(
        client.post(
            "/api/v1/users",
            headers=admin,
            json={"username": taken, "password": "another long passphrase", "role": "researcher"},
        ),
        409,
    )
    assert "exists already" in body["detail"]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short pw", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "same few characters"),
        ("Password2024!", "common word"),
        ("P@ssw0rd-2024", "common word"),
        ("123456789012", "run of neighbouring"),
        ("qwertyuiopasdf", "run of neighbouring"),
        ("grandma-tomas-sings", "contains the username"),
        ("19870315123456", "all digits"),
    ],
)
def test_an_obviously_weak_password_is_refused_saying_why(
    client: TestClient, admin: dict[str, str], password: str, why: str
) -> None:
    body = assert_problem(
        client.post(
            "/api/v1/users",
            headers=admin,
            json={"username": "tomas", "password": password, "role": "researcher"},
        ),
        422,
    )
    assert why in body["detail"]
    assert password not in body["detail"]


@pytest.mark.parametrize("username", ["two words", "-dash-first", "tab\tname", ""])
def test_a_username_that_cannot_be_used_is_refused(
    client: TestClient, admin: dict[str, str], username: str
) -> None:
    assert_problem(
        client.post(
            "/api/v1/users",
            headers=admin,
            json={"username": username, "password": PASSWORD, "role": "researcher"},
        ),
        422,
    )


@pytest.mark.parametrize("role", [Role.ARCHIVIST, Role.RESEARCHER, Role.CONTRIBUTOR])
def test_only_an_admin_creates_users(client: TestClient, make_user: MakeUser, role: Role) -> None:
    someone = make_user("ines", role)
    new_user = {"username": "intruder", "password": PASSWORD, "role": "admin"}
    body = assert_problem(client.post("/api/v1/users", headers=someone, json=new_user), 403)
    assert "administrators" in body["detail"]
    assert_problem(client.post("/api/v1/users", json=new_user), 401)


def test_an_unknown_role_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    assert_problem(
        client.post(
            "/api/v1/users",
            headers=admin,
            json={"username": "rosa", "password": PASSWORD, "role": "chief"},
        ),
        422,
    )


def test_me_answers_by_token_and_by_cookie_and_is_401_for_nobody(
    client: TestClient, admin: dict[str, str], make_password_user: MakePasswordUser
) -> None:
    created = make_password_user("rosa", "archivist")
    bootstrap = client.get("/api/v1/users/me", headers=admin)
    assert bootstrap.status_code == 200
    assert (bootstrap.json()["username"], bootstrap.json()["role"]) == ("admin", "admin")

    assert_problem(client.get("/api/v1/users/me"), 401)
    assert login(client, "rosa").status_code == 200
    by_cookie = client.get("/api/v1/users/me")
    assert by_cookie.status_code == 200
    assert by_cookie.json() == created

    token = client.post(
        "/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": _csrf(client)}
    ).json()["token"]
    client.cookies.clear()
    by_token = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert by_token.status_code == 200
    assert by_token.json() == created
    assert_problem(client.get("/api/v1/users/me"), 401)


def _csrf(client: TestClient) -> str:
    value = client.cookies.get("archive_csrf")
    assert value
    return value


def test_the_cli_creates_a_user_with_a_password_that_signs_in(
    settings: Settings, client: TestClient
) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_DATABASE_URL": settings.database_url,
    }
    command = [sys.executable, "-m", "archive", "users", "create", "elder-ana"]
    weak = subprocess.run(
        [*command, "--password"],
        input="password1234\npassword1234\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert weak.returncode == 1
    assert "common word" in weak.stderr
    created = subprocess.run(
        [*command, "--role", "contributor", "--password"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    assert PASSWORD not in created.stdout
    token = created.stdout.strip().rsplit(" ", 1)[-1]
    assert token.startswith("arch_")
    signed_in = login(client, "elder-ana")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["role"] == "contributor"
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "elder-ana"
