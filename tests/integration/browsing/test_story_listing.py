"""GET /api/v1/stories: each caller browses the stories they may know of, as reading each
one would show it, page by page, filtered and ordered, with a total that counts nothing
they may not see."""

from __future__ import annotations

import base64
import json
from typing import Any

from support.problems import assert_problem

from .conftest import EXPECTED, FULL, LISTED, ROLES, Shelf

STORIES = "/api/v1/stories"


def seen(items: list[dict[str, Any]]) -> dict[str, str]:
    return {item["title"]: LISTED if item["listed_only"] else FULL for item in items}


def test_each_caller_lists_what_reading_each_story_would_show(shelf: Shelf) -> None:
    for role in ROLES:
        page = shelf.get(STORIES, role, limit=100).json()
        assert seen(page["items"]) == EXPECTED[role], role
        assert page["total"] == len(EXPECTED[role]), role
        assert page["next_cursor"] is None
        for item in page["items"]:
            one = shelf.get(f"{STORIES}/{item['id']}", role).json()
            assert item == one, (role, item["title"])
        for title, story_id in shelf.stories.items():
            if title not in EXPECTED[role]:
                assert shelf.get(f"{STORIES}/{story_id}", role).status_code == 404, (role, title)


def test_a_listed_story_shows_its_title_and_description_only(shelf: Shelf) -> None:
    (birch,) = [
        s
        for s in shelf.get(STORIES, "researcher").json()["items"]
        if s["title"] == "Birch community"
    ]
    assert birch["listed_only"] is True
    assert birch["description"] == "Birch community, told by the water"
    assert birch["recordings"] == []
    assert birch["people"] == []
    assert birch["consent"] is None
    assert birch["collection_id"] is None
    assert birch["recorded_date"] is None


def test_paging_yields_each_visible_story_once_in_a_stable_order(shelf: Shelf) -> None:
    for sort in ("created", "updated", "recorded", "title"):
        for order in ("asc", "desc"):
            for role in ("researcher", "archivist A", "admin"):
                whole = shelf.get(STORIES, role, sort=sort, order=order, limit=100).json()
                paged = shelf.every(STORIES, role, sort=sort, order=order, limit=2)
                assert [s["id"] for s in paged] == [s["id"] for s in whole["items"]], (
                    role,
                    sort,
                    order,
                )
                assert len({s["id"] for s in paged}) == len(EXPECTED[role])


def test_stories_with_the_same_key_page_in_one_order(shelf: Shelf) -> None:
    for _ in range(5):
        made = shelf.client.post(
            STORIES, headers=shelf.headers["admin"], json={"title": "Same", "access": "public"}
        )
        assert made.status_code == 201
    first = [s["id"] for s in shelf.every(STORIES, "anonymous", sort="title", limit=2, q="same")]
    again = [s["id"] for s in shelf.every(STORIES, "anonymous", sort="title", limit=3, q="same")]
    assert len(first) == len(set(first)) == 5
    assert first == again
    # Every listed story has no recorded date to a researcher: they tie, and still page once.
    undated = shelf.every(STORIES, "researcher", sort="recorded", order="asc", limit=1)
    assert len({s["id"] for s in undated}) == len(undated) == len(EXPECTED["researcher"]) + 5


def titles(shelf: Shelf, role: str, **params: Any) -> list[str]:
    answer = shelf.get(STORIES, role, limit=100, **params)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == len(page["items"])
    return [item["title"] for item in page["items"]]


def test_filters(shelf: Shelf) -> None:
    river = shelf.collections["River"]
    narrator = shelf.people["River"]
    assert titles(shelf, "archivist A", collection_id=river) == ["Birch community", "Alder public"]
    assert titles(shelf, "archivist A", narrator=narrator, sort="title", order="asc") == [
        "Alder public",
        "Birch community",
    ]
    assert titles(shelf, "admin", community_id=shelf.coast, sort="title", order="asc") == [
        "Ivy coast public",
        "Juniper coast community",
        "Kauri coast private",
    ]
    assert titles(shelf, "archivist A", status="submitted") == ["Hazel submitted"]
    assert titles(shelf, "contributor", status="submitted") == ["Hazel submitted"]
    assert titles(shelf, "member", status="submitted") == []
    assert titles(shelf, "admin", access="community", sort="title", order="asc") == [
        "Birch community",
        "Juniper coast community",
    ]
    assert titles(shelf, "anonymous", language="en", sort="title", order="asc") == [
        "Alder public",
        "Ivy coast public",
    ]
    assert titles(shelf, "anonymous", language="QUZ") == ["Ivy coast public"]
    assert titles(shelf, "anonymous", q="IVY COAST") == ["Ivy coast public"]
    assert titles(shelf, "anonymous", q="told by") == ["Ivy coast public", "Alder public"]
    assert titles(shelf, "anonymous", q="100%") == []


