"""The language switch: the choice is kept in a cookie for a year and wins over the browser's
`Accept-Language`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from archive.web.errors import PageRoute
from archive.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from archive.web.page import FormPageDep, redirect, safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ONE_YEAR = 365 * 24 * 3600


@router.post("/language")
def choose_language(
    page: FormPageDep,
    language: Annotated[str, Form(max_length=20)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    response = redirect(safe_next(next))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=ONE_YEAR,
            path="/",
            secure=page.request.url.scheme == "https",
            samesite="lax",
        )
    return response
