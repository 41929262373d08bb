"""One page request: who is looking, in which language, and how a template becomes the
answer. Every page is rendered through `Page.render`, which sets the security headers (a strict
Content-Security-Policy: no inline script or style, no framing) and the CSRF cookie the page's
forms send back.

CSRF: a signed-in person's forms carry the session's CSRF token (the `archive_csrf` cookie set
at sign-in; the database checks it against the session). Someone not signed in gets a random
`archive_csrf` cookie on their first page, and their forms (sign-in, language) must send the
same value back (a double-submit cookie). Another site can make a browser send our cookies but
cannot read them, so it cannot fill in the token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from archive.accounts import service as accounts
from archive.accounts.signin import CSRF_COOKIE, SESSION_COOKIE, viewer_for_session
from archive.communities.service import list_communities, with_memberships
from archive.deps import SessionDep, ViewerDep
from archive.domain.access import Role, Viewer
from archive.errors import Forbidden
from archive.events.actor import Actor
from archive.web.i18n import LANGUAGE_COOKIE, LANGUAGES, choose_language, translations

TEMPLATES = Path(__file__).parent / "templates"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, no-cache",
}
CSRF_FIELD = "csrf_token"


class Templates:
    """One Jinja environment per language, each with that language's catalog installed
    (`_()`, `gettext`, `ngettext` and `{% trans %}` in templates). Built on first use."""

    def __init__(self) -> None:
        self._environments: dict[str, Environment] = {}
        self._lock = threading.Lock()

    def environment(self, language: str) -> Environment:
        with self._lock:
            found = self._environments.get(language)
            if found is None:
                found = Environment(
                    loader=FileSystemLoader(TEMPLATES),
                    autoescape=select_autoescape(default=True),
                    extensions=["jinja2.ext.i18n"],
                    trim_blocks=True,
                    lstrip_blocks=True,
                )
                found.install_gettext_translations(  # type: ignore[attr-defined]
                    translations(language), newstyle=True
                )
                self._environments[language] = found
            return found


@dataclass(frozen=True, slots=True)
class Person:
    """Who is signed in, as the header shows them."""

    username: str
    role: Role
    communities: tuple[str, ...]

    @property
    def curates(self) -> bool:
        return self.role in {Role.ARCHIVIST, Role.ADMIN}

    @property
    def may_upload(self) -> bool:
        return self.role in {Role.CONTRIBUTOR, Role.ARCHIVIST, Role.ADMIN}


@dataclass(slots=True)
class Page:
    request: Request
    language: str
    viewer: Viewer | None
    person: Person | None
    csrf_token: str
    set_csrf_cookie: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def gettext(self, message: str, **variables: Any) -> str:
        """A message from the page's catalog, for text made in Python (errors, titles)."""
        text = translations(self.language).gettext(message)
        return text % variables if variables else text

    def render(
        self, template: str, *, status: int = 200, context: Mapping[str, Any] | None = None
    ) -> HTMLResponse:
        templates: Templates = self.request.app.state.templates
        html = (
            templates.environment(self.language)
            .get_template(template)
            .render(page=self, languages=LANGUAGES, **(context or {}))
        )
        response = HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **self.headers})
        if self.set_csrf_cookie:
            response.set_cookie(
                CSRF_COOKIE,
                self.csrf_token,
                path="/",
                secure=self.request.url.scheme == "https",
                httponly=False,
                samesite="lax",
            )
        return response

    @property
    def actor(self) -> Actor:
        """Who acts, for the audit log: this page's viewer, from the request's address."""
        client = self.request.client
        return Actor(
            user_id=self.viewer.user_id if self.viewer is not None else None,
            source_ip=client.host if client else None,
        )

    @property
    def path(self) -> str:
        """This page's own address with its query, to come back to after signing in."""
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")


def _language_of(request: Request) -> str:
    return choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def _person(session: Session, viewer: Viewer | None) -> Person | None:
    if viewer is None or viewer.user_id is None:
        return None
    user = accounts.current_user(session, viewer)
    communities = tuple(
        c.name
        for c in list_communities(session)
        if viewer.role is Role.ADMIN or c.id in viewer.member_of
    )
    return Person(username=user.username, role=Role(user.role), communities=communities)


def _csrf_cookie(request: Request) -> tuple[str, bool]:
    """The CSRF token this browser holds, or a new one to give it."""
    found = request.cookies.get(CSRF_COOKIE)
    return (found, False) if found else (secrets.token_urlsafe(32), True)


def bare_page(request: Request) -> Page:
    """A page that knows nothing of who is looking: for error pages."""
    token, new = _csrf_cookie(request)
    return Page(request, _language_of(request), None, None, token, new)


def get_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Page:
    """The viewer is resolved first, in its own short transaction, before the page's."""
    token, new = _csrf_cookie(request)
    return Page(request, _language_of(request), viewer, _person(session, viewer), token, new)


def get_form_page(
    request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Page:
    """For a form's POST: the form's `csrf_token` must equal the browser's CSRF cookie, and,
    for someone signed in, be their session's token; else `Forbidden`."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not csrf_token or not hmac.compare_digest(cookie, csrf_token):
        raise Forbidden(
            "This form is out of date or was not sent from this archive's page. Go back, "
            "reload the page and send it again."
        )
    viewer: Viewer | None = None
    session_token = request.cookies.get(SESSION_COOKIE)
    if session_token:
        viewer = viewer_for_session(session, session_token, method="POST", csrf_token=csrf_token)
        if viewer is not None:
            viewer = with_memberships(session, viewer)
    return Page(request, _language_of(request), viewer, _person(session, viewer), cookie)


PageDep = Annotated[Page, Depends(get_page)]
FormPageDep = Annotated[Page, Depends(get_form_page)]


def redirect(location: str) -> RedirectResponse:
    """After a form: go to `location` with GET (303)."""
    return RedirectResponse(location, status_code=303, headers=PAGE_HEADERS)


def safe_next(target: str | None) -> str:
    """A place on this site to go back to; anything else (another host, a scheme) is home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
