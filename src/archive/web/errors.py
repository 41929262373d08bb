"""Pages answer errors with a page, not problem+json: the route class every page router uses.

An `ArchiveError` becomes the error page with its `detail` (which says what to do next); a page
that needs an account sends someone not signed in to /login and back; a malformed address is
a 400 page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from archive.errors import ArchiveError, Unauthorized
from archive.web.page import bare_page, redirect

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it here."""
    return message


ERROR_TITLES = (
    N_("Something went wrong on our side"),
    N_("The request cannot be read"),
    N_("Sign-in needed"),
    N_("Not allowed for your account"),
    N_("Not found"),
    N_("Conflicts with the current state"),
    N_("No longer available"),
    N_("A precondition of the request does not hold"),
    N_("The request must say which version it changes"),
    N_("Another request is working on this"),
    N_("Too many requests"),
    N_("The data arrived damaged"),
    N_("The upload is too large"),
    N_("Not a recording we can read"),
    N_("The requested byte range is outside the file"),
    N_("The content cannot be used"),
    N_("A part of the archive is unavailable"),
    N_("The audio is being prepared"),
)
"""The titles of `archive.errors`, which the error page shows translated (a test checks
that none is missing)."""


def error_page(request: Request, *, status: int, title: str, detail: str) -> Response:
    page = bare_page(request)
    return page.render("error.html", status=status, context={"title": title, "detail": detail})


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ArchiveError as error:
                if isinstance(error, Unauthorized) and request.method == "GET":
                    query = request.url.query
                    path = request.url.path + (f"?{query}" if query else "")
                    return redirect(f"/login?next={quote(path, safe='')}")
                page = bare_page(request)
                log.info("page.error path=%s status=%s", request.url.path, error.status)
                return error_page(
                    request,
                    status=error.status,
                    title=page.gettext(error.title),
                    detail=error.detail,
                )
            except RequestValidationError:
                page = bare_page(request)
                return error_page(
                    request,
                    status=400,
                    title=page.gettext("This address is not quite right"),
                    detail=page.gettext(
                        "Part of the address is missing or malformed. Go back and follow "
                        "the link again, or start from the search page."
                    ),
                )

        return handle
