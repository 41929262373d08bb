"""Who may see, create and change stories; and the search filter agreeing with all of it."""

import itertools
import uuid

import pytest

from archive.domain.access import (
    Access,
    Role,
    SearchScope,
    StoryAccess,
    Viewer,
    can_add_recording,
    can_create_story,
    can_set_access,
    can_view_story,
    search_scope,
)

ME = uuid.UUID("00000000-0000-4000-8000-000000000001")
SOMEONE_ELSE = uuid.UUID("00000000-0000-4000-8000-000000000002")

ROLES: list[Role | None] = [None, *Role]

# role -> the access levels it sees on stories created by someone else
SEES_OTHERS: dict[Role | None, set[Access]] = {
    None: {Access.PUBLIC},
    Role.ADMIN: set(Access),
    Role.ARCHIVIST: set(Access),
    Role.RESEARCHER: {Access.PUBLIC, Access.COMMUNITY},
    Role.CONTRIBUTOR: {Access.PUBLIC},
}

# Written out in full so a change to any one rule shows up as one failing row.
VIEW_TABLE: list[tuple[Role | None, Access, bool, bool]] = [
    # role, access, the viewer created the story, may view
    (None, Access.PUBLIC, False, True),
    (None, Access.COMMUNITY, False, False),
    (None, Access.RESTRICTED, False, False),
    (None, Access.PRIVATE, False, False),
    (Role.ADMIN, Access.PUBLIC, False, True),
    (Role.ADMIN, Access.COMMUNITY, False, True),
    (Role.ADMIN, Access.RESTRICTED, False, True),
    (Role.ADMIN, Access.PRIVATE, False, True),
    (Role.ADMIN, Access.PRIVATE, True, True),
    (Role.ARCHIVIST, Access.PUBLIC, False, True),
    (Role.ARCHIVIST, Access.COMMUNITY, False, True),
    (Role.ARCHIVIST, Access.RESTRICTED, False, True),
    (Role.ARCHIVIST, Access.PRIVATE, False, True),
    (Role.ARCHIVIST, Access.PRIVATE, True, True),
    (Role.RESEARCHER, Access.PUBLIC, False, True),
    (Role.RESEARCHER, Access.COMMUNITY, False, True),
    (Role.RESEARCHER, Access.RESTRICTED, False, False),
    (Role.RESEARCHER, Access.PRIVATE, False, False),
    (Role.RESEARCHER, Access.PUBLIC, True, True),
    (Role.RESEARCHER, Access.COMMUNITY, True, True),
    (Role.RESEARCHER, Access.RESTRICTED, True, True),
    (Role.RESEARCHER, Access.PRIVATE, True, True),
    (Role.CONTRIBUTOR, Access.PUBLIC, False, True),
    (Role.CONTRIBUTOR, Access.COMMUNITY, False, False),
    (Role.CONTRIBUTOR, Access.RESTRICTED, False, False),
    (Role.CONTRIBUTOR, Access.PRIVATE, False, False),
    (Role.CONTRIBUTOR, Access.PUBLIC, True, True),
    (Role.CONTRIBUTOR, Access.COMMUNITY, True, True),
    (Role.CONTRIBUTOR, Access.RESTRICTED, True, True),
    (Role.CONTRIBUTOR, Access.PRIVATE, True, True),
]

# every story a viewer might meet: each level, created by the viewer, someone else, or nobody
ALL_CREATORS: list[uuid.UUID | None] = [ME, SOMEONE_ELSE, None]
EVERY_CASE = list(itertools.product(ROLES, Access, ALL_CREATORS))
NOT_OWN_CASES = [case for case in EVERY_CASE if case[2] != ME]


def _viewer(role: Role | None) -> Viewer | None:
    return None if role is None else Viewer(ME, role)


def _id(case: tuple[Role | None, Access, uuid.UUID | None]) -> str:
    role, access, creator = case
    who = {ME: "own", SOMEONE_ELSE: "others", None: "no-creator"}[creator]
    return f"{role or 'anonymous'}-{access}-{who}"


