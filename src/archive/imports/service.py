"""Bulk import rules, each run in the caller's transaction; never commits.

An import acts as one named account (`archive import-folder --as`), which must be an
archivist of the target community or an administrator: the stories, people and recordings
it makes go through the same rules and leave the same events as the API's, and each story
also carries a `story.imported` event naming the import, its file, row and SHA-256.
`imports.folder` runs these rules around the file reading and object store writes.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from archive.accounts.repository import get_user_by_username
from archive.accounts.service import viewer_for_user
from archive.collections import repository as collections
from archive.communities import repository as communities
from archive.communities.service import with_memberships
from archive.domain.access import Viewer, can_curate_community
from archive.errors import Forbidden, Unprocessable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.imports import repository
from archive.imports.rows import ImportRow, title_from_filename
from archive.ingest.media import MediaInfo
from archive.models import Community, Recording
from archive.people.schemas import PersonCreate, PersonRole
from archive.people.service import create_person
from archive.recordings.receive import ReceivedObject
from archive.recordings.service import add_recording
from archive.stories.schemas import PersonLinkIn, StoryCreate
from archive.stories.service import create_story


def importer(session: Session, username: str) -> Viewer:
    """The account an import acts as, with its communities; `Unprocessable` for no such one."""
    user = get_user_by_username(session, username)
    if user is None:
        raise Unprocessable(
            f"There is no user {username!r}. Name an archivist or administrator with --as "
            "(create one with `archive users create NAME --role archivist`)."
        )
    return with_memberships(session, viewer_for_user(session, user))


def target_community(
    session: Session, viewer: Viewer, *, community: str | None, collection_id: uuid.UUID | None
) -> Community:
    """The community the import fills, named by id or name (or implied by the collection, or
    the importer's only community, or the default one); the importer must curate it."""
    found: Community | None
    if community is not None:
        found = _community_named(session, community)
        if found is None:
            raise Unprocessable(
                f"There is no community {community!r}; give its id or its name "
                "(GET /api/v1/communities lists them)."
            )
    elif collection_id is not None:
        collection = collections.get_collection(session, collection_id, scope=None)
        if collection is None:
            raise Unprocessable(f"There is no collection {collection_id}; check --collection.")
        found = communities.get_community(session, collection.community_id)
    elif len(viewer.archivist_of) == 1:
        found = communities.get_community(session, next(iter(viewer.archivist_of)))
    else:
        found = communities.default_community(session)
    if found is None or not can_curate_community(viewer, found.id):
        raise Forbidden(
            "Only an archivist of the community (or an administrator) imports into it. Name "
            "one with --as, or choose their community with --community."
        )
    if collection_id is not None and (
        collections.get_collection(session, collection_id, scope=frozenset({found.id})) is None
    ):
        raise Unprocessable(
            f"There is no collection {collection_id} in the community {found.name!r}; "
            "check --collection (a story is filed only in its own community's collections)."
        )
    return found


def _community_named(session: Session, community: str) -> Community | None:
    try:
        return communities.get_community(session, uuid.UUID(community))
    except ValueError:
        return communities.get_community_by_name(session, community)


def story_data(
    row: ImportRow | None,
    *,
    file: str,
    community_id: uuid.UUID | None,
    collection_id: uuid.UUID | None,
) -> StoryCreate:
    """The new story of a file and its row (people are linked when it is made);
    `Unprocessable` naming every field the API would refuse."""
    fields: dict[str, Any] = {"title": title_from_filename(file)}
    fields |= {
        name: value
        for name, value in (("community_id", community_id), ("collection_id", collection_id))
        if value is not None
    }
    if row is not None:
        fields |= {
            "title": row.title or fields["title"],
            "description": row.description,
            "languages": list(row.languages),
            "subjects": list(row.subjects),
        }
        fields |= {
            name: value
            for name, value in (
                ("recorded_date", row.recorded_date),
                ("place", row.place),
                ("access", row.access),
            )
            if value is not None
        }
    try:
        return StoryCreate.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise Unprocessable(f"The story cannot be made from this row: {problems}.") from None


def existing_recording(
    session: Session, sha256: str, *, community_id: uuid.UUID
) -> Recording | None:
    return repository.recording_with_sha256(session, sha256, community_id=community_id)


def key_is_an_original(session: Session, key: str) -> bool:
    return repository.key_is_an_original(session, key)


def import_file(
    session: Session,
    viewer: Viewer,
    *,
    data: StoryCreate,
    row: ImportRow | None,
    received: ReceivedObject,
    info: MediaInfo,
    max_attempts: int,
    import_id: uuid.UUID,
    actor: Actor,
) -> Recording:
    """The story of one file with its people, the recording of its stored bytes, the
    transcription job and the events, in the caller's transaction: all of it or none."""
    assert data.community_id is not None
    links = [
        *_people(session, viewer, names=row.narrators if row else (), role=PersonRole.NARRATOR,
                 community_id=data.community_id, actor=actor),
        *_people(session, viewer, names=row.interviewers if row else (),
                 role=PersonRole.INTERVIEWER, community_id=data.community_id, actor=actor),
    ]  # fmt: skip
    if links:
        data = data.model_copy(update={"people": links})
        data.model_fields_set.add("people")
    story = create_story(session, viewer, data=data, actor=actor)
    recording = add_recording(
        session,
        story_id=story.id,
        recording_id=uuid.uuid4(),
        received=received,
        info=info,
        uploaded_by=viewer.user_id,
        upload_link_id=None,
        max_attempts=max_attempts,
        actor=actor,
    )
    record(
        session,
        actor,
        action="story.imported",
        subject=story,
        details={
            "import_id": str(import_id),
            "file": received.filename,
            "row": row.number if row else None,
            "sha256": received.sha256,
            "recording_id": str(recording.id),
        },
    )
    return recording


def _people(
    session: Session,
    viewer: Viewer,
    *,
    names: tuple[str, ...],
    role: PersonRole,
    community_id: uuid.UUID,
    actor: Actor,
) -> list[PersonLinkIn]:
    """Links to the community's people of these names, adding those it does not know yet."""
    links: list[PersonLinkIn] = []
    for name in names:
        person = repository.person_named(session, name, community_id=community_id)
        if person is None:
            try:
                data = PersonCreate(name=name, community_id=community_id)
            except ValidationError:
                raise Unprocessable(
                    f"The name {name[:40]!r}... is not a person's name we can keep (at most "
                    "300 characters); check the narrators and interviewers."
                ) from None
            person = create_person(session, viewer, data=data, actor=actor)
        link = PersonLinkIn(person_id=person.id, role=role)
        if link not in links:
            links.append(link)
    return links


def record_finished(
    session: Session,
    *,
    community_id: uuid.UUID,
    import_id: uuid.UUID,
    summary: dict[str, Any],
    actor: Actor,
) -> None:
    """The import's own event, on its community: where it came from and what it did."""
    community = communities.get_community(session, community_id)
    if community is not None:
        record(
            session,
            actor,
            action="import.finished",
            subject=community,
            details={"import_id": str(import_id), **summary},
        )
