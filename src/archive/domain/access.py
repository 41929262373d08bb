"""Who may see and hear what. Pure functions, asked by every endpoint and by search.

A caller is anonymous (`None`) or a `Viewer`: a user with a role and their communities,
protocols and access grants, or the holder of an upload link (acting as a contributor confined
to the link's collection).

A story is seen at one of three levels (`Visibility`):

- FULL: its recordings, transcripts, captions and audio;
- LISTED: its title and description only, so a researcher can ask for access;
- HIDDEN: not at all; a request for it answers 404, as for a story that does not exist.

Admins, the archivists of the story's community, and whoever put the story in (a user or an
upload link) see it FULL. Everyone else sees nothing of a story that is not published, whose
consent is withdrawn, or whose embargo has not passed; otherwise its access, never wider than
the narrator's consent, decides:

- public: everyone;
- community: members of its community (others who are signed in see it LISTED);
- restricted: holders of its protocols, all of them or any one (`protocol_mode`); others see
  it LISTED when all its protocols are open, and not at all when one is strict;
- private: nobody else.

A granted access request opens a published story FULL to that researcher for its dates.

Everything else that belongs to a community (collections, upload links, people, events, access
requests, the review queue) is scoped by one rule, `curated_communities`: an archivist acts on
the things of the communities they curate, an administrator on all; anything outside answers
404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class Role(StrEnum):
    """An account's role: `admin` (everything), `archivist` (curates their communities),
    `researcher` (listens and searches), `contributor` (adds their own stories)."""

    ADMIN = "admin"
    ARCHIVIST = "archivist"
    RESEARCHER = "researcher"
    CONTRIBUTOR = "contributor"


class Access(StrEnum):
    """Who may hear a story: everyone (`public`), its community's members (`community`),
    holders of its cultural protocols (`restricted`), or whoever put it in and the
    community's archivists (`private`)."""

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


class Visibility(IntEnum):
    HIDDEN = 0
    LISTED = 1
    FULL = 2


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: uuid.UUID | None
    role: Role
    link_id: uuid.UUID | None = None
    link_collection_id: uuid.UUID | None = None
    link_community_id: uuid.UUID | None = None
    """The community of the link's collection: where the link's stories belong."""
    member_of: frozenset[uuid.UUID] = field(default_factory=frozenset)
    """Communities the user belongs to, in any role."""
    archivist_of: frozenset[uuid.UUID] = field(default_factory=frozenset)
    """Communities where the user is an archivist (and has the archivist role)."""
    protocols: frozenset[uuid.UUID] = field(default_factory=frozenset)
    granted_stories: frozenset[uuid.UUID] = field(default_factory=frozenset)
    """Stories an access grant opens to the user now."""

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
    community_id: uuid.UUID | None = None
    protocol_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    protocol_mode: str = "all"
    protocols_strict: bool = False
    story_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class SearchScope:
    """An access decision in the form a search backend applies inside its query.

    `everything` means no filter. Otherwise a document matches when its story's community is
    one of `archivist_of`, or its story was put in by `owner_id`, or its story is available
    (published, out of embargo) and: public; or community and its community is in
    `member_of`; or restricted and `protocols` hold its protocols (all or any, per document);
    or its story is in `granted_stories`.
    """

    everything: bool
    archivist_of: frozenset[uuid.UUID] = field(default_factory=frozenset)
    member_of: frozenset[uuid.UUID] = field(default_factory=frozenset)
    protocols: frozenset[uuid.UUID] = field(default_factory=frozenset)
    granted_stories: frozenset[uuid.UUID] = field(default_factory=frozenset)
    owner_id: uuid.UUID | None = None


