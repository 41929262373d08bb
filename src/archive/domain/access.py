"""Who may see what. Pure functions, asked by every endpoint and by search.

A caller is anonymous (`None`) or a `Viewer`. Admins and archivists see every story;
researchers see public and community stories; contributors see public stories and their own;
anonymous callers see public stories only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: uuid.UUID
    role: Role


@dataclass(frozen=True, slots=True)
class StoryAccess:
    """The parts of a story that decide who may see it."""

    access: Access
    created_by: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class SearchScope:
    """An access decision in the form a search backend applies inside its query.

    `everything` means no filter; otherwise a document matches when its access level is in
    `access_levels`, or its story was created by `owner_id`.
    """

    everything: bool
    access_levels: frozenset[Access]
    owner_id: uuid.UUID | None


def is_curator(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role in (Role.ADMIN, Role.ARCHIVIST)


def search_scope(viewer: Viewer | None) -> SearchScope:
    if viewer is None:
        return SearchScope(False, frozenset({Access.PUBLIC}), None)
    if is_curator(viewer):
        return SearchScope(True, frozenset(Access), None)
    if viewer.role is Role.RESEARCHER:
        return SearchScope(False, frozenset({Access.PUBLIC, Access.COMMUNITY}), viewer.user_id)
    return SearchScope(False, frozenset({Access.PUBLIC}), viewer.user_id)


def can_view_story(viewer: Viewer | None, story: StoryAccess) -> bool:
    scope = search_scope(viewer)
    if scope.everything or story.access in scope.access_levels:
        return True
    return scope.owner_id is not None and story.created_by == scope.owner_id


def can_create_story(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role in (Role.ADMIN, Role.ARCHIVIST, Role.CONTRIBUTOR)


def can_set_access(viewer: Viewer | None) -> bool:
    return is_curator(viewer)


def can_add_recording(viewer: Viewer | None, story: StoryAccess) -> bool:
    if is_curator(viewer):
        return True
    return (
        viewer is not None
        and viewer.role is Role.CONTRIBUTOR
        and story.created_by == viewer.user_id
    )
