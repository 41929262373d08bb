"""Which stories a caller may see, as SQL: `domain.access.story_visibility` applied to every
story at once inside a query, so listings filter, page and count only what the caller may see
(never rows after a LIMIT). Every listing that depends on stories (stories, recordings,
collections, people, communities) asks here; `db.scope.within` is the community rule it uses.

The conditions read `stories` and its consent: use them in a query whose FROM has `stories`
with `with_consent` applied (an outer join: one row per story).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, literal, or_, select, true

from archive.db.scope import within
from archive.domain.access import (
    CONSENT_CEILING,
    Access,
    StoryScope,
    Visibility,
    access_width,
)
from archive.models import Consent, Protocol, Story
from archive.models.communities import story_protocols

Moment = datetime | ColumnElement[datetime]
"""The time a decision is made at: a value, or a bound parameter for a statement that is
built once and run at many times."""

Selected = TypeVarTuple("Selected")

_ACCESS_WIDTH = {access.value: access_width(access) for access in Access}
_CONSENT_WIDTH = {
    listen.value: access_width(ceiling) for listen, ceiling in CONSENT_CEILING.items()
}
"""How wide each access is, and each consent's ceiling; an unknown value counts as private."""


def _story_protocols(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(story_protocols.c.story_id).where(
            story_protocols.c.story_id == Story.id, *conditions
        )
    )


def _holds_protocols(held: frozenset[uuid.UUID]) -> ColumnElement[bool]:
    """`domain.access.holds_protocols` for the story: some, or all, of its protocols held."""
    if not held:
        return false()
    ids = sorted(held)
    every = and_(_story_protocols(), ~_story_protocols(story_protocols.c.protocol_id.not_in(ids)))
    some = _story_protocols(story_protocols.c.protocol_id.in_(ids))
    return or_(and_(Story.protocol_mode == "any", some), and_(Story.protocol_mode != "any", every))


def with_consent(query: Select[*Selected]) -> Select[*Selected]:
    """`query` (whose FROM has `stories`) with each story's consent, if any, joined: every
    condition below reads it."""
    return query.outerjoin(Consent, Consent.story_id == Story.id)


def _effective_width() -> ColumnElement[int]:
    """`domain.access.effective_access` as a width (0 public ... 3 private)."""
    own = case(*((Story.access == name, width) for name, width in _ACCESS_WIDTH.items()), else_=3)
    ceiling = case(
        (Consent.listen.is_(None), 0),
        *((Consent.listen == name, width) for name, width in _CONSENT_WIDTH.items()),
        else_=3,
    )
    return case((own >= ceiling, own), else_=ceiling)


def _available(now: Moment) -> ColumnElement[bool]:
    """`domain.access.is_available`: published, consent not withdrawn, embargoes passed."""
    return and_(
        Story.status == "published",
        or_(Story.embargo_until.is_(None), Story.embargo_until <= now),
        Consent.withdrawn_at.is_(None),
        or_(Consent.embargo_until.is_(None), Consent.embargo_until <= now),
    )


def visibility_level(scope: StoryScope, *, now: Moment) -> ColumnElement[int]:
    """The caller's `Visibility` of each story (0 hidden, 1 listed, 2 full), as a column:
    the same decision as `domain.access.story_visibility`, for the caller of `scope`."""
    if scope.everything:
        return literal(int(Visibility.FULL))
    full, listed, hidden = int(Visibility.FULL), int(Visibility.LISTED), int(Visibility.HIDDEN)
    own = [within(Story.community_id, scope.curated)]
    if scope.owner_id is not None:
        own.append(Story.created_by == scope.owner_id)
    if scope.link_id is not None:
        own.append(Story.upload_link_id == scope.link_id)
    width = _effective_width()
    whens: list[tuple[ColumnElement[bool], int]] = [
        (or_(*own), full),
        (~_available(now), hidden),
        (width == 0, full),
    ]
    if scope.granted_stories:
        whens.insert(2, (Story.id.in_(sorted(scope.granted_stories)), full))
    if scope.member_of:
        whens.append((and_(width == 1, within(Story.community_id, scope.member_of)), full))
    if scope.signed_in:
        whens.append((width == 1, listed))
    whens.append((and_(width == 2, _holds_protocols(scope.protocols)), full))
    if scope.signed_in:
        strict = _story_protocols(
            story_protocols.c.protocol_id.in_(
                select(Protocol.id).where(Protocol.visibility == "strict")
            )
        )
        whens.append((and_(width == 2, ~strict), listed))
    return case(*whens, else_=hidden)


def story_heard(scope: StoryScope, *, now: Moment) -> ColumnElement[bool]:
    """The story may be heard in full by the caller of `scope` (`can_view_story`)."""
    if scope.everything:
        return true()
    return visibility_level(scope, now=now) == int(Visibility.FULL)
