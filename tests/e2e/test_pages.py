"""The pages in a real browser against `archive serve` with its worker: sending a recording
(and its resumption after a cut connection or a reload), searching and listening from the
moment found, the link page by keyboard alone, accessibility, and the Spanish catalog.

One server and one browser serve the whole module; each test has its own browser context
(cookies, storage) and keeps a screenshot of its page in its temporary folder."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.browser import ARGS, CHROMIUM, assert_accessible, chromium_or_skip, screenshot
from support.paths import STORY_EN
from support.serve import Served, archive_serve, wait_for_workers, wait_until_ready

pytestmark = pytest.mark.slow
TOKEN = "pages-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "kettle purple orbit lantern"
WAIT = 20_000
READY_WAIT = 240_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    chromium_or_skip()
    folder = tmp_path_factory.mktemp("pages")
    with archive_serve(
        folder / "data",
        TOKEN,
        extra_env={
            "ARCHIVE_PASSWORD_TIME_COST": "1",
            "ARCHIVE_PASSWORD_MEMORY_KIB": "1024",
            "ARCHIVE_PASSWORD_PARALLELISM": "1",
        },
    ) as server:
        for username, role in (("ana", "archivist"), ("rosa", "researcher")):
            made = httpx.post(
                f"{server.url}/api/v1/users",
                headers=ADMIN,
                json={"username": username, "password": PASSWORD, "role": role},
            )
            assert made.status_code == 201, made.text
        yield server


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    sync_api = chromium_or_skip()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(base_url=served.url, viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda message: (
            problems.append(f"{message.text} at {message.location}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield opened
    context.close()
    assert not problems, f"the page broke its Content-Security-Policy: {problems}"


@pytest.fixture(scope="module")
def story(served: Served) -> dict[str, Any]:
    """A public story with the fixture's recording, transcribed: for search and listening."""
    wait_for_workers(served.url, 1)
    communities = httpx.get(f"{served.url}/api/v1/communities", headers=ADMIN).json()["items"]
    narrator = httpx.post(
        f"{served.url}/api/v1/people",
        headers=ADMIN,
        json={"name": "Rosa Quispe", "community_id": communities[0]["id"]},
    ).json()
    created = httpx.post(
        f"{served.url}/api/v1/stories",
        headers=ADMIN,
        json={
            "title": "When the river flooded",
            "access": "public",
            "languages": ["en"],
            "recorded_date": "1987-06",
            "place": "Saint Anne",
            "subjects": ["floods", "seeds", "bridges"],
            "people": [{"person_id": narrator["id"], "role": "narrator"}],
        },
    ).json()
    uploaded = httpx.post(
        f"{served.url}/api/v1/stories/{created['id']}/recordings",
        headers=ADMIN,
        files={"file": ("story_en.flac", STORY_EN.read_bytes(), "audio/flac")},
    ).json()
    recording = wait_until_ready(served.url, uploaded["id"], timeout=READY_WAIT / 1000)
    assert recording["status"] == "ready", recording
    return {"id": created["id"], "recording_id": uploaded["id"]}


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector(f"text=Signed in as {username}")


def fill_story(page: Any, title: str) -> None:
    page.fill("#title", title)
    page.fill("#given-by", "Abuela Rosa")
    page.check("input[name=listen][value=community]")
    page.check("#agree")


def wait_until_sent(page: Any) -> None:
    """Until the page says the recording has arrived; else fail with what the page says."""
    try:
        page.wait_for_selector("#done", state="visible", timeout=WAIT)
    except Exception as error:
        raise AssertionError(f"not sent; the page says: {page.inner_text('#status')}") from error


def story_sent(page: Any, served: Served) -> dict[str, Any]:
    """The story the page just sent, found by the reference it shows."""
    recording_id = page.inner_text("#reference")
    recording = httpx.get(f"{served.url}/api/v1/recordings/{recording_id}", headers=ADMIN).json()
    story: dict[str, Any] = httpx.get(
        f"{served.url}/api/v1/stories/{recording['story_id']}", headers=ADMIN
    ).json()
    return story


