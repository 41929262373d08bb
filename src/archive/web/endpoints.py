"""The pages for people, beside the API: every page router, gathered for the app.

A page is added as described in README.md beside this module."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from archive.web.curate import router as curate_router
from archive.web.language import router as language_router
from archive.web.search import router as search_router
from archive.web.sending import router as sending_router
from archive.web.signin import router as signin_router
from archive.web.stories import router as stories_router

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


PAGE_ROUTERS = (
    signin_router,
    language_router,
    search_router,
    stories_router,
    sending_router,
    curate_router,
)
for page_router in PAGE_ROUTERS:
    router.include_router(page_router)
