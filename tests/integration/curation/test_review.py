"""The review workflow: the queue, decisions, consent before publishing, withdrawal."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import Story
from support.accounts import MakeUser
from support.problems import ResponseLike, assert_problem

Submit = Callable[..., dict[str, Any]]
Edit = Callable[..., ResponseLike]


def decide(
    client: TestClient, story_id: str, headers: dict[str, str], decision: str, note: str = ""
) -> ResponseLike:
    return client.post(
        f"/api/v1/stories/{story_id}/review",
        headers=headers,
        json={"decision": decision, "note": note},
    )


def queue(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/review", headers=headers, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_a_submitted_story_is_reviewed_and_published(
    client: TestClient,
    admin: dict[str, str],
    submit: Submit,
    upload: Callable[[str], str],
    index_jobs: Callable[[str], int],
) -> None:
    story = submit("The mill")
    recording_id = upload(story["id"])
    assert [item["id"] for item in queue(client, admin)["items"]] == [story["id"]]
    assert queue(client, admin)["items"][0]["has_consent"] is True

    started = decide(client, story["id"], admin, "start", "Listening now.")
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_review"
    assert started.headers["etag"] == f'"{started.json()["version"]}"'
    assert queue(client, admin)["items"][0]["status"] == "in_review"

    before = index_jobs(recording_id)
    published = decide(client, story["id"], admin, "publish", "Lovely.")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert index_jobs(recording_id) == before + 1  # search follows
    assert queue(client, admin)["items"] == []
    # Published, public consent, but its access is still private until an archivist widens it.
    assert client.get(f"/api/v1/stories/{story['id']}", headers=admin).status_code == 200

    events = client.get("/api/v1/events", params={"story_id": story["id"]}, headers=admin).json()[
        "items"
    ]
    decisions = [e for e in events if e["action"].startswith("story.") and "from" in e["details"]]
    assert [(e["action"], e["details"]["from"], e["details"]["to"]) for e in decisions] == [
        ("story.published", "in_review", "published"),
        ("story.review_started", "submitted", "in_review"),
    ]
    assert decisions[0]["details"]["note"] == "Lovely."
    assert all(e["source_ip"] == "testclient" for e in decisions)


def test_a_story_can_be_rejected(client: TestClient, admin: dict[str, str], submit: Submit) -> None:
    story = submit()
    decide(client, story["id"], admin, "start")
    rejected = decide(client, story["id"], admin, "reject", "Not ours to keep.")
    assert rejected.json()["status"] == "rejected"
    assert queue(client, admin)["total"] == 0


@pytest.mark.parametrize(
    ("steps", "decision", "says"),
    [
        ([], "publish", 'Start the review first (decision "start")'),
        ([], "reject", 'Start the review first (decision "start")'),
        (["start"], "start", "in review cannot have its review started"),
        (["start", "publish"], "start", "already published"),
        (["start", "publish"], "reject", "already published"),
        (["start", "reject"], "publish", "rejected"),
    ],
)
def test_decisions_that_do_not_apply_are_refused_with_what_would(
    client: TestClient,
    admin: dict[str, str],
    submit: Submit,
    steps: list[str],
    decision: str,
    says: str,
) -> None:
    story = submit()
    for step in steps:
        assert decide(client, story["id"], admin, step).status_code == 200
    status = client.get(f"/api/v1/stories/{story['id']}", headers=admin).json()["status"]
    refused = decide(client, story["id"], admin, decision)
    assert says in assert_problem(refused, 409)["detail"]
    after = client.get(f"/api/v1/stories/{story['id']}", headers=admin).json()["status"]
    assert after == status


def test_an_unknown_decision_is_refused(
    client: TestClient, admin: dict[str, str], submit: Submit
) -> None:
    story = submit()
    assert_problem(decide(client, story["id"], admin, "approve"), 422)
    assert_problem(decide(client, story["id"], admin, "withdraw"), 422)
    assert_problem(decide(client, str(uuid.uuid4()), admin, "start"), 404)


def test_publishing_needs_the_narrators_consent(
    client: TestClient,
    admin: dict[str, str],
    contributor: dict[str, str],
    submit: Submit,
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        unconsented = Story(title="Found in a drawer", status="in_review", people=[])
        session.add(unconsented)
        session.flush()
        story_id = str(unconsented.id)
    refused = decide(client, story_id, admin, "publish")
    detail = assert_problem(refused, 422)["detail"]
    assert f"PUT /api/v1/stories/{story_id}/consent" in detail
    consent = {"given_by": "Don Julio", "listen": "public", "searchable": True}
    assert (
        client.put(f"/api/v1/stories/{story_id}/consent", headers=admin, json=consent).status_code
        == 200
    )
    assert decide(client, story_id, admin, "publish").status_code == 200

    story = submit()
    decide(client, story["id"], admin, "start")
    withdrawn = client.post(
        f"/api/v1/stories/{story['id']}/consent/withdraw", headers=contributor, json={}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (
        "withdrawn" in assert_problem(decide(client, story["id"], admin, "publish"), 422)["detail"]
    )


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.RESEARCHER])
def test_only_archivists_review(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, submit: Submit, role: Role
) -> None:
    headers = make_user("someone", role)
    own = submit(headers=headers) if role is Role.CONTRIBUTOR else None
    assert_problem(client.get("/api/v1/review", headers=headers), 403)
    public = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Public", "access": "public"}
    ).json()
    assert_problem(decide(client, public["id"], headers, "start"), 403)
    if own is not None:
        assert_problem(decide(client, own["id"], headers, "start"), 403)
    assert_problem(client.get("/api/v1/review"), 401)


def test_the_queue_is_oldest_first_and_paginated(
    client: TestClient,
    admin: dict[str, str],
    make_user: MakeUser,
    submit: Submit,
    sessions: sessionmaker[Session],
) -> None:
    ids = [submit(f"Story {n}")["id"] for n in range(4)]
    published = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Already published"}
    ).json()
    # Submitted in the order 2, 0, 3, 1.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(sessions) as session:
        for offset_days, index in enumerate((2, 0, 3, 1)):
            story = session.get(Story, uuid.UUID(ids[index]))
            assert story is not None
            story.created_at = start + timedelta(days=offset_days)
    expected = [ids[2], ids[0], ids[3], ids[1]]
    whole = queue(client, admin)
    assert [item["id"] for item in whole["items"]] == expected
    assert whole["total"] == 4
    assert published["id"] not in [item["id"] for item in whole["items"]]

    archivist = make_user("ana", Role.ARCHIVIST)
    assert [item["id"] for item in queue(client, archivist)["items"]] == expected

    pages = [queue(client, admin, limit=3, offset=offset) for offset in (0, 3)]
    assert [item["id"] for page in pages for item in page["items"]] == expected
    assert [page["total"] for page in pages] == [4, 4]

    decide(client, ids[3], admin, "start")
    in_review = queue(client, admin, status="in_review")
    assert [item["id"] for item in in_review["items"]] == [ids[3]]
    submitted = queue(client, admin, status="submitted")
    assert [item["id"] for item in submitted["items"]] == [ids[2], ids[0], ids[1]]
    assert_problem(client.get("/api/v1/review", params={"limit": 0}, headers=admin), 422)
    assert_problem(client.get("/api/v1/review", params={"status": "lost"}, headers=admin), 422)


def test_whoever_put_a_story_in_may_withdraw_it_and_nothing_is_deleted(
    client: TestClient,
    admin: dict[str, str],
    contributor: dict[str, str],
    make_user: MakeUser,
    submit: Submit,
    upload: Callable[[str], str],
    index_jobs: Callable[[str], int],
) -> None:
    story = submit()
    recording_id = upload(story["id"])
    other = make_user("otto", Role.CONTRIBUTOR)
    assert_problem(client.delete(f"/api/v1/stories/{story['id']}", headers=other), 404)
    assert_problem(client.delete(f"/api/v1/stories/{story['id']}"), 401)

    before = index_jobs(recording_id)
    withdrawn = client.delete(f"/api/v1/stories/{story['id']}", headers=contributor)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert index_jobs(recording_id) == before + 1
    again = client.delete(f"/api/v1/stories/{story['id']}", headers=contributor)
    assert again.status_code == 200
    assert again.json()["version"] == withdrawn.json()["version"]

    kept = client.get(f"/api/v1/stories/{story['id']}", headers=admin).json()
    assert kept["status"] == "withdrawn"
    assert [r["id"] for r in kept["recordings"]] == [recording_id]
    assert queue(client, admin)["items"] == []
    events = client.get(
        "/api/v1/events",
        params={"story_id": story["id"], "action": "story.withdrawn"},
        headers=admin,
    ).json()["items"]
    assert len(events) == 1
    assert events[0]["details"]["from"] == "submitted"
    assert_problem(decide(client, story["id"], admin, "start"), 409)


def test_archivists_withdraw_published_stories_and_others_may_not(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Public", "access": "public"}
    ).json()
    assert client.get(f"/api/v1/stories/{story['id']}").status_code == 200
    researcher = make_user("rita", Role.RESEARCHER)
    assert_problem(client.delete(f"/api/v1/stories/{story['id']}", headers=researcher), 403)
    assert client.delete(f"/api/v1/stories/{story['id']}", headers=admin).status_code == 200
    assert_problem(client.get(f"/api/v1/stories/{story['id']}"), 404)
