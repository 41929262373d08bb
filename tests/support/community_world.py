"""One of everything a community holds, each carrying a marker word in its text, made through
the API as that community's own people would (a transcript is written straight to the
database: no transcription runs). Used to prove that another community's people reach none of
it: a response that carries a marker carries this community's data."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import Segment, Transcript
from support.accounts import MakeUser
from support.paths import STORY_EN

Headers = dict[str, str]
TUS = {"Tus-Resumable": "1.0.0"}


def tus_metadata(values: Mapping[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def expect(response: Any, *statuses: int) -> Any:
    assert response.status_code in statuses, (
        response.request.method,
        str(response.request.url),
        response.status_code,
        response.text[:500],
    )
    return response


def user_id(client: TestClient, headers: Headers) -> str:
    found: str = expect(client.get("/api/v1/users/me", headers=headers), 200).json()["id"]
    return found


def move_to(
    client: TestClient,
    admin: Headers,
    member: Headers,
    *,
    leave: str | None,
    join: str | None,
    role: str,
) -> str:
    """Takes the user out of the `leave` community (every new user joins the default one)
    and into `join` with the membership `role` (added, or the role changed); returns the
    user's id."""
    uid = user_id(client, member)
    if leave is not None:
        answer = client.delete(f"/api/v1/communities/{leave}/members/{uid}", headers=admin)
        expect(answer, 204, 404)
    if join is not None:
        expect(
            client.post(
                f"/api/v1/communities/{join}/members",
                headers=admin,
                json={"user_id": uid, "role": role},
            ),
            201,
        )
    return uid


def _with_community(client: TestClient, schema: str, body: dict[str, Any], community: str) -> Any:
    """Adds `community_id` to a create body if the API takes one there (collections, people
    and upload links gain it when they join the community boundary)."""
    document = client.get("/openapi.json").json()
    properties = document["components"]["schemas"][schema].get("properties", {})
    return {**body, "community_id": community} if "community_id" in properties else body


