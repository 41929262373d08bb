"""Who may see and hear what, decided by pure functions; and the search scope never disagrees
with those decisions."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from archive.domain.access import (
    Access,
    ConsentListen,
    Role,
    SearchScope,
    StoryAccess,
    Viewer,
    Visibility,
    can_add_recording,
    can_curate,
    can_search_story,
    can_view_story,
    curated_communities,
    effective_access,
    holds_protocols,
    implied_community,
    in_scope,
    is_available,
    search_scope,
    story_visibility,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOME, ELSEWHERE = uuid.uuid4(), uuid.uuid4()
FAMILY, SINGERS = uuid.uuid4(), uuid.uuid4()
ME = uuid.uuid4()
STORY = uuid.uuid4()
LINK = uuid.uuid4()

VIEWERS: dict[str, Viewer | None] = {
    "anonymous": None,
    "outside researcher": Viewer(uuid.uuid4(), Role.RESEARCHER),
    "member": Viewer(uuid.uuid4(), Role.RESEARCHER, member_of=frozenset({HOME})),
    "family member": Viewer(
        uuid.uuid4(), Role.RESEARCHER, member_of=frozenset({HOME}), protocols=frozenset({FAMILY})
    ),
    "family singer": Viewer(
        uuid.uuid4(),
        Role.RESEARCHER,
        member_of=frozenset({HOME}),
        protocols=frozenset({FAMILY, SINGERS}),
    ),
    "granted": Viewer(uuid.uuid4(), Role.RESEARCHER, granted_stories=frozenset({STORY})),
    "creator": Viewer(ME, Role.CONTRIBUTOR, member_of=frozenset({HOME})),
    "link holder": Viewer(None, Role.CONTRIBUTOR, link_id=LINK),
    "archivist here": Viewer(
        uuid.uuid4(), Role.ARCHIVIST, member_of=frozenset({HOME}), archivist_of=frozenset({HOME})
    ),
    "archivist elsewhere": Viewer(
        uuid.uuid4(),
        Role.ARCHIVIST,
        member_of=frozenset({ELSEWHERE}),
        archivist_of=frozenset({ELSEWHERE}),
    ),
    "admin": Viewer(uuid.uuid4(), Role.ADMIN),
}


def story(access: Access, **changes: object) -> StoryAccess:
    base: dict[str, object] = {
        "access": access,
        "created_by": ME,
        "community_id": HOME,
        "story_id": STORY,
    }
    base.update(changes)
    return StoryAccess(**base)  # type: ignore[arg-type]


F, L, H = Visibility.FULL, Visibility.LISTED, Visibility.HIDDEN

# One row per viewer: visibility of a published story with each access level
# (public, community, restricted under the FAMILY protocol, restricted strict, private).
TABLE: dict[str, tuple[Visibility, Visibility, Visibility, Visibility, Visibility]] = {
    "anonymous": (F, H, H, H, H),
    "outside researcher": (F, L, L, H, H),
    "member": (F, F, L, H, H),
    "family member": (F, F, F, F, H),
    "family singer": (F, F, F, F, H),
    "granted": (F, F, F, F, F),
    "creator": (F, F, F, F, F),
    "link holder": (F, H, H, H, H),
    "archivist here": (F, F, F, F, F),
    "archivist elsewhere": (F, L, L, H, H),
    "admin": (F, F, F, F, F),
}

STORIES = {
    "public": story(Access.PUBLIC),
    "community": story(Access.COMMUNITY),
    "restricted-open": story(Access.RESTRICTED, protocol_ids=frozenset({FAMILY})),
    "restricted-strict": story(
        Access.RESTRICTED, protocol_ids=frozenset({FAMILY}), protocols_strict=True
    ),
    "private": story(Access.PRIVATE),
}


@pytest.mark.parametrize(("viewer_name", "story_name"), list(itertools.product(TABLE, STORIES)))
def test_visibility_table(viewer_name: str, story_name: str) -> None:
    expected = TABLE[viewer_name][list(STORIES).index(story_name)]
    assert story_visibility(VIEWERS[viewer_name], STORIES[story_name], now=NOW) is expected


HIDDEN_STATES: dict[str, dict[str, object]] = {
    "submitted": {"status": "submitted"},
    "withdrawn": {"withdrawn": True},
    "embargoed": {"embargo_until": NOW + timedelta(days=1)},
}


@pytest.mark.parametrize(("viewer_name", "state"), list(itertools.product(TABLE, HIDDEN_STATES)))
def test_unpublished_withdrawn_and_embargoed_stories_are_only_for_curators_and_creators(
    viewer_name: str, state: str
) -> None:
    hidden = story(Access.PUBLIC, **HIDDEN_STATES[state])
    expected = F if viewer_name in ("creator", "archivist here", "admin") else H
    assert story_visibility(VIEWERS[viewer_name], hidden, now=NOW) is expected


def test_an_embargo_ends_by_itself() -> None:
    ended = story(Access.PUBLIC, embargo_until=NOW - timedelta(seconds=1))
    assert can_view_story(None, ended, now=NOW)


def test_consent_narrows_access_never_widens_it() -> None:
    assert effective_access(story(Access.PUBLIC, consent_listen=ConsentListen.FAMILY)) is (
        Access.RESTRICTED
    )
    assert effective_access(story(Access.PRIVATE, consent_listen=ConsentListen.PUBLIC)) is (
        Access.PRIVATE
    )


@pytest.mark.parametrize(
    ("held", "required", "mode", "expected"),
    [
        ({FAMILY}, {FAMILY, SINGERS}, "all", False),
        ({FAMILY, SINGERS}, {FAMILY, SINGERS}, "all", True),
        ({FAMILY}, {FAMILY, SINGERS}, "any", True),
        ({uuid.uuid4()}, {FAMILY, SINGERS}, "any", False),
        ({FAMILY}, set(), "any", False),
    ],
)
def test_several_protocols_need_all_unless_the_story_says_any(
    held: set[uuid.UUID], required: set[uuid.UUID], mode: str, expected: bool
) -> None:
    assert holds_protocols(frozenset(held), frozenset(required), mode=mode) is expected


def test_the_link_holder_sees_only_what_it_put_in() -> None:
    own = story(Access.PRIVATE, created_by=None, upload_link_id=LINK)
    assert can_view_story(VIEWERS["link holder"], own, now=NOW)
    assert can_add_recording(VIEWERS["link holder"], own)
    assert not can_add_recording(VIEWERS["link holder"], story(Access.PRIVATE))


def test_archivists_act_only_in_their_communities() -> None:
    assert can_curate(VIEWERS["archivist here"], story(Access.PRIVATE))
    assert not can_curate(VIEWERS["archivist elsewhere"], story(Access.PRIVATE))
    assert not can_curate(
        Viewer(uuid.uuid4(), Role.RESEARCHER, archivist_of=frozenset({HOME})), story(Access.PRIVATE)
    )


def test_unsearchable_stories_are_heard_but_not_found() -> None:
    quiet = story(Access.PUBLIC, searchable=False)
    assert can_view_story(None, quiet, now=NOW)
    assert not can_search_story(None, quiet, now=NOW)


def scope_matches(scope: SearchScope, s: StoryAccess) -> bool:
    """The scope as the search backends apply it to a story's documents."""
    if scope.everything:
        return True
    if s.community_id in scope.archivist_of or (
        scope.owner_id is not None and s.created_by == scope.owner_id
    ):
        return True
    if not is_available(s, NOW):
        return False
    access = effective_access(s)
    required = 0 if not s.protocol_ids else (1 if s.protocol_mode == "any" else len(s.protocol_ids))
    return (
        access is Access.PUBLIC
        or (access is Access.COMMUNITY and s.community_id in scope.member_of)
        or (
            access is Access.RESTRICTED
            and required > 0
            and len(scope.protocols & s.protocol_ids) >= required
        )
        or (s.story_id in scope.granted_stories)
    )


