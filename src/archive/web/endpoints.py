"""Pages for people, beside the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"


@router.get("/contribute", name="contribute_page", response_class=HTMLResponse)
def contribute_page() -> HTMLResponse:
    """Where the holder of an upload link adds a story; the link's token is in the fragment."""
    return HTMLResponse((PAGES / "contribute.html").read_text(encoding="utf-8"))
