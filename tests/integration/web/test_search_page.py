"""The search page: what a researcher sees for a query, as the API decides it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from integration.search.test_search_api import (
    index_everything,
    make_collection,
    make_person,
    make_story,
)


def test_hits_are_grouped_by_story_with_their_time_and_words(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    river = make_collection(sessions)
    rosa = make_person(sessions, "Rosa Quispe")
    story, recording = make_story(
        sessions,
        ["we crossed the stone bridge", "the water rose", "the stone bridge fell"],
        collection_id=river,
        people=[(rosa, "narrator")],
    )
    make_story(sessions, ["nobody may hear this stone bridge"], access="private")
    index_everything(client, sessions)

    page = client.get("/search", params={"q": '"stone bridge"'})
    assert page.status_code == 200
    assert "2 moments found" in page.text
    assert page.text.count('class="story-hits"') == 1, "the private story is not shown"
    assert "nobody may hear" not in page.text
    assert f'href="/stories/{story}?t=2&amp;recording={recording}"' in page.text
    assert "<mark>stone bridge</mark>" in page.text
    assert ">0:02<" in page.text
    # Facets are links that narrow the search, named as people read them.
    assert "River stories" in page.text
    assert "Rosa Quispe" in page.text
    narrowed = re.search(r'href="(/search\?[^"]*narrator=[^"]+)"', page.text)
    assert narrowed
    filtered = client.get(narrowed.group(1).replace("&amp;", "&"))
    assert "Remove filter Narrator: Rosa Quispe" in filtered.text


def test_a_bad_query_shows_the_apis_explanation(client: TestClient) -> None:
    page = client.get("/search", params={"q": "-river"})
    assert page.status_code == 400
    assert "This search cannot be run" in page.text
    assert "cannot consist only of words to leave out" in page.text
    assert 'value="-river"' in page.text


def test_a_malformed_filter_is_explained_on_the_page(client: TestClient) -> None:
    page = client.get("/search", params={"q": "river", "decade": "1955"})
    assert page.status_code == 400
    assert "decade" in page.text


def test_many_hits_come_in_pages(client: TestClient, sessions: sessionmaker[Session]) -> None:
    make_story(sessions, [f"canoe number {i}" for i in range(25)])
    index_everything(client, sessions)
    first = client.get("/search", params={"q": "canoe"})
    assert "25 moments found" in first.text
    assert "Page 1 of 2" in first.text
    assert first.text.count('class="hit"') == 20
    second = client.get("/search", params={"q": "canoe", "page": "2"})
    assert second.text.count('class="hit"') == 5
    assert 'rel="prev"' in second.text


def test_the_empty_search_page_explains_the_query_syntax(client: TestClient) -> None:
    page = client.get("/search")
    assert page.status_code == 200
    assert "How to search" in page.text
    assert "moments found" not in page.text