def is_admin(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role is Role.ADMIN


def is_curator(viewer: Viewer | None) -> bool:
    """May act as an archivist somewhere: admins, and archivists of at least one community.
    Acts on a particular story are decided by `can_curate`."""
    return is_admin(viewer) or (
        viewer is not None and viewer.role is Role.ARCHIVIST and bool(viewer.archivist_of)
    )


CommunityScope = frozenset[uuid.UUID] | None
"""The communities a caller acts in as an archivist; None stands for every community."""


def curated_communities(viewer: Viewer | None) -> CommunityScope:
    """The one scoping rule for what belongs to a community: None (everything) for
    administrators, the communities where an archivist is an archivist, and none for anyone
    else (members, researchers, contributors, link holders, anonymous callers)."""
    if is_admin(viewer):
        return None
    if viewer is None or viewer.role is not Role.ARCHIVIST:
        return frozenset()
    return viewer.archivist_of


def in_scope(scope: CommunityScope, community_id: uuid.UUID | None) -> bool:
    """Whether a thing of `community_id` is within `scope`; a thing of no community (an
    event about a user or the system) is within the unlimited scope only."""
    if scope is None:
        return True
    return community_id is not None and community_id in scope


def can_curate(viewer: Viewer | None, story: StoryAccess) -> bool:
    """Admins, and archivists of the story's community."""
    return in_scope(curated_communities(viewer), story.community_id)


def can_curate_community(viewer: Viewer | None, community_id: uuid.UUID) -> bool:
    return in_scope(curated_communities(viewer), community_id)


def implied_community(
    viewer: Viewer | None, communities: Collection[uuid.UUID]
) -> uuid.UUID | None:
    """The community a new collection, upload link or person belongs to when the caller
    names none: the one community of `communities` (the archive's) they curate, if there is
    exactly one; None when there is none or more than one, and they must name it."""
    scope = curated_communities(viewer)
    candidates = set(communities) if scope is None else scope & set(communities)
    return next(iter(candidates)) if len(candidates) == 1 else None


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


def is_available(story: StoryAccess, now: datetime | None) -> bool:
    """Published, consent not withdrawn, embargo passed: open to anyone its access allows."""
    return not story.withdrawn and story.status == "published" and not is_embargoed(story, now)


def holds_protocols(
    held: frozenset[uuid.UUID], required: frozenset[uuid.UUID], *, mode: str
) -> bool:
    if not required:
        return False
    return bool(held & required) if mode == "any" else required <= held


def story_visibility(
    viewer: Viewer | None, story: StoryAccess, *, now: datetime | None = None
) -> Visibility:
    if can_curate(viewer, story) or is_owner(viewer, story):
        return Visibility.FULL
    if not is_available(story, now):
        return Visibility.HIDDEN
    if (
        viewer is not None
        and story.story_id is not None
        and story.story_id in viewer.granted_stories
    ):
        return Visibility.FULL
    access = effective_access(story)
    if access is Access.PUBLIC:
        return Visibility.FULL
    signed_in = viewer is not None and viewer.user_id is not None
    if access is Access.COMMUNITY:
        if viewer is not None and story.community_id in viewer.member_of:
            return Visibility.FULL
        return Visibility.LISTED if signed_in else Visibility.HIDDEN
    if access is Access.RESTRICTED:
        if viewer is not None and holds_protocols(
            viewer.protocols, story.protocol_ids, mode=story.protocol_mode
        ):
            return Visibility.FULL
        if signed_in and not story.protocols_strict:
            return Visibility.LISTED
    return Visibility.HIDDEN


def can_view_story(
    viewer: Viewer | None, story: StoryAccess, *, now: datetime | None = None
) -> bool:
    """May hear it: recordings, transcripts, captions, audio."""
    return story_visibility(viewer, story, now=now) is Visibility.FULL


def can_list_story(
    viewer: Viewer | None, story: StoryAccess, *, now: datetime | None = None
) -> bool:
    """May know it exists: its title and description."""
    return story_visibility(viewer, story, now=now) >= Visibility.LISTED


def can_search_story(
    viewer: Viewer | None, story: StoryAccess, *, now: datetime | None = None
) -> bool:
    """Whether the story's words may appear in this caller's search results."""
    return story.searchable and not story.withdrawn and can_view_story(viewer, story, now=now)


def search_scope(viewer: Viewer | None) -> SearchScope:
    if viewer is None or viewer.is_link_holder:
        return SearchScope(everything=False)
    if is_admin(viewer):
        return SearchScope(everything=True)
    archivist_of = viewer.archivist_of if viewer.role is Role.ARCHIVIST else frozenset()
    return SearchScope(
        everything=False,
        archivist_of=archivist_of,
        member_of=viewer.member_of,
        protocols=viewer.protocols,
        granted_stories=viewer.granted_stories,
        owner_id=viewer.user_id,
    )


def can_create_story(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role in (Role.ADMIN, Role.ARCHIVIST, Role.CONTRIBUTOR)


def can_add_recording(viewer: Viewer | None, story: StoryAccess) -> bool:
    if can_curate(viewer, story):
        return True
    return viewer is not None and viewer.role is Role.CONTRIBUTOR and is_owner(viewer, story)
