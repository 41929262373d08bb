"""What every curation page shares: who may open it, how a change is tried, how forms are read.

A change runs inside a savepoint of the request's one transaction (`attempt`): when the
service refuses it, the savepoint is rolled back and the page is drawn again, in the same
transaction, with the service's explanation and its status; nothing of the refused change is
committed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from archive.domain.access import Viewer, is_curator
from archive.errors import ArchiveError, Forbidden, Unauthorized, Unprocessable
from archive.web.page import Page, redirect

NOTICES = frozenset(
    {
        "published",
        "rejected",
        "saved",
        "restricted",
        "lifted",
        "created",
        "added",
        "granted",
        "refused",
        "revoked",
        "kept",
    }
)
"""What a page may say was just done (`?done=`), each a sentence in its template."""


def curator(page: Page) -> Viewer:
    """The signed-in archivist or administrator looking at `page`; someone not signed in is
    sent to sign in (by `PageRoute`), anyone else is refused."""
    viewer = page.viewer
    if viewer is None:
        raise Unauthorized("Sign in as an archivist to curate the archive.")
    if not is_curator(viewer):
        raise Forbidden(
            "These pages are for the community's archivists. If you think you should have "
            "them, ask an administrator to make you an archivist of your community."
        )
    return viewer


@contextmanager
def attempt(session: Session) -> Iterator[None]:
    """A change that is undone whole when it raises (a savepoint), so the page can explain."""
    with session.begin_nested():
        yield


def render(
    page: Page,
    template: str,
    *,
    status: int = 200,
    error: ArchiveError | ValidationError | None = None,
    **context: Any,
) -> HTMLResponse:
    """A curation page, with what was just done (`?done=`) or why it did not work."""
    notice = page.request.query_params.get("done")
    if error is not None:
        status = 422 if isinstance(error, ValidationError) else error.status
        context["error"] = (
            validation_message(error) if isinstance(error, ValidationError) else error.detail
        )
    context.setdefault("notice", notice if notice in NOTICES else None)
    return page.render(f"curate/{template}", status=status, context=context)


def back(path: str, *, done: str, anchor: str = "") -> Response:
    """After a change: to `path` with what was done (Post/Redirect/Get)."""
    return redirect(f"{path}?{urlencode({'done': done})}{anchor}")


def split_terms(value: str) -> list[str]:
    """A comma-separated field as a list, blanks left out."""
    return [part.strip() for part in value.split(",") if part.strip()]


def validation_message(error: ValidationError) -> str:
    """Pydantic's complaints about a form, one sentence each, naming the field."""
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "form"
        parts.append(f"{where}: {problem['msg'].removeprefix('Value error, ')}.")
    return " ".join(parts)


def an_id(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def required_id(value: str, *, missing: str) -> uuid.UUID:
    found = an_id(value)
    if found is None:
        raise Unprocessable(missing)
    return found
