"""The access decision made inside a listing's query is the one `domain.access` makes for a
single story: for every caller and every kind of story (each access, consent, review state,
embargo, withdrawal, protocol and mode, community, owner, upload link and grant), the story
is listed at the level `story_visibility` gives it, or not at all when hidden."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from archive.db.base import utcnow
from archive.db.session import transaction
from archive.domain.access import (
    Role,
    Viewer,
    Visibility,
    can_view_story,
    story_scope,
    story_visibility,
)
from archive.models import (
    Collection,
    Community,
    Consent,
    Protocol,
    Story,
    UploadLink,
    User,
)
from archive.stories import repository
from archive.stories.filters import StoryFilters, StorySort
from archive.stories.service import story_access

ACCESS = ("public", "community", "restricted", "private")
LISTEN = (None, "public", "community", "family", "private")
STATUS = ("published", "published", "submitted", "withdrawn")
EMBARGO = (None, -1, 1)
PROTOCOLS = ((), ("open",), ("strict",), ("open", "strict"))


def test_the_query_lists_each_story_as_the_access_rules_say(
    sessions: sessionmaker[Session],
) -> None:
    rng = random.Random(20261202)
    now = utcnow()
    with transaction(sessions) as session:
        home, coast = Community(name="Home"), Community(name="Coast")
        owner, other = User(username="owner", role="contributor"), User(username="x", role="x")
        session.add_all([home, coast, owner, other])
        session.flush()
        collection = Collection(title="Songs", community_id=home.id)
        session.add(collection)
        session.flush()
        link = UploadLink(
            collection_id=collection.id, community_id=home.id, token_hash=uuid.uuid4().hex
        )
        protocols = {
            (community.id, visibility): Protocol(
                community_id=community.id, name=f"{visibility}", visibility=visibility
            )
            for community in (home, coast)
            for visibility in ("open", "strict")
        }
        session.add_all([link, *protocols.values()])
        session.flush()
        stories = []
        for number in range(240):
            community = rng.choice((home, coast))
            story = Story(
                title=f"Story {number}",
                access=rng.choice(ACCESS),
                status=rng.choice(STATUS),
                community_id=community.id,
                created_by=rng.choice((None, owner.id, other.id)),
                upload_link_id=rng.choice((None, None, link.id)),
                protocol_mode=rng.choice(("all", "any")),
                protocols=[protocols[community.id, v] for v in rng.choice(PROTOCOLS)],
            )
            embargo = rng.choice(EMBARGO)
            if embargo is not None:
                story.embargo_until = now + timedelta(days=embargo)
            session.add(story)
            session.flush()
            listen = rng.choice(LISTEN)
            if listen is not None:
                consent_embargo = rng.choice(EMBARGO)
                session.add(
                    Consent(
                        story_id=story.id,
                        given_by="Ana",
                        listen=listen,
                        embargo_until=None
                        if consent_embargo is None
                        else now + timedelta(days=consent_embargo),
                        withdrawn_at=rng.choice((None, None, now)),
                    )
                )
            stories.append(story.id)
        session.flush()
        open_home, strict_home = protocols[home.id, "open"].id, protocols[home.id, "strict"].id
        granted = frozenset(rng.sample(stories, 40))
        viewers: dict[str, Viewer | None] = {
            "anonymous": None,
            "admin": Viewer(user_id=uuid.uuid4(), role=Role.ADMIN),
            "archivist of home": Viewer(
                user_id=uuid.uuid4(),
                role=Role.ARCHIVIST,
                member_of=frozenset({home.id}),
                archivist_of=frozenset({home.id}),
            ),
            "archivist without the role": Viewer(
                user_id=uuid.uuid4(),
                role=Role.RESEARCHER,
                member_of=frozenset({home.id}),
                archivist_of=frozenset({home.id}),
            ),
            "owner": Viewer(user_id=owner.id, role=Role.CONTRIBUTOR),
            "link holder": Viewer(
                user_id=None,
                role=Role.CONTRIBUTOR,
                link_id=link.id,
                link_collection_id=collection.id,
                link_community_id=home.id,
            ),
            "member with one protocol": Viewer(
                user_id=uuid.uuid4(),
                role=Role.RESEARCHER,
                member_of=frozenset({home.id}),
                protocols=frozenset({open_home}),
            ),
            "holder of both protocols": Viewer(
                user_id=uuid.uuid4(),
                role=Role.RESEARCHER,
                protocols=frozenset({open_home, strict_home}),
            ),
            "granted researcher": Viewer(
                user_id=uuid.uuid4(), role=Role.RESEARCHER, granted_stories=granted
            ),
        }
        loaded = {s.id: s for s in repository.get_stories(session, stories)}
        levels_seen: set[tuple[str, Visibility]] = set()
        for name, viewer in viewers.items():
            found, total, following = repository.list_stories(
                session,
                StoryFilters(),
                scope=story_scope(viewer),
                now=now,
                sort=StorySort.TITLE,
                descending=False,
                position=None,
                limit=1000,
            )
            listed = {story.id: level for story, level in found}
            expected = {
                story_id: level
                for story_id, story in loaded.items()
                if (level := story_visibility(viewer, story_access(story), now=now))
                is not Visibility.HIDDEN
            }
            assert listed == expected, name
            assert total == len(expected)
            assert following is None
            levels_seen.update(itertools.product([name], set(listed.values())))
        # What search audits as closed is what an anonymous caller may not hear.
        closed = repository.ids_closed_to_everyone(session, stories, now=now)
        assert closed == {
            story_id
            for story_id, story in loaded.items()
            if not can_view_story(None, story_access(story), now=now)
        }
        assert 0 < len(closed) < len(stories)
        # The sample reaches every level for the callers that have them.
        assert ("member with one protocol", Visibility.LISTED) in levels_seen
        assert ("granted researcher", Visibility.FULL) in levels_seen
