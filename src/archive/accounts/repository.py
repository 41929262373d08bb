from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from archive.models import ApiToken, User
from archive.models.accounts import WebSession


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def username_taken(session: Session, username: str) -> bool:
    """Whether a user has this name, ignoring case ("Rosa" and "rosa" are one person to a
    reader of the audit log)."""
    found = session.scalar(
        select(User.id).where(func.lower(User.username) == username.lower()).limit(1)
    )
    return found is not None


def find_live_token(
    session: Session, digest: str, *, now: datetime
) -> tuple[ApiToken, User] | None:
    """The live (not revoked, not expired) token with this digest, and its owner."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == digest,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def mark_token_used(
    session: Session, token_id: uuid.UUID, *, now: datetime, stale: datetime
) -> None:
    """Sets `last_used_at` to `now` unless another request already did so after `stale`."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < stale),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def add_user(
    session: Session, username: str, *, role: str, password_hash: str | None = None
) -> User:
    user = User(username=username, role=role, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def add_token(
    session: Session, user: User, *, name: str, digest: str, expires_at: datetime | None = None
) -> ApiToken:
    token = ApiToken(user_id=user.id, name=name, token_hash=digest, expires_at=expires_at)
    session.add(token)
    session.flush()
    return token


def get_token(session: Session, token_id: uuid.UUID) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def list_live_tokens(session: Session, user_id: uuid.UUID) -> Sequence[ApiToken]:
    """The user's tokens that are not revoked (expired ones included), newest first."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    ).all()


def add_web_session(session: Session, web_session: WebSession) -> WebSession:
    session.add(web_session)
    session.flush()
    return web_session


def find_live_web_session(
    session: Session, digest: str, *, now: datetime
) -> tuple[WebSession, User] | None:
    """The live (not revoked, not expired) browser session with this digest, and its user."""
    row = session.execute(
        select(WebSession, User)
        .join(User, WebSession.user_id == User.id)
        .where(
            WebSession.token_hash == digest,
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > now,
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def get_web_session(session: Session, session_id: uuid.UUID) -> WebSession | None:
    return session.get(WebSession, session_id)


def revoke_web_session(
    session: Session, digest: str, *, now: datetime
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Ends the session with this digest if it is not ended yet; returns (its id, its user's
    id), or None when there was nothing to end."""
    row = session.execute(
        update(WebSession)
        .where(WebSession.token_hash == digest, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(WebSession.id, WebSession.user_id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def delete_ended_web_sessions(session: Session, user_id: uuid.UUID, *, now: datetime) -> None:
    """Forgets the user's sessions that have expired (revoked ones go when they expire)."""
    session.execute(
        delete(WebSession)
        .where(WebSession.user_id == user_id, WebSession.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
