"""Story metadata: Dublin Core fields, partial dates, people, edits with If-Match, the audit
trail of each edit, and what a contributor may not set."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.domain.access import Role, Viewer
from archive.errors import PreconditionFailed
from archive.events.actor import SYSTEM
from archive.settings import Settings
from archive.stories import editing
from archive.stories import repository as stories
from archive.stories.schemas import StoryUpdate
from support.accounts import MakeUser
from support.problems import ResponseLike, assert_problem

Submit = Callable[..., dict[str, Any]]
Edit = Callable[..., ResponseLike]
CONSENT_IN = {"given_by": "Doña Rosa", "listen": "public", "searchable": True}
METADATA = {
    "recorded_date": "1952-06",
    "place": "  Puerto Nuevo, by the old mill ",
    "languages": ["es", "quz"],
    "subjects": ["Floods", "Fishing", "floods"],
    "keywords": ["river", "canoe"],
    "rights": "CC BY-NC 4.0, as the family agreed",
}


def events_of(client: TestClient, admin: dict[str, str], **filters: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/events", params=filters, headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_an_archivist_records_dublin_core_metadata_and_reads_it_back(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/stories", headers=admin, json={"title": "The flood of 1952", **METADATA}
    )
    assert created.status_code == 201, created.text
    story = created.json()
    read = client.get(f"/api/v1/stories/{story['id']}", headers=admin)
    assert read.headers["etag"] == f'"{story["version"]}"'
    body = read.json()
    assert body["recorded_date"] == "1952-06"
    assert body["recorded_date_precision"] == "month"
    assert body["place"] == "Puerto Nuevo, by the old mill"
    assert body["languages"] == ["es", "quz"]
    assert body["subjects"] == ["Floods", "Fishing"]
    assert body["keywords"] == ["river", "canoe"]
    assert body["rights"] == "CC BY-NC 4.0, as the family agreed"
    assert body["related_story_ids"] == []
    assert body["people"] == []
    assert body["content_warning"] is None


@pytest.mark.parametrize(
    ("given", "precision"), [("1952", "year"), ("1952-06", "month"), ("1952-06-14", "day")]
)
def test_a_recorded_date_may_be_a_year_a_month_or_a_day(
    client: TestClient, admin: dict[str, str], edit: Edit, given: str, precision: str
) -> None:
    story = client.post("/api/v1/stories", headers=admin, json={"title": "x"}).json()
    edited = edit(story["id"], admin, recorded_date=given)
    assert edited.status_code == 200, edited.text
    assert edited.json()["recorded_date"] == given
    assert edited.json()["recorded_date_precision"] == precision
    cleared = edit(story["id"], admin, recorded_date=None)
    assert cleared.json()["recorded_date"] is None
    assert cleared.json()["recorded_date_precision"] is None


@pytest.mark.parametrize(
    "given", ["52", "June 1952", "1952/06/14", "1952-13", "1952-02-30", "1952-6", "2999"]
)
def test_a_recorded_date_that_is_not_a_real_partial_date_is_refused(
    client: TestClient, admin: dict[str, str], given: str
) -> None:
    refused = client.post(
        "/api/v1/stories", headers=admin, json={"title": "x", "recorded_date": given}
    )
    problem = assert_problem(refused, 422)
    assert problem["errors"][0]["where"] == "body.recorded_date"


def test_an_edit_needs_the_version_it_was_made_on(
    client: TestClient, admin: dict[str, str]
) -> None:
    story = client.post("/api/v1/stories", headers=admin, json={"title": "Draft"}).json()
    url = f"/api/v1/stories/{story['id']}"
    missing = client.patch(url, json={"title": "Better"}, headers=admin)
    assert "If-Match" in assert_problem(missing, 428)["detail"]
    star = client.patch(url, json={"title": "Better"}, headers={**admin, "If-Match": "*"})
    assert_problem(star, 428)

    etag = client.get(url, headers=admin).headers["etag"]
    first = client.patch(url, json={"title": "Better"}, headers={**admin, "If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.json()["title"] == "Better"
    assert first.headers["etag"] == f'"{story["version"] + 1}"'
    assert first.json()["version"] == story["version"] + 1

    # A second editor still holding the old version is stopped, and told the current one.
    stale = client.patch(url, json={"title": "Mine"}, headers={**admin, "If-Match": etag})
    problem = assert_problem(stale, 412)
    assert stale.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"] in problem["detail"]
    assert client.get(url, headers=admin).json()["title"] == "Better"

    weak = client.patch(
        url, json={"title": "Best"}, headers={**admin, "If-Match": "W/" + first.headers["etag"]}
    )
    assert weak.status_code == 200


def test_an_edit_that_changes_nothing_keeps_the_version_and_logs_nothing(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    story = client.post("/api/v1/stories", headers=admin, json={"title": "Same"}).json()
    same = edit(story["id"], admin, title="Same", subjects=[])
    assert same.status_code == 200
    assert same.json()["version"] == story["version"]
    assert events_of(client, admin, story_id=story["id"], action="story.updated") == []


def test_each_edit_is_logged_with_before_and_after_and_where_from(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Old", "place": "Here"}
    ).json()
    edited = edit(story["id"], admin, title="New", place="There", keywords=["boat"])
    assert edited.status_code == 200, edited.text
    [event] = events_of(client, admin, story_id=story["id"], action="story.updated")
    assert event["subject_type"] == "story"
    assert event["details"]["before"] == {"title": "Old", "place": "Here", "keywords": []}
    assert event["details"]["after"] == {"title": "New", "place": "There", "keywords": ["boat"]}
    assert event["details"]["version"] == edited.json()["version"]
    assert event["source_ip"] == "testclient"


def test_changing_what_search_holds_queues_index_jobs(
    client: TestClient,
    admin: dict[str, str],
    edit: Edit,
    upload: Callable[[str], str],
    index_jobs: Callable[[str], int],
) -> None:
    story = client.post("/api/v1/stories", headers=admin, json={"title": "Indexed"}).json()
    recording_id = upload(story["id"])
    before = index_jobs(recording_id)
    assert edit(story["id"], admin, place="Elsewhere").status_code == 200
    assert index_jobs(recording_id) == before  # the index holds no place
    assert edit(story["id"], admin, title="Renamed").status_code == 200
    assert index_jobs(recording_id) == before + 1
    assert edit(story["id"], admin, access="public").status_code == 200
    assert index_jobs(recording_id) == before + 2
    collection = client.post("/api/v1/collections", headers=admin, json={"title": "River"}).json()
    assert edit(story["id"], admin, collection_id=collection["id"]).status_code == 200
    assert index_jobs(recording_id) == before + 3


def test_null_empties_only_what_may_be_empty(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "x", "place": "Here", "rights": "CC0"}
    ).json()
    for field in ("title", "subjects", "languages", "access", "people"):
        problem = assert_problem(edit(story["id"], admin, **{field: None}), 422)
        assert field in problem["detail"]
    cleared = edit(story["id"], admin, place=None, rights="")
    assert cleared.json()["place"] is None
    assert cleared.json()["rights"] is None


def test_related_stories_must_exist_and_be_visible_to_whoever_names_them(
    client: TestClient, admin: dict[str, str], edit: Edit, make_user: MakeUser
) -> None:
    private = client.post("/api/v1/stories", headers=admin, json={"title": "Private"}).json()
    public = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Public", "access": "public"}
    ).json()
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Story", "access": "public"}
    ).json()

    unknown = str(uuid.uuid4())
    problem = assert_problem(edit(story["id"], admin, related_story_ids=[unknown]), 422)
    assert unknown in problem["detail"]
    assert_problem(edit(story["id"], admin, related_story_ids=[story["id"]]), 422)

    related = edit(story["id"], admin, related_story_ids=[public["id"], private["id"]])
    assert related.status_code == 200, related.text
    assert related.json()["related_story_ids"] == [public["id"], private["id"]]
    # Someone who may not know the private story exists does not learn it from here.
    researcher = make_user("rita", Role.RESEARCHER)
    seen = client.get(f"/api/v1/stories/{story['id']}", headers=researcher).json()
    assert seen["related_story_ids"] == [public["id"]]
    assert client.get(f"/api/v1/stories/{story['id']}").json()["related_story_ids"] == [
        public["id"]
    ]


def test_a_contributor_edits_their_own_story_while_it_is_submitted(
    client: TestClient,
    admin: dict[str, str],
    contributor: dict[str, str],
    make_user: MakeUser,
    submit: Submit,
    edit: Edit,
) -> None:
    story = submit(recorded_date="1952")
    assert story["status"] == "submitted"
    assert story["recorded_date_precision"] == "year"
    edited = edit(story["id"], contributor, title="The great flood", subjects=["Floods"])
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "The great flood"

    started = client.post(
        f"/api/v1/stories/{story['id']}/review", headers=admin, json={"decision": "start"}
    )
    assert started.status_code == 200, started.text
    late = edit(story["id"], contributor, title="Again")
    assert "in review" in assert_problem(late, 403)["detail"]
    archivist = make_user("ana", Role.ARCHIVIST)
    curated = edit(story["id"], archivist, title="The great flood of 1952", access="community")
    assert curated.status_code == 200, curated.text
    assert curated.json()["access"] == "community"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("access", "public"),
        ("collection_id", "collection"),
        ("people", []),
        ("protocol_ids", ["7d1f4c2e-0000-4000-8000-000000000001"]),
        ("embargo_until", "2040-01-01T00:00:00Z"),
    ],
)
def test_a_contributor_may_not_set_what_archivists_decide(
    client: TestClient,
    admin: dict[str, str],
    contributor: dict[str, str],
    submit: Submit,
    edit: Edit,
    field: str,
    value: object,
) -> None:
    if value == "collection":
        value = client.post("/api/v1/collections", headers=admin, json={"title": "C"}).json()["id"]
    story = submit()
    refused = edit(story["id"], contributor, **{field: value})
    assert f"`{field}`" in assert_problem(refused, 403)["detail"]
    created = client.post(
        "/api/v1/stories",
        headers=contributor,
        json={"title": "x", "consent": CONSENT_IN, field: value},
    )
    assert_problem(created, 403)


@pytest.mark.parametrize("field", ["status", "created_by", "id", "version", "upload_link_id"])
def test_fields_nobody_sets_are_refused_as_unknown(
    client: TestClient,
    admin: dict[str, str],
    contributor: dict[str, str],
    submit: Submit,
    edit: Edit,
    field: str,
) -> None:
    story = submit()
    value = "published" if field == "status" else str(uuid.uuid4())
    for headers in (contributor, admin):
        refused = edit(story["id"], headers, **{field: value})
        problem = assert_problem(refused, 422)
        assert problem["errors"][0]["where"] == f"body.{field}"
    created = client.post(
        "/api/v1/stories",
        headers=contributor,
        json={"title": "x", "consent": CONSENT_IN, field: value},
    )
    assert_problem(created, 422)
    assert client.get(f"/api/v1/stories/{story['id']}", headers=admin).json()["status"] == (
        "submitted"
    )


def test_nobody_edits_another_contributors_story(
    client: TestClient,
    make_user: MakeUser,
    submit: Submit,
    edit: Edit,
    admin: dict[str, str],
) -> None:
    story = submit()
    other = make_user("otto", Role.CONTRIBUTOR)
    version = story["version"]
    # They cannot see it (it is not published): it does not exist for them.
    assert_problem(edit(story["id"], other, at_version=version, title="Mine now"), 404)
    public = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Public", "access": "public"}
    ).json()
    for role in (Role.CONTRIBUTOR, Role.RESEARCHER):
        headers = make_user(f"someone-{role.value}", role)
        assert_problem(edit(public["id"], headers, title="Mine now"), 403)
    anonymous = client.patch(
        f"/api/v1/stories/{public['id']}", json={"title": "x"}, headers={"If-Match": '"1"'}
    )
    assert_problem(anonymous, 401)


def test_an_edit_racing_another_is_caught_at_the_write(
    client: TestClient,
    admin: dict[str, str],
    edit: Edit,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite writes one transaction at a time; no other writer can interleave")
    story = client.post("/api/v1/stories", headers=admin, json={"title": "Draft"}).json()
    story_id = uuid.UUID(story["id"])
    with sessions() as session, session.begin():
        # This editor read version 1 ...
        assert stories.get_story(session, story_id, with_recordings=True) is not None
        # ... while another saved version 2.
        assert edit(story["id"], admin, title="Theirs").status_code == 200
        viewer = Viewer(user_id=None, role=Role.ADMIN)
        with pytest.raises(PreconditionFailed) as stale:
            editing.update_story(
                session,
                viewer,
                story_id=story_id,
                if_match=f'"{story["version"]}"',
                data=StoryUpdate(title="Mine"),
                actor=SYSTEM,
            )
        assert stale.value.headers["ETag"] == f'"{story["version"] + 1}"'
        session.rollback()
    assert client.get(f"/api/v1/stories/{story_id}", headers=admin).json()["title"] == "Theirs"


def test_an_archivist_places_a_story_under_protocols_and_an_embargo_and_lifts_them(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "The flood", "access": "restricted"}
    ).json()
    community = story["community_id"]
    protocols = [
        client.post(
            "/api/v1/protocols",
            headers=admin,
            json={"community_id": community, "name": name, "user_ids": []},
        ).json()["id"]
        for name in ("Women's knowledge", "Family of the narrator")
    ]
    placed = edit(
        story["id"],
        admin,
        protocol_ids=protocols,
        protocol_mode="any",
        embargo_until="2040-01-01T00:00:00+02:00",
    )
    assert placed.status_code == 200, placed.text
    body = placed.json()
    assert body["protocol_ids"] == protocols
    assert body["protocol_mode"] == "any"
    assert body["embargo_until"].startswith("2039-12-31T22:00:00")  # kept in UTC
    [event] = events_of(client, admin, action="story.updated")
    assert event["details"]["after"]["protocol_ids"] == protocols

    lifted = edit(story["id"], admin, protocol_ids=[], embargo_until=None)
    assert lifted.status_code == 200, lifted.text
    assert (lifted.json()["protocol_ids"], lifted.json()["embargo_until"]) == ([], None)


def test_a_protocol_of_another_community_is_refused(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    story = client.post("/api/v1/stories", headers=admin, json={"title": "The flood"}).json()
    other = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()
    protocol = client.post(
        "/api/v1/protocols",
        headers=admin,
        json={"community_id": other["id"], "name": "Elders", "user_ids": []},
    ).json()
    refused = edit(story["id"], admin, protocol_ids=[protocol["id"]])
    assert protocol["id"] in assert_problem(refused, 422)["detail"]
