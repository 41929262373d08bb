from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MembershipRole = Literal["member", "elder", "archivist"]


class CommunityCreate(BaseModel):
    """A new community (administrators only)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)


class CommunityRead(BaseModel):
    """A community that owns stories, collections and people."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    is_default: bool
    created_at: datetime


class MemberAdd(BaseModel):
    """A user to add to a community, with their role there (member, elder or archivist)."""

    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    role: MembershipRole = "member"


class MemberRead(BaseModel):
    """A user's membership of a community and their role there."""

    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    community_id: uuid.UUID
    role: MembershipRole
    created_at: datetime


class ProtocolCreate(BaseModel):
    """A new cultural protocol: the people who may hear the stories restricted to it."""

    model_config = ConfigDict(extra="forbid")

    community_id: uuid.UUID
    name: str = Field(min_length=1, max_length=300)
    user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)
    visibility: Literal["open", "strict"] = Field(
        default="open",
        description="open: its stories are listed to all (title only); strict: hidden but to "
        "its members",
    )
    description: str = Field(default="", max_length=10_000)


class ProtocolRead(BaseModel):
    """A cultural protocol and its holders."""

    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    visibility: str
    description: str
    user_ids: list[uuid.UUID]
    created_at: datetime
