"""What goes into a story's bag. Never commits; reads the story in the caller's unit of work
and returns a `BagPlan`: the small files made here, and the stored objects (originals, the
consent document) that `bags.writer` streams from the store afterwards, outside any
transaction.

Layout of a bag (RFC 8493), `story-<id>/`:

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/metadata/archive.json        every row of the story, column by column (for import)
    data/metadata/dublin-core.xml     the story's catalogue record
    data/metadata/events-premis.json  the story's events, PREMIS-style
    data/consent/document.<ext>       the signed consent, when there is one
    data/recordings/<id>/original.<ext>              the original, byte for byte
    data/recordings/<id>/transcript-v<N>.{json,vtt,srt,txt}  every version
    data/recordings/<id>/translation-v<N>.{json,vtt,srt,txt} every version of the translation

A masked bag is for someone without the right to hear restricted spans: their text is
`[restricted]` everywhere, the audio is the listening copy with them silent, their reasons and
the events' details (which may quote them) are left out, and `bag-info.txt` says so.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy.orm import Session

from archive import __version__
from archive.bags import repository
from archive.bags.repository import StoryBundle
from archive.bags.rows import to_json
from archive.db.base import utcnow
from archive.domain import oai_xml
from archive.domain.access import Viewer, can_curate
from archive.domain.bagit import BAG_FORMAT
from archive.domain.captions import Cue, render_srt, render_txt, render_vtt
from archive.domain.oai import DublinCore
from archive.domain.restrictions import (
    RESTRICTED_TEXT,
    Span,
    masks,
    spans_fingerprint,
    translation_spans,
)
from archive.errors import NotFound, ServiceUnavailable
from archive.events.actor import Actor
from archive.events.repository import record
from archive.models import Event, Recording, Segment, Transcript
from archive.people.schemas import PersonRole
from archive.recordings import repository as recordings
from archive.stories.service import story_access


@dataclass(frozen=True, slots=True)
class StoredPayload:
    """A payload file streamed from the object store; its SHA-256 is checked as it streams."""

    path: str
    key: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class BagPlan:
    name: str
    info: list[tuple[str, str]]
    files: dict[str, bytes] = field(default_factory=dict)
    """Payload files made here, by path under the bag (`data/...`)."""
    stored: list[StoredPayload] = field(default_factory=list)

    @property
    def payload_oxum(self) -> str:
        octets = sum(len(b) for b in self.files.values()) + sum(s.size for s in self.stored)
        return f"{octets}.{len(self.files) + len(self.stored)}"


def story_not_found(story_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no story {story_id} you may export. Only the archivists of a story's "
        "community (and administrators) export it."
    )


def plan_story_bag(
    session: Session, viewer: Viewer, *, story_id: uuid.UUID, masked: bool, actor: Actor
) -> BagPlan:
    """The story's bag, for the archivists of its community and administrators; the export
    is an event of the story (`story.exported`)."""
    bundle = repository.story_bundle(session, story_id)
    if bundle is None or not can_curate(viewer, story_access(bundle.story)):
        raise story_not_found(story_id)
    # A deaccessioned recording's tombstone travels, not its bytes nor what was heard in them.
    withdrawn = {r.id for r in bundle.story.recordings if r.deaccessioned_at is not None}
    bundle = dataclasses.replace(
        bundle, transcripts=[t for t in bundle.transcripts if t.recording_id not in withdrawn]
    )
    record(
        session,
        actor,
        action="story.exported",
        subject=bundle.story,
        details={"masked": masked, "format": "bagit"},
    )
    spans = {r.id: recordings.spans_for_recording(session, r.id) for r in bundle.story.recordings}
    copies = {}
    if masked:
        for recording in bundle.story.recordings:
            if spans[recording.id] and recording.deaccessioned_at is None:
                copy = recordings.get_listening_copy(session, recording.id)
                if copy is None or copy.spans_fingerprint != spans_fingerprint(spans[recording.id]):
                    raise ServiceUnavailable(
                        "The copy of this story's audio with its restricted parts silent is "
                        "being prepared; export it again in a minute.",
                        headers={"Retry-After": "30"},
                    )
                copies[recording.id] = copy
    now = utcnow()
    plan = BagPlan(name=f"story-{story_id}", info=[])
    stories_json: dict[str, Any] = _rows(bundle, spans=spans if masked else None)
    stories_json["exported_at"] = now.isoformat()
    stories_json["masked"] = masked
    plan.files["data/metadata/archive.json"] = _json(stories_json)
    plan.files["data/metadata/dublin-core.xml"] = oai_xml.dublin_core_record(_dublin_core(bundle))
    plan.files["data/metadata/events-premis.json"] = _json(_premis(bundle, masked=masked))
    consent = bundle.story.consent
    # The signed consent names the family and what they agreed to: not for a masked bag.
    if not masked and consent is not None and consent.document_key and consent.document_sha256:
        suffix = _suffix_for(consent.document_content_type or "", fallback="")
        plan.stored.append(
            StoredPayload(
                f"data/consent/document{suffix}",
                consent.document_key,
                consent.document_size or 0,
                consent.document_sha256,
            )
        )
    for recording in bundle.story.recordings:
        base = f"data/recordings/{recording.id}"
        if recording.deaccessioned_at is None:
            copy = copies.get(recording.id)
            if copy is not None:
                plan.stored.append(
                    StoredPayload(
                        f"{base}/listening-copy{_suffix_for(copy.content_type, fallback='')}",
                        copy.object_key,
                        copy.size,
                        copy.sha256,
                    )
                )
            else:
                plan.stored.append(
                    StoredPayload(
                        f"{base}/original{_suffix(recording)}",
                        recording.object_key,
                        recording.size,
                        recording.sha256,
                    )
                )
        for transcript in bundle.transcripts:
            if transcript.recording_id == recording.id:
                hidden = (
                    _hidden(transcript, _hiding(bundle, transcript, spans=spans[recording.id]))
                    if masked
                    else frozenset()
                )
                _add_transcript(plan, base=base, transcript=transcript, hidden=hidden)
    plan.info.extend(
        [
            ("Source-Organization", bundle.community.name if bundle.community else "unknown"),
            ("Bagging-Date", now.date().isoformat()),
            ("External-Identifier", str(story_id)),
            ("External-Description", bundle.story.title),
            ("Bag-Software-Agent", f"community-archive {__version__}"),
            ("Bag-Group-Identifier", str(bundle.story.collection_id or "")),
        ]
    )
    if masked:
        plan.info.append(
            (
                "Access-Restrictions",
                "Made for someone without the right to hear restricted parts: their text is "
                "[restricted], the audio is a copy with them silent, and their reasons and "
                "the details of events are left out.",
            )
        )
    return plan


def story_ids(
    session: Session, *, collection_id: uuid.UUID | None, community_id: uuid.UUID | None
) -> list[uuid.UUID]:
    return repository.story_ids_of(session, collection_id=collection_id, community_id=community_id)


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _hidden(transcript: Transcript, spans: list[Span]) -> frozenset[uuid.UUID]:
    return frozenset(
        s.id for s in transcript.segments if s.restricted or masks(spans, start=s.start, end=s.end)
    )


def _hiding(bundle: StoryBundle, transcript: Transcript, *, spans: list[Span]) -> list[Span]:
    """What hides `transcript`'s segments: the recording's spans, and for a translation also
    the time of each restricted segment of the recording's current original transcript."""
    if transcript.kind != "translation":
        return spans
    originals = [
        t
        for t in bundle.transcripts
        if t.recording_id == transcript.recording_id and t.kind == "original"
    ]
    if not originals:
        return spans
    current = max(originals, key=lambda t: t.version)
    return translation_spans(spans, [(s.start, s.end) for s in current.segments if s.restricted])


