"""Every error leaves as RFC 9457 `application/problem+json`; no stack trace reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.errors import PROBLEM_BASE, ArchiveError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_HTTP_DETAILS = {
    404: (
        "not-found",
        "Not found",
        "There is nothing at this address. The API lives under "
        "/api/v1; see /docs for its endpoints.",
    ),
    405: (
        "method-not-allowed",
        "Method not allowed",
        "This address does not accept this method; see /docs for what it accepts.",
    ),
}


def problem_response(
    status: int,
    slug: str,
    *,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArchiveError)
    async def _archive_error(request: Request, exc: ArchiveError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.slug,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(part) for part in err.get("loc", ())), "problem": err.get("msg")}
            for err in exc.errors()
        ]
        listing = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        return problem_response(
            422,
            "validation",
            title="Some fields are missing or wrong",
            detail=f"Correct these and send again: {listing}.",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title, detail = _HTTP_DETAILS.get(
            exc.status_code, ("http-error", "Request failed", str(exc.detail))
        )
        return problem_response(
            exc.status_code,
            slug,
            title=title,
            detail=detail,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_away(request: Request, exc: Exception) -> JSONResponse:
        log.warning(
            "request.database_unavailable path=%s error=%s", request.url.path, type(exc).__name__
        )
        return problem_response(
            503,
            "service-unavailable",
            title="A part of the archive is unavailable",
            detail="The archive's database is not answering. Nothing already stored is lost; try "
            "again in a minute, and if it lasts tell the archive's administrator.",
            instance=request.url.path,
            headers={"Retry-After": "30"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.failed path=%s", request.url.path)
        return problem_response(
            500,
            "internal",
            title="Something went wrong on our side",
            detail="The archive could not complete this request. Nothing you sent was lost; try "
            "again, and if it keeps happening tell the archive's administrator.",
            instance=request.url.path,
        )
