"""Calls of every operation of the OpenAPI document on one community's things (a `World`),
and the judgement of their answers to another community's people: what the boundary test in
`tests/security/test_community_boundary.py` runs. Teach it here (`KNOWN_IDS`, `ALIASES`) which
thing an id of a new endpoint names."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from support.community_world import TUS, World, id_source, tus_metadata
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
ALIASES = {
    "narrator": "person_id",
    "subject_id": "story_id",
    "access_grant_id": "grant_id",
    "access_request_id": "request_id",
}
"""Parameters that hold one of the known ids under another name."""

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
    ("POST", "/api/v1/users"): {
        "username": "boundary-probe-user",
        "password": "lantern orchard quietly 4891",
        "role": "researcher",
    },
}
"""Fields a body needs beyond what its schema says (a span inside the recording, a change, a
username and a password that pass their rules)."""

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

DESTRUCTIVE_ENDINGS = ("/withdraw", "/decision", "/review", "/merge", "/split", "/deaccession")

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
            url += "?" + urlencode(params, doseq=True)
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
                f"{operation} takes {', '.join(missing)}: say in tests/support/boundary_probe.py "
                "(KNOWN_IDS or ALIASES) which thing of another community to name there"
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
    about a body's reference, or a 403, is no breach when a made-up id gets it too (or the
    caller may know the thing exists: a community story, to anyone signed in)."""
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
    elif addressed(operation) and status == 403 and not may_know(call, signed_in=signed_in):
        elsewhere = nowhere()
        if elsewhere != 403:
            why = f"tells that the thing exists (a made-up id gets {elsewhere})"
            findings.add(call, caller, status, why, short)


def may_know(call: Call, *, signed_in: bool) -> bool:
    """Whoever is signed in may know that a community story exists (it is listed to them)."""
    story_itself = call.operation.path.startswith("/api/v1/stories/{story_id}")
    return signed_in and call.kind == "community" and story_itself