def _rows(bundle: StoryBundle, *, spans: dict[uuid.UUID, list[Span]] | None) -> dict[str, Any]:
    story = bundle.story
    segments: list[dict[str, Any]] = []
    for transcript in bundle.transcripts:
        hidden = (
            _hidden(transcript, _hiding(bundle, transcript, spans=spans[transcript.recording_id]))
            if spans
            else frozenset()
        )
        segments.extend(_segment_json(s, hide=s.id in hidden) for s in transcript.segments)
    restrictions = [to_json(r) for r in bundle.restrictions]
    if spans is not None:
        for row in restrictions:
            row["reason"] = ""
    return {
        "format": BAG_FORMAT,
        "community": None
        if bundle.community is None
        else {"id": str(bundle.community.id), "name": bundle.community.name},
        "collection": None
        if bundle.collection is None
        else {"id": str(bundle.collection.id), "title": bundle.collection.title},
        "story": to_json(story),
        "consent": None if story.consent is None else to_json(story.consent),
        "protocols": [
            {"id": str(p.id), "name": p.name, "visibility": p.visibility} for p in story.protocols
        ],
        "people": [to_json(p) for p in bundle.people],
        "story_people": [to_json(link) for link in story.people],
        "recordings": [to_json(r) for r in story.recordings],
        "transcripts": [to_json(t) for t in bundle.transcripts],
        "segments": segments,
        "restrictions": restrictions,
        "events": [
            {**to_json(e), "details": _details(e, masked=spans is not None)} for e in bundle.events
        ],
    }


