from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.app import create_app
from archive.db import migrate
from archive.db.session import transaction
from archive.domain.access import Role
from archive.ingest.transcriber import Transcriber
from archive.ingest.worker import Worker
from archive.settings import Settings
from support.accounts import MakeUser
from support.databases import fresh_postgres_database, postgres_admin_url

ADMIN_TOKEN = "test-admin-token-0123456789"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every test that touches the database runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'archive.sqlite3'}"
        return
    admin, reason = postgres_admin_url()
    if admin is None:
        pytest.skip(reason)
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Embedded defaults (or PostgreSQL) in a fresh data directory, migrated for real."""
    built = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        job_poll_seconds=0.05,
        job_max_attempts=2,
    )
    migrate.upgrade(built)
    return built


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def sessions(client: TestClient) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = client.app.state.sessions  # type: ignore[attr-defined]
    return factory


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def make_user(sessions: sessionmaker[Session]) -> MakeUser:
    """Creates a user of a role and returns the headers that act as them."""
    from archive.accounts.service import create_user_with_token

    def make(name: str, role: Role) -> dict[str, str]:
        with transaction(sessions) as session:
            _, token = create_user_with_token(session, name, role)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(scope="session")
def whisper() -> Transcriber:
    """The real tiny.en model, loaded once for the whole run."""
    from archive.ingest.whisper import WhisperTranscriber

    return WhisperTranscriber(Settings(data_dir=Path("/nonexistent-unused")))


@pytest.fixture
def worker(settings: Settings, whisper: Transcriber, client: TestClient) -> Iterator[Worker]:
    """A worker on the same data as `client`, with the warm model."""
    built = Worker(settings, name="test-worker", transcriber=lambda: whisper)
    yield built
    built.close()
