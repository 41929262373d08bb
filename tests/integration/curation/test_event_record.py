"""`events.repository.record`: an event is read from the changed row and the `Actor`, so it
lands in the subject's community and names the address the actor brought, never one left
behind by a request."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from archive.communities import repository as communities
from archive.db.session import transaction
from archive.events.actor import SYSTEM, Actor
from archive.events.repository import record
from archive.models import Event, Story, User
from support.stories import add_ready_recording


def test_an_event_on_a_recording_belongs_to_its_storys_community(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        community = communities.default_community(session)
        story = Story(title="A story", access="public", community_id=community.id)
        session.add(story)
        session.flush()
        recording = add_ready_recording(session, story.id)
        actor = Actor(user_id=None, source_ip="198.51.100.7")
        event = record(
            session, actor, action="recording.checked", subject=recording, details={"n": 1}
        )
        session.flush()
        event_id = event.id
        community_id = community.id
        recording_id = recording.id
    with transaction(sessions) as session:
        stored = session.get(Event, event_id)
        assert stored is not None
        assert (stored.subject_type, stored.subject_id) == ("recording", recording_id)
        assert stored.community_id == community_id
        assert stored.source_ip == "198.51.100.7"
        assert stored.details == {"n": 1}


def test_a_system_event_has_no_user_and_no_address(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        user = User(username=f"someone-{uuid.uuid4().hex[:8]}", role="researcher")
        session.add(user)
        session.flush()
        event = record(session, SYSTEM, action="user.created", subject=user)
        session.flush()
        event_id = event.id
    with transaction(sessions) as session:
        stored = session.get(Event, event_id)
        assert stored is not None
        assert (stored.subject_type, stored.actor_id, stored.source_ip) == ("user", None, None)
        assert stored.community_id is None