def _segment_json(segment: Segment, *, hide: bool) -> dict[str, Any]:
    row = to_json(segment)
    if hide:
        row.update(text=RESTRICTED_TEXT, words=[], restricted=True)
    return row


def _add_transcript(
    plan: BagPlan, *, base: str, transcript: Transcript, hidden: frozenset[uuid.UUID]
) -> None:
    # A translation track numbers its versions on its own: its files have their own name.
    track = "translation" if transcript.kind == "translation" else "transcript"
    name = f"{base}/{track}-v{transcript.version}"
    cues = [
        Cue(s.start, s.end, RESTRICTED_TEXT if s.id in hidden else s.text, s.speaker)
        for s in transcript.segments
    ]
    body = {
        **to_json(transcript),
        "segments": [_segment_json(s, hide=s.id in hidden) for s in transcript.segments],
    }
    plan.files[f"{name}.json"] = _json(body)
    plan.files[f"{name}.vtt"] = render_vtt(cues).encode()
    plan.files[f"{name}.srt"] = render_srt(cues).encode()
    plan.files[f"{name}.txt"] = render_txt(cues).encode()


def _dublin_core(bundle: StoryBundle) -> DublinCore:
    story = bundle.story

    def named(role: PersonRole) -> tuple[str, ...]:
        return tuple(p.person.name for p in story.people if p.role == role)

    return DublinCore(
        title=story.title,
        description=story.description,
        creators=named(PersonRole.NARRATOR),
        contributors=named(PersonRole.INTERVIEWER) + named(PersonRole.TRANSLATOR),
        date=story.recorded_date,
        coverage=story.place,
        languages=tuple(story.languages),
        subjects=tuple(story.subjects) + tuple(story.keywords),
        rights=story.rights,
        formats=tuple(sorted({r.content_type for r in story.recordings})),
        publisher=bundle.community.name if bundle.community else None,
        identifier=f"urn:uuid:{story.id}",
    )


def _details(event: Event, *, masked: bool) -> dict[str, Any]:
    """An event's details; a masked bag leaves out every event's details, since they may
    quote what is restricted (a restriction's reason, a transcript edit's old and new text):
    what happened, when, by whom and to what stays."""
    if masked:
        return {}
    return event.details


def _premis(bundle: StoryBundle, *, masked: bool) -> list[dict[str, Any]]:
    """The events as PREMIS 3 event entities (in JSON)."""
    return [
        {
            "eventIdentifier": {"eventIdentifierType": "UUID", "eventIdentifierValue": str(e.id)},
            "eventType": e.action,
            "eventDateTime": _iso(e.at),
            "eventDetailInformation": _details(e, masked=masked),
            "eventOutcomeInformation": {"eventOutcome": e.outcome},
            "linkingAgentIdentifier": None
            if e.actor_id is None
            else {
                "linkingAgentIdentifierType": "UUID",
                "linkingAgentIdentifierValue": str(e.actor_id),
            },
            "linkingObjectIdentifier": {
                "linkingObjectIdentifierType": e.subject_type,
                "linkingObjectIdentifierValue": None if e.subject_id is None else str(e.subject_id),
            },
        }
        for e in bundle.events
    ]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")
_SUFFIXES = {
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "audio/webm": ".webm",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


def _suffix_for(content_type: str, *, fallback: str) -> str:
    return _SUFFIXES.get(content_type.split(";")[0].strip().lower(), fallback)


def _suffix(recording: Recording) -> str:
    given = PurePosixPath(recording.original_filename).suffix.lower()
    if _SAFE_SUFFIX.match(given):
        return given
    return _suffix_for(recording.content_type, fallback=".bin")
