from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.models import ApiToken, User


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def find_token_owner(session: Session, digest: str, now: datetime) -> User | None:
    """The user holding a live token with this digest, or None."""
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == digest,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
    )


def add_user(session: Session, username: str, role: str) -> User:
    user = User(username=username, role=role)
    session.add(user)
    session.flush()
    return user


def add_token(session: Session, user: User, name: str, digest: str) -> ApiToken:
    token = ApiToken(user_id=user.id, name=name, token_hash=digest)
    session.add(token)
    session.flush()
    return token
