"""The OAI-PMH catalogue: published public stories as `oai_dc` records, for partner
institutions and library catalogues to harvest. Never commits.

Which stories are in it is the access decision for an anonymous caller
(`domain.access.can_view_story`), made on each story as the catalogue is brought up to date
(`reconcile`, at the start of every harvest): a story that opens appears with a new
datestamp, one whose record changes gets a new datestamp, and one that closes (withdrawn,
made non-public, embargoed, its consent withdrawn) stays as a deleted record. A harvest
resumed with a token reads the catalogue as it stood, up to the moment the harvest began.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from archive.domain import oai_xml
from archive.domain.access import can_view_story
from archive.domain.oai import (
    PAGE_SIZE,
    DublinCore,
    OaiError,
    OaiErrorCode,
    Request,
    Verb,
    decode_token,
    encode_token,
    harvest_of,
    parse_set_spec,
    require_format,
    set_spec,
)
from archive.models import OaiRecord, Story
from archive.oai import repository
from archive.people.schemas import PersonRole
from archive.stories.service import story_access


@dataclass(frozen=True, slots=True)
class Repository:
    """Who answers: the settings and the address the harvester used."""

    name: str
    namespace: str
    """The domain name in identifiers: `oai:<namespace>:<story id>`."""
    admin_email: str
    base_url: str
    """The `/oai` address as the harvester called it."""
    site_url: str
    """Where a story's page is, for `dc:identifier`."""


def answer(session: Session, request: Request, *, repo: Repository, now: datetime) -> bytes:
    """The XML answer of a valid request (`OaiError` for the protocol's errors)."""
    arguments = dict(request.arguments)
    if request.token is not None:
        arguments["resumptionToken"] = request.token
    arguments["verb"] = request.verb.value
    if request.token is None:
        reconcile(session, now=now, site_url=repo.site_url)
    if request.verb is Verb.IDENTIFY:
        identity = oai_xml.Identity(
            repo.name, repo.base_url, repo.admin_email, repository.earliest(session) or now
        )
        return oai_xml.identify(identity, now=now, arguments=arguments)
    if request.verb is Verb.LIST_METADATA_FORMATS:
        if "identifier" in request.arguments:
            _known(session, repo, identifier=request.arguments["identifier"])
        return oai_xml.metadata_formats(now=now, base_url=repo.base_url, arguments=arguments)
    if request.verb is Verb.LIST_SETS:
        if request.token is not None:
            raise OaiError(
                OaiErrorCode.BAD_RESUMPTION_TOKEN, "ListSets answers in one page; send no token."
            )
        return oai_xml.sets(_sets(session), now=now, base_url=repo.base_url, arguments=arguments)
    if request.verb is Verb.GET_RECORD:
        require_format(request.arguments["metadataPrefix"])
        record = _known(session, repo, identifier=request.arguments["identifier"])
        items = _records(session, [record], repo=repo)
        return oai_xml.records(
            items,
            oai_xml.Page(None, 0, None),
            verb=request.verb,
            now=now,
            base_url=repo.base_url,
            arguments=arguments,
        )
    return _list(session, request, repo=repo, now=now, arguments=arguments)


def _list(
    session: Session,
    request: Request,
    *,
    repo: Repository,
    now: datetime,
    arguments: dict[str, str],
) -> bytes:
    if request.token is not None:
        harvest = decode_token(request.token, verb=request.verb)
    else:
        harvest = harvest_of(request)
        if harvest.set_spec is not None:
            parse_set_spec(harvest.set_spec)
        # A harvest reads the catalogue up to the moment it began, however long it takes.
        harvest = dataclasses.replace(harvest, until=harvest.until or now)
    found = repository.page(session, harvest, limit=PAGE_SIZE + 1)
    if not found and request.token is None:
        raise OaiError(OaiErrorCode.NO_RECORDS_MATCH, "No record matches this selection.")
    shown = list(found[:PAGE_SIZE])
    more = len(found) > PAGE_SIZE
    paged = more or request.token is not None
    token: str | None = None
    if more:
        last = shown[-1]
        token = encode_token(
            dataclasses.replace(
                harvest,
                after=(last.datestamp, last.story_id),
                given=harvest.given + len(shown),
            )
        )
    elif paged:
        token = ""
    page = oai_xml.Page(token, harvest.given, repository.count(session, harvest) if paged else None)
    items = _records(session, shown, repo=repo)
    return oai_xml.records(
        items, page, verb=request.verb, now=now, base_url=repo.base_url, arguments=arguments
    )


