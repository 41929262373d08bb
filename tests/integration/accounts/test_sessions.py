"""Signing in from a browser: the cookies, CSRF, signing out, and what a guesser learns."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from archive.accounts import repository
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role
from archive.models.accounts import WebSession
from integration.accounts.helpers import PASSWORD, MakePasswordUser, login, set_cookies
from support.accounts import MakeUser
from support.problems import assert_problem

FOURTEEN_DAYS = 14 * 24 * 3600


def test_signing_in_sets_an_httponly_session_cookie_and_a_readable_csrf_cookie(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa", "archivist")
    response = login(client, "rosa")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"username", "role", "csrf_token", "expires_at"}
    assert (body["username"], body["role"]) == ("rosa", "archivist")
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=13.9) < expires_at - utcnow() <= timedelta(days=14)

    cookies = set_cookies(response)
    session_cookie, csrf_cookie = cookies["archive_session"], cookies["archive_csrf"]
    assert session_cookie.value.startswith("sess_")
    assert len(session_cookie.value) > 40
    assert "httponly" in session_cookie.attributes
    assert "httponly" not in csrf_cookie.attributes
    assert csrf_cookie.value == body["csrf_token"]
    for cookie in (session_cookie, csrf_cookie):
        assert cookie.attributes["samesite"].lower() == "lax"
        assert cookie.attributes["path"] == "/"
        assert int(cookie.attributes["max-age"]) == FOURTEEN_DAYS
        assert "expires" in cookie.attributes
        assert "secure" not in cookie.attributes  # plain http: a Secure cookie would be lost
        assert "domain" not in cookie.attributes


def test_over_https_both_cookies_are_secure(
    app_with: Callable[..., TestClient], make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    https = app_with(base_url="https://archive.example.org")
    response = login(https, "rosa")
    assert response.status_code == 200
    cookies = set_cookies(response)
    assert "secure" in cookies["archive_session"].attributes
    assert "secure" in cookies["archive_csrf"].attributes
    assert https.get("/api/v1/users/me").json()["username"] == "rosa"


def test_the_database_keeps_only_hashes_of_the_session_and_csrf_tokens(
    client: TestClient, make_password_user: MakePasswordUser, sessions: sessionmaker[Session]
) -> None:
    make_password_user("rosa")
    response = login(client, "rosa")
    cookies = set_cookies(response)
    with transaction(sessions) as session:
        stored = session.scalars(select(WebSession)).one()
        assert cookies["archive_session"].value not in {stored.token_hash, stored.csrf_hash}
        assert response.json()["csrf_token"] not in {stored.token_hash, stored.csrf_hash}
        assert stored.revoked_at is None


def test_a_cookie_request_that_changes_something_needs_the_csrf_header(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    csrf = login(client, "rosa").json()["csrf_token"]
    assert client.get("/api/v1/tokens").status_code == 200  # reading needs no CSRF token

    missing = assert_problem(client.post("/api/v1/tokens", json={"name": "laptop"}), 403)
    assert "X-CSRF-Token" in missing["detail"]
    assert "archive_csrf" in missing["detail"]
    wrong = client.post("/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": "x"})
    assert_problem(wrong, 403)
    assert client.get("/api/v1/tokens").json() == []

    accepted = client.post(
        "/api/v1/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 201, accepted.text
    assert [t["name"] for t in client.get("/api/v1/tokens").json()] == ["laptop"]


def test_one_sessions_csrf_token_does_not_pass_for_another(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    first_csrf = login(client, "rosa").json()["csrf_token"]
    second = login(client, "rosa")
    assert second.json()["csrf_token"] != first_csrf
    assert_problem(
        client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": first_csrf}),
        403,
    )


def test_a_bearer_request_needs_no_csrf_token_even_beside_a_cookie(
    client: TestClient, make_password_user: MakePasswordUser, make_user: MakeUser
) -> None:
    make_password_user("rosa")
    assert login(client, "rosa").status_code == 200
    ines = make_user("ines", Role.RESEARCHER)
    created = client.post("/api/v1/tokens", json={"name": "script"}, headers=ines)
    assert created.status_code == 201, created.text
    assert client.get("/api/v1/users/me", headers=ines).json()["username"] == "ines"
    assert client.get("/api/v1/users/me").json()["username"] == "rosa"


def test_signing_out_revokes_the_session_and_clears_the_cookies(
    client: TestClient, make_password_user: MakePasswordUser, sessions: sessionmaker[Session]
) -> None:
    make_password_user("rosa")
    csrf = login(client, "rosa").json()["csrf_token"]
    old_cookie = client.cookies.get("archive_session")
    assert old_cookie

    assert_problem(client.post("/api/v1/auth/logout"), 403)  # CSRF applies here too
    assert client.get("/api/v1/users/me").status_code == 200

    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    cleared = set_cookies(response)
    for name in ("archive_session", "archive_csrf"):
        assert int(cleared[name].attributes["max-age"]) == 0
        assert cleared[name].attributes["path"] == "/"
    assert client.cookies.get("archive_session") is None
    assert_problem(client.get("/api/v1/users/me"), 401)

    client.cookies.set("archive_session", old_cookie)  # a copy kept by someone else
    assert_problem(client.get("/api/v1/users/me"), 401)
    assert_problem(
        client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf}), 401
    )
    with transaction(sessions) as session:
        assert session.scalars(select(WebSession.revoked_at)).one() is not None


def test_an_expired_session_signs_nobody_in(
    client: TestClient, make_password_user: MakePasswordUser, sessions: sessionmaker[Session]
) -> None:
    make_password_user("rosa")
    login(client, "rosa")
    with transaction(sessions) as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_problem(client.get("/api/v1/users/me"), 401)


def test_a_wrong_username_and_a_wrong_password_get_the_same_answer(
    client: TestClient,
    make_password_user: MakePasswordUser,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_password_user("rosa")
    make_user("token-only", Role.RESEARCHER)  # an account without a password
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, stored: str | bytes, password: str | bytes) -> bool:
        verified.append(str(password))
        return real_verify(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    answers = {
        "wrong password": login(client, "rosa", "not the right one at all"),
        "unknown user": login(client, "nobody-here", "not the right one at all"),
        "no password set": login(client, "token-only", "not the right one at all"),
    }
    first = answers["wrong password"]
    body = assert_problem(first, 401)
    assert "username or the password" in body["detail"]
    for answer in answers.values():
        assert answer.status_code == first.status_code
        assert answer.json() == body
        assert answer.headers.get("www-authenticate") == first.headers.get("www-authenticate")
        assert "set-cookie" not in answer.headers
    # Each attempt spent one argon2 verification, whether or not the name exists.
    assert verified == ["not the right one at all"] * 3


def test_a_wrong_username_takes_as_long_as_a_wrong_password(
    app_with: Callable[..., TestClient], make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    real = app_with(
        password_time_cost=2,
        password_memory_kib=19_456,
        password_parallelism=1,
        login_burst=100,
        login_address_burst=100,
    )

    def fastest(username: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert login(real, username, "not the right one at all").status_code == 401
            times.append(time.perf_counter() - started)
        return min(times)

    fastest("rosa")  # warm up: the dummy hash is made on first use
    wrong_password, unknown_user = fastest("rosa"), fastest("nobody-here")
    assert unknown_user > 0.6 * wrong_password, (unknown_user, wrong_password)


def test_guessing_one_accounts_password_is_slowed_to_a_trickle(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    make_password_user("tomas")
    for _ in range(5):
        assert_problem(login(client, "rosa", "a wrong guess here"), 401)
    limited = assert_problem(login(client, "rosa", "a wrong guess here"), 429)
    assert 1 <= int(limited["detail"].split("Wait ")[1].split(" s")[0]) <= 12
    refused = login(client, "Rosa", PASSWORD)  # even the right one, in any letter case
    assert_problem(refused, 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 12
    assert login(client, "tomas").status_code == 200  # other accounts are not locked out


def test_guessing_from_one_address_is_slowed_too(
    app_with: Callable[..., TestClient], make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    strict = app_with(login_address_burst=3, login_address_refill_seconds=60)
    for name in ("ana", "bea", "carl"):
        assert_problem(login(strict, name, "a wrong guess here"), 401)
    limited = login(strict, "rosa", PASSWORD)
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) == 60


def test_signing_in_upgrades_a_hash_made_with_old_parameters(
    app_with: Callable[..., TestClient],
    make_password_user: MakePasswordUser,
    sessions: sessionmaker[Session],
) -> None:
    make_password_user("rosa")

    def stored_hash() -> str:
        with transaction(sessions) as session:
            user = repository.get_user_by_username(session, "rosa")
            assert user is not None
            assert user.password_hash is not None
            return user.password_hash

    old = stored_hash()
    assert "m=1024,t=1,p=1" in old
    stronger = app_with(password_time_cost=2, password_memory_kib=2048, password_parallelism=1)
    assert_problem(login(stronger, "rosa", "a wrong guess here"), 401)
    assert stored_hash() == old  # a failed attempt changes nothing
    assert login(stronger, "rosa").status_code == 200
    upgraded = stored_hash()
    assert upgraded.startswith("$argon2id$")
    assert "m=2048,t=2,p=1" in upgraded
    assert login(stronger, "rosa").status_code == 200
    assert stored_hash() == upgraded  # once is enough
