"""Building a transcribed recording without Whisper, and measuring how loud audio is."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.keys import original_key
from archive.models import Recording, Segment, Transcript
from archive.storage.base import ObjectStore
from support.paths import STORY_EN, story_facts

BRIDGE = (16.1, 20.3)
"""The sentence with "stone bridge" in `story_en.flac`, as an archivist would mark it."""


@dataclass(frozen=True, slots=True)
class Made:
    story_id: str
    recording_id: str
    sha256: str


def original_sha256() -> str:
    return hashlib.sha256(STORY_EN.read_bytes()).hexdigest()


def make_story(client: TestClient, admin: dict[str, str], *, access: str = "public") -> str:
    response = client.post(
        "/api/v1/stories",
        headers=admin,
        json={"title": "The flood", "access": access, "languages": ["en"]},
    )
    assert response.status_code == 201, response.text
    story_id: str = response.json()["id"]
    return story_id


def add_transcribed_recording(
    client: TestClient,
    admin: dict[str, str],
    sessions: sessionmaker[Session],
    *,
    access: str = "public",
    flag_first: bool = False,
) -> Made:
    """A story with `story_en.flac` stored as its recording and a machine transcript of one
    segment per sentence of `story_en.json` (its words spread evenly), as if transcribed."""
    story_id = make_story(client, admin, access=access)
    store: ObjectStore = client.app.state.store  # type: ignore[attr-defined]
    recording_id = uuid.uuid4()
    key = original_key(uuid.UUID(story_id), recording_id)
    data = STORY_EN.read_bytes()
    writer = store.writer(key)
    writer.write(data)
    writer.commit()
    facts = story_facts()
    with transaction(sessions) as session:
        session.add(
            Recording(
                id=recording_id,
                story_id=uuid.UUID(story_id),
                object_key=key,
                original_filename="story_en.flac",
                content_type="audio/flac",
                container="flac",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                duration=facts["duration"],
                codec="flac",
                sample_rate=16_000,
                channels=1,
                status="ready",
            )
        )
        session.flush()
        transcript = Transcript(
            recording_id=recording_id, version=1, source="machine", model="tiny.en", language="en"
        )
        transcript.segments = [
            _segment(position, sentence["start"], sentence["end"], sentence["text"])
            for position, sentence in enumerate(facts["sentences"])
        ]
        if flag_first:
            transcript.segments[0].restricted = True
        session.add(transcript)
    return Made(story_id, str(recording_id), hashlib.sha256(data).hexdigest())


def _segment(position: int, start: float, end: float, text: str) -> Segment:
    words = text.split()
    step = (end - start) / len(words)
    return Segment(
        position=position,
        start=start,
        end=end,
        text=text,
        words=[
            {
                "word": word,
                "start": round(start + i * step, 3),
                "end": round(start + (i + 1) * step, 3),
                "probability": 0.9,
            }
            for i, word in enumerate(words)
        ],
        avg_logprob=-0.2,
        no_speech_prob=0.05,
    )


def decode(audio: bytes) -> tuple[npt.NDArray[np.float64], int]:
    """The first audio stream as mono float samples in [-1, 1], and their rate."""
    with av.open(io.BytesIO(audio), mode="r") as media:
        stream = media.streams.audio[0]
        rate = int(stream.codec_context.sample_rate)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks = [
            piece.to_ndarray().reshape(-1)
            for frame in media.decode(stream)
            for piece in resampler.resample(frame)
        ]
        chunks.extend(piece.to_ndarray().reshape(-1) for piece in resampler.resample(None))
    return np.concatenate(chunks).astype(np.float64), rate


def rms(audio: bytes, windows: Sequence[tuple[float, float]]) -> list[float]:
    """The root-mean-square level of each (start, end) window, in seconds."""
    samples, rate = decode(audio)
    levels = []
    for start, end in windows:
        window = samples[int(start * rate) : int(end * rate)]
        assert window.size > 0, (start, end)
        levels.append(float(np.sqrt(np.mean(window**2))))
    return levels


def duration_of(audio: bytes) -> float:
    samples, rate = decode(audio)
    return samples.size / rate
