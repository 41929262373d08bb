"""What a tus client must put in `Upload-Metadata` for a new story, and what it is told when
it leaves something out: the metadata keys, never a JSON body it cannot send."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from support.paths import STORY_EN_OPUS
from support.problems import assert_problem

from .helpers import CONSENT_METADATA, TUS, encode


def link_holder(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    collection = client.post(
        "/api/v1/collections", headers=admin, json={"title": "Voices of the valley"}
    ).json()
    link = client.post(
        "/api/v1/upload-links", headers=admin, json={"collection_id": collection["id"]}
    ).json()
    return {"Authorization": f"Bearer {link['token']}"}


def test_a_link_holder_without_consent_is_told_the_metadata_keys(
    client: TestClient, admin: dict[str, str]
) -> None:
    holder = link_holder(client, admin)
    problem = assert_problem(
        client.post(
            "/api/v1/uploads",
            headers={
                **holder,
                **TUS,
                "Upload-Length": "1000",
                "Upload-Metadata": encode({"title": "The seeds", "filename": "seeds.flac"}),
            },
        ),
        422,
    )
    for key in ("consent_given_by", "consent_listen", "consent_searchable", "Upload-Metadata"):
        assert key in problem["detail"], problem["detail"]
    assert "JSON" not in problem["detail"]


@pytest.mark.parametrize(
    "metadata",
    [
        {"consent_given_by": "Tía Marta"},
        {**CONSENT_METADATA, "consent_listen": "everyone"},
    ],
    ids=["listen-missing", "listen-unknown"],
)
def test_incomplete_consent_names_the_keys_and_their_values(
    client: TestClient, admin: dict[str, str], metadata: dict[str, str]
) -> None:
    holder = link_holder(client, admin)
    problem = assert_problem(
        client.post(
            "/api/v1/uploads",
            headers={
                **holder,
                **TUS,
                "Upload-Length": "1000",
                "Upload-Metadata": encode({"title": "The seeds", **metadata}),
            },
        ),
        422,
    )
    assert "consent_listen (public, community, family or private)" in problem["detail"]
    assert "consent_searchable" in problem["detail"]


def test_with_the_consent_keys_a_link_holders_upload_makes_its_story(
    client: TestClient, admin: dict[str, str]
) -> None:
    holder = link_holder(client, admin)
    data = STORY_EN_OPUS.read_bytes()
    response = client.post(
        "/api/v1/uploads",
        headers={
            **holder,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode(
                {"title": "The seeds", "filename": "seeds.opus", **CONSENT_METADATA}
            ),
            "Content-Type": "application/offset+octet-stream",
        },
        content=data,
    )
    assert response.status_code == 201, response.text
    assert response.headers["upload-offset"] == str(len(data))
    status = client.head(response.headers["location"], headers={**holder, **TUS})
    recording = client.get(
        f"/api/v1/recordings/{status.headers['archive-recording-id']}", headers=admin
    ).json()
    story = client.get(f"/api/v1/stories/{recording['story_id']}", headers=admin).json()
    assert story["title"] == "The seeds"
    assert (story["status"], story["access"]) == ("submitted", "private")
    assert story["consent"]["given_by"] == CONSENT_METADATA["consent_given_by"]
