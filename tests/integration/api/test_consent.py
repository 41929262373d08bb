"""Consent: required where it must be, reflected in who may hear, withdrawable."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem

CONSENT = {"given_by": "Don Julio", "listen": "public", "searchable": True}


def public_story(client: TestClient, admin: dict[str, str]) -> str:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "The mill", "access": "public"}
    ).json()
    story_id: str = story["id"]
    return story_id


def test_a_contributor_must_give_consent(client: TestClient, make_user: MakeUser) -> None:
    contributor = make_user("carla", Role.CONTRIBUTOR)
    missing = client.post("/api/v1/stories", headers=contributor, json={"title": "x"})
    assert "consent" in assert_problem(missing, 422)["detail"]
    partial = client.post(
        "/api/v1/stories", headers=contributor, json={"title": "x", "consent": {"given_by": "Ana"}}
    )
    assert_problem(partial, 422)
    given = client.post(
        "/api/v1/stories", headers=contributor, json={"title": "x", "consent": CONSENT}
    )
    assert given.status_code == 201
    assert given.json()["status"] == "submitted"


def test_consent_narrower_than_the_story_wins(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    story_id = public_story(client, admin)
    assert client.get(f"/api/v1/stories/{story_id}").status_code == 200
    recorded = client.put(
        f"/api/v1/stories/{story_id}/consent",
        headers=admin,
        json={**CONSENT, "listen": "community"},
    )
    assert recorded.status_code == 200
    assert_problem(client.get(f"/api/v1/stories/{story_id}"), 404)
    researcher = make_user("rui", Role.RESEARCHER)
    assert client.get(f"/api/v1/stories/{story_id}", headers=researcher).status_code == 200


def test_an_embargo_hides_the_story_until_its_date(
    client: TestClient, admin: dict[str, str]
) -> None:
    story_id = public_story(client, admin)
    client.put(
        f"/api/v1/stories/{story_id}/consent",
        headers=admin,
        json={**CONSENT, "embargo_until": "2999-01-01"},
    )
    assert_problem(client.get(f"/api/v1/stories/{story_id}"), 404)
    assert client.get(f"/api/v1/stories/{story_id}", headers=admin).status_code == 200
    client.put(
        f"/api/v1/stories/{story_id}/consent",
        headers=admin,
        json={**CONSENT, "embargo_until": "2001-01-01"},
    )
    assert client.get(f"/api/v1/stories/{story_id}").status_code == 200


def test_withdrawn_consent_takes_the_story_out_of_playback_and_is_logged(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    story_id = public_story(client, admin)
    client.put(f"/api/v1/stories/{story_id}/consent", headers=admin, json=CONSENT)
    recording = client.post(
        f"/api/v1/stories/{story_id}/recordings",
        headers=admin,
        files={"file": ("a.flac", STORY_EN.read_bytes())},
    ).json()
    assert client.get(f"/api/v1/recordings/{recording['id']}/audio").status_code == 200
    assert_problem(
        client.post(
            f"/api/v1/stories/{story_id}/consent/withdraw", headers=make_user("r", Role.RESEARCHER)
        ),
        403,
    )
    withdrawn = client.post(
        f"/api/v1/stories/{story_id}/consent/withdraw",
        headers=admin,
        json={"reason": "The family asked."},
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_at"] is not None
    assert_problem(client.get(f"/api/v1/recordings/{recording['id']}/audio"), 404)
    assert_problem(client.get(f"/api/v1/stories/{story_id}"), 404)
    kept = client.get(f"/api/v1/recordings/{recording['id']}/audio", headers=admin)
    assert kept.content == STORY_EN.read_bytes()  # nothing is deleted


def test_only_archivists_record_consent(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    contributor = make_user("c", Role.CONTRIBUTOR)
    own = client.post(
        "/api/v1/stories", headers=contributor, json={"title": "Mine", "consent": CONSENT}
    ).json()
    assert_problem(
        client.put(f"/api/v1/stories/{own['id']}/consent", headers=contributor, json=CONSENT), 403
    )
    assert (
        client.put(f"/api/v1/stories/{own['id']}/consent", headers=admin, json=CONSENT).status_code
        == 200
    )


def test_every_change_records_where_it_came_from(client: TestClient, admin: dict[str, str]) -> None:
    story_id = public_story(client, admin)
    client.put(f"/api/v1/stories/{story_id}/consent", headers=admin, json=CONSENT)
    events = client.get("/api/v1/events", headers=admin, params={"story_id": story_id}).json()
    actions = {e["action"]: e for e in events["items"]}
    assert {"story.created", "consent.recorded"} <= set(actions)
    assert all(e["source_ip"] for e in events["items"])
