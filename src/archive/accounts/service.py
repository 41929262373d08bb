"""Who is calling, users and API tokens. Never commits: the request or the command that called
it does. Browser sign-in lives in `accounts.signin`."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from archive.accounts import repository
from archive.accounts.passwords import Passwords, password_problem
from archive.communities.service import place_new_user
from archive.db.base import utcnow
from archive.domain.access import Role, Viewer
from archive.domain.tokens import UseMarks, new_token, token_digest
from archive.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from archive.events.actor import SYSTEM, Actor
from archive.events.repository import record
from archive.models import ApiToken, User
from archive.upload_links.service import is_link_token, viewer_for_link_token

BOOTSTRAP_ADMIN = "admin"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
"""`last_used_at` is written at most this often per token, not on every request."""
_USE_MARKS = UseMarks(resolution=TOKEN_USE_RESOLUTION)
"""This process's claims to write a token's `last_used_at`: one request of a burst writes."""
USERNAME_PUNCTUATION = frozenset("._-@")


def viewer_for_token(session: Session, token: str, *, admin_token: str | None) -> Viewer:
    """Resolves a bearer token, or raises `Unauthorized`."""
    if is_link_token(token):
        return viewer_for_link_token(session, token)
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return viewer_for_user(session, ensure_bootstrap_admin(session))
    now = utcnow()
    found = repository.find_live_token(session, token_digest(token), now=now)
    if found is None:
        raise Unauthorized(
            "This API token is not valid: it is unknown, expired or revoked. "
            "Ask an administrator for a new one (`archive users create NAME --role ROLE`)."
        )
    api_token, user = found
    stale = now - TOKEN_USE_RESOLUTION
    seen = api_token.last_used_at
    if (seen is None or seen < stale) and _USE_MARKS.claim(api_token.id, seen=seen, now=now):
        repository.mark_token_used(session, api_token.id, now=now, stale=stale)
    return viewer_for_user(session, user)


def viewer_for_user(session: Session, user: User) -> Viewer:
    """The one place a signed-in user (by token or by cookie) becomes a `Viewer`."""
    return Viewer(user_id=user.id, role=Role(user.role))


def ensure_bootstrap_admin(session: Session) -> User:
    """The user that `ARCHIVE_ADMIN_TOKEN` acts as, created on first use."""
    user = repository.get_user_by_username(session, BOOTSTRAP_ADMIN)
    if user is None:
        user = repository.add_user(session, BOOTSTRAP_ADMIN, role=Role.ADMIN)
    return user


def require_account(viewer: Viewer) -> uuid.UUID:
    """The caller's user id; upload-link holders have no account."""
    if viewer.user_id is None:
        raise Forbidden(
            "This needs an account; an upload link only lets you add stories to its "
            "collection. Ask an archivist for an account."
        )
    return viewer.user_id


def check_new_password(password: str, username: str) -> None:
    """Raises `Unprocessable` saying why, when the password is too easy to guess."""
    problem = password_problem(password, username)
    if problem is not None:
        raise Unprocessable(problem)


def create_user_with_token(
    session: Session,
    username: str,
    *,
    role: Role,
    password_hash: str | None = None,
    community_id: uuid.UUID | None = None,
) -> tuple[str, str]:
    """Creates a user and a first API token; returns (user id, token). The token is not
    stored, only its digest: this is the one chance to show it. The user joins
    `community_id` (see `place_new_user` for when none is given)."""
    if repository.get_user_by_username(session, username) is not None:
        raise Conflict(f"A user named {username!r} exists already; choose another name.")
    user = repository.add_user(session, username, role=role, password_hash=password_hash)
    place_new_user(session, user, community_id=community_id)
    token = new_token()
    repository.add_token(session, user, name="first token", digest=token_digest(token))
    record(
        session,
        SYSTEM,
        action="user.created",
        subject=user,
        details={"username": username, "role": role.value, "password": password_hash is not None},
    )
    return str(user.id), token


def create_user(
    session: Session,
    viewer: Viewer,
    *,
    passwords: Passwords,
    username: str,
    password: str,
    role: Role,
    community_id: uuid.UUID | None = None,
    actor: Actor,
) -> User:
    """An administrator makes an account that signs in with a password, in `community_id`
    (see `place_new_user` for when none is given)."""
    if viewer.role is not Role.ADMIN or viewer.user_id is None:
        raise Forbidden("Only administrators may create accounts. Ask one of them.")
    _check_username(username)
    check_new_password(password, username)
    # Hashed before the first query: the session connects (and, on SQLite, takes the write
    # lock) only then, so nobody waits on the hash.
    password_hash = passwords.hash(password)
    if repository.username_taken(session, username):
        raise Conflict(
            f"A user named {username!r} exists already (names are compared ignoring case); "
            "choose another name."
        )
    user = repository.add_user(session, username, role=role, password_hash=password_hash)
    place_new_user(session, user, community_id=community_id)
    record(
        session,
        actor,
        action="user.created",
        subject=user,
        details={"username": username, "role": role.value, "password": True},
    )
    return user


def _check_username(username: str) -> None:
    if not username[:1].isalnum() or not all(
        ch.isalnum() or ch in USERNAME_PUNCTUATION for ch in username
    ):
        raise Unprocessable(
            f"The username {username!r} cannot be used: use letters, digits and . _ - @ only, "
            "starting with a letter or a digit (no spaces)."
        )


def current_user(session: Session, viewer: Viewer) -> User:
    user = repository.get_user(session, require_account(viewer))
    if user is None:
        raise NotFound("Your account no longer exists. Ask an administrator.")
    return user


def create_token(
    session: Session, viewer: Viewer, *, name: str, expires_at: datetime | None, actor: Actor
) -> tuple[ApiToken, str]:
    """A new API token for the caller, with the token itself, which is shown only now."""
    user = current_user(session, viewer)
    name = name.strip()
    if not name:
        raise Unprocessable("Give the token a name that says what it is for, e.g. 'laptop sync'.")
    if expires_at is not None and expires_at.tzinfo is None:
        raise Unprocessable("Give `expires_at` with a time zone, e.g. 2026-12-31T23:59:00Z.")
    if expires_at is not None and expires_at <= utcnow():
        raise Unprocessable("`expires_at` is in the past; give a future date, or none.")
    token = new_token()
    api_token = repository.add_token(
        session, user, name=name, digest=token_digest(token), expires_at=expires_at
    )
    record(
        session,
        actor,
        action="api_token.created",
        subject=api_token,
        details={"name": name, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return api_token, token


def list_tokens(session: Session, viewer: Viewer) -> Sequence[ApiToken]:
    """The caller's tokens that are not revoked, expired ones included, newest first."""
    return repository.list_live_tokens(session, require_account(viewer))


def revoke_token(session: Session, viewer: Viewer, *, token_id: uuid.UUID, actor: Actor) -> None:
    """Revokes one of the caller's tokens; someone else's is `NotFound`, as if it were not
    there. Revoking twice is harmless."""
    user_id = require_account(viewer)
    api_token = repository.get_token(session, token_id)
    if api_token is None or api_token.user_id != user_id:
        raise NotFound(f"You have no API token {token_id}; GET /api/v1/tokens lists yours.")
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        record(session, actor, action="api_token.revoked", subject=api_token)
