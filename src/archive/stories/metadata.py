"""A story's descriptive metadata (Dublin Core, and what oral historians record), applied the
same way when a story is created and when it is edited. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from archive.collections import repository as collections
from archive.communities import repository as communities
from archive.domain.access import CommunityScope
from archive.errors import Unprocessable
from archive.models import Protocol, Story, StoryPerson
from archive.people import repository as people
from archive.people.schemas import PersonRole
from archive.stories import repository
from archive.stories.dates import parse_partial_date

if TYPE_CHECKING:
    from archive.stories.schemas import PersonLinkIn, StoryFields

DESCRIPTIVE = (
    "recorded_date",
    "place",
    "subjects",
    "keywords",
    "rights",
    "related_story_ids",
    "people",
)
"""Set on create as well as on edit."""

HEARING = ("protocol_ids", "protocol_mode", "embargo_until")
"""Who may hear a story besides its access: set on create by their own rules, edited here."""

EDITABLE = (
    "title",
    "description",
    "languages",
    "translate",
    "access",
    "collection_id",
    *DESCRIPTIVE,
    *HEARING,
)
"""What `PATCH /stories/{id}` may change; the review status changes only through review."""

CURATOR_ONLY = ("access", "collection_id", "people", *HEARING)
"""Who may hear a story, where it is filed and whose voice it is are the archivists' call."""

INDEXED = ("title", "access", "collection_id", "subjects", "recorded_date", "people", *HEARING)
"""Fields the search index holds (with who may find each segment): changing one queues index
jobs for the story."""


def content_warning(names: Sequence[str]) -> str | None:
    """The notice many communities ask for before the voice and name of someone who has
    passed away; None when there is nobody to warn of."""
    if not names:
        return None
    if len(names) == 1:
        return f"This story contains the voice and name of {names[0]}, who has passed away."
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"This story contains the voices and names of {listed}, who have passed away."


def deceased_narrators(story: Story) -> list[str]:
    """Names of the story's narrators who have passed away; its people must be loaded."""
    names: list[str] = []
    for link in story.people:
        deceased = link.role == PersonRole.NARRATOR and link.person.deceased
        if deceased and link.person.name not in names:
            names.append(link.person.name)
    return names


def snapshot(story: Story) -> dict[str, Any]:
    """The editable fields as the audit log records them (JSON); people must be loaded."""
    return {
        "title": story.title,
        "description": story.description,
        "languages": list(story.languages),
        "translate": story.translate,
        "access": story.access,
        "collection_id": str(story.collection_id) if story.collection_id else None,
        "recorded_date": story.recorded_date,
        "place": story.place,
        "subjects": list(story.subjects),
        "keywords": list(story.keywords),
        "rights": story.rights,
        "related_story_ids": list(story.related_story_ids),
        "people": [{"person_id": str(p.person_id), "role": p.role} for p in story.people],
        "protocol_ids": [str(p.id) for p in story.protocols],
        "protocol_mode": story.protocol_mode,
        "embargo_until": _moment(story.embargo_until),
    }


def _moment(value: datetime | None) -> str | None:
    """A stored time as JSON, in UTC (SQLite hands stored times back without their zone)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


Changes = dict[str, tuple[Any, Any]]
"""Field -> (before, after), as JSON values, for each field that changed."""


def apply(
    session: Session,
    story: Story,
    *,
    data: StoryFields,
    fields: Sequence[str],
    may_see: Callable[[Story], bool],
) -> Changes:
    """Sets `fields` of `data` on the story after checking what they name exists: the
    collection and the people in the story's own community, and the related stories (which
    the editor must be able to see, `may_see`). The story's people must be loaded. Who may
    set which field is the caller's check."""
    own = _own_community(story)
    before = snapshot(story)
    for field in fields:
        value = getattr(data, field)
        if field == "recorded_date":
            _set_recorded_date(story, value)
        elif field == "related_story_ids":
            story.related_story_ids = _related(session, story, story_ids=value, may_see=may_see)
        elif field == "people":
            # Only when they differ: a replaced collection counts as a change of the story
            # even when it holds the same people, and would advance its version.
            current = [(link.person_id, link.role) for link in story.people]
            if [(link.person_id, link.role.value) for link in value] != current:
                story.people = _people_links(session, value, own=own)
        elif field == "collection_id":
            if value is not None and collections.get_collection(session, value, scope=own) is None:
                raise Unprocessable(
                    f"There is no collection {value} in this story's community; check "
                    "`collection_id` (a story is filed only in its own community's "
                    "collections)."
                )
            story.collection_id = value
        elif field == "access":
            story.access = value.value
        elif field == "embargo_until":
            story.embargo_until = None if value is None else value.astimezone(UTC)
        elif field == "protocol_ids":
            if [str(i) for i in value] != before["protocol_ids"]:
                story.protocols = _protocols(session, value, own=own)
        else:
            setattr(story, field, value)
    after = snapshot(story)
    return {name: (before[name], after[name]) for name in after if before[name] != after[name]}


def _protocols(
    session: Session, protocol_ids: list[uuid.UUID], *, own: CommunityScope
) -> list[Protocol]:
    found = {p.id: p for p in communities.get_protocols(session, protocol_ids, scope=own)}
    missing = [str(i) for i in protocol_ids if i not in found]
    if missing:
        raise Unprocessable(
            f"There is no protocol {', '.join(missing)} in this story's community; check "
            "`protocol_ids` (a community's archivists make them: POST /api/v1/protocols)."
        )
    return [found[i] for i in protocol_ids]


def _set_recorded_date(story: Story, value: str | None) -> None:
    if value is None:
        story.recorded_date = story.recorded_date_precision = None
        return
    try:
        parsed = parse_partial_date(value, datetime.now(UTC).date())
    except ValueError as exc:
        raise Unprocessable(f"`recorded_date`: {exc}.") from None
    story.recorded_date = parsed.text
    story.recorded_date_precision = parsed.precision.value


def _related(
    session: Session,
    story: Story,
    *,
    story_ids: list[uuid.UUID],
    may_see: Callable[[Story], bool],
) -> list[str]:
    if story.id in story_ids:
        raise Unprocessable("A story cannot be related to itself; leave its own id out.")
    found = {s.id for s in repository.get_stories(session, story_ids) if may_see(s)}
    missing = [str(i) for i in story_ids if i not in found]
    if missing:
        raise Unprocessable(
            f"There is no story {', '.join(missing)} that you can see; check `related_story_ids`."
        )
    return [str(i) for i in story_ids]


def _own_community(story: Story) -> CommunityScope:
    """A story's collection and people come from its own community only."""
    return frozenset({story.community_id}) if story.community_id else frozenset()


def _people_links(
    session: Session, links: list[PersonLinkIn], *, own: CommunityScope
) -> list[StoryPerson]:
    known = people.get_people(session, {link.person_id for link in links}, scope=own)
    missing = sorted({str(link.person_id) for link in links if link.person_id not in known})
    if missing:
        raise Unprocessable(
            f"There is no person {', '.join(missing)} in this story's community; add them "
            "first with POST /api/v1/people (with the story's `community_id`), or check "
            "`people`."
        )
    return [
        StoryPerson(person=known[link.person_id], role=link.role.value, position=position)
        for position, link in enumerate(links)
    ]
