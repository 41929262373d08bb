"""The page an upload link opens, in a real browser: a person without an account names the
story, gives the narrator's consent and sends the recording, which arrives whole."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from archive.app import create_app
from archive.db import migrate
from archive.settings import Settings
from support.live import serving
from support.paths import STORY_EN

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
TOKEN = "browser-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def archive_url(tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", admin_token=TOKEN)
    migrate.upgrade(settings)
    with serving(create_app(settings)) as url:
        yield url


def test_a_contributor_sends_a_story_through_the_link_page(archive_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    collection = httpx.post(
        f"{archive_url}/api/v1/collections", headers=ADMIN, json={"title": "Voices of the valley"}
    ).json()
    link = httpx.post(
        f"{archive_url}/api/v1/upload-links",
        headers=ADMIN,
        json={"collection_id": collection["id"], "note": "Thank you for sharing your stories."},
    ).json()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(link["url"])
            note = page.locator("#link-note")
            note.wait_for(state="visible", timeout=10_000)
            assert "Thank you for sharing" in note.inner_text()
            page.fill("#title", "When the river flooded")
            page.fill("#given-by", "Abuela Rosa")
            page.select_option("#listen", "community")
            page.set_input_files("#file", str(STORY_EN))
            page.click("button[type=submit]")
            page.wait_for_function(
                "document.getElementById('status').textContent.includes('Thank you')",
                timeout=30_000,
            )
        finally:
            browser.close()

    stories = httpx.get(f"{archive_url}/api/v1/review", headers=ADMIN).json()["items"]
    [story] = [s for s in stories if s["title"] == "When the river flooded"]
    full = httpx.get(f"{archive_url}/api/v1/stories/{story['id']}", headers=ADMIN).json()
    assert full["status"] == "submitted"
    assert full["consent"]["given_by"] == "Abuela Rosa"
    assert full["consent"]["listen"] == "community"
    [recording] = full["recordings"]
    assert recording["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()
