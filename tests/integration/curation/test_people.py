"""People: the archive's list of narrators, interviewers and translators, their parts in
stories, and the warning before the voice of someone who has passed away."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.problems import ResponseLike, assert_problem

Edit = Callable[..., ResponseLike]


def add_person(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    created = client.post("/api/v1/people", headers=headers, json=fields)
    assert created.status_code == 201, created.text
    person: dict[str, Any] = created.json()
    return person


def test_archivists_keep_the_list_of_people(client: TestClient, admin: dict[str, str]) -> None:
    rosa = add_person(
        client,
        admin,
        name="  Rosa   Quispe ",
        other_names=["Doña Rosa", "Mama Rosa", "Doña Rosa"],
        birth_year=1921,
        notes="Sang at every harvest.",
    )
    assert rosa["name"] == "Rosa Quispe"
    assert rosa["other_names"] == ["Doña Rosa", "Mama Rosa"]
    assert rosa["deceased"] is False
    add_person(client, admin, name="Ana Mamani")
    add_person(client, admin, name="Berta Condori", death_year=1999)

    assert client.get(f"/api/v1/people/{rosa['id']}", headers=admin).json() == rosa
    listed = client.get("/api/v1/people", headers=admin).json()
    assert [p["name"] for p in listed["items"]] == ["Ana Mamani", "Berta Condori", "Rosa Quispe"]
    assert listed["total"] == 3
    first = client.get("/api/v1/people", params={"limit": 1}, headers=admin).json()
    assert [p["name"] for p in first["items"]] == ["Ana Mamani"]
    page = client.get(
        "/api/v1/people", params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin
    ).json()
    assert [p["name"] for p in page["items"]] == ["Berta Condori"]
    assert page["total"] == 3
    assert page["next_cursor"] is not None
    by_name = client.get("/api/v1/people", params={"name": "mama ro"}, headers=admin).json()
    assert [p["name"] for p in by_name["items"]] == ["Rosa Quispe"]
    assert client.get("/api/v1/people", params={"name": "%"}, headers=admin).json()["total"] == 0


def test_a_death_year_means_the_person_has_passed_away(
    client: TestClient, admin: dict[str, str]
) -> None:
    berta = add_person(client, admin, name="Berta", death_year=1999)
    assert berta["deceased"] is True
    ana = add_person(client, admin, name="Ana")
    changed = client.patch(f"/api/v1/people/{ana['id']}", headers=admin, json={"death_year": 2001})
    assert changed.json()["deceased"] is True
    unknown_year = add_person(client, admin, name="Cy", deceased=True)
    assert unknown_year["death_year"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x", "birth_year": 1950, "death_year": 1940},
        {"name": "x", "death_year": 1990, "deceased": False},
        {"name": "x", "birth_year": 3000},
        {"name": "x", "id": str(uuid.uuid4())},
        {"name": "x", "other_names": [""]},
    ],
)
def test_impossible_people_are_refused(
    client: TestClient, admin: dict[str, str], body: dict[str, object]
) -> None:
    assert_problem(client.post("/api/v1/people", headers=admin, json=body), 422)


def test_a_correction_must_hold_together(client: TestClient, admin: dict[str, str]) -> None:
    person = add_person(client, admin, name="Dora", birth_year=1930)
    url = f"/api/v1/people/{person['id']}"
    assert (
        "birth year"
        in assert_problem(client.patch(url, headers=admin, json={"death_year": 1920}), 422)[
            "detail"
        ]
    )
    assert_problem(client.patch(url, headers=admin, json={"name": None}), 422)
    assert_problem(client.patch(url, headers=admin, json={"role": "narrator"}), 422)
    assert_problem(client.patch(f"/api/v1/people/{uuid.uuid4()}", headers=admin, json={}), 404)


def test_each_change_to_a_person_is_logged(client: TestClient, admin: dict[str, str]) -> None:
    person = add_person(client, admin, name="Eva")
    client.patch(f"/api/v1/people/{person['id']}", headers=admin, json={"name": "Eva Ramos"})
    events = client.get(
        "/api/v1/events", params={"subject_id": person["id"]}, headers=admin
    ).json()["items"]
    assert [e["action"] for e in events] == ["person.updated", "person.created"]
    assert events[0]["details"] == {"before": {"name": "Eva"}, "after": {"name": "Eva Ramos"}}
    assert events[0]["source_ip"] == "testclient"


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.RESEARCHER])
def test_only_archivists_see_and_change_the_list(
    client: TestClient, admin: dict[str, str], make_user: MakeUser, role: Role
) -> None:
    person = add_person(client, admin, name="Flor")
    headers = make_user("someone", role)
    assert_problem(client.post("/api/v1/people", headers=headers, json={"name": "x"}), 403)
    assert_problem(client.get("/api/v1/people", headers=headers), 403)
    assert_problem(client.get(f"/api/v1/people/{person['id']}", headers=headers), 403)
    assert_problem(
        client.patch(f"/api/v1/people/{person['id']}", headers=headers, json={"name": "y"}), 403
    )
    assert_problem(client.get("/api/v1/people"), 401)


def test_a_story_with_a_narrator_who_has_passed_away_carries_a_warning(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    rosa = add_person(client, admin, name="Rosa Quispe", birth_year=1921)
    ana = add_person(client, admin, name="Ana Mamani")
    story = client.post(
        "/api/v1/stories",
        headers=admin,
        json={
            "title": "Harvest songs",
            "access": "public",
            "people": [
                {"person_id": rosa["id"], "role": "narrator"},
                {"person_id": ana["id"], "role": "interviewer"},
                {"person_id": ana["id"], "role": "translator"},
            ],
        },
    ).json()
    assert [(p["name"], p["role"]) for p in story["people"]] == [
        ("Rosa Quispe", "narrator"),
        ("Ana Mamani", "interviewer"),
        ("Ana Mamani", "translator"),
    ]
    assert story["content_warning"] is None

    client.patch(f"/api/v1/people/{rosa['id']}", headers=admin, json={"death_year": 2020})
    read = client.get(f"/api/v1/stories/{story['id']}").json()
    assert read["content_warning"] == (
        "This story contains the voice and name of Rosa Quispe, who has passed away."
    )
    assert read["people"][0]["deceased"] is True

    # An interviewer who has passed away is not the narrator: the warning is about the narrator.
    swapped = edit(
        story["id"],
        admin,
        people=[
            {"person_id": ana["id"], "role": "narrator"},
            {"person_id": rosa["id"], "role": "interviewer"},
        ],
    )
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["content_warning"] is None
    assert swapped.json()["version"] == story["version"] + 1


def test_people_named_on_a_story_must_exist_once_per_role(
    client: TestClient, admin: dict[str, str], edit: Edit
) -> None:
    rosa = add_person(client, admin, name="Rosa")
    story = client.post("/api/v1/stories", headers=admin, json={"title": "x"}).json()
    nobody = str(uuid.uuid4())
    unknown = edit(story["id"], admin, people=[{"person_id": nobody, "role": "narrator"}])
    assert nobody in assert_problem(unknown, 422)["detail"]
    twice = edit(
        story["id"],
        admin,
        people=[
            {"person_id": rosa["id"], "role": "narrator"},
            {"person_id": rosa["id"], "role": "narrator"},
        ],
    )
    assert_problem(twice, 422)
    bad_role = edit(story["id"], admin, people=[{"person_id": rosa["id"], "role": "singer"}])
    assert_problem(bad_role, 422)
    kept = edit(story["id"], admin, people=[{"person_id": rosa["id"], "role": "narrator"}])
    assert kept.status_code == 200
    again = edit(story["id"], admin, people=[{"person_id": rosa["id"], "role": "narrator"}])
    assert again.json()["version"] == kept.json()["version"]  # the same people: no change
    emptied = edit(story["id"], admin, people=[])
    assert emptied.json()["people"] == []
