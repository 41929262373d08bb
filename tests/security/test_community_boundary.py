"""The community boundary, over the whole API: every operation of the OpenAPI document that
names a thing by id (in its path, query or body) is called with the ids of another community's
things, by that community's outsiders (an archivist, a member, a researcher, a contributor of a
second community, and anonymous callers). Each answer is 404 (403 where the caller may know
the thing exists; 401 for anonymous callers), and no answer carries the other community's data
(marker words written into every text field). Listings are read by the same outsiders and must
carry none of it either. And the other community's archivist, on their own things, cannot name
the first community's (its narrator, its collection) in a body.

The same calls, made by the community's own people on a twin of its world, succeed: an
outsider's 404 is then the boundary, not a malformed request. An operation that takes an id
this test does not know how to fill fails it, so a new endpoint is covered (or noticed) without
anyone remembering to add it here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.discovery.reindex import rebuild
from support.accounts import MakeUser
from support.boundary_probe import (
    OUTSIDERS,
    OWN_IN_A_BODY,
    Call,
    Caller,
    Findings,
    Headers,
    judge,
    kinds,
    listing,
    probed,
)
from support.community_world import World, build_world, id_source
from support.openapi_calls import Operation


@dataclass(frozen=True)
class Boundary:
    """Community A (the default one) with one of everything, twice: `probe` for outsiders to
    try, `proof` for its own people to prove the same calls on. Community B (`coast`) with
    one of everything too, and its people: `outsiders` of A."""

    probe: World
    proof: World
    coast: World
    outsiders: dict[str, Headers]


@pytest.fixture
def boundary(
    client: TestClient,
    admin: Headers,
    make_user: MakeUser,
    sessions: sessionmaker[Session],
) -> Boundary:
    home = client.get("/api/v1/communities", headers=admin).json()["items"][0]["id"]
    coast_id = client.post("/api/v1/communities", headers=admin, json={"name": "Coast"}).json()
    worlds = {
        label: build_world(
            client,
            sessions,
            admin,
            make_user,
            community_id=community,
            default_community_id=home,
            label=label,
        )
        for label, community in (("coast", coast_id["id"]), ("a1", home), ("a2", home))
    }
    # The transcripts were written straight to the database: index them as the jobs would.
    rebuild(sessions, client.app.state.index)  # type: ignore[attr-defined]
    coast = worlds["coast"]
    outsiders = {
        "archivist": coast.archivist,
        "member": coast.member,
        "researcher": coast.stranger,
        "contributor": coast.contributor,
        "anonymous": {},
    }
    return Boundary(worlds["a1"], worlds["a2"], coast, outsiders)


def test_no_operation_reaches_another_communitys_things(
    client: TestClient, admin: Headers, boundary: Boundary
) -> None:
    chosen, unknown = probed(client.get("/openapi.json").json())
    findings = Findings(failures=list(unknown))
    try_as_outsiders(Caller(client, boundary.probe, admin), chosen, boundary, findings)
    refer_across(Caller(client, boundary.coast, admin), chosen, boundary, findings)
    prove_as_owners(Caller(client, boundary.proof, admin), chosen, admin, findings)
    assert not findings.failures, (
        f"{len(findings.failures)} breaches of the community boundary:\n  "
        + "\n  ".join(findings.failures)
    )


def try_as_outsiders(
    on_probe: Caller, chosen: list[Operation], boundary: Boundary, findings: Findings
) -> None:
    """Every call, with A's ids, by each of A's outsiders."""
    for operation in chosen:
        seen: set[tuple[str, str, str]] = set()
        calls = [on_probe.build(operation, kind) for kind in kinds(operation)]
        if listing(operation):
            calls.insert(0, on_probe.build(operation, "unfiltered", filters=False))
        for call in calls:
            if call is None or call.key in seen:
                continue
            seen.add(call.key)
            for caller in OUTSIDERS:
                headers = boundary.outsiders[caller]

                def nowhere(made: Call = call, who: Headers = headers) -> int:
                    other = on_probe.build(made.operation, made.kind, nowhere=True)
                    assert other is not None
                    status: int = on_probe.send(other, who).status_code
                    return status

                answer = on_probe.send(call, headers)
                judge(findings, call, caller, answer, boundary.probe, nowhere=nowhere)


def refer_across(
    on_coast: Caller, chosen: list[Operation], boundary: Boundary, findings: Findings
) -> None:
    """B's archivist, on B's own things, names one of A's things in a body (a person as
    narrator, a collection, a related story, a protocol): refused like a stranger's id, and
    the same call with B's own ids succeeds."""
    probe_ids = id_source(boundary.probe, "community", lambda _: None)

    def made_up(name: str) -> Any:
        return [str(uuid.uuid4())] if name.endswith("_ids") else str(uuid.uuid4())

    archivist = boundary.outsiders["archivist"]
    for operation in chosen:
        for name in operation.body_id_names:
            if name in OWN_IN_A_BODY:
                continue
            call = on_coast.build(operation, "private", borrow={name: probe_ids})
            if call is None:
                continue
            call = replace(call, kind=f"B's own, but {name} of A")

            def nowhere(made: Call = call, field_name: str = name) -> int:
                other = on_coast.build(made.operation, "private", borrow={field_name: made_up})
                assert other is not None
                status: int = on_coast.send(other, archivist).status_code
                return status

            answer = on_coast.send(call, archivist)
            judge(findings, call, "archivist", answer, boundary.probe, nowhere=nowhere)
            own = on_coast.build(operation, "private")
            assert own is not None
            mine = on_coast.send(own, archivist)
            if mine.status_code >= 300:
                findings.failures.append(
                    f"{operation} with B's own {name}: B's archivist got {mine.status_code}, so "
                    f"the refusal of A's proves nothing; fix the call ({mine.text[:200]})"
                )


