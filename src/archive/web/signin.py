"""Signing in and out from a browser: /login and /logout, with the API's session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from archive.accounts.endpoints import (
    LoginLimiterDep,
    PasswordsDep,
    clear_session_cookies,
    password_sign_in,
    set_session_cookies,
)
from archive.accounts.signin import SESSION_COOKIE, sign_out
from archive.deps import SessionDep, SessionFactoryDep, SettingsDep
from archive.errors import TooManyRequests, Unauthorized
from archive.web.errors import PageRoute
from archive.web.page import FormPageDep, PageDep, redirect, safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/login")
def login_page(page: PageDep, next: str = "/") -> Response:
    return page.render("login.html", context={"next": safe_next(next), "username": ""})


@router.post("/login")
def login(
    request: Request,
    page: FormPageDep,
    sessions: SessionFactoryDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    limiter: LoginLimiterDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        signed_in = password_sign_in(
            request, sessions, settings, passwords, limiter, username=username, password=password
        )
    except (Unauthorized, TooManyRequests) as refused:
        message = (
            page.gettext(
                "The username or the password is wrong. Check both (letter case matters) "
                "and try again."
            )
            if isinstance(refused, Unauthorized)
            else refused.detail
        )
        return page.render(
            "login.html",
            status=refused.status,
            context={"next": safe_next(next), "username": username, "error": message},
        )
    response = redirect(safe_next(next))
    set_session_cookies(response, request, signed_in, settings)
    return response


@router.post("/logout")
def logout(request: Request, page: FormPageDep, session: SessionDep) -> Response:
    """Ends the session; the form's CSRF token was checked against it first."""
    sign_out(session, request.cookies.get(SESSION_COOKIE), actor=page.actor)
    response = redirect("/")
    clear_session_cookies(response, request)
    return response
