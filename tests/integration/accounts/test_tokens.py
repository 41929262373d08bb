"""API tokens: made by their owner, shown once, listed without the secret, revoked by id."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role
from archive.domain.tokens import token_digest
from archive.models import ApiToken
from support.accounts import MakeUser
from support.problems import assert_problem


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_new_token_is_shown_once_and_listed_without_its_secret(
    client: TestClient, make_user: MakeUser, sessions: sessionmaker[Session]
) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    expires = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    response = client.post(
        "/api/v1/tokens", headers=ines, json={"name": "laptop", "expires_at": expires.isoformat()}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "name", "token", "created_at", "expires_at"}
    assert created["name"] == "laptop"
    assert created["token"].startswith("arch_")
    assert datetime.fromisoformat(created["expires_at"]) == expires
    with transaction(sessions) as session:
        stored = session.get(ApiToken, uuid.UUID(created["id"]))
        assert stored is not None
        assert stored.token_hash == token_digest(created["token"])

    listed = client.get("/api/v1/tokens", headers=ines).json()
    assert [t["name"] for t in listed] == ["laptop", "first token"]
    assert all(set(t) == {"id", "name", "created_at", "expires_at", "last_used_at"} for t in listed)
    assert created["token"] not in client.get("/api/v1/tokens", headers=ines).text

    me = client.get("/api/v1/users/me", headers=bearer(created["token"]))
    assert me.json()["username"] == "ines"


def test_last_used_is_written_at_most_once_a_minute(
    client: TestClient, make_user: MakeUser, sessions: sessionmaker[Session]
) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    token = client.post("/api/v1/tokens", headers=ines, json={"name": "sync"}).json()

    def last_used() -> datetime | None:
        with transaction(sessions) as session:
            return session.scalar(
                select(ApiToken.last_used_at).where(ApiToken.id == uuid.UUID(token["id"]))
            )

    assert last_used() is None
    client.get("/api/v1/users/me", headers=bearer(token["token"]))
    first = last_used()
    assert first is not None
    assert utcnow() - first < timedelta(seconds=30)
    client.get("/api/v1/users/me", headers=bearer(token["token"]))
    assert last_used() == first  # no write for a second use within the minute

    two_minutes_ago = utcnow() - timedelta(minutes=2)
    with transaction(sessions) as session:
        session.execute(update(ApiToken).values(last_used_at=two_minutes_ago))
    client.get("/api/v1/users/me", headers=bearer(token["token"]))
    later = last_used()
    assert later is not None
    assert later > two_minutes_ago + timedelta(minutes=1)
    listed = {t["id"]: t for t in client.get("/api/v1/tokens", headers=ines).json()}
    assert datetime.fromisoformat(listed[token["id"]]["last_used_at"]) == later


def test_a_revoked_token_stops_working_and_leaves_the_list(
    client: TestClient, make_user: MakeUser
) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    token = client.post("/api/v1/tokens", headers=ines, json={"name": "old phone"}).json()
    assert client.get("/api/v1/users/me", headers=bearer(token["token"])).status_code == 200
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=ines).status_code == 204
    body = assert_problem(client.get("/api/v1/users/me", headers=bearer(token["token"])), 401)
    assert "revoked" in body["detail"]
    assert [t["name"] for t in client.get("/api/v1/tokens", headers=ines).json()] == ["first token"]
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=ines).status_code == 204


def test_someone_elses_token_is_not_found_and_keeps_working(
    client: TestClient, make_user: MakeUser, admin: dict[str, str]
) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    rui = make_user("rui", Role.RESEARCHER)
    theirs = client.post("/api/v1/tokens", headers=rui, json={"name": "rui's"}).json()
    for caller in (ines, admin):
        body = assert_problem(client.delete(f"/api/v1/tokens/{theirs['id']}", headers=caller), 404)
        assert "GET /api/v1/tokens" in body["detail"]
    assert_problem(client.delete(f"/api/v1/tokens/{uuid.uuid4()}", headers=ines), 404)
    assert client.get("/api/v1/users/me", headers=bearer(theirs["token"])).status_code == 200
    assert "rui's" not in client.get("/api/v1/tokens", headers=ines).text


@pytest.mark.parametrize(
    ("expires_at", "why"),
    [
        ("2020-01-01T00:00:00Z", "in the past"),
        ("2999-01-01T00:00:00", "time zone"),
    ],
)
def test_an_expiry_in_the_past_or_without_a_zone_is_refused(
    client: TestClient, make_user: MakeUser, expires_at: str, why: str
) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    body = assert_problem(
        client.post("/api/v1/tokens", headers=ines, json={"name": "x", "expires_at": expires_at}),
        422,
    )
    assert why in body["detail"]


def test_a_token_needs_a_name(client: TestClient, make_user: MakeUser) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    assert_problem(client.post("/api/v1/tokens", headers=ines, json={"name": "   "}), 422)
    assert_problem(client.post("/api/v1/tokens", headers=ines, json={}), 422)


def test_an_expired_token_answers_401(
    client: TestClient, make_user: MakeUser, sessions: sessionmaker[Session]
) -> None:
    ines = make_user("ines", Role.RESEARCHER)
    token = client.post(
        "/api/v1/tokens",
        headers=ines,
        json={"name": "soon", "expires_at": (utcnow() + timedelta(hours=1)).isoformat()},
    ).json()
    with transaction(sessions) as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == uuid.UUID(token["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_problem(client.get("/api/v1/users/me", headers=bearer(token["token"])), 401)
    assert token["id"] in client.get("/api/v1/tokens", headers=ines).text  # still listed


def test_tokens_need_an_account(client: TestClient, admin: dict[str, str]) -> None:
    assert_problem(client.get("/api/v1/tokens"), 401)
    assert_problem(client.post("/api/v1/tokens", json={"name": "x"}), 401)
    collection = client.post("/api/v1/collections", headers=admin, json={"title": "Valley"}).json()
    link = client.post(
        "/api/v1/upload-links", headers=admin, json={"collection_id": collection["id"]}
    ).json()
    holder = bearer(link["token"])
    body = assert_problem(client.post("/api/v1/tokens", headers=holder, json={"name": "x"}), 403)
    assert "account" in body["detail"]
    assert_problem(client.get("/api/v1/users/me", headers=holder), 403)


def test_the_bootstrap_admin_token_still_acts_as_admin(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post("/api/v1/tokens", headers=admin, json={"name": "admin laptop"})
    assert created.status_code == 201
    me = client.get("/api/v1/users/me", headers=bearer(created.json()["token"])).json()
    assert (me["username"], me["role"]) == ("admin", "admin")
