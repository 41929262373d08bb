from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem


def test_an_archivist_creates_a_story_and_reads_it_back(
    client: TestClient, make_user: MakeUser
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    created = client.post(
        "/api/v1/stories",
        json={
            "title": " The flood of 1952 ",
            "description": "Told by her granddaughter.",
            "languages": ["en", "quz"],
            "access": "public",
        },
        headers=archivist,
    )
    assert created.status_code == 201, created.text
    story = created.json()
    assert story["title"] == "The flood of 1952"
    assert story["languages"] == ["en", "quz"]
    assert story["access"] == "public"
    assert story["recordings"] == []
    uuid.UUID(story["id"])
    read = client.get(f"/api/v1/stories/{story['id']}")
    assert read.status_code == 200
    assert read.json()["description"] == "Told by her granddaughter."


def test_a_story_is_private_unless_an_archivist_says_otherwise(
    client: TestClient, admin: dict[str, str]
) -> None:
    story = client.post("/api/v1/stories", json={"title": "Untold"}, headers=admin).json()
    assert story["access"] == "private"
    assert_problem(client.get(f"/api/v1/stories/{story['id']}"), 404)
    assert client.get(f"/api/v1/stories/{story['id']}", headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("role", "access", "seen"),
    [
        (Role.RESEARCHER, "public", "full"),
        (Role.RESEARCHER, "community", "listed"),  # not a member: title only
        (Role.RESEARCHER, "restricted", "listed"),  # holds no protocol: title only
        (Role.RESEARCHER, "private", "hidden"),
        (Role.CONTRIBUTOR, "community", "full"),  # contributors are members
        (Role.ARCHIVIST, "private", "full"),
    ],
)
def test_who_sees_a_story_follows_its_access(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    role: Role,
    access: str,
    seen: str,
) -> None:
    story = client.post(
        "/api/v1/stories", json={"title": "A story", "access": access}, headers=admin
    ).json()
    client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    )
    response = client.get(f"/api/v1/stories/{story['id']}", headers=make_user("u", role))
    if seen == "hidden":
        assert_problem(response, 404)
        return
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "A story"
    assert body["listed_only"] is (seen == "listed")
    assert len(body["recordings"]) == (1 if seen == "full" else 0)


def test_creating_a_story_needs_a_valid_token(client: TestClient) -> None:
    no_token = client.post("/api/v1/stories", json={"title": "x"})
    assert_problem(no_token, 401)
    assert no_token.headers["www-authenticate"].startswith("Bearer")
    bad_token = client.post(
        "/api/v1/stories", json={"title": "x"}, headers={"Authorization": "Bearer not-a-token"}
    )
    assert_problem(bad_token, 401)
    wrong_scheme = client.post(
        "/api/v1/stories", json={"title": "x"}, headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )
    assert_problem(wrong_scheme, 401)


def test_a_researcher_may_not_add_stories(client: TestClient, make_user: MakeUser) -> None:
    response = client.post(
        "/api/v1/stories", json={"title": "x"}, headers=make_user("rita", Role.RESEARCHER)
    )
    assert_problem(response, 403)


def test_a_contributor_adds_stories_but_does_not_decide_access(
    client: TestClient, make_user: MakeUser
) -> None:
    contributor = make_user("carl", Role.CONTRIBUTOR)
    refused = client.post(
        "/api/v1/stories", json={"title": "x", "access": "public"}, headers=contributor
    )
    assert "archivist" in assert_problem(refused, 403)["detail"]
    consent = {"given_by": "Carl's aunt", "listen": "family", "searchable": False}
    own = client.post(
        "/api/v1/stories", json={"title": "Mine", "consent": consent}, headers=contributor
    )
    assert own.status_code == 201
    assert client.get(f"/api/v1/stories/{own.json()['id']}", headers=contributor).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x", "access": "everyone"},
        {"title": "x", "languages": ["english language"]},
        {"title": "x", "id": "00000000-0000-0000-0000-000000000001"},
        {"title": "x", "status": "published"},
    ],
)
def test_bad_story_bodies_are_refused_with_what_to_fix(
    client: TestClient, admin: dict[str, str], body: dict[str, object]
) -> None:
    problem = assert_problem(client.post("/api/v1/stories", json=body, headers=admin), 422)
    assert problem["errors"]


def test_unknown_and_malformed_ids_answer_404_and_422(client: TestClient) -> None:
    assert_problem(client.get(f"/api/v1/stories/{uuid.uuid4()}"), 404)
    assert_problem(client.get(f"/api/v1/recordings/{uuid.uuid4()}"), 404)
    assert_problem(client.get(f"/api/v1/recordings/{uuid.uuid4()}/audio"), 404)
    assert_problem(client.get(f"/api/v1/recordings/{uuid.uuid4()}/transcript"), 404)
    assert_problem(client.get("/api/v1/stories/12"), 422)
    assert_problem(client.get("/api/v1/nowhere"), 404)


def test_health_reports_each_backend(client: TestClient) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    body = health.json()
    assert body["database"] == body["storage"] == body["search"] == "ok"
    assert body["workers"]["alive"] == 0
    assert body["status"] == "degraded"


def test_openapi_describes_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/stories",
        "/api/v1/stories/{story_id}/recordings",
        "/api/v1/recordings/{recording_id}/audio",
        "/api/v1/search",
        "/api/v1/recordings/{recording_id}/transcript",
        "/api/v1/health",
    ):
        assert path in paths
