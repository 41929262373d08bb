"""Upload links: a way in for people without accounts, and nothing more."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from archive.app import create_app
from archive.db.base import utcnow
from archive.db.session import transaction
from archive.models import UploadLink
from archive.settings import Settings
from support.paths import STORY_EN
from support.problems import assert_problem

CONSENT = {"given_by": "Mama Rosa", "listen": "community", "searchable": True}


def make_link(client: TestClient, admin: dict[str, str], **fields: object) -> dict[str, object]:
    collection = client.post(
        "/api/v1/collections", headers=admin, json={"title": "Voices of the valley"}
    ).json()
    response = client.post(
        "/api/v1/upload-links",
        headers=admin,
        json={
            "collection_id": collection["id"],
            "note": "Thank you for sharing your family's stories.",
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    link: dict[str, object] = response.json()
    return link


def bearer(link: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {link['token']}"}


def test_a_link_holder_submits_a_private_story_with_consent_into_the_collection(
    client: TestClient, admin: dict[str, str]
) -> None:
    link = make_link(client, admin, max_uploads=5)
    assert str(link["url"]).endswith(f"/contribute#{link['token']}")
    assert link["uses"] == 0
    holder = bearer(link)
    current = client.get("/api/v1/upload-links/current", headers=holder).json()
    assert current["collection_title"] == "Voices of the valley"
    assert current["uploads_left"] == 5
    created = client.post(
        "/api/v1/stories", headers=holder, json={"title": "Grandmother's river", "consent": CONSENT}
    )
    assert created.status_code == 201, created.text
    story = created.json()
    assert (story["status"], story["access"]) == ("submitted", "private")
    assert story["collection_id"] == link["collection_id"]
    assert story["consent"]["given_by"] == "Mama Rosa"
    uploaded = client.post(
        f"/api/v1/stories/{story['id']}/recordings",
        headers=holder,
        files={"file": ("river.flac", STORY_EN.read_bytes())},
    )
    assert uploaded.status_code == 201
    assert client.get(f"/api/v1/stories/{story['id']}", headers=holder).status_code == 200
    assert_problem(client.get(f"/api/v1/stories/{story['id']}"), 404)
    assert client.get("/api/v1/upload-links/current", headers=holder).json()["uploads_left"] == 4


def test_a_link_holder_sends_a_new_story_in_one_resumable_upload(
    client: TestClient, admin: dict[str, str]
) -> None:
    """The story is named in the upload's metadata and made, in the link's community and
    collection, when the last byte arrives (as the link page sends it)."""
    link = make_link(client, admin)
    data = STORY_EN.read_bytes()
    metadata = {
        "title": "The flood of fifty-two",
        "consent_given_by": "Mama Rosa",
        "consent_listen": "community",
        "consent_searchable": "true",
        "filename": "flood.flac",
    }
    created = client.post(
        "/api/v1/uploads",
        headers={
            **bearer(link),
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": ",".join(
                f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items()
            ),
        },
    )
    assert created.status_code == 201, created.text
    sent = client.patch(
        created.headers["Location"],
        headers={
            **bearer(link),
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        content=data,
    )
    assert sent.status_code == 204, sent.text
    recording = client.get(
        f"/api/v1/recordings/{sent.headers['Archive-Recording-Id']}", headers=bearer(link)
    ).json()
    story = client.get(f"/api/v1/stories/{recording['story_id']}", headers=admin).json()
    assert story["title"] == "The flood of fifty-two"
    assert story["collection_id"] == link["collection_id"]
    assert story["consent"]["listen"] == "community"


def test_a_link_holder_can_do_nothing_else(client: TestClient, admin: dict[str, str]) -> None:
    link = make_link(client, admin)
    holder = bearer(link)
    assert_problem(client.post("/api/v1/stories", headers=holder, json={"title": "x"}), 422)
    assert_problem(
        client.post(
            "/api/v1/stories",
            headers=holder,
            json={"title": "x", "consent": CONSENT, "access": "public"},
        ),
        403,
    )
    other = client.post("/api/v1/collections", headers=admin, json={"title": "Other"}).json()
    assert_problem(
        client.post(
            "/api/v1/stories",
            headers=holder,
            json={"title": "x", "consent": CONSENT, "collection_id": other["id"]},
        ),
        403,
    )
    assert_problem(client.post("/api/v1/collections", headers=holder, json={"title": "x"}), 403)
    assert_problem(
        client.post(
            "/api/v1/upload-links", headers=holder, json={"collection_id": link["collection_id"]}
        ),
        403,
    )
    someone_elses = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Elsewhere", "access": "private"}
    ).json()
    assert_problem(client.get(f"/api/v1/stories/{someone_elses['id']}", headers=holder), 404)
    assert_problem(
        client.post(
            f"/api/v1/stories/{someone_elses['id']}/recordings",
            headers=holder,
            files={"file": ("a.flac", STORY_EN.read_bytes())},
        ),
        404,
    )


@pytest.mark.parametrize("how", ["expired", "revoked", "used up"])
def test_a_dead_link_says_to_ask_the_archivist_for_a_new_one(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session], how: str
) -> None:
    link = make_link(client, admin, max_uploads=1)
    holder = bearer(link)
    story = client.post(
        "/api/v1/stories", headers=holder, json={"title": "Before", "consent": CONSENT}
    ).json()
    upload = f"/api/v1/stories/{story['id']}/recordings"
    if how == "expired":
        with transaction(sessions) as session:
            session.execute(update(UploadLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    elif how == "revoked":
        assert client.delete(f"/api/v1/upload-links/{link['id']}", headers=admin).status_code == 204
    else:
        first = client.post(
            upload, headers=holder, files={"file": ("a.flac", STORY_EN.read_bytes())}
        )
        assert first.status_code == 201
    refused = client.post(upload, headers=holder, files={"file": ("b.flac", STORY_EN.read_bytes())})
    assert "new link" in assert_problem(refused, 403)["detail"]


def test_link_holders_are_rate_limited(settings: Settings, admin: dict[str, str]) -> None:
    tight = settings.model_copy(update={"link_burst": 3, "link_requests_per_minute": 1})
    with TestClient(create_app(tight), raise_server_exceptions=False) as client:
        holder = bearer(make_link(client, admin))
        answers = [client.get("/api/v1/upload-links/current", headers=holder) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429)
    assert int(answers[3].headers["retry-after"]) >= 1


def test_links_and_collections_are_for_archivists(
    client: TestClient, admin: dict[str, str]
) -> None:
    collection = client.post("/api/v1/collections", headers=admin, json={"title": "Songs"})
    assert collection.status_code == 201
    url = f"/api/v1/collections/{collection.json()['id']}"
    assert client.get(url, headers=admin).json()["title"] == "Songs"
    assert_problem(client.get(url), 401)
    assert_problem(client.post("/api/v1/collections", json={"title": "x"}), 401)
    assert_problem(
        client.post(
            "/api/v1/upload-links",
            headers=admin,
            json={"collection_id": collection.json()["id"], "expires_at": "2001-01-01T00:00:00Z"},
        ),
        422,
    )
    listed = client.get("/api/v1/upload-links", headers=admin).json()
    assert listed == []
