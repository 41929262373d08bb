"""GET /api/v1/collections: those of the communities a caller curates, and any other that
holds a story they may hear, as reading each one would find it."""

from __future__ import annotations

from support.problems import assert_problem

from .conftest import ROLES, Shelf

COLLECTIONS = "/api/v1/collections"


def test_each_caller_lists_the_collections_they_may_see(shelf: Shelf) -> None:
    archivist_a = shelf.headers["archivist A"]
    kept = shelf.client.post(
        COLLECTIONS, headers=archivist_a, json={"title": "Kept back", "community_id": shelf.home}
    ).json()
    etag = shelf.get(f"/api/v1/stories/{shelf.stories['Elm private']}", "admin").headers["ETag"]
    filed = shelf.client.patch(
        f"/api/v1/stories/{shelf.stories['Elm private']}",
        headers={**archivist_a, "If-Match": etag},
        json={"collection_id": kept["id"]},
    )
    assert filed.status_code == 200, filed.text
    expected = {
        "anonymous": ["River songs"],
        "contributor": ["River songs"],
        "researcher": ["River songs"],
        "granted": ["Kept back", "River songs"],
        "member": ["River songs"],
        "archivist A": ["Kept back", "River songs"],
        "archivist B": ["River songs", "Shore songs"],
        "admin": ["Kept back", "River songs", "Shore songs"],
    }
    ids = {**shelf.collections, "Kept": kept["id"]}
    for role in ROLES:
        page = shelf.get(COLLECTIONS, role).json()
        assert [c["title"] for c in page["items"]] == expected[role], role
        assert page["total"] == len(expected[role])
        paged = shelf.every(COLLECTIONS, role, limit=1)
        assert [c["title"] for c in paged] == expected[role]
        for label, collection_id in ids.items():
            one = shelf.get(f"{COLLECTIONS}/{collection_id}", role)
            visible = any(c["id"] == collection_id for c in page["items"])
            assert one.status_code == (200 if visible else 404), (role, label)
    coast = shelf.get(COLLECTIONS, "admin", community_id=shelf.coast).json()["items"]
    assert [c["title"] for c in coast] == ["Shore songs"]
    assert_problem(shelf.get(COLLECTIONS, "admin", community_id="coast"), 422)
