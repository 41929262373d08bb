from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session, selectinload

from archive.db.paging import Sorting, keyset_page
from archive.db.scope import within
from archive.domain.access import CommunityScope, StoryScope, Visibility, story_scope
from archive.domain.cursors import Position
from archive.models import AccessGrant, Story, StoryPerson
from archive.stories.filters import StoryFilters, StorySort
from archive.visibility.repository import story_heard, visibility_level, with_consent

ACCESS_LOADS = (selectinload(Story.consent), selectinload(Story.protocols))
"""What every access decision reads beside the story row: its consent and protocols."""


def get_story(
    session: Session, story_id: uuid.UUID, *, with_recordings: bool = False
) -> Story | None:
    """The story with what access decisions need; `with_recordings` adds what reading it in
    full shows: its recordings and its people."""
    query = select(Story).where(Story.id == story_id).options(*ACCESS_LOADS)
    if with_recordings:
        query = query.options(
            selectinload(Story.recordings),
            selectinload(Story.people).selectinload(StoryPerson.person),
        )
    return session.scalar(query)


def get_stories(session: Session, story_ids: Collection[uuid.UUID]) -> Sequence[Story]:
    """The stories that exist of `story_ids`, with what access decisions need."""
    if not story_ids:
        return []
    return session.scalars(
        select(Story).where(Story.id.in_(story_ids)).options(*ACCESS_LOADS)
    ).all()


def ids_closed_to_everyone(
    session: Session, story_ids: Collection[uuid.UUID], *, now: datetime
) -> set[uuid.UUID]:
    """Those of `story_ids` that an anonymous caller may not hear in full
    (`domain.access.can_view_story(None, ...)`), decided inside one query. Every search
    asks, so the statement is built once."""
    if not story_ids:
        return set()
    return set(session.scalars(_closed_to_everyone(), {"ids": list(story_ids), "now": now}))


@functools.cache
def _closed_to_everyone() -> Select[uuid.UUID]:
    now = bindparam("now", type_=Story.embargo_until.type)
    heard = story_heard(story_scope(None), now=now)
    return with_consent(
        select(Story.id).where(Story.id.in_(bindparam("ids", expanding=True)), not_(heard))
    )


def stories_in(
    session: Session,
    *,
    scope: CommunityScope,
    collection_id: uuid.UUID | None,
    limit: int,
) -> Sequence[Story]:
    """Up to `limit` stories of the communities in `scope` (of one collection, if named),
    newest first, with what access decisions need."""
    query = select(Story).where(within(Story.community_id, scope))
    if collection_id is not None:
        query = query.where(Story.collection_id == collection_id)
    return session.scalars(
        query.options(*ACCESS_LOADS).order_by(Story.created_at.desc(), Story.id).limit(limit)
    ).all()


def add_story(session: Session, story: Story) -> Story:
    session.add(story)
    session.flush()
    return story


def flush(session: Session) -> None:
    """Writes the story's pending changes now, so its version moves and a rival writer's
    change raises `StaleDataError` here rather than at commit."""
    session.flush()


def grants_in_force(
    session: Session, story_id: uuid.UUID, *, now: datetime
) -> Sequence[AccessGrant]:
    """The story's grants that open it now or will later (their end not passed)."""
    return session.scalars(
        select(AccessGrant)
        .where(
            AccessGrant.story_id == story_id,
            AccessGrant.status == "granted",
            or_(AccessGrant.ends_at.is_(None), AccessGrant.ends_at > now),
        )
        .order_by(AccessGrant.created_at, AccessGrant.id)
        .with_for_update()
    ).all()


def save_grant(session: Session, grant: AccessGrant) -> None:
    """Writes the changes to a grant now (the caller's transaction goes on)."""
    session.add(grant)
    session.flush()