def _known(session: Session, repo: Repository, *, identifier: str) -> OaiRecord:
    prefix = f"oai:{repo.namespace}:"
    record = None
    if identifier.startswith(prefix):
        try:
            record = repository.get_record(session, uuid.UUID(identifier[len(prefix) :]))
        except ValueError:
            record = None
    if record is None:
        raise OaiError(
            OaiErrorCode.ID_DOES_NOT_EXIST,
            f"{identifier!r} is not an identifier of this archive's catalogue.",
        )
    return record


def _sets(session: Session) -> list[tuple[str, str]]:
    communities, collections = repository.live_set_ids(session)
    named = [
        (set_spec("community", thing_id), name)
        for thing_id, name in repository.community_names(session, communities).items()
    ] + [
        (set_spec("collection", thing_id), name)
        for thing_id, name in repository.collection_names(session, collections).items()
    ]
    return sorted(named)


def _records(
    session: Session, shown: Sequence[OaiRecord], *, repo: Repository
) -> list[oai_xml.Record]:
    live = [r.story_id for r in shown if not r.deleted]
    stories = {s.id: s for s in repository.stories_with_people(session, live)}
    catalogue = _dublin_core(session, list(stories.values()), site_url=repo.site_url)
    items = []
    for record in shown:
        specs = tuple(
            set_spec(kind, thing_id)
            for kind, thing_id in (
                ("community", record.community_id),
                ("collection", record.collection_id),
            )
            if thing_id is not None
        )
        header = oai_xml.Header(
            f"oai:{repo.namespace}:{record.story_id}", record.datestamp, specs, record.deleted
        )
        metadata = None if record.deleted else catalogue.get(record.story_id)
        items.append(oai_xml.Record(header, metadata))
    return items


def _dublin_core(
    session: Session, stories: Sequence[Story], *, site_url: str
) -> dict[uuid.UUID, DublinCore]:
    ids = [story.id for story in stories]
    formats = repository.formats_of(session, ids)
    publishers = repository.community_names(
        session, {s.community_id for s in stories if s.community_id is not None}
    )

    def named(story: Story, role: PersonRole) -> tuple[str, ...]:
        return tuple(p.person.name for p in story.people if p.role == role)

    return {
        story.id: DublinCore(
            title=story.title,
            description=story.description,
            creators=named(story, PersonRole.NARRATOR),
            contributors=named(story, PersonRole.INTERVIEWER) + named(story, PersonRole.TRANSLATOR),
            date=story.recorded_date,
            coverage=story.place,
            languages=tuple(story.languages),
            subjects=tuple(story.subjects) + tuple(story.keywords),
            rights=story.rights,
            formats=tuple(formats.get(story.id, [])),
            publisher=None if story.community_id is None else publishers.get(story.community_id),
            identifier=f"{site_url}/stories/{story.id}",
        )
        for story in stories
    }


def reconcile(session: Session, *, now: datetime, site_url: str) -> None:
    """Brings the catalogue up to date with what anonymous callers may see now."""
    stamp = now.replace(microsecond=0)
    candidates = repository.public_candidates(session)
    public = [s for s in candidates if can_view_story(None, story_access(s), now=now)]
    records = repository.all_records(session)
    catalogue = _dublin_core(session, public, site_url=site_url)
    seen: set[uuid.UUID] = set()
    for story in public:
        seen.add(story.id)
        fingerprint = dataclasses.replace(catalogue[story.id], identifier="").fingerprint()
        record = records.get(story.id)
        if record is None:
            repository.add_record(
                session,
                OaiRecord(
                    story_id=story.id,
                    datestamp=stamp,
                    deleted=False,
                    fingerprint=fingerprint,
                    community_id=story.community_id,
                    collection_id=story.collection_id,
                ),
            )
            continue
        placed = (record.community_id, record.collection_id) == (
            story.community_id,
            story.collection_id,
        )
        if record.deleted or record.fingerprint != fingerprint or not placed:
            record.deleted = False
            record.fingerprint = fingerprint
            record.community_id, record.collection_id = story.community_id, story.collection_id
            record.datestamp = stamp
    for story_id, record in records.items():
        if story_id not in seen and not record.deleted:
            record.deleted = True
            record.datestamp = stamp
