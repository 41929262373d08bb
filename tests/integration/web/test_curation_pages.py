"""The archivists' pages through HTTP, as a browser uses them (signed in by cookie, forms with
their CSRF token): each does what its API does, for the archivists of the community only;
others are sent to sign in (anonymous), refused (403) or told nothing exists (404, another
community's archivist)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.domain.access import Role
from integration.accounts.helpers import MakePasswordUser
from integration.web.pages import sign_in
from support.accounts import MakeUser
from support.transcripts import add_recording

CONSENT = {"given_by": "Doña Rosa", "listen": "community", "searchable": True}
Headers = dict[str, str]


class Browser:
    """A signed-in browser: its own cookies, and forms sent with the page's CSRF token."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = TestClient(client.app, raise_server_exceptions=False)
        sign_in(self.client, username)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        token = self.client.cookies.get("archive_csrf")
        return self.client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def browsers(client: TestClient) -> Iterator[list[Browser]]:
    opened: list[Browser] = []
    yield opened
    for browser in opened:
        browser.close()


@pytest.fixture
def ana(
    client: TestClient, make_password_user: MakePasswordUser, browsers: list[Browser]
) -> Browser:
    """An archivist of the default community (made while it is the only one), signed in."""
    make_password_user("ana", role="archivist")
    browsers.append(Browser(client, "ana"))
    return browsers[-1]


@pytest.fixture
def api(admin: Headers) -> Headers:
    return admin


@pytest.fixture
def outsider(
    client: TestClient,
    admin: Headers,
    ana: Browser,
    make_password_user: MakePasswordUser,
    browsers: list[Browser],
) -> Browser:
    """An archivist of another community, "Coast", signed in."""
    coast = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()
    bea = make_password_user("bea", role="archivist")
    added = client.post(
        f"/api/v1/communities/{coast['id']}/members",
        headers=admin,
        json={"user_id": bea["id"], "role": "archivist"},
    )
    assert added.status_code == 201, added.text
    browsers.append(Browser(client, "bea"))
    return browsers[-1]


def _transcript(client: TestClient, headers: Headers, recording_id: uuid.UUID) -> Any:
    return client.get(f"/api/v1/recordings/{recording_id}/transcript", headers=headers).json()


