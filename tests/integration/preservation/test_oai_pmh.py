"""OAI-PMH 2.0, harvested by the `sickle` client over HTTP: published public stories as
oai_dc records, paged with resumption tokens, sets per community and collection, a harvest
by date after a change that carries the closed story as a deleted record, and the protocol's
errors."""

from __future__ import annotations

import calendar
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sickle import Sickle

from archive.app import create_app
from archive.domain import oai
from archive.domain.access import Role
from archive.settings import Settings
from support.accounts import MakeUser
from support.live import serving

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
Headers = dict[str, str]


@pytest.fixture
def base_url(client: TestClient, settings: Settings) -> Iterator[str]:
    """A live server on the same data as `client`, for a real harvester."""
    with serving(create_app(settings)) as url:
        yield f"{url}/oai"


def story(client: TestClient, headers: Headers, **fields: object) -> str:
    answer = client.post("/api/v1/stories", headers=headers, json=fields)
    assert answer.status_code == 201, answer.text
    story_id: str = answer.json()["id"]
    return story_id


def error_code(client: TestClient, **params: str) -> str:
    answer = client.get("/oai", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    found = ET.fromstring(answer.content).find("o:error", NS)
    assert found is not None, answer.text
    return found.attrib["code"]


def test_a_partner_harvests_the_public_catalogue_page_by_page(
    client: TestClient,
    base_url: str,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    narrator = client.post("/api/v1/people", headers=archivist, json={"name": "Rosa Quispe"})
    assert narrator.status_code == 201, narrator.text
    shelf = client.post("/api/v1/collections", headers=archivist, json={"title": "Harbour"})
    assert shelf.status_code == 201, shelf.text
    collection_id = shelf.json()["id"]
    public = [
        story(
            client,
            archivist,
            title=f"Public story {n}",
            access="public",
            languages=["es"],
            recorded_date="1952",
            people=[{"person_id": narrator.json()["id"], "role": "narrator"}],
            collection_id=collection_id if n == 0 else None,
        )
        for n in range(3)
    ]
    hidden = story(client, archivist, title="Family only", access="community")
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    monkeypatch.setattr("archive.oai.service.PAGE_SIZE", 2)
    harvester = Sickle(base_url)

    identity = harvester.Identify()
    assert identity.repositoryName == "Community oral-history archive"
    assert identity.deletedRecord == "persistent"
    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))

    assert sorted(r.metadata["title"][0] for r in records) == [
        "Public story 0",
        "Public story 1",
        "Public story 2",
    ]
    assert all(r.metadata["creator"] == ["Rosa Quispe"] for r in records)
    assert all(r.metadata["language"] == ["es"] for r in records)
    assert all(r.metadata["date"] == ["1952"] for r in records)
    identifiers = {r.header.identifier for r in records}
    assert not any(hidden in i for i in identifiers)
    assert {i.rsplit(":", 1)[1] for i in identifiers} == set(public)
    sets = {s.setSpec: s.setName for s in harvester.ListSets()}
    assert sets[f"collection:{collection_id}"] == "Harbour"
    assert any(spec.startswith("community:") for spec in sets)
    in_shelf = list(
        harvester.ListIdentifiers(metadataPrefix="oai_dc", set=f"collection:{collection_id}")
    )
    assert [h.identifier.rsplit(":", 1)[1] for h in in_shelf] == [public[0]]
    formats = [f.metadataPrefix for f in harvester.ListMetadataFormats()]
    assert formats == ["oai_dc"]


def test_a_harvest_after_a_change_carries_the_closed_story_as_deleted(
    client: TestClient, base_url: str, make_user: MakeUser
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    kept = story(client, archivist, title="Stays open", access="public")
    closing = story(client, archivist, title="Closes", access="public")
    harvester = Sickle(base_url)
    first = list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
    assert len(first) == 2
    latest = max(h.datestamp for h in first)
    time.sleep(1.1)  # datestamps have a granularity of seconds
    current = client.get(f"/api/v1/stories/{closing}", headers=archivist)
    changed = client.patch(
        f"/api/v1/stories/{closing}",
        headers={**archivist, "If-Match": current.headers["etag"]},
        json={"access": "private"},
    )
    assert changed.status_code == 200, changed.text

    later = list(harvester.ListRecords(metadataPrefix="oai_dc", **{"from": _after(latest)}))

    assert [(r.header.identifier.rsplit(":", 1)[1], r.header.deleted) for r in later] == [
        (closing, True)
    ]
    record = harvester.GetRecord(identifier=later[0].header.identifier, metadataPrefix="oai_dc")
    assert record.header.deleted
    again = {
        h.identifier.rsplit(":", 1)[1]: h.deleted
        for h in harvester.ListIdentifiers(metadataPrefix="oai_dc")
    }
    assert again == {kept: False, closing: True}


def _after(stamp: str) -> str:
    """The second after an OAI datestamp."""
    moment = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment + 1))


def test_the_protocols_errors(client: TestClient, make_user: MakeUser) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    story(client, archivist, title="Open", access="public")
    assert error_code(client) == "badVerb"
    assert error_code(client, verb="Dance") == "badVerb"
    assert error_code(client, verb="ListRecords") == "badArgument"
    assert error_code(client, verb="ListRecords", metadataPrefix="marc21") == (
        "cannotDisseminateFormat"
    )
    assert error_code(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "1952"}) == (
        "badArgument"
    )
    assert (
        error_code(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2999-01-01"})
        == "noRecordsMatch"
    )
    assert error_code(client, verb="ListRecords", resumptionToken="made-up") == (
        "badResumptionToken"
    )
    assert (
        error_code(client, verb="GetRecord", identifier="oai:elsewhere:1", metadataPrefix="oai_dc")
        == "idDoesNotExist"
    )
    assert error_code(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="x") == (
        "badArgument"
    )
    posted = client.post(
        "/oai",
        content="verb=Identify",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ET.fromstring(posted.content).find("o:Identify", NS) is not None
