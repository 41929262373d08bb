from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from archive.db.scope import within
from archive.domain.access import CommunityScope
from archive.events.actor import Actor
from archive.events.schemas import EventFilters
from archive.models import (
    ApiToken,
    Collection,
    Community,
    Event,
    Person,
    Protocol,
    Recording,
    Story,
    Upload,
    UploadLink,
    User,
)
from archive.models.accounts import WebSession

_Owner = Story | Collection | UploadLink | Person | Protocol
_OWNERS: dict[str, type[_Owner]] = {
    "story": Story,
    "collection": Collection,
    "upload_link": UploadLink,
    "person": Person,
    "protocol": Protocol,
}
"""Subjects that name their community themselves."""

Subject = (Story | Recording | Upload | Collection | UploadLink | Person | Protocol | Community) | (
    User | ApiToken | WebSession
)
"""What an event may be about: the rows of a community, and those of no community."""

_SUBJECT_TYPES: dict[type[Subject], str] = {
    Story: "story",
    Recording: "recording",
    Upload: "upload",
    Collection: "collection",
    UploadLink: "upload_link",
    Person: "person",
    Protocol: "protocol",
    Community: "community",
    User: "user",
    ApiToken: "api_token",
    WebSession: "web_session",
}


def record(
    session: Session,
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    details: dict[str, Any] | None = None,
    outcome: str = "success",
) -> Event:
    """Adds the event of a change to `subject` in the caller's transaction, so the event and
    the change are committed, or lost, together. The subject's type, id and community are
    read from the row (which must have its id: flush a new row first); the actor says who
    acted and from where."""
    subject_type = _SUBJECT_TYPES[type(subject)]
    if isinstance(subject, Community):
        community_id: uuid.UUID | None = subject.id
    elif isinstance(subject, _Owner):
        community_id = subject.community_id
    else:
        community_id = community_of_subject(session, subject_type, subject_id=subject.id)
    event = Event(
        actor_id=actor.user_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject.id,
        outcome=outcome,
        details=details or {},
        source_ip=actor.source_ip,
        community_id=community_id,
    )
    session.add(event)
    return event


def record_without_subject(
    session: Session,
    actor: Actor,
    *,
    action: str,
    subject_type: str,
    details: dict[str, Any],
) -> Event:
    """Adds the event of an act about no one row (a search whose answer showed words of
    stories not open to everyone names those stories in `details`), in the caller's
    transaction. It has no subject id and no community, so administrators alone read it."""
    event = Event(
        actor_id=actor.user_id,
        action=action,
        subject_type=subject_type,
        subject_id=None,
        outcome="success",
        details=details,
        source_ip=actor.source_ip,
        community_id=None,
    )
    session.add(event)
    return event


def community_of_subject(
    session: Session, subject_type: str, *, subject_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The community a subject belongs to, or None for subjects of no community (users,
    tokens, sessions) and for one that is not there. Usually answered from the session's
    identity map, without a query; never flushes the caller's half-made changes."""
    if subject_id is None:
        return None
    if subject_type == "community":
        return subject_id
    with session.no_autoflush:
        story_id: uuid.UUID | None = None
        if subject_type == "recording":
            recording = session.get(Recording, subject_id)
            story_id = recording.story_id if recording is not None else None
        elif subject_type == "upload":
            upload = session.get(Upload, subject_id)
            story_id = upload.story_id if upload is not None else None
        elif subject_type in _OWNERS:
            owner = cast("_Owner | None", session.get(_OWNERS[subject_type], subject_id))
            return owner.community_id if owner is not None else None
        if story_id is None:
            return None
        story = session.get(Story, story_id)
        return story.community_id if story is not None else None


def _conditions(filters: EventFilters, scope: CommunityScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [within(Event.community_id, scope)]
    if filters.story_id is not None:
        recordings = select(Recording.id).where(Recording.story_id == filters.story_id)
        conditions.append(
            or_(
                and_(Event.subject_type == "story", Event.subject_id == filters.story_id),
                and_(Event.subject_type == "recording", Event.subject_id.in_(recordings)),
            )
        )
    if filters.subject_id is not None:
        conditions.append(Event.subject_id == filters.subject_id)
    if filters.actor_id is not None:
        conditions.append(Event.actor_id == filters.actor_id)
    if filters.action is not None:
        conditions.append(Event.action == filters.action)
    if filters.since is not None:
        conditions.append(Event.at >= filters.since)
    if filters.until is not None:
        conditions.append(Event.at < filters.until)
    return conditions


def list_events(
    session: Session, filters: EventFilters, *, scope: CommunityScope, limit: int, offset: int
) -> tuple[Sequence[Event], int]:
    """A page of the matching events of the communities in `scope`, newest first, and how
    many match in all."""
    conditions = _conditions(filters, scope)
    total = session.scalar(select(func.count()).select_from(Event).where(*conditions)) or 0
    rows = session.scalars(
        select(Event)
        .where(*conditions)
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), total
