"""Hostile and careless input to the preservation features: what the OAI-PMH and OHMS
answers make of text no XML may hold, and what a masked bag still carries."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import Segment, Story, Transcript
from support.accounts import MakeUser
from support.stories import story_with_recording

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}


def test_oai_answers_stay_xml_whatever_a_title_or_a_request_holds(
    client: TestClient, make_user: MakeUser, sessions: sessionmaker[Session]
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    created = client.post(
        "/api/v1/stories",
        headers=archivist,
        json={"title": "Harbour", "access": "public", "description": "Boats & <nets>"},
    )
    assert created.status_code == 201, created.text
    with transaction(sessions) as session:
        story = session.get(Story, uuid.UUID(created.json()["id"]))
        assert story is not None
        # Text pasted from old word processors: a form feed, a vertical tab, an escape.
        story.title = "The harbour\x0c in 1952\x0b\x1b"
        story.description = "Boats & <nets>\x01"

    listed = client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert listed.status_code == 200
    root = ET.fromstring(listed.content)
    titles = [t.text for t in root.iter("{http://purl.org/dc/elements/1.1/}title")]
    assert titles == ["The harbour in 1952"]
    assert [d.text for d in root.iter("{http://purl.org/dc/elements/1.1/}description")] == [
        "Boats & <nets>"
    ]

    for params in (
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:x:\x01"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc\x02"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "community:\x03"},
        {"verb": "ListRecords", "resumptionToken": "\x04" * 5000},
        {"verb": "ListSets", "resumptionToken": "\x05"},
    ):
        answer = client.get("/oai", params=params)
        assert answer.status_code == 200
        assert ET.fromstring(answer.content).find("o:error", NS) is not None, params


def test_an_ohms_record_stays_xml_whatever_its_transcript_holds(
    client: TestClient, make_user: MakeUser, sessions: sessionmaker[Session]
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    story_id, recording_id = story_with_recording(
        client, archivist, title="Nets\x1f and boats", access="public"
    )
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=uuid.UUID(recording_id), version=1, source="machine", language="en"
        )
        transcript.segments = [
            Segment(position=0, start=0.0, end=5.0, text="We mended\x08 the nets \ufffe& sang."),
        ]
        session.add(transcript)

    answer = client.get(f"/api/v1/stories/{story_id}/ohms", headers=archivist)
    assert answer.status_code == 200, answer.text
    root = ET.fromstring(answer.content)
    text = "".join(root.itertext())
    assert "We mended the nets & sang." in text


def forged(state: dict[str, object]) -> str:
    """A resumption token made by hand the way the archive makes its own."""
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    check = hashlib.sha256(raw).hexdigest()[:8]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + check


def test_a_resumption_token_made_by_hand_is_refused_not_a_server_error(
    client: TestClient,
) -> None:
    good = {"v": "ListRecords", "f": None, "u": None, "s": None, "a": None, "c": 0}
    for change in (
        {"s": 5},
        {"s": "community:not-an-id"},
        {"s": "nothing"},
        {"s": ["community", "x"]},
        {"f": "2020-01-01T00:00:00"},
        {"u": "9999-12-31T23:59:59-23:59"},
        {"a": ["9999-12-31T23:59:59+00:00", "x"]},
        {"a": [1, 2]},
        {"c": "many"},
        {"c": 10**30},
        {"v": ["ListRecords"]},
    ):
        token = forged({**good, **change})
        answer = client.get("/oai", params={"verb": "ListRecords", "resumptionToken": token})
        assert answer.status_code == 200, (change, answer.text)
        found = ET.fromstring(answer.content).find("o:error", NS)
        assert found is not None, change
        assert found.attrib["code"] == "badResumptionToken", change


def test_a_story_closed_during_a_harvest_is_not_given_on_its_later_pages(
    client: TestClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A harvest may take hours; a story made private between its pages comes as deleted,
    never with what it says now."""
    archivist = make_user("ana", Role.ARCHIVIST)
    ids = []
    for title in ("Open one", "Open two"):
        created = client.post(
            "/api/v1/stories", headers=archivist, json={"title": title, "access": "public"}
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    monkeypatch.setattr("archive.oai.service.PAGE_SIZE", 1)
    first = ET.fromstring(
        client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).content
    )
    token = first.find("o:ListRecords/o:resumptionToken", NS)
    assert token is not None
    assert token.text
    given = first.find("o:ListRecords/o:record/o:header/o:identifier", NS)
    assert given is not None
    assert given.text is not None
    (later,) = [i for i in ids if not given.text.endswith(i)]
    current = client.get(f"/api/v1/stories/{later}", headers=archivist)
    closed = client.patch(
        f"/api/v1/stories/{later}",
        headers={**archivist, "If-Match": current.headers["etag"]},
        json={"access": "private", "title": "Private now: the family's address"},
    )
    assert closed.status_code == 200, closed.text

    second = client.get("/oai", params={"verb": "ListRecords", "resumptionToken": token.text})

    assert "family's address" not in second.text
    assert "<dc:title>" not in second.text
    (header,) = ET.fromstring(second.content).iterfind("o:ListRecords/o:record/o:header", NS)
    assert header.attrib.get("status") == "deleted"