ALL_STORIES = [
    *STORIES.values(),
    story(Access.RESTRICTED, protocol_ids=frozenset({FAMILY, SINGERS})),
    story(Access.RESTRICTED, protocol_ids=frozenset({FAMILY, SINGERS}), protocol_mode="any"),
    story(Access.COMMUNITY, community_id=ELSEWHERE),
    story(Access.PUBLIC, status="in_review"),
    story(Access.PUBLIC, embargo_until=NOW + timedelta(days=3)),
    story(Access.PUBLIC, created_by=uuid.uuid4()),
    story(Access.PRIVATE, created_by=uuid.uuid4()),
]


@pytest.mark.parametrize(
    ("viewer_name", "index"), list(itertools.product(VIEWERS, range(len(ALL_STORIES))))
)
def test_search_finds_exactly_the_stories_a_viewer_may_hear(viewer_name: str, index: int) -> None:
    viewer, s = VIEWERS[viewer_name], ALL_STORIES[index]
    assert scope_matches(search_scope(viewer), s) is can_view_story(viewer, s, now=NOW)


@pytest.mark.parametrize("viewer_name", list(VIEWERS))
def test_the_community_scope_is_the_curation_rule(viewer_name: str) -> None:
    """A collection, link, person or event of a community is in a caller's scope exactly when
    they may curate that community's stories; one of no community is the admins' alone."""
    viewer = VIEWERS[viewer_name]
    scope = curated_communities(viewer)
    for community in (HOME, ELSEWHERE):
        assert in_scope(scope, community) is can_curate(
            viewer, story(Access.PRIVATE, community_id=community)
        )
    assert in_scope(scope, None) is (viewer_name == "admin")


def test_a_new_things_community_is_implied_only_when_there_is_one_to_choose() -> None:
    here, admin = VIEWERS["archivist here"], VIEWERS["admin"]
    both = Viewer(uuid.uuid4(), Role.ARCHIVIST, archivist_of=frozenset({HOME, ELSEWHERE}))
    assert implied_community(here, [HOME, ELSEWHERE]) == HOME
    assert implied_community(both, [HOME, ELSEWHERE]) is None
    assert implied_community(admin, [HOME]) == HOME
    assert implied_community(admin, [HOME, ELSEWHERE]) is None
    assert implied_community(VIEWERS["member"], [HOME]) is None
    # A membership of a community that is no longer there implies nothing.
    assert implied_community(here, [ELSEWHERE]) is None