@dataclass
class World:
    """A community's things. `secret` marks what no outsider may read; `listed` marks the
    title and description of its community-access story, which others who are signed in may
    see (so they can ask for access), but anonymous callers may not."""

    community_id: str
    secret: str
    listed: str
    archivist: Headers
    contributor: Headers
    link_holder: Headers
    member: Headers
    """A researcher who is a member of the community."""
    stranger: Headers
    """A researcher of no community who has asked for nothing yet."""
    ids: dict[str, str] = field(default_factory=dict)
    stories: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per story kind (`private`, `community`, `submitted`): the ids that go with it."""

    @property
    def owners(self) -> list[Headers]:
        """Who may rightly act on this community's things (a stranger asks to hear a story),
        in the order to try them."""
        return [self.archivist, self.contributor, self.link_holder, self.stranger]


def build_world(
    client: TestClient,
    sessions: sessionmaker[Session],
    admin: Headers,
    make_user: MakeUser,
    *,
    community_id: str,
    default_community_id: str,
    label: str,
) -> World:
    """Everything in `community_id`. Its people belong to it alone (new users join the
    default community; those of another are moved out of it)."""
    secret, listed = f"sm{uuid.uuid4().hex[:12]}", f"lm{uuid.uuid4().hex[:12]}"
    archivist = make_user(f"{label}-archivist", Role.ARCHIVIST)
    contributor = make_user(f"{label}-contributor", Role.CONTRIBUTOR)
    spare = make_user(f"{label}-member", Role.RESEARCHER)
    leave = None if community_id == default_community_id else default_community_id
    for insider, role in ((archivist, "archivist"), (contributor, "member"), (spare, "member")):
        move_to(client, admin, insider, leave=leave, join=community_id, role=role)
    asking = make_user(f"{label}-requester", Role.RESEARCHER)
    granted = make_user(f"{label}-granted", Role.RESEARCHER)
    stranger = make_user(f"{label}-stranger", Role.RESEARCHER)
    for outside in (asking, granted, stranger):
        move_to(client, admin, outside, leave=default_community_id, join=None, role="member")

    def post(path: str, body: Any, headers: Headers = archivist) -> dict[str, Any]:
        found: dict[str, Any] = expect(
            client.post(path, headers=headers, json=body), 200, 201
        ).json()
        return found

    collection = post(
        "/api/v1/collections",
        _with_community(
            client,
            "CollectionCreate",
            {"title": f"{secret} collection", "description": f"{secret} about it"},
            community_id,
        ),
    )
    person = post(
        "/api/v1/people",
        _with_community(
            client,
            "PersonCreate",
            {"name": f"{secret} narrator", "notes": f"{secret} lived by the river"},
            community_id,
        ),
    )
    protocol = post(
        "/api/v1/protocols",
        {
            "community_id": community_id,
            "name": f"{secret} protocol",
            "description": f"{secret} who may hear",
            "visibility": "open",
            "user_ids": [],
        },
    )

    def story(access: str, title: str, headers: Headers) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": f"{title} story",
            "description": f"{title} told at the harbour",
            "place": f"{secret} place",
            "community_id": community_id,
            "consent": {"given_by": f"{secret} elder", "listen": access, "searchable": True},
        }
        if headers is archivist:
            body |= {
                "access": access,
                "collection_id": collection["id"],
                "people": [{"person_id": person["id"], "role": "narrator"}],
            }
        return post("/api/v1/stories", body, headers)

    private = story("private", secret, archivist)
    shared = story("community", listed, archivist)
    submitted = story("community", secret, contributor)

    world = World(
        community_id=community_id,
        secret=secret,
        listed=listed,
        archivist=archivist,
        contributor=contributor,
        link_holder={},
        member=spare,
        stranger=stranger,
    )
    for kind, made in (("private", private), ("community", shared)):
        recording = expect(
            client.post(
                f"/api/v1/stories/{made['id']}/recordings",
                headers=archivist,
                files={"file": (f"{secret}.flac", STORY_EN.read_bytes())},
            ),
            201,
        ).json()
        segments = _write_transcript(sessions, recording["id"], secret)
        world.stories[kind] = {
            "story_id": made["id"],
            "recording_id": recording["id"],
            "segment_id": segments,
        }
    world.stories["submitted"] = {"story_id": submitted["id"]}
    for kind in ("private", "community"):
        recording_id = world.stories[kind]["recording_id"]
        expect(
            client.patch(
                f"/api/v1/recordings/{recording_id}/transcript/segments/"
                f"{world.stories[kind]['segment_id']}",
                headers={**archivist, "If-Match": '"v1"'},
                json={"text": f"{secret} the seeds, carried up the hill."},
            ),
            200,
        )

    private_recording = world.stories["private"]["recording_id"]
    restriction = post(
        f"/api/v1/recordings/{private_recording}/restrictions",
        {"start": 20.0, "end": 21.0, "reason": f"{secret} sacred words"},
    )
    world.stories["private"]["restriction_id"] = restriction["id"]
    expect(
        client.post(
            f"/api/v1/stories/{private['id']}/consent/document",
            headers=archivist,
            files={"file": (f"{secret}-consent.flac", STORY_EN.read_bytes())},
        ),
        200,
    )

    link = post(
        "/api/v1/upload-links",
        _with_community(
            client,
            "UploadLinkCreate",
            {"collection_id": collection["id"], "note": f"{secret} bring grandmother's songs"},
            community_id,
        ),
    )
    world.link_holder = {"Authorization": f"Bearer {link['token']}"}
    upload = expect(
        client.post(
            "/api/v1/uploads",
            headers={
                **contributor,
                **TUS,
                "Upload-Length": "100000",
                "Upload-Metadata": tus_metadata(
                    {"story_id": submitted["id"], "filename": f"{secret}-tus.flac"}
                ),
            },
        ),
        201,
    )
    token = post("/api/v1/tokens", {"name": f"{secret} token"})

    reason = {"reason": f"{secret} my grandmother's village"}
    pending = post(f"/api/v1/stories/{shared['id']}/access-requests", reason, asking)
    grant = post(f"/api/v1/stories/{shared['id']}/access-requests", reason, granted)
    post(
        f"/api/v1/access-requests/{grant['id']}/decision",
        {"decision": "grant", "note": f"{secret} granted"},
    )
    grant_id = _grant_id(client, archivist, request_id=grant["id"], story_id=shared["id"])

    world.ids = {
        "community_id": community_id,
        "collection_id": collection["id"],
        "person_id": person["id"],
        "protocol_id": protocol["id"],
        "link_id": link["id"],
        "upload_id": upload.headers["Location"].rstrip("/").rsplit("/", 1)[-1],
        "token_id": token["id"],
        "user_id": user_id(client, spare),
        "request_id": pending["id"],
        "grant_id": grant_id,
        "version": "1",
        "actor_id": user_id(client, archivist),
    }
    return world


def _grant_id(client: TestClient, archivist: Headers, *, request_id: str, story_id: str) -> str:
    """The grant a granted request made: the request itself, unless the API lists grants
    apart (`GET /api/v1/access-grants`), in which case the one listed for the story."""
    if "/api/v1/access-grants" not in client.get("/openapi.json").json()["paths"]:
        return request_id
    listed = expect(client.get("/api/v1/access-grants", headers=archivist), 200).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    if any(str(item.get("id")) == request_id for item in items):
        return request_id
    found = [
        item
        for item in items
        if str(item.get("story_id")) == story_id and item.get("status", "granted") == "granted"
    ]
    assert found, f"the grant on story {story_id} is not in GET /api/v1/access-grants: {listed}"
    grant: str = found[0]["id"]
    return grant


def _write_transcript(sessions: sessionmaker[Session], recording_id: str, secret: str) -> str:
    """Version 1 of the transcript, as the machine would write it; returns its first segment's
    id. (Edits through the API make later versions.)"""
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=uuid.UUID(recording_id), version=1, source="machine", language="en"
        )
        transcript.segments = [
            Segment(position=0, start=0.0, end=5.0, text=f"{secret} the seeds up the hill."),
            Segment(position=1, start=5.0, end=10.0, text=f"{secret} a clay jar."),
            Segment(position=2, start=20.0, end=21.0, text=f"{secret} words kept back."),
        ]
        session.add(transcript)
        session.flush()
        return str(transcript.segments[0].id)


def id_source(world: World, kind: str, fresh: Callable[[str], str | None]) -> Callable[[str], Any]:
    """Ids by name for calls on the `kind` story; plural names (`protocol_ids`) take a list of
    one; `fresh(name)` answers for ids that change as the world is edited (the current
    transcript's segment), or None."""

    def ids(name: str) -> Any:
        if name.endswith("_ids"):
            if name == "related_story_ids":
                other = "community" if kind == "private" else "private"
                return [world.stories[other]["story_id"]]
            return [ids(name[:-1])]
        now = fresh(name)
        if now is not None:
            return now
        story = world.stories.get(kind, {})
        if name in story:
            return story[name]
        return world.ids[name]

    return ids
