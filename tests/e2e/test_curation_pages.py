"""The archivists' pages in Debian's Chromium: a corrected line is found by search, lines
restricted in the editor are masked for a member, a save on a replaced version shows both
texts and keeps the one chosen, and axe-core finds no WCAG 2.1 A or AA violation on any of
the pages. Each test leaves screenshots of its pages in its temporary folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from archive.accounts.service import create_user_with_token
from archive.app import create_app
from archive.db import migrate
from archive.db.session import transaction
from archive.domain.access import Role
from archive.settings import Settings
from e2e.browser import ARGS, CHROMIUM, assert_accessible, chromium_or_skip, screenshot
from support.live import serving
from support.transcripts import add_recording

pytestmark = pytest.mark.slow
TOKEN = "browser-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "kettle purple orbit lantern"


@dataclass
class Archive:
    url: str
    app: Any
    member: dict[str, str]
    """Bearer headers of a member of the community (not an archivist)."""
    contributor: dict[str, str]

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """An API call as the administrator (or with the `headers` given)."""
        kwargs.setdefault("headers", ADMIN)
        answer = httpx.request(method, f"{self.url}{path}", **kwargs)
        assert answer.status_code < 400, answer.text
        return answer.json() if answer.content else None

    def story_with_transcript(self) -> tuple[str, uuid.UUID]:
        """A community story "The bridge" with a three-line transcript: (story, recording)."""
        community = self.api("GET", "/api/v1/communities")["items"][0]["id"]
        recording = add_recording(
            self.app.state.sessions, access="community", community_id=uuid.UUID(community)
        )
        story = self.api("GET", f"/api/v1/recordings/{recording}")["story_id"]
        return story, recording


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    chromium_or_skip()
    data = tmp_path_factory.mktemp("archive") / "data"
    settings = Settings(
        data_dir=data,
        admin_token=TOKEN,
        password_time_cost=1,
        password_memory_kib=1024,
        password_parallelism=1,
    )
    migrate.upgrade(settings)
    app = create_app(settings)
    with serving(app) as url:
        made = Archive(url, app, {}, {})
        made.api(
            "POST",
            "/api/v1/users",
            json={"username": "ana", "password": PASSWORD, "role": "archivist"},
        )
        with transaction(app.state.sessions) as session:
            _, token = create_user_with_token(session, "mia", role=Role.RESEARCHER)
            _, sender = create_user_with_token(session, "carla", role=Role.CONTRIBUTOR)
        made.member = {"Authorization": f"Bearer {token}"}
        made.contributor = {"Authorization": f"Bearer {sender}"}
        community = made.api("GET", "/api/v1/communities")["items"][0]["id"]
        mia = httpx.get(f"{url}/api/v1/users/me", headers=made.member).json()
        made.api(
            "POST",
            f"/api/v1/communities/{community}/members",
            json={"user_id": mia["id"], "role": "member"},
        )
        yield made


@pytest.fixture(scope="module")
def browser(archive: Archive) -> Iterator[Any]:
    sync_api = chromium_or_skip()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(archive: Archive, browser: Any) -> Iterator[Any]:
    """A page signed in as the archivist; a message that the page broke its
    Content-Security-Policy fails the test."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    opened.goto(f"{archive.url}/login?next=/review")
    opened.fill("#username", "ana")
    opened.fill("#password", PASSWORD)
    opened.click("form[action='/login'] button[type=submit]")
    opened.wait_for_url("**/review")
    yield opened
    context.close()
    assert not problems, f"a page broke its Content-Security-Policy: {problems}"


def check(page: Any, tmp_path: Path, name: str) -> None:
    """A screenshot of the page under `tmp_path`, and no A or AA violation on it."""
    screenshot(page, tmp_path, name)
    assert_accessible(page)


def test_a_line_corrected_in_the_editor_is_found_by_search(
    archive: Archive, page: Any, tmp_path: Path
) -> None:
    _, recording = archive.story_with_transcript()
    page.goto(f"{archive.url}/curate/recordings/{recording}/transcript")
    page.fill("#text-0", "We crossed the old covered bridge.")
    page.click("#line-0 button[value=save]")
    page.wait_for_url("**done=saved**")
    assert "Saved." in page.inner_text("[role=status]")
    check(page, tmp_path, "editor-saved")

    found = httpx.get(
        f"{archive.url}/api/v1/search", params={"q": '"covered bridge"'}, headers=archive.member
    ).json()
    assert [hit["recording_id"] for hit in found["hits"]] == [str(recording)]
    page.goto(f"{archive.url}/search?q=%22covered+bridge%22")
    assert "covered" in page.inner_text("main")


