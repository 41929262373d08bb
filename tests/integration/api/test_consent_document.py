"""The consent itself, kept like any original: a scanned form or a recorded statement."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from archive.domain.access import Role
from archive.settings import Settings
from support.accounts import MakeUser
from support.leftovers import stored_objects
from support.paths import STORY_EN
from support.problems import assert_problem

CONSENT = {"given_by": "Abuela Rosa", "listen": "family", "searchable": False}
SCAN = b"%PDF-1.7\n" + b"signed by Abuela Rosa " * 200


def test_a_scanned_form_and_a_recorded_statement_are_kept_whole(
    client: TestClient, admin: dict[str, str], settings: Settings
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "Grandmother's song", "consent": CONSENT}
    ).json()
    scan = client.post(
        f"/api/v1/stories/{story['id']}/consent/document",
        headers=admin,
        files={"file": ("consent.pdf", SCAN)},
    )
    assert scan.status_code == 200, scan.text
    assert (scan.json()["document"], scan.json()["document_content_type"]) == (
        True,
        "application/pdf",
    )
    kept = client.get(f"/api/v1/stories/{story['id']}/consent/document", headers=admin)
    assert kept.content == SCAN
    spoken = client.post(
        f"/api/v1/stories/{story['id']}/consent/document",
        headers=admin,
        files={"file": ("consent.flac", STORY_EN.read_bytes())},
    )
    assert spoken.json()["document_content_type"] == "audio/flac"
    assert (
        hashlib.sha256(
            client.get(f"/api/v1/stories/{story['id']}/consent/document", headers=admin).content
        ).hexdigest()
        == hashlib.sha256(STORY_EN.read_bytes()).hexdigest()
    )
    # Write-once: the first document is still stored beside the second.
    assert (
        len([p for p in stored_objects(settings.data_dir / "objects") if "consents" in p.parts])
        == 2
    )


def test_what_is_not_a_form_or_a_statement_is_refused_and_not_kept(
    client: TestClient, admin: dict[str, str], settings: Settings, make_user: MakeUser
) -> None:
    story = client.post(
        "/api/v1/stories", headers=admin, json={"title": "x", "consent": CONSENT}
    ).json()
    refused = client.post(
        f"/api/v1/stories/{story['id']}/consent/document",
        headers=admin,
        files={"file": ("notes.txt", b"I agree, more or less.\n" * 50)},
    )
    assert_problem(refused, 415)
    assert stored_objects(settings.data_dir / "objects") == []
    no_consent = client.post("/api/v1/stories", headers=admin, json={"title": "y"}).json()
    assert_problem(
        client.post(
            f"/api/v1/stories/{no_consent['id']}/consent/document",
            headers=admin,
            files={"file": ("c.pdf", SCAN)},
        ),
        409,
    )
    researcher = make_user("r", Role.RESEARCHER)
    assert_problem(
        client.get(f"/api/v1/stories/{story['id']}/consent/document", headers=researcher), 404
    )
