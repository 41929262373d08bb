"""The community boundary, over the whole API: every operation of the OpenAPI document that
names a thing by id (in its path, query or body) is called with the ids of another community's
things, by that community's outsiders (an archivist, a member, a researcher, a contributor of a
second community, and anonymous callers). Each answer is 404 (403 where the caller may know
the thing exists; 401 for anonymous callers), and no answer carries the other community's data
(marker words written into every text field). Listings are read by the same outsiders and must
carry none of it either.

The same calls, made by the community's own people on a twin of its world, succeed: an
outsider's 404 is then the boundary, not a malformed request. An operation that takes an id
this test does not know how to fill fails it, so a new endpoint is covered (or noticed) without
anyone remembering to add it here."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from support.accounts import MakeUser
from support.community_world import TUS, World, build_world, id_source, tus_metadata
from support.openapi_calls import PROBE_TEXT, IdSource, Operation, body_for, operations
from support.paths import STORY_EN

Headers = dict[str, str]

KNOWN_IDS = {
    "story_id": "a story (private, community or submitted)",
    "recording_id": "a recording of that story",
    "segment_id": "a segment of its current transcript",
    "restriction_id": "a restricted span of the recording",
    "version": "a transcript version",
    "collection_id": "a collection",
    "person_id": "a person",
    "protocol_id": "a cultural protocol",
    "link_id": "an upload link",
    "upload_id": "an unfinished tus upload",
    "request_id": "a pending access request",
    "grant_id": "a granted access request",
    "token_id": "an API token of the community's archivist",
    "user_id": "a member of the community",
    "community_id": "the community",
    "actor_id": "the community's archivist",
    "related_story_ids": "another story of the community",
}
ALIASES = {"narrator": "person_id", "subject_id": "story_id"}
"""Query parameters that hold one of the known ids under another name."""

QUERY_VALUES: dict[str, Any] = {"from": 1, "to": 2}
PAGE_SIZES = ("limit", "per_page")
"""A listing is read in its largest page, so that nothing hides on a later one."""

EXTRA_IDS: dict[tuple[str, str], list[str]] = {
    ("POST", "/api/v1/uploads"): ["story_id"],
}
"""Ids an operation reads from where the OpenAPI document cannot say: tus names the story in
`Upload-Metadata`."""

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/recordings/{recording_id}/restrictions"): {"start": 1.0, "end": 2.0},
    ("PATCH", "/api/v1/recordings/{recording_id}/transcript/segments/{segment_id}"): {
        "text": PROBE_TEXT
    },
    ("POST", "/api/v1/recordings/{recording_id}/transcript/segments/{segment_id}/split"): {
        "at": 2.5
    },
}
"""Fields a body needs beyond what its schema says (a span inside the recording, a change)."""

NOT_A_BODY: dict[tuple[str, str], tuple[Headers, bytes]] = {
    ("PATCH", "/api/v1/uploads/{upload_id}"): (
        {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"},
        b"probe bytes",
    ),
}

LISTED_BY_DESIGN = {
    ("GET", "/api/v1/stories/{story_id}", "community"),
    ("POST", "/api/v1/stories/{story_id}/access-requests", "community"),
}
"""A community story is listed (title and description) to everyone signed in, who may ask
to hear it: these answer 2xx to outsiders, with the `listed` marker and nothing else."""

DESTRUCTIVE_ENDINGS = ("/withdraw", "/decision", "/review", "/merge", "/split")

OUTSIDERS = ("archivist", "member", "researcher", "contributor", "anonymous")

OWN_IN_A_BODY = {"community_id", "user_id", "user_ids", "actor_id"}
"""Body ids that do not refer across: the caller's own community, and people's accounts
(which belong to no community)."""


@dataclass(frozen=True)
class Call:
    operation: Operation
    kind: str
    method: str
    url: str
    headers: Headers
    json: Any = None
    content: bytes | None = None
    files: dict[str, tuple[str, bytes]] | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.method, self.url, repr((self.json, self.headers.get("Upload-Metadata"))))


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)

    def add(self, call: Call, caller: str, status: int, why: str, excerpt: str) -> None:
        if call.kind in STORY_KINDS:
            story = f" [{call.kind} story]" if uses_story(call.operation) else ""
        else:
            story = f" [{call.kind}]"
        self.failures.append(f"{call.operation}{story} as {caller}: {status} {why}: {excerpt}")


def uses_story(operation: Operation) -> bool:
    return any(
        name in ("story_id", "recording_id", "segment_id", "restriction_id", "related_story_ids")
        or ALIASES.get(name) == "story_id"
        for name in id_names(operation)
    )


def id_names(operation: Operation) -> list[str]:
    return [*operation.id_inputs, *EXTRA_IDS.get((operation.method, operation.path), [])]


def unknown_ids(operation: Operation) -> list[str]:
    known = set(KNOWN_IDS) | set(ALIASES)
    return [
        name
        for name in id_names(operation)
        if name not in known and not (name.endswith("_ids") and name[:-1] in known)
    ]


def addressed(operation: Operation) -> bool:
    return operation.addresses_a_thing or (operation.method, operation.path) in EXTRA_IDS


def listing(operation: Operation) -> bool:
    return operation.method == "GET" and not addressed(operation)


def rank(operation: Operation) -> tuple[int, str]:
    """Reads, then changes, then what ends or removes something: no call spoils the next."""
    if operation.method in ("GET", "HEAD", "OPTIONS"):
        order = 0
    elif operation.method == "DELETE" or operation.path.endswith(DESTRUCTIVE_ENDINGS):
        order = 2 if operation.method != "DELETE" else 3
    else:
        order = 1
    return order, operation.path


class Caller:
    """Builds calls on one world, finding fresh ETags and segment ids as its owner sees them."""

    def __init__(self, client: TestClient, world: World, admin: Headers) -> None:
        self.client, self.world, self.admin = client, world, admin

    def fresh(self, kind: str) -> Callable[[str], str | None]:
        def fresh(name: str) -> str | None:
            if name != "segment_id" or "recording_id" not in self.world.stories.get(kind, {}):
                return None
            answer = self.transcript(kind)
            return None if answer is None else str(answer.json()["segments"][0]["id"])

        return fresh

    def transcript(self, kind: str) -> Any:
        recording = self.world.stories[kind]["recording_id"]
        answer = self.client.get(f"/api/v1/recordings/{recording}/transcript", headers=self.admin)
        return answer if answer.status_code == 200 else None

    def etag(self, operation: Operation, kind: str) -> str:
        if "/transcript" in operation.path:
            answer = self.transcript(kind)
            return "" if answer is None else str(answer.headers["ETag"])
        if operation.path.startswith("/api/v1/stories/{story_id}"):
            story = self.world.stories[kind]["story_id"]
            return str(
                self.client.get(f"/api/v1/stories/{story}", headers=self.admin).headers["ETag"]
            )
        raise AssertionError(f"{operation} takes If-Match; teach this test whose ETag to send")

    def build(
        self,
        operation: Operation,
        kind: str,
        *,
        nowhere: bool = False,
        filters: bool = True,
        borrow: dict[str, IdSource] | None = None,
    ) -> Call | None:
        """The call of `operation` on the `kind` story's things, or None if the world has no
        such thing for that story (a submitted story has no recording). With `nowhere`, the
        same call with ids that name nothing at all; without `filters`, a listing unfiltered;
        `borrow` takes the named ids from elsewhere."""
        ids = id_source(self.world, kind, self.fresh(kind))

        def value(name: str) -> Any:
            if borrow is not None and name in borrow:
                return borrow[name](name)
            found = ids(ALIASES.get(name, name))
            if not nowhere or name == "version":
                return found
            return [str(uuid.uuid4())] if isinstance(found, list) else str(uuid.uuid4())

        try:
            url = operation.url({name: value(name) for name in operation.path_names})
            params = {name: value(name) for name in operation.query_id_names if filters}
            body = body_for(operation, value)
            if (operation.method, operation.path) in BODIES:
                body = {**body, **BODIES[operation.method, operation.path]}
            extra = [value(name) for name in EXTRA_IDS.get((operation.method, operation.path), [])]
        except KeyError:
            return None
        for parameter in operation.parameters("query"):
            name = parameter["name"]
            schema = operation.resolve(parameter["schema"])
            if parameter.get("required") and name not in params:
                params[name] = QUERY_VALUES.get(name, self.world.secret)
            elif name in PAGE_SIZES and "maximum" in schema:
                params[name] = schema["maximum"]
        if params:
            url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
        headers: Headers = dict(TUS)
        if any(p["name"].lower() == "if-match" for p in operation.parameters("header")):
            headers["If-Match"] = self.etag(operation, kind)
        content = None
        special = NOT_A_BODY.get((operation.method, operation.path))
        if special is not None:
            headers |= special[0]
            content = special[1]
        if extra:
            headers |= {
                "Upload-Length": "100000",
                "Upload-Metadata": tus_metadata({"story_id": extra[0], "filename": "probe.flac"}),
            }
        files = {name: ("probe.flac", STORY_EN.read_bytes()) for name in operation.file_fields}
        return Call(operation, kind, operation.method, url, headers, body, content, files or None)

    def send(self, call: Call, caller: Headers) -> Any:
        return self.client.request(
            call.method,
            call.url,
            headers={**call.headers, **caller},
            json=call.json,
            content=call.content,
            files=call.files,
        )


STORY_KINDS = ("private", "community", "submitted")


def kinds(operation: Operation) -> list[str]:
    return list(STORY_KINDS) if uses_story(operation) else ["private"]


def probed(document: dict[str, Any]) -> tuple[list[Operation], list[str]]:
    """The operations to try, in a safe order, and the ones this test cannot fill."""
    chosen: list[Operation] = []
    unknown: list[str] = []
    for operation in operations(document):
        if not (addressed(operation) or listing(operation)):
            continue
        missing = unknown_ids(operation)
        if missing:
            unknown.append(
                f"{operation} takes {', '.join(missing)}: say in KNOWN_IDS (or ALIASES) which "
                "thing of another community to name there"
            )
            continue
        chosen.append(operation)
    return sorted(chosen, key=rank), unknown


def leaked(response: Any, world: World, *, signed_in: bool) -> str | None:
    """An excerpt around the first marker the response carries (body, headers, tus
    metadata), or None."""
    texts = [response.text, *(f"{k}: {v}" for k, v in response.headers.items())]
    for item in response.headers.get("upload-metadata", "").split(","):
        parts = item.strip().split(" ")
        if len(parts) == 2:
            texts.append(base64.b64decode(parts[1]).decode(errors="replace"))
    markers = [world.secret] if signed_in else [world.secret, world.listed]
    for text in texts:
        lowered = text.lower()
        for marker in markers:
            at = lowered.find(marker)
            if at >= 0:
                return str(text[max(0, at - 80) : at + 80]).replace("\n", " ")
    return None


def judge(
    findings: Findings,
    call: Call,
    caller: str,
    response: Any,
    world: World,
    *,
    nowhere: Callable[[], int],
) -> None:
    """`nowhere()` answers the status of the same call with ids that name nothing: a 422
    about a body's reference is no breach when a made-up id gets it too."""
    status: int = response.status_code
    signed_in = caller != "anonymous"
    excerpt = leaked(response, world, signed_in=signed_in)
    if excerpt is not None:
        findings.add(call, caller, status, "carries the other community's data", excerpt)
        return
    short = response.text[:160].replace("\n", " ")
    operation = call.operation
    if status >= 500:
        findings.add(call, caller, status, "server error", short)
    elif status == 422:
        if nowhere() != 422:
            findings.add(call, caller, status, "refused the request's form, not the caller", short)
    elif status == 401 and signed_in:
        findings.add(call, caller, status, "a signed-in caller was not recognised", short)
    elif addressed(operation) and status < 400:
        design = (operation.method, operation.path, call.kind) in LISTED_BY_DESIGN
        if not (design and signed_in):
            findings.add(call, caller, status, "reached the other community's thing", short)
    elif addressed(operation) and status not in (401, 403, 404):
        findings.add(call, caller, status, "tells that the thing exists", short)


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
    home = client.get("/api/v1/communities", headers=admin).json()[0]["id"]
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
