"""Who may see what. Pure functions, asked by every endpoint and by search.

A caller is anonymous (`None`) or a `Viewer`: a user with a role, or the holder of an upload
link (acting as a contributor confined to the link's collection). Admins and archivists see
every story. Everyone else sees a story only when it is published, its consent is not
withdrawn and its embargo has passed, and its access level (made no wider than the consent
allows) is one their role may hear: researchers public and community stories, contributors and
anonymous callers public ones. Whoever put a story in (a user, or an upload link) always sees
their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ARCHIVIST = "archivist"
    RESEARCHER = "researcher"
    CONTRIBUTOR = "contributor"


class Access(StrEnum):
    PUBLIC = "public"
    COMMUNITY = "community"
    RESTRICTED = "restricted"
    PRIVATE = "private"


_WIDTH = {Access.PUBLIC: 0, Access.COMMUNITY: 1, Access.RESTRICTED: 2, Access.PRIVATE: 3}


class ConsentListen(StrEnum):
    """Who the narrator agreed may listen."""

    PUBLIC = "public"
    COMMUNITY = "community"
    FAMILY = "family"
    PRIVATE = "private"


CONSENT_CEILING = {
    ConsentListen.PUBLIC: Access.PUBLIC,
    ConsentListen.COMMUNITY: Access.COMMUNITY,
    ConsentListen.FAMILY: Access.RESTRICTED,
    ConsentListen.PRIVATE: Access.PRIVATE,
}


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: uuid.UUID | None
    role: Role
    link_id: uuid.UUID | None = None
    link_collection_id: uuid.UUID | None = None

    @property
    def is_link_holder(self) -> bool:
        return self.link_id is not None


@dataclass(frozen=True, slots=True)
class StoryAccess:
    """The parts of a story that decide who may see it."""

    access: Access
    created_by: uuid.UUID | None
    status: str = "published"
    upload_link_id: uuid.UUID | None = None
    consent_listen: ConsentListen | None = None
    searchable: bool = True
    embargo_until: datetime | None = None
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class SearchScope:
    """An access decision in the form a search backend applies inside its query.

    `everything` means no filter; otherwise a document matches when its story is published and
    out of embargo (at `now`) and its access level is in `access_levels`, or when its story was
    created by `owner_id`.
    """

    everything: bool
    access_levels: frozenset[Access]
    owner_id: uuid.UUID | None
    now: datetime | None = None


def is_curator(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role in (Role.ADMIN, Role.ARCHIVIST)


def effective_access(story: StoryAccess) -> Access:
    """The story's access, never wider than what the narrator consented to."""
    if story.consent_listen is None:
        return story.access
    ceiling = CONSENT_CEILING[story.consent_listen]
    return max(story.access, ceiling, key=_WIDTH.__getitem__)


def is_owner(viewer: Viewer | None, story: StoryAccess) -> bool:
    if viewer is None:
        return False
    if viewer.link_id is not None:
        return story.upload_link_id == viewer.link_id
    return viewer.user_id is not None and story.created_by == viewer.user_id


def is_embargoed(story: StoryAccess, now: datetime | None) -> bool:
    return story.embargo_until is not None and now is not None and story.embargo_until > now


def search_scope(viewer: Viewer | None, now: datetime | None = None) -> SearchScope:
    if viewer is None or viewer.is_link_holder:
        return SearchScope(False, frozenset({Access.PUBLIC}), None, now)
    if is_curator(viewer):
        return SearchScope(True, frozenset(Access), None, now)
    if viewer.role is Role.RESEARCHER:
        return SearchScope(False, frozenset({Access.PUBLIC, Access.COMMUNITY}), viewer.user_id, now)
    return SearchScope(False, frozenset({Access.PUBLIC}), viewer.user_id, now)


def can_view_story(viewer: Viewer | None, story: StoryAccess, now: datetime | None = None) -> bool:
    if is_curator(viewer) or is_owner(viewer, story):
        return True
    if story.withdrawn or story.status != "published" or is_embargoed(story, now):
        return False
    return effective_access(story) in search_scope(viewer, now).access_levels


def can_search_story(
    viewer: Viewer | None, story: StoryAccess, now: datetime | None = None
) -> bool:
    """Whether the story's words may appear in this caller's search results."""
    return story.searchable and not story.withdrawn and can_view_story(viewer, story, now)


def can_create_story(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role in (Role.ADMIN, Role.ARCHIVIST, Role.CONTRIBUTOR)


def can_set_access(viewer: Viewer | None) -> bool:
    return is_curator(viewer)


def can_add_recording(viewer: Viewer | None, story: StoryAccess) -> bool:
    if is_curator(viewer):
        return True
    return viewer is not None and viewer.role is Role.CONTRIBUTOR and is_owner(viewer, story)