def prove_as_owners(
    on_proof: Caller, chosen: list[Operation], admin: Headers, findings: Findings
) -> None:
    """The same calls succeed for A's own people (or an administrator), on A's twin world:
    so an outsider's 404 is the boundary, not a malformed request."""
    for operation in chosen:
        answers = []
        for kind in kinds(operation):
            call = on_proof.build(operation, kind)
            if call is None:
                continue
            for owner in [admin, *on_proof.world.owners]:
                answer = on_proof.send(call, owner)
                answers.append(f"{kind}: {answer.status_code} {answer.text[:120]}")
                if answer.status_code < 300:
                    break
            else:
                continue
            break
        else:
            findings.failures.append(
                f"{operation}: the community's own people got no 2xx either, so an outsider's "
                f"answer proves nothing; fix the call ({'; '.join(answers)[:400]})"
            )


def test_an_operation_whose_ids_this_test_cannot_fill_is_named_not_skipped() -> None:
    """A new endpoint taking an id nobody taught this test fails it (in its path, or deep in
    its body), instead of passing unprobed; one it knows is probed."""
    uuid_schema = {"type": "string", "format": "uuid"}
    document: dict[str, Any] = {
        "paths": {
            "/api/v1/widgets/{widget_id}": {
                "get": {"parameters": [{"name": "widget_id", "in": "path", "schema": uuid_schema}]}
            },
            "/api/v1/stories/{story_id}/gadgets": {
                "post": {
                    "parameters": [{"name": "story_id", "in": "path", "schema": uuid_schema}],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/G"}}
                        }
                    },
                }
            },
            "/api/v1/stories/{story_id}": {
                "get": {"parameters": [{"name": "story_id", "in": "path", "schema": uuid_schema}]}
            },
        },
        "components": {
            "schemas": {
                "G": {
                    "type": "object",
                    "properties": {
                        "parts": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"sprocket_ids": {"type": "array"}},
                            },
                        }
                    },
                }
            }
        },
    }
    chosen, unknown = probed(document)
    assert [str(operation) for operation in chosen] == ["GET /api/v1/stories/{story_id}"]
    assert len(unknown) == 2
    assert "GET /api/v1/widgets/{widget_id} takes widget_id" in unknown[0]
    assert "POST /api/v1/stories/{story_id}/gadgets takes sprocket_ids" in unknown[1]


LISTINGS = {
    "/api/v1/stories": {"community_id", "collection_id", "narrator"},
    "/api/v1/recordings": {"story_id", "community_id"},
    "/api/v1/collections": {"community_id"},
    "/api/v1/communities": set(),
    "/api/v1/people": {"community_id"},
}
"""The listings, and the filters that name another community's things: each is read by every
outsider unfiltered and with each of these filters set to the community's ids."""


def test_the_listings_are_probed_with_their_filters(client: TestClient) -> None:
    chosen, _ = probed(client.get("/openapi.json").json())
    found = {
        operation.path: set(operation.query_id_names)
        for operation in chosen
        if listing(operation) and operation.path in LISTINGS
    }
    assert found == LISTINGS
