from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from archive.accounts.passwords import MAX_LENGTH
from archive.datetimes import ZonedDatetime
from archive.domain.access import Role


class UserCreate(BaseModel):
    """A new account, in the community named by `community_id` when the archive has more
    than one."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=120)
    password: SecretStr = Field(
        max_length=MAX_LENGTH, description="At least 12 characters, not an obvious one"
    )
    role: Role
    community_id: uuid.UUID | None = Field(
        default=None,
        description="The community they join (archivists as its archivists). Left out, they "
        "join the default community only while it is the archive's only one",
    )


class UserRead(BaseModel):
    """An account: its name and role."""

    id: uuid.UUID
    username: str
    role: Role
    created_at: datetime


class LoginRequest(BaseModel):
    """A username and password to sign in with in a browser."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=120)
    password: SecretStr = Field(min_length=1, max_length=MAX_LENGTH)


class LoginResult(BaseModel):
    """Who signed in, and the CSRF token to send as `X-CSRF-Token` with each request that
    changes something."""

    username: str
    role: Role
    csrf_token: str
    """Send it back as `X-CSRF-Token` with every request that changes something; it is also
    in the readable `archive_csrf` cookie."""
    expires_at: datetime


class TokenCreate(BaseModel):
    """A new API token for yourself, with what it is for and when it ends."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=120, description="What the token is for, e.g. 'laptop sync'"
    )
    expires_at: ZonedDatetime | None = None


class TokenRead(BaseModel):
    """An API token's record (never the token itself)."""

    id: uuid.UUID
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    """To the minute: a token's use is recorded at most once a minute."""


class TokenCreated(BaseModel):
    """A new API token: `token` is shown this once; only its hash is kept."""

    id: uuid.UUID
    name: str
    token: str
    """Shown once; only its SHA-256 is kept."""
    created_at: datetime
    expires_at: datetime | None
