from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MembershipRole = Literal["member", "elder", "archivist"]


class CommunityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)


class CommunityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    is_default: bool
    created_at: datetime


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    role: MembershipRole = "member"


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    community_id: uuid.UUID
    role: MembershipRole
    created_at: datetime


class ProtocolCreate(BaseModel):
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
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    visibility: str
    description: str
    user_ids: list[uuid.UUID]
    created_at: datetime