def _recorded_bound(bound: str, *, upper: bool) -> ColumnElement[bool]:
    """The story's recorded date may fall on or after (`upper` False) or on or before the
    partial date `bound`: each is compared at the precision both have, so "1952" matches
    from "1952-06" and to "1952-06". Same-length texts of digits and dashes compare alike
    under every collation."""
    cases = []
    for precision, length in (("year", 4), ("month", 7), ("day", 10)):
        common = min(length, len(bound))
        mine = func.substr(Story.recorded_date, 1, common)
        theirs = bound[:common]
        within_bound = mine <= theirs if upper else mine >= theirs
        cases.append((Story.recorded_date_precision == precision, within_bound))
    return and_(Story.recorded_date.is_not(None), case(*cases, else_=false()))


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(filters: StoryFilters, *, heard: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """Conditions for `filters`. A filter on what only a listener is shown (collection,
    narrator, recorded date) matches only stories the caller may hear, so that it tells
    nothing about those they may only know of."""
    conditions: list[ColumnElement[bool]] = []
    if filters.community_id is not None:
        conditions.append(Story.community_id == filters.community_id)
    if filters.status is not None:
        conditions.append(Story.status == filters.status)
    if filters.access is not None:
        conditions.append(Story.access == filters.access)
    if filters.language is not None:
        tag = _like(f'"{filters.language}"')
        conditions.append(func.lower(cast(Story.languages, String)).like(tag, escape="\\"))
    if filters.q is not None:
        pattern = _like(filters.q)
        conditions.append(
            or_(
                func.lower(Story.title).like(pattern, escape="\\"),
                func.lower(Story.description).like(pattern, escape="\\"),
            )
        )
    hidden_from_listing: list[ColumnElement[bool]] = []
    if filters.collection_id is not None:
        hidden_from_listing.append(Story.collection_id == filters.collection_id)
    if filters.narrator is not None:
        hidden_from_listing.append(
            exists(
                select(StoryPerson.story_id).where(
                    StoryPerson.story_id == Story.id,
                    StoryPerson.person_id == filters.narrator,
                    StoryPerson.role == "narrator",
                )
            )
        )
    if filters.recorded_from is not None:
        hidden_from_listing.append(_recorded_bound(filters.recorded_from, upper=False))
    if filters.recorded_to is not None:
        hidden_from_listing.append(_recorded_bound(filters.recorded_to, upper=True))
    if hidden_from_listing:
        conditions.extend([heard, *hidden_from_listing])
    return conditions


def _sorting(sort: StorySort, *, descending: bool, heard: ColumnElement[bool]) -> Sorting:
    if sort is StorySort.CREATED:
        return Sorting(Story.created_at, Story.id, descending=descending, kind="datetime")
    if sort is StorySort.UPDATED:
        return Sorting(Story.updated_at, Story.id, descending=descending, kind="datetime")
    if sort is StorySort.TITLE:
        return Sorting(func.lower(Story.title), Story.id, descending=descending)
    # A recorded date is shown only to those who may hear the story: to the others its
    # place in this order must say nothing of it, so it sorts as a story of no date.
    recorded = case((heard, func.coalesce(Story.recorded_date, "")), else_="")
    return Sorting(recorded, Story.id, descending=descending)


def list_stories(
    session: Session,
    filters: StoryFilters,
    *,
    scope: StoryScope,
    now: datetime,
    sort: StorySort,
    descending: bool,
    position: Position | None,
    limit: int,
) -> tuple[list[tuple[Story, Visibility]], int, Position | None]:
    """A page of the stories the caller of `scope` may know of that match `filters`, each
    with how much of it they may see; how many match in all; where the next page starts."""
    level = visibility_level(scope, now=now)
    heard = story_heard(scope, now=now)
    query = (
        with_consent(select(Story, level.label("visibility")))
        .where(level >= int(Visibility.LISTED), *_filters(filters, heard=heard))
        .options(
            *ACCESS_LOADS,
            selectinload(Story.recordings),
            selectinload(Story.people).selectinload(StoryPerson.person),
        )
    )
    page = keyset_page(
        session,
        query,
        sorting=_sorting(sort, descending=descending, heard=heard),
        position=position,
        limit=limit,
    )
    found = [(row[0], Visibility(row[1])) for row in page.rows]
    return found, page.total, page.next
