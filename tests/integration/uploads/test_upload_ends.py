"""Clean ends: an upload that names a new story makes it only when it completes, so one that
is refused, cancelled or left to expire leaves no story; and no one holds unfinished uploads
without end."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select, update

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import Role
from archive.jobs.worker import Worker
from archive.models import Consent, Job, Story, Upload
from archive.tasks import job_handlers
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem

from .conftest import LiveArchive
from .helpers import CONSENT_METADATA, TUS, head, send, start

NEW_STORY = {"title": "How the well was dug", **CONSENT_METADATA}


def stories(live: LiveArchive) -> list[Story]:
    with live.app.state.sessions() as session:
        return list(session.scalars(select(Story)))


def test_a_new_story_is_made_only_when_its_upload_completes(
    live: LiveArchive, make_user: MakeUser
) -> None:
    teller = make_user("teller", Role.CONTRIBUTOR)
    data = STORY_EN.read_bytes()
    created = start(live.url, teller, len(data), NEW_STORY)
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    assert send(url, teller, 0, data[:50_000]).status_code == 204
    assert stories(live) == []
    finished = send(url, teller, 50_000, data[50_000:])
    assert finished.status_code == 204, finished.text
    (story,) = stories(live)
    assert story.title == "How the well was dug"
    assert story.status == "submitted"
    with live.app.state.sessions() as session:
        consent = session.scalar(select(Consent).where(Consent.story_id == story.id))
        assert consent is not None
        assert consent.given_by == "Tía Marta"
        assert session.scalar(select(Upload.story_id)) == story.id
    recording = httpx.get(
        f"{live.url}/api/v1/recordings/{finished.headers['archive-recording-id']}",
        headers=teller,
    ).json()
    assert recording["story_id"] == str(story.id)


def test_a_refused_cancelled_or_expired_upload_leaves_no_story(live: LiveArchive) -> None:
    text = b"These are my notes about the flood, not a recording.\n" * 200
    refused = start(live.url, live.admin, len(text), NEW_STORY).headers["location"]
    assert_problem(send(refused, live.admin, 0, text), 415)
    assert head(refused, live.admin).status_code == 410

    data = STORY_EN.read_bytes()
    cancelled = start(live.url, live.admin, len(data), NEW_STORY).headers["location"]
    assert send(cancelled, live.admin, 0, data[:10_000]).status_code == 204
    assert httpx.delete(cancelled, headers={**live.admin, **TUS}).status_code == 204

    expired = start(live.url, live.admin, len(data), NEW_STORY).headers["location"]
    assert send(expired, live.admin, 0, data[:10_000]).status_code == 204
    with transaction(live.app.state.sessions) as session:
        session.execute(update(Upload).values(expires_at=utcnow()))
        session.execute(update(Job).values(run_after=utcnow()))
    worker = Worker(
        live.settings,
        handlers=job_handlers(),
        name="expiry-test",
        transcriber=lambda: None,  # type: ignore[arg-type,return-value]
    )
    try:
        worker.run_until_idle()
    finally:
        worker.close()
    assert head(expired, live.admin).status_code == 410
    assert stories(live) == []
    with live.app.state.sessions() as session:
        statuses = sorted(session.scalars(select(Upload.status)))
    assert statuses == ["expired", "refused", "terminated"]


def test_a_refused_new_story_is_said_before_any_byte(
    live: LiveArchive, make_user: MakeUser
) -> None:
    teller = make_user("teller", Role.CONTRIBUTOR)
    researcher = make_user("reader", Role.RESEARCHER)
    no_consent = start(live.url, teller, 100, {"title": "Without consent"})
    assert_problem(no_consent, 422)
    assert_problem(start(live.url, researcher, 100, NEW_STORY), 403)
    assert_problem(start(live.url, teller, 100, {**NEW_STORY, "title": "x" * 5000}), 422)
    assert stories(live) == []
    with live.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Upload)) == 0


def test_one_person_holds_at_most_twenty_unfinished_uploads(
    live: LiveArchive, make_user: MakeUser
) -> None:
    teller = make_user("teller", Role.CONTRIBUTOR)
    urls = []
    for _ in range(20):
        created = start(live.url, teller, 1000, NEW_STORY)
        assert created.status_code == 201, created.text
        urls.append(created.headers["location"])
    refused = assert_problem(start(live.url, teller, 1000, NEW_STORY), 429)
    assert "DELETE /api/v1/uploads/" in refused["detail"]
    assert "Upload-Offset" in refused["detail"]
    assert start(live.url, live.admin, 1000, NEW_STORY).status_code == 201, "others may"
    assert httpx.delete(urls[0], headers={**teller, **TUS}).status_code == 204
    assert start(live.url, teller, 1000, NEW_STORY).status_code == 201
    with live.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Upload)) == 22
        assert session.scalar(select(func.count()).select_from(Story)) == 0


def test_an_upload_link_holds_fewer(live: LiveArchive) -> None:
    collection = httpx.post(
        f"{live.url}/api/v1/collections", headers=live.admin, json={"title": "Valley voices"}
    ).json()
    link = httpx.post(
        f"{live.url}/api/v1/upload-links",
        headers=live.admin,
        json={"collection_id": collection["id"], "note": "Thank you."},
    ).json()
    holder = {"Authorization": f"Bearer {link['token']}"}
    for _ in range(5):
        created = start(live.url, holder, 1000, NEW_STORY)
        assert created.status_code == 201, created.text
    refused = assert_problem(start(live.url, holder, 1000, NEW_STORY), 429)
    assert "upload link" in refused["detail"]
