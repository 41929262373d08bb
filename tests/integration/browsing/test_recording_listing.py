"""GET /api/v1/recordings: the recordings of the stories each caller may hear; an archivist
finds what failed (and why) or still waits."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.models import Recording
from support.problems import assert_problem

from .conftest import Shelf

RECORDINGS = "/api/v1/recordings"

HEARD = {
    "anonymous": {"Alder public", "Ivy coast public"},
    "researcher": {"Alder public", "Ivy coast public"},
    "granted": {"Alder public", "Elm private", "Ivy coast public"},
    "member": {"Alder public", "Birch community", "Ivy coast public"},
    "contributor": {"Alder public", "Birch community", "Ivy coast public"},
    "archivist A": {"Alder public", "Birch community", "Elm private", "Ivy coast public"},
    "archivist B": {"Alder public", "Ivy coast public"},
    "admin": {"Alder public", "Birch community", "Elm private", "Ivy coast public"},
}


def test_each_caller_lists_the_recordings_of_stories_they_may_hear(
    shelf: Shelf, sessions: sessionmaker[Session]
) -> None:
    title_of = {recording: title for title, recording in shelf.recordings.items()}
    for role, expected in HEARD.items():
        page = shelf.get(RECORDINGS, role, limit=100).json()
        assert {title_of[r["id"]] for r in page["items"]} == expected, role
        assert page["total"] == len(expected)
        paged = shelf.every(RECORDINGS, role, limit=1, order="asc")
        assert [r["id"] for r in paged] == [r["id"] for r in reversed(page["items"])]
        for item in page["items"]:
            assert shelf.get(f"{RECORDINGS}/{item['id']}", role).json() == item


def test_an_archivist_sees_what_failed_and_why(
    shelf: Shelf, sessions: sessionmaker[Session]
) -> None:
    elm = shelf.recordings["Elm private"]
    with transaction(sessions) as session:
        recording = session.get(Recording, uuid.UUID(elm))
        assert recording is not None
        recording.status, recording.error = "failed", "The audio could not be decoded."
    failed = shelf.get(RECORDINGS, "archivist A", status="failed").json()
    assert [(r["id"], r["error"]) for r in failed["items"]] == [
        (elm, "The audio could not be decoded.")
    ]
    assert shelf.get(RECORDINGS, "archivist B", status="failed").json()["total"] == 0
    assert shelf.get(RECORDINGS, "member", status="failed").json()["items"] == []
    waiting = shelf.get(RECORDINGS, "archivist A", status="queued").json()
    assert waiting["total"] == 3
    alder = shelf.stories["Alder public"]
    only = shelf.get(RECORDINGS, "anonymous", story_id=alder).json()["items"]
    assert [r["id"] for r in only] == [shelf.recordings["Alder public"]]
    coast = shelf.get(RECORDINGS, "admin", community_id=shelf.coast).json()["items"]
    assert [r["id"] for r in coast] == [shelf.recordings["Ivy coast public"]]
    problem = assert_problem(shelf.get(RECORDINGS, "admin", status="broken"), 422)
    assert "failed" in problem["detail"]