def test_a_recording_sent_through_the_upload_page_arrives_and_is_transcribed(
    page: Any, served: Served, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, "ana")
    page.goto("/upload")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "fits a 360 px phone"
    assert_accessible(page)
    fill_story(page, "The seeds in the clay jar")
    page.set_input_files("#file", str(STORY_EN))
    page.click("#send")
    page.wait_for_function("() => document.getElementById('progress').value === 100", timeout=WAIT)
    assert page.inner_text("#progress-text") == "100%"
    wait_until_sent(page)
    page.wait_for_function(
        "() => document.getElementById('ready-status').textContent.startsWith('The words are')",
        timeout=READY_WAIT,
    )
    assert page.is_visible("#story-link")
    screenshot(page, tmp_path, "upload-ready")
    assert_accessible(page)
    sent = story_sent(page, served)
    assert sent["title"] == "The seeds in the clay jar"
    assert sent["consent"]["given_by"] == "Abuela Rosa"
    assert sent["consent"]["listen"] == "community"
    [recording] = sent["recordings"]
    assert recording["status"] == "ready"
    assert recording["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()


def test_a_story_recorded_with_the_microphone_is_sent(
    page: Any, served: Served, tmp_path: Path
) -> None:
    """Chromium's fake microphone plays a tone: the level meter moves, pausing stops the
    clock, and what was recorded is sent as a WebM recording."""
    sign_in(page, "ana")
    page.goto("/upload")
    fill_story(page, "A song from the terraces")
    page.click("#record-start")
    page.wait_for_function("() => document.getElementById('level').value > 0.01", timeout=WAIT)
    page.wait_for_function(
        "() => document.getElementById('record-time').textContent !== '0:00'", timeout=WAIT
    )
    page.click("#record-pause")
    assert page.inner_text("#record-pause") == "Go on recording"
    paused_at = page.inner_text("#record-time")
    page.wait_for_timeout(1500)
    assert page.inner_text("#record-time") == paused_at, "the clock stops while paused"
    page.click("#record-pause")
    page.wait_for_timeout(1200)
    page.click("#record-stop")
    page.wait_for_selector("#record-preview", state="visible")
    assert "Recorded:" in page.inner_text("#chosen")
    screenshot(page, tmp_path, "recorded")
    page.click("#send")
    wait_until_sent(page)
    sent = story_sent(page, served)
    assert sent["title"] == "A song from the terraces"
    [recording] = sent["recordings"]
    assert recording["original_filename"].endswith(".webm")
    assert recording["size"] > 1000


def _patches(page: Any) -> list[int]:
    """Upload-Offset of each PATCH the page sends, in order."""
    offsets: list[int] = []
    page.on(
        "request",
        lambda request: (
            offsets.append(int(request.headers["upload-offset"]))
            if request.method == "PATCH"
            else None
        ),
    )
    return offsets


def test_a_cut_connection_resumes_where_it_stopped(
    page: Any, served: Served, tmp_path: Path
) -> None:
    sign_in(page, "ana")
    page.goto("/upload")
    offsets = _patches(page)
    cut: list[str] = []

    def cut_the_second_chunk(route: Any) -> None:
        request = route.request
        if request.method == "PATCH" and int(request.headers["upload-offset"]) > 0 and not cut:
            cut.append(request.url)
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/uploads/**", cut_the_second_chunk)
    fill_story(page, "The bridge at Saint Anne")
    page.set_input_files("#file", str(STORY_EN))
    page.click("#send")
    wait_until_sent(page)
    screenshot(page, tmp_path, "resumed")
    assert cut, "the connection was cut once"
    second = offsets[1]
    assert second > 0
    assert offsets.count(second) == 2, f"the cut chunk was sent again from its offset: {offsets}"
    assert offsets[0] == 0, "it did not start over"
    sent = story_sent(page, served)
    assert sent["title"] == "The bridge at Saint Anne"
    assert sent["recordings"][0]["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()


def test_after_a_reload_the_same_recording_goes_on_where_it_stopped(
    page: Any, served: Served, tmp_path: Path
) -> None:
    sign_in(page, "ana")
    page.goto("/upload")

    def refuse_after_the_first_chunk(route: Any) -> None:
        if route.request.method == "PATCH" and int(route.request.headers["upload-offset"]) > 0:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/**", refuse_after_the_first_chunk)
    fill_story(page, "The oak from the old mill")
    page.set_input_files("#file", str(STORY_EN))
    page.click("#send")
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('dropped')", timeout=WAIT
    )
    stopped_at = page.evaluate("document.getElementById('progress').value")
    assert 0 < stopped_at < 100

    page.reload()  # the old page, and its retries, are gone before the connection is back
    page.unroute("**/api/v1/uploads/**")
    assert page.is_visible("#resume-note")
    assert page.input_value("#title") == "The oak from the old mill", "the answers come back"
    offsets = _patches(page)
    page.check("#agree")
    page.set_input_files("#file", str(STORY_EN))
    page.click("#send")
    wait_until_sent(page)
    screenshot(page, tmp_path, "after-reload")
    assert offsets[0] > 0, f"it went on from where it stopped, not from the start: {offsets}"
    sent = story_sent(page, served)
    assert sent["title"] == "The oak from the old mill"
    assert sent["recordings"][0]["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()


def _current_time(page: Any) -> float:
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1", timeout=WAIT)
    value: float = page.evaluate("document.querySelector('audio').currentTime")
    return value


def test_a_search_hit_opens_the_story_at_its_second(
    page: Any, served: Served, story: dict[str, Any], tmp_path: Path
) -> None:
    found = httpx.get(f"{served.url}/api/v1/search", params={"q": '"stone bridge"'}).json()
    [hit] = [h for h in found["hits"] if h["story_id"] == story["id"]]
    page.goto("/search")
    page.fill("#q", '"stone bridge"')
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert "stone bridge" in page.inner_text(".hit mark").lower()
    screenshot(page, tmp_path, "search")
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")
    page.click(".facets a:has-text('Rosa Quispe')")
    page.wait_for_selector(".active-filters")
    assert "narrator=" in page.url
    assert page.evaluate("window.stillTheSamePage === true"), "only the results were replaced"
    # The focus moves to the results once htmx has settled them.
    page.wait_for_function("() => document.activeElement.id === 'hits-heading'", timeout=WAIT)
    page.click(f"a.hit[href*='{story['id']}']")
    page.wait_for_url(f"**/stories/{story['id']}?t=*")
    page.wait_for_function(
        "at => Math.abs(document.querySelector('audio').currentTime - at) < 2",
        arg=hit["start"],
        timeout=WAIT,
    )
    assert abs(_current_time(page) - hit["start"]) < 2
    page.wait_for_selector(".segment.now", timeout=WAIT)
    screenshot(page, tmp_path, "story")
    assert_accessible(page)


def test_a_click_on_a_transcript_line_plays_from_it(
    page: Any, story: dict[str, Any], tmp_path: Path
) -> None:
    page.goto(f"/stories/{story['id']}")
    lines = page.locator(".segment")
    assert lines.count() >= 3
    third = lines.nth(2)
    start = float(third.get_attribute("data-start"))
    third.locator(".seg-text").click()
    page.wait_for_function(
        "at => Math.abs(document.querySelector('audio').currentTime - at) < 1.5",
        arg=start,
        timeout=WAIT,
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.segment')[2].classList.contains('now')", timeout=WAIT
    )
    screenshot(page, tmp_path, "line-clicked")
    assert page.locator(".segment.now").count() == 1


def test_the_link_page_works_by_keyboard_alone(page: Any, served: Served, tmp_path: Path) -> None:
    collection = httpx.post(
        f"{served.url}/api/v1/collections", headers=ADMIN, json={"title": "Voices of the valley"}
    ).json()
    link = httpx.post(
        f"{served.url}/api/v1/upload-links",
        headers=ADMIN,
        json={"collection_id": collection["id"], "note": "Thank you for sharing your stories."},
    ).json()
    page.goto(link["url"])
    page.wait_for_selector("#link-note", state="visible")
    assert "Thank you for sharing" in page.inner_text("#link-note")
    assert_accessible(page)

    def focused() -> str:
        value: str = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return e.id || e.name || e.className || e.tagName; })()"
        )
        return value

    def tab_to(target: str, limit: int = 30) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if focused() == target:
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"{target} shows where the focus is"
                return
        raise AssertionError(f"Tab never reached {target}")

    page.keyboard.press("Tab")
    assert focused() == "skip-link"
    page.keyboard.press("Enter")
    tab_to("title")
    page.keyboard.type("The flood of fifty-two")
    tab_to("given-by")
    page.keyboard.type("Abuela Rosa")
    tab_to("listen")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # private -> family -> community
    tab_to("searchable")
    tab_to("record-start")
    tab_to("file")
    choose_by_keyboard(page).set_files(str(STORY_EN))
    tab_to("agree")
    page.keyboard.press("Space")
    tab_to("send")
    screenshot(page, tmp_path, "contribute-filled")
    page.keyboard.press("Enter")
    wait_until_sent(page)
    screenshot(page, tmp_path, "contribute-done")
    sent = story_sent(page, served)
    assert sent["title"] == "The flood of fifty-two"
    assert sent["status"] == "submitted"
    assert sent["consent"]["listen"] == "community"
    assert sent["recordings"][0]["sha256"] == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()


