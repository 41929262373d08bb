"""Transcript segments as the search index receives them, for the search tests: one recording
of one story, a segment per text, ten seconds apart."""

from __future__ import annotations

import uuid

from archive.domain.access import Access
from archive.search.documents import SegmentDocument


def recording(
    texts: list[str],
    *,
    access: Access | str = Access.PUBLIC,
    language: str = "en",
    owner_id: uuid.UUID | None = None,
    story_id: uuid.UUID | None = None,
    community_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, list[SegmentDocument]]:
    """A new recording's id and its documents, one per text, in order."""
    recording_id, transcript_id = uuid.uuid4(), uuid.uuid4()
    story = story_id or uuid.uuid4()
    return recording_id, [
        SegmentDocument(
            segment_id=uuid.uuid4(),
            recording_id=recording_id,
            story_id=story,
            transcript_id=transcript_id,
            start=10.0 * i,
            end=10.0 * i + 9.5,
            text=text,
            language=language,
            story_title="A story",
            access=Access(access).value,
            owner_id=owner_id,
            collection_id=None,
            community_id=community_id,
        )
        for i, text in enumerate(texts)
    ]
