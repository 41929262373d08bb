from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.app import create_app
from archive.db.session import transaction
from archive.domain.access import Role
from archive.ingest.transcriber import Transcriber
from archive.jobs.worker import Worker
from archive.settings import Settings
from archive.tasks import job_handlers
from support.accounts import MakeUser
from support.databases import (
    MigratedTemplates,
    fresh_postgres_database,
    migrated_templates_for,
    postgres_admin_url,
)

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


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    """The real migrations, run once per test run on each database; every test then starts
    from a copy (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL), which
    is the same schema at a fraction of the cost of migrating again."""
    with migrated_templates_for(tmp_path_factory.mktemp("template")) as templates:
        yield templates


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "data" / "archive.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_templates.sqlite_file, target)
        yield f"sqlite:///{target}"
        return
    if migrated_templates.postgres_template is None:
        pytest.skip(postgres_admin_url()[1])
    with fresh_postgres_database(template=migrated_templates.postgres_template) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, migrated_database_url: str) -> Settings:
    """Embedded defaults (or PostgreSQL) in a fresh data directory, with the migrated schema."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=migrated_database_url,
        admin_token=ADMIN_TOKEN,
        job_poll_seconds=0.05,
        job_max_attempts=2,
    )


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
            _, token = create_user_with_token(session, name, role=role)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(scope="session")
def whisper(tmp_path_factory: pytest.TempPathFactory) -> Transcriber:
    """The real models, routed by language as the archive does (tiny.en for English, the
    bundled multilingual base for the rest), each loaded once for the whole run on first use."""
    from archive.ingest.whisper import WhisperTranscriber

    return WhisperTranscriber(Settings(data_dir=tmp_path_factory.mktemp("whisper")))


@pytest.fixture
def worker(settings: Settings, whisper: Transcriber, client: TestClient) -> Iterator[Worker]:
    """A worker on the same data as `client`, with the warm model."""
    built = Worker(
        settings, handlers=job_handlers(), name="test-worker", transcriber=lambda: whisper
    )
    yield built
    built.close()
