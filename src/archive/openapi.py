"""The OpenAPI document, made to tell the truth: every operation may answer with RFC 9457
`application/problem+json` (FastAPI documents its own validation errors as plain JSON of
another shape); each operation names the ways to sign in that it takes (`security`), read from
its actual dependencies; and the features are tags with descriptions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from archive.accounts.signin import CSRF_HEADER, SESSION_COOKIE
from archive.deps import get_caller, get_find_viewer, get_viewer, require_viewer

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error (RFC 9457): `detail` says what to do next.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What to do next, for a person to read"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
PROBLEM_RESPONSE: dict[str, Any] = {
    "description": "A problem: what went wrong and what to do (RFC 9457)",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}

BEARER = "bearerToken"
COOKIE = "sessionCookie"
SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "`Authorization: Bearer TOKEN`: a person's API token (`archive users create`, or "
            "`POST /api/v1/tokens`), an upload link's token (`POST /api/v1/upload-links`), "
            "or the `ARCHIVE_ADMIN_TOKEN` the server was started with."
        ),
    },
    COOKIE: {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": (
            "The browser session that `POST /api/v1/auth/login` sets. A request that changes "
            f"something also sends the CSRF token it returned, as `{CSRF_HEADER}`."
        ),
    },
}
SIGNED_IN: list[dict[str, list[str]]] = [{BEARER: []}, {COOKIE: []}]
"""Either way of signing in; the operation answers 401 without one."""
SIGNED_IN_OR_ANONYMOUS: list[dict[str, list[str]]] = [*SIGNED_IN, {}]
"""Either way of signing in, or none: an anonymous caller sees published public material."""
REQUIRED: frozenset[Callable[..., Any]] = frozenset({require_viewer, get_caller})
"""The dependencies (`deps.py`) that answer 401 without a caller."""
OPTIONAL: frozenset[Callable[..., Any]] = frozenset({get_viewer, get_find_viewer})
"""The dependencies that find the caller if there is one."""

TAGS: list[dict[str, str]] = [
    {
        "name": "preservation",
        "description": "Stories out of the archive in standard forms: a BagIt 1.0 bag with the "
        "originals byte for byte, every transcript version, metadata, consent and events "
        "(`archive import` brings it back), and an OHMS XML record for the OHMS viewer.",
    },
    {
        "name": "fixity",
        "description": "Audits that read every original back from storage and check its "
        "SHA-256: what is missing or changed, never repaired silently.",
    },
    {
        "name": "oai-pmh",
        "description": "OAI-PMH 2.0 at `/oai` for partner institutions and library catalogues: "
        "published public stories as `oai_dc`, with sets and persistent deleted records.",
    },
    {
        "name": "stories",
        "description": "A story is what a narrator told: its metadata, who may hear it "
        "(`access`, embargo, cultural protocols), its consent and its recordings. Archivists "
        "and contributors create them; edits take `If-Match` with the story's version.",
    },
    {
        "name": "recordings",
        "description": "One audio or video file of a story, uploaded in one request (multipart "
        "field `file`); its status (`queued`, `transcribing`, `ready`, `failed`) and progress, "
        "and its bytes with HTTP Range for seeking.",
    },
    {
        "name": "resumable uploads (tus)",
        "description": "tus 1.0.0 resumable uploads for long recordings on bad connections: "
        "any tus client resumes from the offset the server reports. `Upload-Metadata` names "
        "the story (see `POST /api/v1/uploads` for every key).",
    },
    {
        "name": "transcripts",
        "description": "The speech model's transcript of a recording, segment by segment with "
        "word timings and a confidence per segment; captions (VTT, SRT, text); corrections, "
        "each a new version, with their history and differences.",
    },
    {
        "name": "restrictions",
        "description": "Stretches of a recording held back from those who may hear the rest "
        "of the story: silenced in its audio, left out of its transcript and of search.",
    },
    {
        "name": "search",
        "description": "Full-text search across transcripts and story metadata: words, "
        '"phrases", prefix*; each hit names the recording and the second. Only what the '
        "caller may hear is searched.",
    },
    {
        "name": "collections",
        "description": "Groups of stories within one community, curated by its archivists.",
    },
    {
        "name": "communities",
        "description": "The communities that own stories, their members and roles (member, "
        "elder, archivist), and the cultural protocols that restrict stories to their holders.",
    },
    {
        "name": "access requests",
        "description": "Asking to hear a story one may know of but not hear; archivists grant "
        "(for a while) or refuse, and grants can be listed and ended early.",
    },
    {
        "name": "upload links",
        "description": "Links an archivist hands to someone without an account, to add "
        "stories to one collection; the link's token is a bearer token for this alone.",
    },
    {
        "name": "consent",
        "description": "The narrator's consent on a story: who may listen, whether it is "
        "searchable, an embargo, a signed document; withdrawing it takes the story out of "
        "playback at once and out of search.",
    },
    {
        "name": "review",
        "description": "Stories from contributors and upload links wait here, private, until "
        "an archivist publishes or rejects them; a story can be withdrawn.",
    },
    {
        "name": "people",
        "description": "Narrators, interviewers and translators: their records and notes, "
        "kept within one community.",
    },
    {
        "name": "events",
        "description": "The audit and preservation log: who did what and when, including "
        "every read of material that is not public.",
    },
    {
        "name": "accounts",
        "description": "Users, API tokens, and signing in and out in a browser.",
    },
    {
        "name": "health",
        "description": "Liveness, and the state of the database, storage, search index and "
        "workers.",
    },
]


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=TAGS,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        components["securitySchemes"] = SECURITY_SCHEMES
        for path in document.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                responses["422"] = PROBLEM_RESPONSE
                responses["default"] = PROBLEM_RESPONSE
        for path, methods, dependant in _operations(app):
            security = security_of(dependant)
            for method in methods:
                operation = document["paths"].get(path, {}).get(method.lower())
                if operation is not None and security is not None:
                    operation["security"] = security
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]


def security_of(dependant: Dependant) -> list[dict[str, list[str]]] | None:
    """The ways to sign in that an operation takes, from the dependencies it has: one that
    requires a caller takes a bearer token or the session cookie; one that only looks at the
    caller also answers anonymous requests; None for one that never asks who calls."""
    calls = set(_calls(dependant))
    if calls & REQUIRED:
        return SIGNED_IN
    if calls & OPTIONAL:
        return SIGNED_IN_OR_ANONYMOUS
    return None


def _operations(app: FastAPI) -> Iterator[tuple[str, set[str], Dependant]]:
    """Each documented route's path (with its router's prefix), methods and dependencies."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format:
            yield context.path_format, set(context.methods or ()), route.dependant


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)