def test_lines_restricted_in_the_editor_are_masked_for_a_member(
    archive: Archive, browser: Any, page: Any, tmp_path: Path
) -> None:
    story, recording = archive.story_with_transcript()
    page.goto(f"{archive.url}/curate/recordings/{recording}/transcript")
    page.check("#pick-0")
    page.click("#pick-2", modifiers=["Shift"])  # the page's script ticks the run between
    assert page.is_checked("#pick-1")
    page.click("#pick-2")  # and a plain click leaves the others as they are
    assert [page.is_checked(f"#pick-{n}") for n in range(3)] == [True, True, False]
    page.fill("#reason", "Names a family's land")
    page.click("button[form=restrict-form]")
    page.wait_for_url("**done=restricted**")
    assert page.locator(".badge-restricted").count() == 2
    check(page, tmp_path, "editor-restricted")

    segments = httpx.get(
        f"{archive.url}/api/v1/recordings/{recording}/transcript", headers=archive.member
    ).json()["segments"]
    assert [s["text"] for s in segments] == [
        "[restricted]",
        "[restricted]",
        "Then we reached the mill.",
    ]
    member = browser.new_context(extra_http_headers=archive.member)
    try:
        story_page = member.new_page()
        story_page.goto(f"{archive.url}/stories/{story}")
        shown = story_page.inner_text("main")
        assert "[restricted]" in shown
        assert "stone bridge" not in shown
        assert "Then we reached the mill." in shown
        story_page.screenshot(path=str(tmp_path / "story-for-member.png"), full_page=True)
    finally:
        member.close()


def test_a_save_on_a_replaced_version_shows_both_and_keeps_mine(
    archive: Archive, page: Any, tmp_path: Path
) -> None:
    _, recording = archive.story_with_transcript()
    page.goto(f"{archive.url}/curate/recordings/{recording}/transcript")
    # Another archivist saves the same line meanwhile.
    line = archive.api("GET", f"/api/v1/recordings/{recording}/transcript")["segments"][1]
    archive.api(
        "PATCH",
        f"/api/v1/recordings/{recording}/transcript/segments/{line['id']}",
        json={"text": "The river was very high."},
        headers={**ADMIN, "If-Match": '"v1"'},
    )
    page.fill("#text-1", "The river rose high.")
    page.click("#line-1 button[value=save]")
    page.wait_for_selector("#theirs")
    assert page.inner_text("#theirs") == "The river was very high."
    assert page.inner_text("#mine") == "The river rose high."
    assert "version 2" in page.inner_text("[role=alert]")
    check(page, tmp_path, "conflict")

    page.click("text=Keep mine")
    page.wait_for_url("**done=saved**")
    now = archive.api("GET", f"/api/v1/recordings/{recording}/transcript")
    assert (now["version"], now["segments"][1]["text"]) == (3, "The river rose high.")


def test_every_curation_page_passes_axe(archive: Archive, page: Any, tmp_path: Path) -> None:
    story, recording = archive.story_with_transcript()
    collection = archive.api("POST", "/api/v1/collections", json={"title": "Valley"})
    community = archive.api("GET", "/api/v1/communities")["items"][0]["id"]
    protocol = archive.api(
        "POST",
        "/api/v1/protocols",
        json={"community_id": community, "name": "Healers", "visibility": "open", "user_ids": []},
    )
    song = archive.api(
        "POST",
        "/api/v1/stories",
        json={"title": "The healing song", "access": "restricted", "protocol_id": protocol["id"]},
    )
    asked = httpx.post(
        f"{archive.url}/api/v1/stories/{song['id']}/access-requests",
        json={"reason": "I study the songs of the valley."},
        headers=archive.member,
    )
    assert asked.status_code == 201, asked.text
    sent = httpx.post(
        f"{archive.url}/api/v1/stories",
        headers=archive.contributor,
        json={
            "title": "Sent in",
            "consent": {"given_by": "Rosa", "listen": "public", "searchable": True},
        },
    )
    assert sent.status_code == 201, sent.text
    page.goto(f"{archive.url}/curate/recordings/{recording}/transcript")
    page.fill("#speaker-0", "Ana María")
    page.click("#line-0 button[value=save]")
    page.wait_for_url("**done=saved**")
    for name, path in [
        ("review", "/review"),
        ("story", f"/curate/stories/{story}"),
        ("transcript", f"/curate/recordings/{recording}/transcript"),
        ("versions", f"/curate/recordings/{recording}/versions"),
        ("diff", f"/curate/recordings/{recording}/diff?from=1&to=2"),
        ("collections", "/collections"),
        ("collection", f"/collections/{collection['id']}"),
        ("upload-links", "/upload-links"),
        ("access-requests", "/access-requests"),
    ]:
        page.goto(f"{archive.url}{path}")
        assert page.locator("form").count() > 0, name
        assert page.locator("h1").count() == 1, name
        check(page, tmp_path, name)
        page.set_viewport_size({"width": 360, "height": 800})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 360, f"{name} is {wide} px wide on a 360 px phone"
        screenshot(page, tmp_path, f"{name}-360px")
        page.set_viewport_size({"width": 1200, "height": 900})

    page.goto(f"{archive.url}/upload-links")
    page.fill("#note", "Thank you for sharing")
    page.click("form[action='/upload-links'] button[type=submit]")
    page.wait_for_selector("svg.qr-code")
    assert "/contribute#link_" in page.inner_text("#link-url")
    check(page, tmp_path, "upload-link-print")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("#print-page")
    assert page.evaluate("window.printed === true")
