"""GET /api/v1/people and /api/v1/communities: each caller lists what they may see."""

from __future__ import annotations

from support.problems import assert_problem

from .conftest import ROLES, Shelf

PEOPLE = "/api/v1/people"
COMMUNITIES = "/api/v1/communities"


def test_archivists_list_their_communities_people_and_no_one_else_lists_any(
    shelf: Shelf,
) -> None:
    expected = {
        "archivist A": ["River narrator"],
        "archivist B": ["Shore narrator"],
        "admin": ["River narrator", "Shore narrator"],
    }
    for role in ROLES:
        answer = shelf.get(PEOPLE, role)
        if role not in expected:
            assert_problem(answer, 401 if role == "anonymous" else 403)
            continue
        page = answer.json()
        assert [p["name"] for p in page["items"]] == expected[role], role
        assert page["total"] == len(expected[role])
        assert [p["name"] for p in shelf.every(PEOPLE, role, limit=1)] == expected[role]
    coast = shelf.get(PEOPLE, "admin", community_id=shelf.coast).json()["items"]
    assert [p["name"] for p in coast] == ["Shore narrator"]
    assert shelf.get(PEOPLE, "archivist A", community_id=shelf.coast).json()["total"] == 0


def test_communities_are_listed_to_those_signed_in_and_by_their_stories_to_others(
    shelf: Shelf,
) -> None:
    for role in ROLES:
        page = shelf.get(COMMUNITIES, role).json()
        assert [c["name"] for c in page["items"]] == ["Coast", "Our community"], role
        assert page["total"] == 2
        assert [c["name"] for c in shelf.every(COMMUNITIES, role, limit=1)] == [
            "Coast",
            "Our community",
        ]
    ivy = shelf.stories["Ivy coast public"]
    etag = shelf.get(f"/api/v1/stories/{ivy}", "admin").headers["ETag"]
    hidden = shelf.client.patch(
        f"/api/v1/stories/{ivy}",
        headers={**shelf.headers["admin"], "If-Match": etag},
        json={"access": "community"},
    )
    assert hidden.status_code == 200, hidden.text
    page = shelf.get(COMMUNITIES, "anonymous").json()
    assert [c["name"] for c in page["items"]] == ["Our community"]
    assert page["total"] == 1
    assert_problem(shelf.get(COMMUNITIES, "anonymous", cursor="x.y"), 400)
