"""OAI-PMH 2.0 at `/oai` (GET, or POST with a form), outside the versioned API: harvesters
know the protocol's address, not ours."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response

from archive.db.base import utcnow
from archive.deps import SessionDep, SettingsDep
from archive.domain import oai_xml
from archive.domain.oai import OaiError, parse_request
from archive.oai import service

router = APIRouter(tags=["oai-pmh"])

XML = "text/xml; charset=utf-8"
DESCRIPTION = (
    "OAI-PMH 2.0 for partner institutions and library catalogues: published public stories "
    "as `oai_dc` records; sets per community and collection; deleted records kept. Verbs: "
    "Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord."
)


@router.get("/oai", response_class=Response, description=DESCRIPTION)
def oai_get(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    return _answer(request, list(request.query_params.multi_items()), session, settings)


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The form's arguments in order, repeats kept (the protocol refuses repeats)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return parse_qsl(body, keep_blank_values=True)


@router.post(
    "/oai",
    response_class=Response,
    description=DESCRIPTION,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            }
        }
    },
)
def oai_post(
    request: Request,
    pairs: Annotated[list[tuple[str, str]], Depends(form_pairs)],
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    return _answer(request, pairs, session, settings)


def _answer(
    request: Request, pairs: list[tuple[str, str]], session: SessionDep, settings: SettingsDep
) -> Response:
    base_url = str(request.url_for("oai_get"))
    now = utcnow()
    repo = service.Repository(
        name=settings.oai_repository_name,
        namespace=settings.oai_namespace,
        admin_email=settings.oai_admin_email,
        base_url=base_url,
        site_url=str(request.base_url).rstrip("/"),
    )
    try:
        parsed = parse_request(pairs)
        content = service.answer(session, parsed, repo=repo, now=now)
    except OaiError as exc:
        content = oai_xml.error(exc, now=now, base_url=base_url, arguments=dict(pairs))
    return Response(content=content, media_type=XML)
