"""A story's page: its people and details, the transcript beside the player, masked where the
reader may not hear, and marked where an archivist should check."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.communities.repository import default_community
from archive.db.session import transaction
from archive.models import Segment, Story, Transcript
from integration.accounts.helpers import MakePasswordUser
from integration.search.test_search_api import index_everything, make_person, make_story
from integration.web.pages import sign_in


def _change_segment(
    sessions: sessionmaker[Session], recording: uuid.UUID, position: int, **values: object
) -> None:
    with transaction(sessions) as session:
        transcript = session.scalars(
            select(Transcript).where(Transcript.recording_id == recording)
        ).one()
        segment = session.scalars(
            select(Segment).where(
                Segment.transcript_id == transcript.id, Segment.position == position
            )
        ).one()
        for name, value in values.items():
            setattr(segment, name, value)


def test_the_story_page_warns_first_then_plays_with_its_transcript_beside(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    elder = make_person(sessions, "Don Mateo", deceased=True)
    story, recording = make_story(
        sessions, ["the river came at night", "we climbed the hill"], people=[(elder, "narrator")]
    )
    page = client.get(f"/stories/{story}")
    assert page.status_code == 200
    html = page.text
    warning = html.index("Don Mateo, who has passed away")
    assert warning < html.index("<h1>"), "the content warning comes before the title"
    assert "Told by Don Mateo" in html
    assert f'src="/api/v1/recordings/{recording}/audio"' in html
    assert f'<track kind="captions" default src="/api/v1/recordings/{recording}/transcript' in html
    assert 'data-start="1.0" data-end="1.5"' in html
    assert "we climbed the hill" in html
    assert f"/api/v1/recordings/{recording}/transcript?format=srt" in html
    assert "uncertain" not in html


def test_restricted_lines_are_masked_and_uncertain_ones_marked_for_archivists(
    client: TestClient, sessions: sessionmaker[Session], make_password_user: MakePasswordUser
) -> None:
    story, recording = make_story(
        sessions, ["the sacred song is sung", "then we ate", "a word we misheard"]
    )
    with transaction(sessions) as session:
        found = session.get(Story, story)
        assert found is not None
        found.community_id = default_community(session).id
    _change_segment(sessions, recording, 0, restricted=True)
    _change_segment(
        sessions,
        recording,
        2,
        words=[{"word": " misheard", "start": 2.0, "end": 2.4, "probability": 0.14}],
        no_speech_prob=0.0,
    )

    anonymous = client.get(f"/stories/{story}").text
    assert "the sacred song" not in anonymous
    assert "[restricted]" in anonymous
    assert "uncertain" not in anonymous

    make_password_user("ana", "archivist")
    sign_in(client, "ana")
    archivist = client.get(f"/stories/{story}").text
    assert "the sacred song is sung" in archivist
    assert "uncertain (14%)" in archivist


def test_a_story_the_reader_may_not_know_of_is_not_found(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    story, _ = make_story(sessions, ["a family matter"], access="private")
    page = client.get(f"/stories/{story}")
    assert page.status_code == 404
    assert "a family matter" not in page.text
    assert "<h1>" in page.text, "an error page, not problem+json"


def test_searching_within_a_story_lists_its_moments(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    story, recording = make_story(sessions, ["the canoe left", "rain", "the canoe came back"])
    make_story(sessions, ["another canoe elsewhere"])
    index_everything(client, sessions)
    page = client.get(f"/stories/{story}", params={"q": "canoe"})
    assert "2 moments in this story" in page.text
    assert f'data-seek="2.0" data-recording="{recording}"' in page.text
    assert "elsewhere" not in page.text


def test_an_error_page_speaks_the_readers_language(client: TestClient) -> None:
    page = client.get(f"/stories/{uuid.uuid4()}", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    assert "<h1>No encontrado</h1>" in page.text


def test_a_change_of_language_is_marked_in_the_margin(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    story, recording = make_story(
        sessions, ["the river came at night", "el río llegó de noche", "we climbed the hill"]
    )
    _change_segment(sessions, recording, 0, language="en")
    _change_segment(sessions, recording, 1, language="es")
    _change_segment(sessions, recording, 2, language="en")

    html = client.get(f"/stories/{story}").text

    assert html.count('class="lang-change"') == 2
    assert 'title="The language changes here">ES</abbr>' in html
    assert 'lang="es">el río llegó de noche' in html
    spanish = client.get(f"/stories/{story}", headers={"Accept-Language": "es"}).text
    assert 'title="Aquí cambia el idioma">ES</abbr>' in spanish
