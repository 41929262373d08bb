"""Bringing a story back from its bag: the rows it had, with their ids where the archive
has none of them, in the community named (or the bag's own, made if this archive lacks it).
Never commits.

Kept: every column of the story, its consent, people, recordings, transcript versions and
segments, restrictions and events. Mapped: people whose id belongs to another community here
get a new id; references to accounts this archive does not have become empty. Made again
from the restored rows by jobs: listening copies and the search index.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from archive.bags import repository
from archive.bags.reading import OpenedBag
from archive.bags.rows import from_json
from archive.consent.documents import document_key
from archive.domain.jobs import JobKind
from archive.domain.keys import original_key
from archive.events.actor import Actor
from archive.events.repository import record
from archive.jobs import queue
from archive.models import (
    Community,
    Consent,
    Event,
    Person,
    Protocol,
    Recording,
    Restriction,
    Segment,
    Story,
    StoryPerson,
    Transcript,
)

USER_COLUMNS = (
    "created_by",
    "uploaded_by",
    "deaccessioned_by",
    "author_id",
    "recorded_by",
    "actor_id",
)


@dataclass(frozen=True, slots=True)
class ObjectToStore:
    """A file of the bag that becomes a stored object under `key`."""

    path: str
    key: str
    sha256: str


@dataclass
class RestorePlan:
    story_id: uuid.UUID
    community_id: uuid.UUID
    community_name: str | None
    """Set when the community is to be made here (the bag's own, by its id and name)."""
    objects: list[ObjectToStore] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Recording id -> the key of its original here; the consent's id -> its document's.
    Keys are this archive's own, never the bag's: a bag cannot name another story's object."""
    mapped: dict[str, str] = field(default_factory=dict)
    """Old id -> new id, for every id that could not be kept."""
    notes: list[str] = field(default_factory=list)


def already_here(session: Session, bag: OpenedBag) -> bool:
    return repository.story_exists(session, uuid.UUID(bag.archive["story"]["id"]))


def plan(session: Session, bag: OpenedBag, *, community_id: uuid.UUID | None) -> RestorePlan:
    """Where the story goes and which files become objects; no row is written yet."""
    archive = bag.archive
    story = archive["story"]
    _one_story(archive)
    target, new_name = (community_id, None) if community_id else _community_of(session, archive)
    result = RestorePlan(
        story_id=uuid.UUID(story["id"]), community_id=target, community_name=new_name
    )
    for row in archive["recordings"]:
        key = original_key(result.story_id, uuid.UUID(row["id"]))
        result.keys[row["id"]] = key
        if row.get("deaccessioned_at"):
            continue
        path = _bag_file(bag, f"data/recordings/{row['id']}/original")
        result.objects.append(ObjectToStore(path, key, row["sha256"]))
    consent = archive.get("consent")
    if consent and consent.get("document_key"):
        path = _bag_file(bag, "data/consent/document")
        key = _own_document_key(consent["document_key"], story_id=result.story_id)
        result.keys[consent["id"]] = key
        result.objects.append(ObjectToStore(path, key, consent["document_sha256"]))
    return result


def _own_document_key(given: str, *, story_id: uuid.UUID) -> str:
    """The consent document's key as the bag names it when it is one of this story's own
    (`consents/<story id>/<uuid>`), else a new one."""
    prefix, _, last = str(given).rpartition("/")
    try:
        if prefix == f"consents/{story_id}" and str(uuid.UUID(last)) == last:
            return f"{prefix}/{last}"
    except ValueError:
        pass
    return document_key(story_id)


def _one_story(archive: dict[str, Any]) -> None:
    """Every row of the bag belongs to its story (a row naming another would be grafted onto
    a story of this archive, perhaps another community's); raises ValueError naming each."""
    story_id = archive["story"]["id"]
    recordings = {r["id"] for r in archive["recordings"]}
    transcripts = {t["id"] for t in archive["transcripts"]}
    consent = archive.get("consent")
    checks = [
        ("recordings", "story_id", {story_id}),
        ("story_people", "story_id", {story_id}),
        ("transcripts", "recording_id", recordings),
        ("restrictions", "recording_id", recordings),
        ("segments", "transcript_id", transcripts),
    ]
    problems = [
        f"{kind} row {row.get('id', '')} has {column} {row.get(column)}, not of this story"
        for kind, column, allowed in checks
        for row in archive[kind]
        if row.get(column) not in allowed
    ]
    if consent is not None and consent.get("story_id") != story_id:
        problems.append(f"the consent has story_id {consent.get('story_id')}, not this story")
    subjects = {"story": {story_id}, "recording": recordings}
    problems += [
        f"event {event.get('id')} is about {event.get('subject_type')} "
        f"{event.get('subject_id')}, not this story or its recordings"
        for event in archive["events"]
        if event.get("subject_id") not in subjects.get(event.get("subject_type", ""), set())
    ]
    if problems:
        raise ValueError("; ".join(problems))


def _bag_file(bag: OpenedBag, stem: str) -> str:
    folder = bag.path / stem.rsplit("/", 1)[0]
    name = stem.rsplit("/", 1)[1]
    found = sorted(p for p in folder.glob(f"{name}*") if p.is_file()) if folder.is_dir() else []
    if not found:
        raise LookupError(f"{stem}.* is missing from the bag")
    return found[0].relative_to(bag.path).as_posix()


def _community_of(session: Session, archive: dict[str, Any]) -> tuple[uuid.UUID, str | None]:
    """The bag's community here (by id, then by name), or its id and name to make it."""
    named = archive.get("community")
    if named is None:
        raise LookupError("the bag names no community: name one with --community")
    community_id = uuid.UUID(named["id"])
    if repository.community_exists(session, community_id):
        return community_id, None
    by_name = repository.community_by_name(session, named["name"])
    if by_name is not None:
        return by_name, None
    return community_id, str(named["name"])


def restore(session: Session, bag: OpenedBag, *, plan: RestorePlan, actor: Actor) -> Story:
    """Writes the story's rows (its objects are stored already), queues what is made again,
    and records the import as an event."""
    archive = bag.archive
    community_id = plan.community_id
    if plan.community_name is not None:
        repository.add_all(session, [Community(id=community_id, name=plan.community_name)])
        plan.notes.append(f"community {plan.community_name!r} was made")

    def clean(values: dict[str, Any]) -> dict[str, Any]:
        # Accounts do not travel: a bag naming an account here by id (made elsewhere, or
        # written by hand) must not put words in that person's mouth.
        return {**values, **{column: None for column in USER_COLUMNS if column in values}}

    story_values = clean(archive["story"])
    story_values["community_id"] = str(community_id)
    collection = story_values.get("collection_id")
    if collection is not None and not repository.collection_in(
        session, uuid.UUID(collection), community_id=community_id
    ):
        plan.notes.append(f"collection {collection} is not here: the story is in none")
        story_values["collection_id"] = None
    if story_values.get("upload_link_id") is not None:
        story_values["upload_link_id"] = None
    story = from_json(Story, story_values)
    rows: list[object] = [story]
    for values in archive["people"]:
        owner = repository.person_community(session, uuid.UUID(values["id"]))
        if owner == community_id:
            continue  # the same person, kept here already
        values = {**clean(values), "community_id": str(community_id)}
        if owner is not None:  # the id is another community's person's here
            new_id = str(uuid.uuid4())
            plan.mapped[values["id"]] = new_id
            values["id"] = new_id
        rows.append(from_json(Person, values))
    repository.add_all(session, rows)
    repository.keep_version(session, story, version=int(archive["story"]["version"]))
    links = [
        from_json(
            StoryPerson,
            {**link, "person_id": plan.mapped.get(link["person_id"], link["person_id"])},
        )
        for link in archive["story_people"]
    ]
    protocols = _protocols(session, archive, community_id=community_id, plan=plan)
    repository.link_protocols(session, story.id, protocol_ids=[p.id for p in protocols])
    after: list[object] = [*links]
    consent = archive.get("consent")
    if consent:
        after.append(
            from_json(
                Consent,
                {**clean(consent), "document_key": plan.keys.get(consent["id"])},
            )
        )
    after += [
        from_json(Recording, {**clean(r), "object_key": plan.keys[r["id"]]})
        for r in archive["recordings"]
    ]
    repository.add_all(session, after)
    repository.add_all(session, [from_json(Transcript, clean(t)) for t in archive["transcripts"]])
    repository.add_all(
        session,
        [from_json(Segment, s) for s in archive["segments"]]
        + [from_json(Restriction, clean(r)) for r in archive["restrictions"]],
    )
    events = []
    for values in archive["events"]:
        values = {**clean(values), "community_id": str(community_id)}
        if repository.event_exists(session, uuid.UUID(values["id"])):
            new_id = str(uuid.uuid4())
            plan.mapped[values["id"]] = new_id
            values["id"] = new_id
        events.append(from_json(Event, values))
    repository.add_all(session, events)
    restricted = {r["recording_id"] for r in archive["restrictions"]}
    for recording in archive["recordings"]:
        payload = {"recording_id": recording["id"]}
        queue.enqueue(session, JobKind.INDEX, payload=payload)
        if recording["id"] in restricted and not recording.get("deaccessioned_at"):
            queue.enqueue(session, JobKind.SILENCE, payload=payload)
    record(
        session,
        actor,
        action="story.imported",
        subject=story,
        details={
            "source_organization": bag.info.get("Source-Organization", ""),
            "bagging_date": bag.info.get("Bagging-Date", ""),
            "mapped_ids": plan.mapped,
            "notes": plan.notes,
        },
    )
    return story


def _protocols(
    session: Session, archive: dict[str, Any], *, community_id: uuid.UUID, plan: RestorePlan
) -> list[Protocol]:
    """The story's protocols in its community here, made when missing (by id and name), so a
    restored story is never more open than it was."""
    found = []
    for named in archive.get("protocols", []):
        protocol = repository.protocol_in(
            session, uuid.UUID(named["id"]), community_id=community_id
        )
        if protocol is None:
            protocol = Protocol(
                id=uuid.UUID(named["id"])
                if not repository.protocol_exists(session, uuid.UUID(named["id"]))
                else uuid.uuid4(),
                community_id=community_id,
                name=named["name"],
                visibility=named.get("visibility", "strict"),
            )
            repository.add_all(session, [protocol])
            plan.notes.append(f"protocol {named['name']!r} was made in the community")
        found.append(protocol)
    return found
