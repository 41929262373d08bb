"""Who is calling. Never commits: the request or the command that called it does."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from archive.accounts import repository
from archive.db.base import utcnow
from archive.domain.access import Role, Viewer
from archive.domain.tokens import new_token, token_digest
from archive.errors import Conflict, Unauthorized
from archive.events.repository import add_event
from archive.models import User
from archive.upload_links.service import is_link_token, viewer_for_link_token

BOOTSTRAP_ADMIN = "admin"


def viewer_for_token(session: Session, token: str, admin_token: str | None) -> Viewer:
    """Resolves a bearer token, or raises `Unauthorized`."""
    if is_link_token(token):
        return viewer_for_link_token(session, token)
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Viewer(user_id=ensure_bootstrap_admin(session).id, role=Role.ADMIN)
    user = repository.find_token_owner(session, token_digest(token), utcnow())
    if user is None:
        raise Unauthorized(
            "This API token is not valid: it is unknown, expired or revoked. "
            "Ask an administrator for a new one (`archive users create NAME --role ROLE`)."
        )
    return Viewer(user_id=user.id, role=Role(user.role))


def ensure_bootstrap_admin(session: Session) -> User:
    """The user that `ARCHIVE_ADMIN_TOKEN` acts as, created on first use."""
    user = repository.get_user_by_username(session, BOOTSTRAP_ADMIN)
    if user is None:
        user = repository.add_user(session, BOOTSTRAP_ADMIN, Role.ADMIN)
    return user


def create_user_with_token(session: Session, username: str, role: Role) -> tuple[str, str]:
    """Creates a user and a first API token; returns (user id, token). The token is not
    stored, only its digest: this is the one chance to show it."""
    if repository.get_user_by_username(session, username) is not None:
        raise Conflict(f"A user named {username!r} exists already; choose another name.")
    user = repository.add_user(session, username, role)
    token = new_token()
    repository.add_token(session, user, "first token", token_digest(token))
    add_event(
        session,
        actor_id=None,
        action="user.created",
        subject_type="user",
        subject_id=user.id,
        details={"username": username, "role": role.value},
    )
    return str(user.id), token
