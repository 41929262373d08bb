"""An upload is seen and changed only by whoever started it, the archivists of its
community, and administrators: to anyone else it does not exist."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import func, select

from archive.domain.access import Role
from archive.models import Recording, Story, Upload
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem

from .conftest import LiveArchive
from .helpers import CONSENT_METADATA, TUS, head, send, start


def archivist_of_another_community(live: LiveArchive, make_user: MakeUser) -> dict[str, str]:
    """An archivist of a second community only: once there are two communities, a new user
    joins none by themselves."""
    admin, base = live.admin, f"{live.url}/api/v1"
    coast = httpx.post(f"{base}/communities", headers=admin, json={"name": "Coast"}).json()["id"]
    outsider = make_user("coast-archivist", Role.ARCHIVIST)
    user_id = httpx.get(f"{base}/users/me", headers=outsider).json()["id"]
    added = httpx.post(
        f"{base}/communities/{coast}/members",
        headers=admin,
        json={"user_id": user_id, "role": "archivist"},
    )
    assert added.status_code in (200, 201), added.text
    return outsider


def test_an_archivist_of_another_community_cannot_see_append_to_end_or_finish_an_upload(
    live: LiveArchive, make_user: MakeUser
) -> None:
    data = STORY_EN.read_bytes()
    teller = make_user("teller", Role.CONTRIBUTOR)
    home_archivist = make_user("home-archivist", Role.ARCHIVIST)
    outsider = archivist_of_another_community(live, make_user)
    created = start(live.url, teller, len(data), {"title": "The flood of 1958", **CONSENT_METADATA})
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    assert send(url, teller, 0, data[:30_000]).status_code == 204

    probe = head(url, outsider)
    assert probe.status_code == 404
    assert "upload-metadata" not in probe.headers
    assert_problem(send(url, outsider, 30_000, data[30_000:40_000]), 404)
    assert_problem(send(url, outsider, 30_000, data[30_000:]), 404)  # would finish it
    assert_problem(httpx.delete(url, headers={**outsider, **TUS}), 404)

    # Nothing changed: the same offset, the same bytes, the upload still open, no story yet.
    assert head(url, teller).headers["upload-offset"] == "30000"
    (spool,) = live.settings.spool_dir.iterdir()
    assert spool.read_bytes() == data[:30_000]
    with live.app.state.sessions() as session:
        assert session.scalar(select(Upload.status)) == "open"
        assert session.scalar(select(func.count()).select_from(Recording)) == 0
        assert session.scalar(select(func.count()).select_from(Story)) == 0

    # Its own community's archivists and administrators do see it.
    assert head(url, home_archivist).status_code == 200
    assert head(url, live.admin).status_code == 200
    finished = send(url, teller, 30_000, data[30_000:])
    assert finished.status_code == 204, finished.text
    recording = httpx.get(
        f"{live.url}/api/v1/recordings/{finished.headers['archive-recording-id']}",
        headers=teller,
    ).json()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert head(url, outsider).status_code == 404, "nor once it is complete"


def test_an_upload_records_the_community_of_its_story(
    live: LiveArchive, make_user: MakeUser
) -> None:
    coast_story = httpx.post(
        f"{live.url}/api/v1/communities", headers=live.admin, json={"name": "Coast"}
    ).json()["id"]
    story = httpx.post(
        f"{live.url}/api/v1/stories",
        headers=live.admin,
        json={"title": "Nets", "community_id": coast_story, "access": "public"},
    ).json()
    created = start(live.url, live.admin, 100, {"story_id": story["id"]})
    assert created.status_code == 201
    with live.app.state.sessions() as session:
        assert str(session.scalar(select(Upload.community_id))) == coast_story