def test_someone_not_signed_in_is_sent_to_sign_in_and_back(client: TestClient) -> None:
    for path in ("/review", "/collections", "/upload-links", "/access-requests"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == f"/login?next=%2F{path[1:]}"


def test_a_researcher_is_refused_every_curation_page(
    client: TestClient,
    make_password_user: MakePasswordUser,
    browsers: list[Browser],
    sessions: sessionmaker[Session],
) -> None:
    make_password_user("rita", role="researcher")
    rita = Browser(client, "rita")
    browsers.append(rita)
    recording_id = add_recording(sessions)
    for path in (
        "/review",
        "/collections",
        "/upload-links",
        "/access-requests",
        f"/curate/recordings/{recording_id}/transcript",
    ):
        answer = rita.get(path)
        assert answer.status_code == 403, path
        assert "archivists" in answer.text
    refused = rita.post("/collections", {"title": "Mine"})
    assert refused.status_code == 403


def test_a_form_without_its_csrf_token_changes_nothing(
    client: TestClient, ana: Browser, api: Headers, sessions: sessionmaker[Session]
) -> None:
    recording_id = add_recording(sessions)
    line = _transcript(client, api, recording_id)["segments"][0]["id"]
    forged = ana.client.post(
        f"/curate/recordings/{recording_id}/segments/{line}",
        data={"version": "1", "text": "Forged"},
    )
    assert forged.status_code == 403
    assert _transcript(client, api, recording_id)["version"] == 1


def test_an_archivist_of_another_community_finds_nothing_of_this_one(
    client: TestClient,
    api: Headers,
    ana: Browser,
    outsider: Browser,
    sessions: sessionmaker[Session],
) -> None:
    home = client.get("/api/v1/communities", headers=api).json()["items"]
    [home_id] = [c["id"] for c in home if c["name"] != "Coast"]
    recording_id = add_recording(sessions, access="private", community_id=uuid.UUID(home_id))
    story_id = client.get(f"/api/v1/recordings/{recording_id}", headers=api).json()["story_id"]
    collection = client.post(
        "/api/v1/collections", headers=api, json={"title": "Valley", "community_id": home_id}
    ).json()
    link = client.post(
        "/api/v1/upload-links", headers=api, json={"collection_id": collection["id"]}
    ).json()
    segment = _transcript(client, api, recording_id)["segments"][0]["id"]
    for method, path, form in [
        ("GET", f"/curate/stories/{story_id}", None),
        ("POST", f"/curate/stories/{story_id}", {"version": "1", "title": "Taken"}),
        ("GET", f"/curate/recordings/{recording_id}/transcript", None),
        ("GET", f"/curate/recordings/{recording_id}/versions", None),
        ("GET", f"/curate/recordings/{recording_id}/diff?from=1&to=1", None),
        (
            "POST",
            f"/curate/recordings/{recording_id}/segments/{segment}",
            {"version": "1", "text": "Taken"},
        ),
        (
            "POST",
            f"/curate/recordings/{recording_id}/restrictions",
            {"line": segment, "reason": "x"},
        ),
        ("POST", f"/review/{story_id}", {"decision": "reject"}),
        ("GET", f"/collections/{collection['id']}", None),
        ("POST", f"/collections/{collection['id']}/stories", {"story_id": story_id}),
        ("POST", f"/upload-links/{link['id']}/revoke", None),
    ]:
        answer = outsider.get(path) if method == "GET" else outsider.post(path, form)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert "The bridge" not in answer.text
    # Their own lists leave this community's things out.
    assert "Valley" not in outsider.get("/collections").text
    assert link["id"] not in outsider.get("/upload-links").text
    # And nothing changed.
    assert _transcript(client, api, recording_id)["version"] == 1
    assert client.get(f"/api/v1/stories/{story_id}", headers=api).json()["status"] == "published"
    assert client.get("/api/v1/upload-links", headers=api).json()[0]["revoked_at"] is None


def test_the_review_queue_publishes_a_story_sent_in_with_its_note(
    client: TestClient, api: Headers, ana: Browser, make_user: MakeUser
) -> None:
    contributor = make_user("carla", Role.CONTRIBUTOR)
    older = client.post(
        "/api/v1/stories", headers=contributor, json={"title": "The old mill", "consent": CONSENT}
    ).json()
    client.post(
        "/api/v1/stories", headers=contributor, json={"title": "The new road", "consent": CONSENT}
    )
    queue = ana.get("/review")
    assert queue.status_code == 200
    assert queue.text.index("The old mill") < queue.text.index("The new road")

    done = ana.post(
        f"/review/{older['id']}",
        {"decision": "publish", "note": "Checked with the family"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/review?done=published"
    assert client.get(f"/api/v1/stories/{older['id']}", headers=api).json()["status"] == (
        "published"
    )
    events = client.get("/api/v1/events", headers=api, params={"action": "story.published"})
    assert events.json()["items"][0]["details"]["note"] == "Checked with the family"
    assert "The old mill" not in ana.get("/review").text


def test_publishing_without_consent_is_explained_on_the_queue(
    client: TestClient, api: Headers, ana: Browser, make_user: MakeUser
) -> None:
    contributor = make_user("carla", Role.CONTRIBUTOR)
    story = client.post(
        "/api/v1/stories", headers=contributor, json={"title": "Untold", "consent": CONSENT}
    ).json()
    withdrawn = client.post(
        f"/api/v1/stories/{story['id']}/consent/withdraw", headers=api, json={"reason": "asked"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    refused = ana.post(f"/review/{story['id']}", {"decision": "publish"})
    assert refused.status_code == 422
    assert "consent" in refused.text
    assert "Untold" in refused.text  # the queue is shown again, with the reason above it
    # Starting the review was undone with the refused publication.
    assert client.get(f"/api/v1/stories/{story['id']}", headers=api).json()["status"] == (
        "submitted"
    )


def test_the_editor_saves_a_line_as_a_new_version(
    client: TestClient, api: Headers, ana: Browser, sessions: sessionmaker[Session]
) -> None:
    recording_id = add_recording(sessions)
    page = ana.get(f"/curate/recordings/{recording_id}/transcript")
    assert page.status_code == 200
    assert "We crossed the stone bridge." in page.text
    segment = _transcript(client, api, recording_id)["segments"][0]
    saved = ana.post(
        f"/curate/recordings/{recording_id}/segments/{segment['id']}",
        {"version": "1", "text": "We crossed the old stone bridge.", "speaker": "Ana"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    after = _transcript(client, api, recording_id)
    assert after["version"] == 2
    assert after["segments"][0]["text"] == "We crossed the old stone bridge."

    diff = ana.get(f"/curate/recordings/{recording_id}/diff?from=1&to=2")
    assert "<ins>old </ins>" in diff.text
    versions = ana.get(f"/curate/recordings/{recording_id}/versions")
    assert "diff?from=1&amp;to=2" in versions.text


def test_a_save_on_a_replaced_version_shows_both_and_keeps_the_one_chosen(
    client: TestClient, api: Headers, ana: Browser, sessions: sessionmaker[Session]
) -> None:
    recording_id = add_recording(sessions)
    line = _transcript(client, api, recording_id)["segments"][1]
    url = f"/curate/recordings/{recording_id}/segments/{line['id']}"
    ana.post(url, {"version": "1", "text": "The river was very high."})
    late = ana.post(url, {"version": "1", "text": "The river rose high."})
    assert late.status_code == 412
    assert "The river was very high." in late.text  # theirs, as it is now
    assert "The river rose high." in late.text  # mine
    assert "version 2" in late.text
    assert _transcript(client, api, recording_id)["version"] == 2

    # "Keep mine" saves it on the version as it is now, on the line that holds that time.
    form = re.search(r'action="(/curate/recordings/[^"]+/segments/[^"]+)"', late.text)
    assert form is not None
    kept = ana.post(
        form.group(1),
        {"version": "2", "action": "save", "text": "The river rose high."},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    after = _transcript(client, api, recording_id)
    assert (after["version"], after["segments"][1]["text"]) == (3, "The river rose high.")


def test_split_merge_and_a_refused_split_are_explained(
    client: TestClient, api: Headers, ana: Browser, sessions: sessionmaker[Session]
) -> None:
    recording_id = add_recording(sessions)
    first = _transcript(client, api, recording_id)["segments"][0]["id"]
    merged = ana.post(
        f"/curate/recordings/{recording_id}/segments/{first}", {"version": "1", "action": "merge"}
    )
    assert merged.status_code == 200  # followed back to the editor
    assert len(_transcript(client, api, recording_id)["segments"]) == 2
    merged_id = _transcript(client, api, recording_id)["segments"][0]["id"]
    url = f"/curate/recordings/{recording_id}/segments/{merged_id}"
    outside = ana.post(url, {"version": "2", "action": "split", "at": "30"})
    assert outside.status_code == 422
    assert "split" in outside.text.lower()
    split = ana.post(url, {"version": "2", "action": "split", "at": "3.2"})
    assert split.status_code == 200
    assert len(_transcript(client, api, recording_id)["segments"]) == 3


def test_lines_picked_are_restricted_with_the_reason_and_lifted_again(
    client: TestClient,
    api: Headers,
    ana: Browser,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
) -> None:
    recording_id = add_recording(sessions)
    reader = make_user("rita", Role.RESEARCHER)
    lines = [s["id"] for s in _transcript(client, api, recording_id)["segments"][:2]]
    url = f"/curate/recordings/{recording_id}/restrictions"
    assert ana.post(url, {"line": lines, "reason": ""}).status_code == 422
    restricted = ana.post(
        url, {"line": lines, "reason": "Names a family's land"}, follow_redirects=False
    )
    assert restricted.status_code == 303
    [span] = client.get(f"/api/v1/recordings/{recording_id}/restrictions", headers=api).json()
    assert (span["start"], span["end"], span["reason"]) == (0.0, 5.0, "Names a family's land")
    texts = [s["text"] for s in _transcript(client, reader, recording_id)["segments"]]
    assert texts == ["[restricted]", "[restricted]", "Then we reached the mill."]
    editor = ana.get(f"/curate/recordings/{recording_id}/transcript").text
    assert "We crossed the stone bridge." in editor  # archivists still read it
    assert "Names a family&#39;s land" in editor

    lifted = ana.post(f"{url}/{span['id']}/lift", follow_redirects=False)
    assert lifted.status_code == 303
    assert _transcript(client, reader, recording_id)["segments"][0]["text"] == (
        "We crossed the stone bridge."
    )


def test_the_story_page_saves_details_and_explains_a_change_made_meanwhile(
    client: TestClient, api: Headers, ana: Browser
) -> None:
    story = client.post(
        "/api/v1/stories", headers=api, json={"title": "The flood", "access": "public"}
    ).json()
    url = f"/curate/stories/{story['id']}"
    assert "The flood" in ana.get(url).text
    form = {
        "version": str(story["version"]),
        "title": "The flood of 1952",
        "access": "community",
        "subjects": "Floods, Fishing",
        "embargo_until": "2040-01-01",
        "protocol_mode": "all",
    }
    saved = ana.post(url, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    now = client.get(f"/api/v1/stories/{story['id']}", headers=api).json()
    assert (now["title"], now["access"], now["subjects"]) == (
        "The flood of 1952",
        "community",
        ["Floods", "Fishing"],
    )
    assert now["embargo_until"].startswith("2040-01-01T00:00:00")

    stale = ana.post(url, form | {"title": "Another title"})
    assert stale.status_code == 412
    assert "Someone else saved this story" in stale.text
    assert "Another title" in stale.text
    assert client.get(f"/api/v1/stories/{story['id']}", headers=api).json()["title"] == (
        "The flood of 1952"
    )


def test_a_collection_is_made_and_a_story_filed_in_it(
    client: TestClient, api: Headers, ana: Browser
) -> None:
    story = client.post("/api/v1/stories", headers=api, json={"title": "The flood"}).json()
    made = ana.post("/collections", {"title": "Voices of the valley"}, follow_redirects=False)
    assert made.status_code == 303
    collection_page = made.headers["location"].split("?")[0]
    added = ana.post(f"{collection_page}/stories", {"story_id": story["id"]})
    assert added.status_code == 200
    collection_id = collection_page.rsplit("/", 1)[1]
    filed = client.get(f"/api/v1/stories/{story['id']}", headers=api).json()
    assert filed["collection_id"] == collection_id
    assert "Voices of the valley" in ana.get("/collections").text


def test_an_upload_link_is_made_with_a_printable_page_and_revoked(
    client: TestClient, api: Headers, ana: Browser
) -> None:
    collection = client.post("/api/v1/collections", headers=api, json={"title": "Valley"}).json()
    made = ana.post(
        "/upload-links",
        {"collection_id": collection["id"], "note": "Thank you", "max_uploads": "3"},
    )
    assert made.status_code == 200
    url = re.search(r'id="link-url" href="([^"]+)"', made.text)
    assert url is not None
    assert "/contribute#link_" in url.group(1)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in made.text
    token = url.group(1).split("#", 1)[1]
    holder = client.get(
        "/api/v1/upload-links/current", headers={"Authorization": f"Bearer {token}"}
    )
    assert holder.json()["uploads_left"] == 3
    [link] = client.get("/api/v1/upload-links", headers=api).json()
    revoked = ana.post(f"/upload-links/{link['id']}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert client.get("/api/v1/upload-links", headers=api).json()[0]["revoked_at"] is not None


def test_an_access_request_is_granted_from_the_list(
    client: TestClient, api: Headers, ana: Browser, make_user: MakeUser
) -> None:
    story = client.post(
        "/api/v1/stories", headers=api, json={"title": "The healing song", "access": "community"}
    ).json()
    rita = make_user("rita", Role.RESEARCHER)
    asked = client.post(
        f"/api/v1/stories/{story['id']}/access-requests",
        headers=rita,
        json={"reason": "I study the songs of the valley."},
    )
    assert asked.status_code == 201, asked.text
    listed = ana.get("/access-requests")
    assert "rita asks to hear “The healing song”" in listed.text
    granted = ana.post(
        f"/access-requests/{asked.json()['id']}",
        {"decision": "grant", "ends_on": "2040-12-31", "note": "For the thesis"},
        follow_redirects=False,
    )
    assert granted.status_code == 303
    [grant] = client.get("/api/v1/access-grants", headers=api).json()
    assert grant["status"] == "granted"
    assert grant["ends_at"].startswith("2040-12-31T23:59:59")
    assert "The healing song" not in ana.get("/access-requests").text


def test_the_curation_pages_speak_spanish_to_whoever_asks(
    client: TestClient, ana: Browser, sessions: sessionmaker[Session]
) -> None:
    recording_id = add_recording(sessions)
    spanish = {"Accept-Language": "es"}
    assert "Cola de revisión" in ana.get("/review", headers=spanish).text
    editor = ana.get(f"/curate/recordings/{recording_id}/transcript", headers=spanish).text
    assert "Corregir la transcripción" in editor
    assert "Restringir las líneas marcadas" in editor


def test_archivists_find_their_pages_in_the_menu_of_every_page(
    client: TestClient,
    ana: Browser,
    make_password_user: MakePasswordUser,
    browsers: list[Browser],
) -> None:
    assert 'href="/review"' in ana.get("/search").text
    make_password_user("rita", role="researcher")
    rita = Browser(client, "rita")
    browsers.append(rita)
    assert 'href="/review"' not in rita.get("/search").text
