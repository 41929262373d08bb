"""Who may open the pages that send a story."""

from __future__ import annotations

from fastapi.testclient import TestClient

from integration.accounts.helpers import MakePasswordUser
from integration.web.pages import sign_in


def test_someone_not_signed_in_is_asked_to_sign_in_first(client: TestClient) -> None:
    answer = client.get("/upload", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fupload"


def test_a_researcher_is_told_how_to_get_a_way_to_add_stories(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa", "researcher")
    sign_in(client, "rosa")
    page = client.get("/upload")
    assert page.status_code == 403
    assert "Ask an archivist of your community for a contributor account" in page.text


def test_a_contributor_gets_the_consent_questions_and_the_recorder(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("mateo", "contributor")
    sign_in(client, "mateo")
    page = client.get("/upload")
    assert page.status_code == 200
    for text in ("Who is telling it?", "Who may listen to it?", "Start recording", "Send"):
        assert text in page.text
    assert 'data-mode="account"' in page.text
    assert "/static/vendor/tus-js-client/tus.min.js" in page.text


def test_the_link_page_needs_no_account(client: TestClient) -> None:
    page = client.get("/contribute")
    assert page.status_code == 200
    assert 'data-mode="link"' in page.text
    assert "Record or send a story" not in page.text, "no upload link in the menu for strangers"
