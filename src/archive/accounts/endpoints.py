from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from archive.accounts import service, signin
from archive.accounts.passwords import Passwords
from archive.accounts.schemas import (
    LoginRequest,
    LoginResult,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
)
from archive.accounts.signin import CSRF_COOKIE, SESSION_COOKIE, LoginLimiter
from archive.db.session import transaction
from archive.deps import (
    ActorDep,
    CurrentViewer,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    ViewerDep,
)
from archive.domain.access import Role
from archive.events.actor import Actor
from archive.settings import Settings

router = APIRouter(tags=["accounts"])


async def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def _login_limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


PasswordsDep = Annotated[Passwords, Depends(_passwords)]
LoginLimiterDep = Annotated[LoginLimiter, Depends(_login_limiter)]


@router.post("/users", status_code=201)
def create_user(
    data: UserCreate,
    viewer: CurrentViewer,
    session: SessionDep,
    passwords: PasswordsDep,
    actor: ActorDep,
) -> UserRead:
    """An administrator makes an account that signs in with a password."""
    user = service.create_user(
        session,
        viewer,
        passwords=passwords,
        username=data.username,
        password=data.password.get_secret_value(),
        role=data.role,
        community_id=data.community_id,
        actor=actor,
    )
    return UserRead.model_validate(user, from_attributes=True)


@router.get("/users/me")
def read_me(viewer: CurrentViewer, session: SessionDep) -> UserRead:
    return UserRead.model_validate(service.current_user(session, viewer), from_attributes=True)


@router.post("/auth/login")
def login(
    data: LoginRequest,
    request: Request,
    response: Response,
    sessions: SessionFactoryDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    limiter: LoginLimiterDep,
) -> LoginResult:
    """Signs in with a password: sets the session cookie (`HttpOnly`) and the CSRF cookie."""
    signed_in = password_sign_in(
        request,
        sessions,
        settings,
        passwords,
        limiter,
        username=data.username,
        password=data.password.get_secret_value(),
    )
    set_session_cookies(response, request, signed_in, settings)
    return LoginResult(
        username=signed_in.user.username,
        role=Role(signed_in.user.role),
        csrf_token=signed_in.csrf_token,
        expires_at=signed_in.expires_at,
    )


def password_sign_in(
    request: Request,
    sessions: sessionmaker[Session],
    settings: Settings,
    passwords: Passwords,
    limiter: LoginLimiter,
    *,
    username: str,
    password: str,
) -> signin.SignedIn:
    """Opens a browser session for a username and password (the API's and the sign-in
    page's). Two short transactions, the slow password check outside both: on SQLite a
    transaction holds the database's one write lock, and no one should wait on a hash."""
    address = request.client.host if request.client else None
    with transaction(sessions) as session:
        credentials = signin.stored_credentials(
            session, limiter, username=username, address=address or "unknown"
        )
    upgraded = signin.check_password(passwords, credentials, username=username, password=password)
    assert credentials is not None  # check_password refuses a sign-in without them
    with transaction(sessions) as session:
        return signin.open_session(
            session,
            passwords,
            credentials=credentials,
            password=password,
            upgraded=upgraded,
            lifetime=timedelta(days=settings.session_days),
            actor=Actor(user_id=None, source_ip=address),
        )


def set_session_cookies(
    response: Response, request: Request, signed_in: signin.SignedIn, settings: Settings
) -> None:
    secure = request.url.scheme == "https"
    max_age = int(timedelta(days=settings.session_days).total_seconds())
    for name, value, http_only in (
        (SESSION_COOKIE, signed_in.session_token, True),
        (CSRF_COOKIE, signed_in.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            expires=signed_in.expires_at,
            path="/",
            secure=secure,
            httponly=http_only,
            samesite="lax",
        )


def clear_session_cookies(response: Response, request: Request) -> None:
    secure = request.url.scheme == "https"
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="lax")


@router.post("/auth/logout", status_code=204)
def logout(request: Request, viewer: ViewerDep, session: SessionDep, actor: ActorDep) -> Response:
    """Ends the browser session (its cookie stops working at once) and clears the cookies.
    Like every cookie-signed request that changes something, it needs `X-CSRF-Token`."""
    del viewer  # resolved only so that the CSRF check runs first
    signin.sign_out(session, request.cookies.get(SESSION_COOKIE), actor=actor)
    response = Response(status_code=204)
    clear_session_cookies(response, request)
    return response


@router.post("/tokens", status_code=201)
def create_token(
    data: TokenCreate, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> TokenCreated:
    """A new API token for yourself; the token is in this answer only."""
    api_token, token = service.create_token(
        session, viewer, name=data.name, expires_at=data.expires_at, actor=actor
    )
    return TokenCreated(
        id=api_token.id,
        name=api_token.name,
        token=token,
        created_at=api_token.created_at,
        expires_at=api_token.expires_at,
    )


@router.get("/tokens")
def list_tokens(viewer: CurrentViewer, session: SessionDep) -> list[TokenRead]:
    """Your tokens that are not revoked (never the tokens themselves)."""
    tokens = service.list_tokens(session, viewer)
    return [TokenRead.model_validate(token, from_attributes=True) for token in tokens]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: uuid.UUID, viewer: CurrentViewer, session: SessionDep, actor: ActorDep
) -> Response:
    service.revoke_token(session, viewer, token_id=token_id, actor=actor)
    return Response(status_code=204)
