"""Two communities' stories, recordings, collections and people, and one caller of each
kind: what each listing must show to whom."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import AccessGrant
from support.accounts import MakeUser
from support.community_world import expect, move_to, user_id
from support.paths import STORY_EN

Headers = dict[str, str]
CONSENT = {"given_by": "Ana", "listen": "public", "searchable": True}

ROLES = (
    "anonymous",
    "contributor",
    "researcher",
    "granted",
    "member",
    "archivist A",
    "archivist B",
    "admin",
)

FULL, LISTED = "full", "listed"
ALL_OF_A = (
    "Alder public",
    "Birch community",
    "Cedar restricted open",
    "Dogwood restricted strict",
    "Elm private",
    "Fir embargoed",
    "Gum withdrawn",
    "Hazel submitted",
)
ALL_OF_B = ("Ivy coast public", "Juniper coast community", "Kauri coast private")

EXPECTED: dict[str, dict[str, str]] = {
    "anonymous": {"Alder public": FULL, "Ivy coast public": FULL},
    "researcher": {
        "Alder public": FULL,
        "Birch community": LISTED,
        "Cedar restricted open": LISTED,
        "Ivy coast public": FULL,
        "Juniper coast community": LISTED,
    },
    "granted": {
        "Alder public": FULL,
        "Birch community": LISTED,
        "Cedar restricted open": LISTED,
        "Elm private": FULL,
        "Ivy coast public": FULL,
        "Juniper coast community": LISTED,
    },
    "member": {
        "Alder public": FULL,
        "Birch community": FULL,
        "Cedar restricted open": LISTED,
        "Ivy coast public": FULL,
        "Juniper coast community": LISTED,
    },
    "contributor": {
        "Alder public": FULL,
        "Birch community": FULL,
        "Cedar restricted open": LISTED,
        "Hazel submitted": FULL,
        "Ivy coast public": FULL,
        "Juniper coast community": LISTED,
    },
    "archivist A": {
        **dict.fromkeys(ALL_OF_A, FULL),
        "Ivy coast public": FULL,
        "Juniper coast community": LISTED,
    },
    "archivist B": {
        "Alder public": FULL,
        "Birch community": LISTED,
        "Cedar restricted open": LISTED,
        **dict.fromkeys(ALL_OF_B, FULL),
    },
    "admin": dict.fromkeys((*ALL_OF_A, *ALL_OF_B), FULL),
}
"""What each caller sees of each story: in full, listed only (title and description), or
(left out) nothing at all."""


@dataclass
class Shelf:
    client: TestClient
    headers: dict[str, Headers]
    home: str
    coast: str
    stories: dict[str, str] = field(default_factory=dict)
    """Story ids by title."""
    recordings: dict[str, str] = field(default_factory=dict)
    """The recording of each story that has one, by the story's title."""
    collections: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, role: str, **params: Any) -> Any:
        return self.client.get(path, headers=self.headers[role], params=params)

    def every(self, path: str, role: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a listing, page by page through its cursor."""
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(200):
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = expect(self.get(path, role, **query), 200).json()
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("the cursor never ended")


@pytest.fixture
def shelf(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
) -> Shelf:
    home = expect(client.get("/api/v1/communities", headers=admin), 200).json()["items"][0]["id"]
    archivist_a = make_user("archivist-a", Role.ARCHIVIST)
    archivist_b = make_user("archivist-b", Role.ARCHIVIST)
    contributor = make_user("contributor", Role.CONTRIBUTOR)
    member = make_user("member", Role.RESEARCHER)
    researcher = make_user("researcher", Role.RESEARCHER)
    granted = make_user("granted", Role.RESEARCHER)
    coast = expect(
        client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}), 201
    ).json()["id"]
    move_to(client, admin, archivist_b, leave=home, join=coast, role="archivist")
    move_to(client, admin, member, leave=None, join=home, role="member")
    shelf = Shelf(
        client,
        {
            "anonymous": {},
            "contributor": contributor,
            "researcher": researcher,
            "granted": granted,
            "member": member,
            "archivist A": archivist_a,
            "archivist B": archivist_b,
            "admin": admin,
        },
        home,
        coast,
    )

    def post(path: str, body: Any, headers: Headers) -> dict[str, Any]:
        found: dict[str, Any] = expect(client.post(path, headers=headers, json=body), 201).json()
        return found

    for label, community, archivist in (
        ("River", home, archivist_a),
        ("Shore", coast, archivist_b),
    ):
        shelf.collections[label] = post(
            "/api/v1/collections",
            {"title": f"{label} songs", "community_id": community},
            archivist,
        )["id"]
        shelf.people[label] = post(
            "/api/v1/people", {"name": f"{label} narrator", "community_id": community}, archivist
        )["id"]
    protocols = {
        visibility: post(
            "/api/v1/protocols",
            {"community_id": home, "name": visibility, "visibility": visibility, "user_ids": []},
            archivist_a,
        )["id"]
        for visibility in ("open", "strict")
    }
    river = {
        "collection_id": shelf.collections["River"],
        "people": [{"person_id": shelf.people["River"], "role": "narrator"}],
    }
    later = (utcnow() + timedelta(days=30)).isoformat()
    made = [
        (
            "Alder public",
            archivist_a,
            {"access": "public", "languages": ["en"], "recorded_date": "1952-06-14", **river},
        ),
        (
            "Birch community",
            archivist_a,
            {"access": "community", "languages": ["es"], "recorded_date": "1960", **river},
        ),
        (
            "Cedar restricted open",
            archivist_a,
            {"access": "restricted", "protocol_id": protocols["open"]},
        ),
        (
            "Dogwood restricted strict",
            archivist_a,
            {"access": "restricted", "protocol_id": protocols["strict"]},
        ),
        ("Elm private", archivist_a, {"access": "private", "recorded_date": "1952"}),
        ("Fir embargoed", archivist_a, {"access": "public", "embargo_until": later}),
        ("Gum withdrawn", archivist_a, {"access": "public"}),
        ("Hazel submitted", contributor, {}),
        (
            "Ivy coast public",
            archivist_b,
            {"access": "public", "languages": ["en", "quz"], "recorded_date": "1952-07"},
        ),
        ("Juniper coast community", archivist_b, {"access": "community"}),
        ("Kauri coast private", archivist_b, {"access": "private"}),
    ]
    for title, headers, extra in made:
        body = {
            "title": title,
            "description": f"{title}, told by the water",
            "consent": CONSENT,
            **extra,
        }
        shelf.stories[title] = post("/api/v1/stories", body, headers)["id"]
    for title in ("Alder public", "Birch community", "Elm private", "Ivy coast public"):
        recording = expect(
            client.post(
                f"/api/v1/stories/{shelf.stories[title]}/recordings",
                headers=admin,
                files={"file": (f"{title}.flac", STORY_EN.read_bytes())},
            ),
            201,
        ).json()
        shelf.recordings[title] = recording["id"]
    expect(
        client.post(
            f"/api/v1/stories/{shelf.stories['Gum withdrawn']}/consent/withdraw",
            headers=archivist_a,
            json={"reason": "The family asked"},
        ),
        200,
    )
    with transaction(sessions) as session:
        session.add(
            AccessGrant(
                story_id=uuid.UUID(shelf.stories["Elm private"]),
                user_id=uuid.UUID(user_id(client, granted)),
                reason="My thesis on the river.",
                status="granted",
                starts_at=utcnow() - timedelta(days=1),
                ends_at=utcnow() + timedelta(days=1),
            )
        )
    return shelf
