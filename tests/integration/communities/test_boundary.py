"""One boundary around everything a community owns: its audit events, collections, upload
links, people, review queue and access requests. An archivist of another community finds
none of it (404, or an empty list) and changes none of it; the community's own archivist and
an administrator still do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from archive.settings import Settings
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem

CONSENT = {"given_by": "Tía Marta", "listen": "community", "searchable": True}
SECRET = "The healing song of the Quispe family"
"""The title of the home community's private story: it must not reach the coast's archivist."""


@dataclass(frozen=True)
class Two:
    """Two communities, each with its own archivist."""

    home: str
    coast: str
    home_archivist: dict[str, str]
    coast_archivist: dict[str, str]


@pytest.fixture
def two(client: TestClient, admin: dict[str, str], make_user: MakeUser) -> Two:
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]["id"]
    coast = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()["id"]
    archivists = {}
    for name, community in (("home-archivist", home), ("coast-archivist", coast)):
        headers = make_user(name, Role.ARCHIVIST)
        user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
        placed = client.post(
            f"/api/v1/communities/{community}/members",
            headers=admin,
            json={"user_id": user_id, "role": "archivist"},
        )
        assert placed.status_code == 201, placed.text
        archivists[name] = headers
    return Two(home, coast, archivists["home-archivist"], archivists["coast-archivist"])


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def home_story(client: TestClient, two: Two, **fields: Any) -> dict[str, Any]:
    body = {"title": SECRET, "access": "private", "consent": CONSENT, **fields}
    return created(client.post("/api/v1/stories", headers=two.home_archivist, json=body))


def test_the_audit_log_shows_an_archivist_only_their_communities_events(
    client: TestClient, admin: dict[str, str], two: Two
) -> None:
    story = home_story(client, two)
    edited = client.patch(
        f"/api/v1/stories/{story['id']}",
        headers={**two.home_archivist, "If-Match": f'"{story["version"]}"'},
        json={"description": "Sung for the sick, never for strangers."},
    )
    assert edited.status_code == 200, edited.text
    created(
        client.post(
            f"/api/v1/stories/{story['id']}/recordings",
            headers=two.home_archivist,
            files={"file": ("song.flac", STORY_EN.read_bytes())},
        )
    )
    coast_story = created(
        client.post(
            "/api/v1/stories",
            headers=two.coast_archivist,
            json={"title": "Nets at dawn", "access": "public"},
        )
    )

    def events(headers: dict[str, str], **params: str) -> dict[str, Any]:
        answer = client.get("/api/v1/events", headers=headers, params=params)
        assert answer.status_code == 200, answer.text
        assert SECRET not in answer.text or headers is not two.coast_archivist
        page: dict[str, Any] = answer.json()
        return page

    seen_by_coast = events(two.coast_archivist)
    # The coast's own: its creation, its archivist's placing, its story.
    assert {e["subject_id"] for e in seen_by_coast["items"]} == {two.coast, coast_story["id"]}
    assert seen_by_coast["total"] == len(seen_by_coast["items"]) == 3
    assert events(two.coast_archivist, story_id=story["id"])["items"] == []
    assert events(two.coast_archivist, subject_id=story["id"])["items"] == []

    home_events = events(two.home_archivist, story_id=story["id"])["items"]
    assert [e["action"] for e in home_events] == [
        "recording.uploaded",
        "story.updated",
        "story.created",
    ]
    assert {e["community_id"] for e in home_events} == {two.home}
    assert coast_story["id"] not in {e["subject_id"] for e in events(two.home_archivist)["items"]}
    # Events of no community (accounts) are the administrators' alone.
    assert "user.created" not in {e["action"] for e in events(two.home_archivist)["items"]}
    everything = events(admin, limit="200")["items"]
    assert {"user.created", "story.created", "story.updated"} <= {e["action"] for e in everything}
    assert {story["id"], coast_story["id"]} <= {e["subject_id"] for e in everything}


def test_collections_and_upload_links_belong_to_their_community(
    client: TestClient, admin: dict[str, str], two: Two
) -> None:
    collection = created(
        client.post("/api/v1/collections", headers=two.home_archivist, json={"title": "Healers"})
    )
    assert collection["community_id"] == two.home
    link = created(
        client.post(
            "/api/v1/upload-links",
            headers=two.home_archivist,
            json={"collection_id": collection["id"], "note": "For the Quispe family only"},
        )
    )
    assert link["community_id"] == two.home
    outsider = two.coast_archivist
    url = f"/api/v1/collections/{collection['id']}"

    assert client.get("/api/v1/collections", headers=outsider).json()["items"] == []
    assert_problem(client.get(url, headers=outsider), 404)
    assert_problem(client.patch(url, headers=outsider, json={"title": "Ours now"}), 404)
    listed = client.get("/api/v1/upload-links", headers=outsider)
    assert listed.status_code == 200
    assert listed.json() == []
    assert "Quispe" not in listed.text
    filtered = client.get(
        "/api/v1/upload-links", headers=outsider, params={"collection_id": collection["id"]}
    )
    assert filtered.json() == []
    assert_problem(client.delete(f"/api/v1/upload-links/{link['id']}", headers=outsider), 404)
    assert_problem(
        client.post(
            "/api/v1/upload-links", headers=outsider, json={"collection_id": collection["id"]}
        ),
        422,
    )
    filed = client.post(
        "/api/v1/stories",
        headers=outsider,
        json={"title": "Nets", "access": "public", "collection_id": collection["id"]},
    )
    assert_problem(filed, 422)
    own = created(
        client.post("/api/v1/stories", headers=outsider, json={"title": "Nets", "access": "public"})
    )
    refiled = client.patch(
        f"/api/v1/stories/{own['id']}",
        headers={**outsider, "If-Match": f'"{own["version"]}"'},
        json={"collection_id": collection["id"]},
    )
    assert "this story's community" in assert_problem(refiled, 422)["detail"]

    # Nothing changed: the link still works, and the collection keeps its name.
    holder = {"Authorization": f"Bearer {link['token']}"}
    assert client.get("/api/v1/upload-links/current", headers=holder).status_code == 200
    for headers in (two.home_archivist, admin):
        assert client.get(url, headers=headers).json()["title"] == "Healers"
        assert [
            c["id"] for c in client.get("/api/v1/collections", headers=headers).json()["items"]
        ] == [collection["id"]]
        assert [x["id"] for x in client.get("/api/v1/upload-links", headers=headers).json()] == [
            link["id"]
        ]
    renamed = client.patch(url, headers=two.home_archivist, json={"title": "The healers"})
    assert renamed.status_code == 200
    assert client.delete(f"/api/v1/upload-links/{link['id']}", headers=admin).status_code == 204


def test_a_new_collection_or_person_names_its_community_unless_the_caller_curates_one(
    client: TestClient, admin: dict[str, str], two: Two
) -> None:
    mine = created(
        client.post("/api/v1/collections", headers=two.coast_archivist, json={"title": "Nets"})
    )
    assert mine["community_id"] == two.coast
    person = created(
        client.post("/api/v1/people", headers=two.coast_archivist, json={"name": "Pedro"})
    )
    assert person["community_id"] == two.coast
    # An administrator curates both communities: they must say which.
    unnamed = client.post("/api/v1/collections", headers=admin, json={"title": "Songs"})
    assert "community_id" in assert_problem(unnamed, 422)["detail"]
    assert_problem(client.post("/api/v1/people", headers=admin, json={"name": "Rosa"}), 422)
    named = client.post(
        "/api/v1/collections", headers=admin, json={"title": "Songs", "community_id": two.coast}
    )
    assert created(named)["community_id"] == two.coast
    # Nobody places a thing in a community they do not curate.
    elsewhere = client.post(
        "/api/v1/collections",
        headers=two.coast_archivist,
        json={"title": "Theirs", "community_id": two.home},
    )
    assert_problem(elsewhere, 422)


def test_people_belong_to_their_community(
    client: TestClient, admin: dict[str, str], two: Two
) -> None:
    rosa = created(
        client.post(
            "/api/v1/people",
            headers=two.home_archivist,
            json={
                "name": "Rosa Quispe",
                "notes": "Her family asks that her name be spoken softly.",
            },
        )
    )
    story = home_story(
        client,
        two,
        access="public",
        consent={**CONSENT, "listen": "public"},
        people=[{"person_id": rosa["id"], "role": "narrator"}],
    )
    outsider = two.coast_archivist
    url = f"/api/v1/people/{rosa['id']}"

    assert_problem(client.get(url, headers=outsider), 404)
    listed = client.get("/api/v1/people", headers=outsider, params={"name": "Rosa"})
    assert listed.json()["items"] == []
    assert listed.json()["total"] == 0
    assert_problem(client.patch(url, headers=outsider, json={"deceased": True}), 404)
    assert client.get(f"/api/v1/stories/{story['id']}").json()["content_warning"] is None
    # Nor may another community's story name her.
    named = client.post(
        "/api/v1/stories",
        headers=outsider,
        json={"title": "Nets", "people": [{"person_id": rosa["id"], "role": "narrator"}]},
    )
    assert_problem(named, 422)

    for headers in (two.home_archivist, admin):
        assert client.get(url, headers=headers).json()["notes"].startswith("Her family")
        names = client.get("/api/v1/people", headers=headers).json()["items"]
        assert [p["name"] for p in names] == ["Rosa Quispe"]
    marked = client.patch(url, headers=two.home_archivist, json={"deceased": True})
    assert marked.status_code == 200, marked.text
    assert client.get(f"/api/v1/stories/{story['id']}").json()["content_warning"] is not None


def test_a_links_stories_land_in_its_community_and_wait_for_its_archivists(
    client: TestClient, admin: dict[str, str], two: Two
) -> None:
    collection = created(
        client.post("/api/v1/collections", headers=two.coast_archivist, json={"title": "Nets"})
    )
    link = created(
        client.post(
            "/api/v1/upload-links",
            headers=two.coast_archivist,
            json={"collection_id": collection["id"]},
        )
    )
    holder = {"Authorization": f"Bearer {link['token']}"}
    story = created(
        client.post(
            "/api/v1/stories",
            headers=holder,
            json={"title": "My father's boat", "consent": CONSENT, "community_id": two.home},
        )
    )
    assert story["community_id"] == two.coast

    def waiting(headers: dict[str, str]) -> list[str]:
        return [
            item["id"] for item in client.get("/api/v1/review", headers=headers).json()["items"]
        ]

    assert story["id"] in waiting(two.coast_archivist)
    assert story["id"] not in waiting(two.home_archivist)
    assert story["id"] in waiting(admin)
    assert_problem(client.get(f"/api/v1/stories/{story['id']}", headers=two.home_archivist), 404)
    assert_problem(
        client.post(
            f"/api/v1/stories/{story['id']}/review",
            headers=two.home_archivist,
            json={"decision": "start"},
        ),
        404,
    )
    started = client.post(
        f"/api/v1/stories/{story['id']}/review",
        headers=two.coast_archivist,
        json={"decision": "start"},
    )
    assert started.status_code == 200, started.text


def test_access_requests_reach_only_the_storys_communitys_archivists(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, two: Two
) -> None:
    story = home_story(client, two, access="community")
    researcher = make_user("rui", Role.RESEARCHER)
    asked = created(
        client.post(
            f"/api/v1/stories/{story['id']}/access-requests",
            headers=researcher,
            json={"reason": "My thesis on the healers of the valley."},
        )
    )

    def listed(headers: dict[str, str]) -> list[str]:
        answer = client.get("/api/v1/access-requests", headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()]

    assert listed(two.coast_archivist) == []
    assert listed(two.home_archivist) == [asked["id"]]
    assert listed(admin) == [asked["id"]]
    assert listed(researcher) == [asked["id"]]
    decision = f"/api/v1/access-requests/{asked['id']}/decision"
    assert_problem(
        client.post(decision, headers=two.coast_archivist, json={"decision": "grant"}), 404
    )
    granted = client.post(decision, headers=two.home_archivist, json={"decision": "grant"})
    assert granted.json()["status"] == "granted"


def test_a_new_archivist_of_one_community_is_no_archivist_of_the_default_one(
    client: TestClient, admin: dict[str, str], two: Two
) -> None:
    waiting = home_story(client, two, access="private")
    made = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "marisol",
            "password": "driftwood lanterns at low tide",
            "role": "archivist",
            "community_id": two.coast,
        },
    )
    assert made.status_code == 201, made.text
    user_id = made.json()["id"]
    home_members = client.get(f"/api/v1/communities/{two.home}/members", headers=admin).json()
    assert user_id not in {m["user_id"] for m in home_members}
    coast_members = client.get(f"/api/v1/communities/{two.coast}/members", headers=admin).json()
    assert {"user_id": user_id, "role": "archivist"}.items() <= next(
        m for m in coast_members if m["user_id"] == user_id
    ).items()
    unknown = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "nobody-here",
            "password": "driftwood lanterns at low tide",
            "role": "archivist",
            "community_id": waiting["id"],
        },
    )
    assert_problem(unknown, 422)


def test_with_one_community_a_new_archivist_joins_it(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    (home,) = client.get("/api/v1/communities", headers=admin).json()["items"]
    archivist = make_user("ines", Role.ARCHIVIST)
    story = created(
        client.post(
            "/api/v1/stories", headers=archivist, json={"title": "Flood", "access": "public"}
        )
    )
    assert story["community_id"] == home["id"]
    assert story["status"] == "published"


def test_the_cli_places_a_new_archivist_in_the_community_named(
    settings: Settings, client: TestClient, admin: dict[str, str], two: Two
) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ARCHIVE_DATA_DIR": str(settings.data_dir),
        "ARCHIVE_DATABASE_URL": settings.database_url,
    }
    command = [sys.executable, "-m", "archive", "users", "create", "tomas", "--role", "archivist"]
    unknown = subprocess.run(
        [*command, "--community", "Nowhere"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 1
    assert "Nowhere" in unknown.stderr
    made = subprocess.run(
        [*command, "--community", "Coast"], env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().rsplit(" ", 1)[-1]
    tomas = {"Authorization": f"Bearer {token}"}
    story = created(
        client.post("/api/v1/stories", headers=tomas, json={"title": "Tide", "access": "public"})
    )
    assert story["community_id"] == two.coast
    assert story["status"] == "published"
    home_story_id = home_story(client, two)["id"]
    assert_problem(client.get(f"/api/v1/stories/{home_story_id}", headers=tomas), 404)
    assert json.loads(client.get("/api/v1/review", headers=tomas).text)["items"] == []
