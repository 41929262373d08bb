"""The pages for people, beside the API: every page router, gathered for the app.

A page is added as described in README.md beside this module."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from archive.web.curate import router as curate_router
from archive.web.language import router as language_router
from archive.web.search import router as search_router
from archive.web.sending import router as sending_router
from archive.web.signin import router as signin_router
from archive.web.stories import router as stories_router

router = APIRouter(include_in_schema=False)

PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"

EMPTY_STYLE_HASH = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
DOCS_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        # ReDoc's styled-components makes empty <style> elements and fills them through the
        # CSSOM (which CSP does not govern); this hash is that of the empty string, so no
        # inline style text is allowed
        f"style-src 'self' '{EMPTY_STYLE_HASH}'",
        # the viewers' own icons are SVG data URLs inside their CSS; ReDoc searches in a worker
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
"""The API documentation pages load everything from this archive (`static/vendor/`) and run
no inline script, so they work with no internet and nothing else can run in them."""


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


@router.get("/docs", name="api_docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    """The OpenAPI document in Swagger UI, where a signed-in person can try each operation."""
    return _docs_page("docs.html")


@router.get("/redoc", name="api_reference", response_class=HTMLResponse)
def api_reference() -> HTMLResponse:
    """The OpenAPI document in ReDoc, to read."""
    return _docs_page("redoc.html")


def _docs_page(name: str) -> HTMLResponse:
    return HTMLResponse(
        (PAGES / name).read_text(encoding="utf-8"),
        headers={
            "Content-Security-Policy": DOCS_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
