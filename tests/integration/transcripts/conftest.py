"""A story with a machine transcript, built straight in the database: no Whisper needed."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from support.transcripts import add_recording


@pytest.fixture
def make_recording(sessions: sessionmaker[Session]) -> Callable[..., uuid.UUID]:
    """(access="public", status="published") -> the id of a recording with a machine
    transcript (version 1) of `SEGMENTS`."""

    def make(*, access: str = "public", status: str = "published") -> uuid.UUID:
        return add_recording(sessions, access=access, status=status)

    return make
