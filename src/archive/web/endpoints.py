"""The pages for people, beside the API: every page router, gathered for the app.

A page is added as described in README.md beside this module."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from archive.web.curate import router as curate_router
from archive.web.language import router as language_router
from archive.web.search import router as search_router
from archive.web.signin import router as signin_router
from archive.web.stories import router as stories_router

router = APIRouter(include_in_schema=False)

PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


@router.get("/contribute", name="contribute_page", response_class=HTMLResponse)
def contribute_page() -> HTMLResponse:
    """Where the holder of an upload link adds a story; the link's token is in the fragment."""
    return HTMLResponse((PAGES / "contribute.html").read_text(encoding="utf-8"))


for _pages in (signin_router, language_router, search_router, stories_router, curate_router):
    router.include_router(_pages)