@pytest.mark.parametrize(
    ("role", "access", "own", "may_view"),
    VIEW_TABLE,
    ids=[f"{r or 'anonymous'}-{a}-{'own' if o else 'others'}" for r, a, o, _ in VIEW_TABLE],
)
def test_can_view_story(role: Role | None, access: Access, own: bool, may_view: bool) -> None:
    story = StoryAccess(access, ME if own else SOMEONE_ELSE)
    assert can_view_story(_viewer(role), story) is may_view


def test_view_table_covers_every_role_and_level() -> None:
    covered = {(role, access) for role, access, _, _ in VIEW_TABLE}
    assert covered == set(itertools.product(ROLES, Access))


@pytest.mark.parametrize(("role", "access", "creator"), NOT_OWN_CASES, ids=map(_id, NOT_OWN_CASES))
def test_stories_not_ones_own_follow_the_level_alone(
    role: Role | None, access: Access, creator: uuid.UUID | None
) -> None:
    """Including stories whose creator is unknown (the account was deleted)."""
    story = StoryAccess(access, creator)
    assert can_view_story(_viewer(role), story) is (access in SEES_OTHERS[role])


def _search_matches(scope: SearchScope, story: StoryAccess) -> bool:
    """How a search backend applies a scope, as `SearchScope` documents it."""
    if scope.everything:
        return True
    if story.access in scope.access_levels:
        return True
    return scope.owner_id is not None and story.created_by == scope.owner_id


@pytest.mark.parametrize(("role", "access", "creator"), EVERY_CASE, ids=map(_id, EVERY_CASE))
def test_search_finds_exactly_the_stories_a_viewer_may_open(
    role: Role | None, access: Access, creator: uuid.UUID | None
) -> None:
    viewer = _viewer(role)
    story = StoryAccess(access, creator)
    assert _search_matches(search_scope(viewer), story) is can_view_story(viewer, story)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (None, SearchScope(False, frozenset({Access.PUBLIC}), None)),
        (Role.ADMIN, SearchScope(True, frozenset(Access), None)),
        (Role.ARCHIVIST, SearchScope(True, frozenset(Access), None)),
        (Role.RESEARCHER, SearchScope(False, frozenset({Access.PUBLIC, Access.COMMUNITY}), ME)),
        (Role.CONTRIBUTOR, SearchScope(False, frozenset({Access.PUBLIC}), ME)),
    ],
)
def test_search_scope(role: Role | None, scope: SearchScope) -> None:
    assert search_scope(_viewer(role)) == scope


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (None, False),
        (Role.ADMIN, True),
        (Role.ARCHIVIST, True),
        (Role.RESEARCHER, False),
        (Role.CONTRIBUTOR, True),
    ],
)
def test_can_create_story(role: Role | None, allowed: bool) -> None:
    assert can_create_story(_viewer(role)) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (None, False),
        (Role.ADMIN, True),
        (Role.ARCHIVIST, True),
        (Role.RESEARCHER, False),
        # contributors cannot widen who sees their story: curators decide
        (Role.CONTRIBUTOR, False),
    ],
)
def test_can_set_access(role: Role | None, allowed: bool) -> None:
    assert can_set_access(_viewer(role)) is allowed


@pytest.mark.parametrize(
    ("role", "creator", "allowed"),
    [
        (None, SOMEONE_ELSE, False),
        (None, None, False),
        (Role.ADMIN, SOMEONE_ELSE, True),
        (Role.ADMIN, None, True),
        (Role.ARCHIVIST, SOMEONE_ELSE, True),
        (Role.ARCHIVIST, None, True),
        (Role.RESEARCHER, ME, False),
        (Role.RESEARCHER, SOMEONE_ELSE, False),
        (Role.CONTRIBUTOR, ME, True),
        (Role.CONTRIBUTOR, SOMEONE_ELSE, False),
        (Role.CONTRIBUTOR, None, False),
    ],
)
def test_can_add_recording(role: Role | None, creator: uuid.UUID | None, allowed: bool) -> None:
    for access in Access:
        assert can_add_recording(_viewer(role), StoryAccess(access, creator)) is allowed
