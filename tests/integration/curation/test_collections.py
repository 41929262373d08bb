"""Archivists rename and redescribe collections; each change is logged."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from archive.domain.access import Role
from support.accounts import MakeUser
from support.problems import assert_problem


def test_an_archivist_edits_a_collection(client: TestClient, admin: dict[str, str]) -> None:
    collection = client.post(
        "/api/v1/collections", headers=admin, json={"title": "River", "description": "Fishing"}
    ).json()
    url = f"/api/v1/collections/{collection['id']}"
    renamed = client.patch(url, headers=admin, json={"title": "  The river  "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "The river"
    assert renamed.json()["description"] == "Fishing"
    emptied = client.patch(url, headers=admin, json={"description": ""})
    assert emptied.json()["description"] == ""
    listed = client.get("/api/v1/collections", headers=admin).json()["items"]
    assert [c["title"] for c in listed] == ["The river"]

    logged = client.get(
        "/api/v1/events", params={"subject_id": collection["id"]}, headers=admin
    ).json()["items"]
    assert [e["action"] for e in logged] == [
        "collection.updated",
        "collection.updated",
        "collection.created",
    ]
    assert logged[1]["details"] == {"before": {"title": "River"}, "after": {"title": "The river"}}
    assert logged[0]["details"] == {
        "before": {"description": "Fishing"},
        "after": {"description": ""},
    }
    assert {e["source_ip"] for e in logged} == {"testclient"}


@pytest.mark.parametrize(
    "body", [{"title": ""}, {"title": None}, {"description": None}, {"id": str(uuid.uuid4())}]
)
def test_bad_collection_edits_are_refused(
    client: TestClient, admin: dict[str, str], body: dict[str, object]
) -> None:
    collection = client.post("/api/v1/collections", headers=admin, json={"title": "C"}).json()
    url = f"/api/v1/collections/{collection['id']}"
    assert_problem(client.patch(url, headers=admin, json=body), 422)


def test_only_archivists_edit_collections(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    collection = client.post("/api/v1/collections", headers=admin, json={"title": "C"}).json()
    url = f"/api/v1/collections/{collection['id']}"
    for role in (Role.CONTRIBUTOR, Role.RESEARCHER):
        headers = make_user(f"someone-{role.value}", role)
        assert_problem(client.patch(url, headers=headers, json={"title": "Mine"}), 403)
    assert_problem(client.patch(url, json={"title": "Mine"}), 401)
    missing = f"/api/v1/collections/{uuid.uuid4()}"
    assert_problem(client.patch(missing, headers=admin, json={"title": "x"}), 404)