def test_recorded_date_range_matches_at_the_precision_each_date_has(shelf: Shelf) -> None:
    def recorded(**params: Any) -> list[str]:
        return titles(shelf, "admin", sort="recorded", order="asc", **params)

    assert recorded(recorded_from="1952", recorded_to="1952") == [
        "Elm private",
        "Alder public",
        "Ivy coast public",
    ]
    assert recorded(recorded_from="1952-07") == [
        "Elm private",
        "Ivy coast public",
        "Birch community",
    ]
    assert recorded(recorded_to="1952-06") == ["Elm private", "Alder public"]
    assert recorded(recorded_from="1952-06-15", recorded_to="1959") == [
        "Elm private",
        "Ivy coast public",
    ]


def test_filters_on_what_a_listing_hides_match_only_stories_the_caller_may_hear(
    shelf: Shelf,
) -> None:
    """Birch is in the River collection, told by its narrator, recorded in 1960: a
    researcher who may only know of it learns none of that by filtering."""
    river, narrator = shelf.collections["River"], shelf.people["River"]
    assert titles(shelf, "researcher", collection_id=river) == ["Alder public"]
    assert titles(shelf, "researcher", narrator=narrator) == ["Alder public"]
    assert titles(shelf, "researcher", recorded_from="1960") == []
    assert titles(shelf, "member", collection_id=river) == ["Birch community", "Alder public"]
    by_date = titles(shelf, "researcher", sort="recorded", order="desc")
    assert by_date[:2] == ["Ivy coast public", "Alder public"]


def test_sorts(shelf: Shelf) -> None:
    assert titles(shelf, "anonymous") == ["Ivy coast public", "Alder public"]
    assert titles(shelf, "anonymous", order="asc") == ["Alder public", "Ivy coast public"]
    assert titles(shelf, "member", sort="title", order="asc") == sorted(EXPECTED["member"])
    assert titles(shelf, "member", sort="title", order="desc") == sorted(
        EXPECTED["member"], reverse=True
    )
    alder = f"{STORIES}/{shelf.stories['Alder public']}"
    etag = shelf.get(alder, "admin").headers["ETag"]
    edited = shelf.client.patch(
        alder, headers={**shelf.headers["admin"], "If-Match": etag}, json={"description": "Retold"}
    )
    assert edited.status_code == 200, edited.text
    assert titles(shelf, "anonymous", sort="updated")[0] == "Alder public"


BAD: list[tuple[dict[str, Any], int, str]] = [
    ({"status": "done"}, 422, "published"),
    ({"access": "secret"}, 422, "public"),
    ({"sort": "length"}, 422, "title"),
    ({"order": "up"}, 422, "asc"),
    ({"limit": 0}, 422, "limit"),
    ({"limit": 1000}, 422, "100"),
    ({"recorded_from": "June 1952"}, 422, "YYYY-MM"),
    ({"recorded_from": "1952-13"}, 422, "month"),
    ({"recorded_from": "1960", "recorded_to": "1952"}, 422, "swap"),
    ({"narrator": "ana"}, 422, "UUID"),
    ({"language": "en us"}, 422, "language"),
    ({"colection_id": "x"}, 422, "colection_id"),
    ({"cursor": "not-a-cursor"}, 400, "next_cursor"),
]


def test_a_bad_filter_says_how_to_write_it(shelf: Shelf) -> None:
    for params, status, says in BAD:
        problem = assert_problem(shelf.get(STORIES, "admin", **params), status)
        assert says in problem["detail"], (params, problem["detail"])


def test_a_cursor_is_refused_when_altered_or_used_with_other_filters(shelf: Shelf) -> None:
    cursor = shelf.get(STORIES, "admin", limit=1, sort="title").json()["next_cursor"]
    assert shelf.get(STORIES, "admin", limit=1, sort="title", cursor=cursor).status_code == 200
    other = assert_problem(shelf.get(STORIES, "admin", sort="created", cursor=cursor), 400)
    assert "same filters" in other["detail"]
    body, check = cursor.split(".")
    position = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    position["k"] = "a"
    moved = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    forged = f"{moved}.{check}"
    assert "altered" in assert_problem(shelf.get(STORIES, "admin", cursor=forged), 400)["detail"]
