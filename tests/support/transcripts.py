"""A story with a machine transcript, written straight to the database: no Whisper needed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from archive.communities.repository import default_community
from archive.db.session import transaction
from archive.models import Recording, Segment, Story, Transcript

SEGMENTS: list[dict[str, Any]] = [
    {
        "start": 0.0,
        "end": 3.0,
        "text": "We crossed the stone bridge.",
        "speaker": "Ana",
        "words": [
            ("We", 0.0, 0.4),
            ("crossed", 0.4, 1.0),
            ("the", 1.0, 1.2),
            ("stone", 1.2, 1.8),
            ("bridge.", 1.8, 2.6),
        ],
    },
    {
        "start": 3.5,
        "end": 5.0,
        "text": "The river was high.",
        "speaker": "Ana",
        "words": [("The", 3.5, 3.7), ("river", 3.7, 4.1), ("was", 4.1, 4.4), ("high.", 4.4, 5.0)],
    },
    {
        "start": 6.0,
        "end": 8.0,
        "text": "Then we reached the mill.",
        "speaker": None,
        "words": [
            ("Then", 6.0, 6.4),
            ("we", 6.4, 6.6),
            ("reached", 6.6, 7.0),
            ("the", 7.0, 7.2),
            ("mill.", 7.2, 8.0),
        ],
    },
]


def add_recording(
    sessions: sessionmaker[Session],
    *,
    access: str = "public",
    status: str = "published",
    community_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A story "The bridge" (in `community_id`, else the default community) with one ready
    recording of 8.5 s and its machine transcript, version 1, of `SEGMENTS`."""
    with transaction(sessions) as session:
        story = Story(
            title="The bridge",
            access=access,
            status=status,
            community_id=community_id or default_community(session).id,
        )
        session.add(story)
        session.flush()
        recording = Recording(
            story_id=story.id,
            object_key=f"recordings/{uuid.uuid4()}",
            content_type="audio/flac",
            container="flac",
            size=1,
            sha256="0" * 64,
            duration=8.5,
            status="ready",
        )
        session.add(recording)
        session.flush()
        transcript = Transcript(
            recording_id=recording.id,
            version=1,
            source="machine",
            model="tiny.en",
            language="en",
            language_probability=0.99,
        )
        transcript.segments = [
            Segment(
                position=i,
                start=s["start"],
                end=s["end"],
                text=s["text"],
                speaker=s["speaker"],
                words=[
                    {"word": w, "start": a, "end": b, "probability": 0.9} for w, a, b in s["words"]
                ],
                avg_logprob=-0.2,
                no_speech_prob=0.05,
                flagged=i == 1,
            )
            for i, s in enumerate(SEGMENTS)
        ]
        session.add(transcript)
        return recording.id