def test_every_page_passes_axe_and_the_login_page_signs_in(page: Any, tmp_path: Path) -> None:
    for address in (
        "/search",
        "/search?q=-river",
        "/login",
        "/stories/00000000-0000-0000-0000-000000000000",
    ):
        page.goto(address)
        assert_accessible(page)
    sign_in(page, "rosa")
    assert "Signed in as rosa" in page.inner_text("header")
    page.goto("/upload")
    assert "may listen and search but not add stories" in page.inner_text("main")
    assert_accessible(page)
    screenshot(page, tmp_path, "researcher-upload")


def test_the_pages_speak_spanish_when_asked(page: Any, tmp_path: Path) -> None:
    page.goto("/search")
    page.select_option("#language-choice", "es")
    page.click(".language-switch button")
    page.wait_for_selector("html[lang=es]")
    assert page.inner_text("h1") == "Buscar en las historias"
    assert "Cómo buscar" in page.inner_text("main")
    screenshot(page, tmp_path, "spanish")
    assert_accessible(page)


def choose_by_keyboard(page: Any) -> Any:
    """The file chooser that Space opens on the focused file field. Once in a few hundred runs,
    with the machine busy, headless Chromium let the key go by without opening it; a person
    would press it again, and so does this (once)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for timeout in (10_000, 30_000):
        try:
            with page.expect_file_chooser(timeout=timeout) as chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeout:
            continue
        return chooser.value
    raise AssertionError("Space on the file field never opened a file chooser")
