from __future__ import annotations

import os
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
from support.elasticsearch_node import ElasticsearchNode, NodeUnavailable, build

ADMIN_TOKEN = "test-admin-token-0123456789"
ES_URL_VARIABLE = "ARCHIVE_TEST_ELASTICSEARCH_URL"
"""Set to use a running Elasticsearch instead of the node the tests start."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test run on each search backend and each database runs Elasticsearch with PostgreSQL
    only, as a scale-out archive pairs them; SQLite runs with the built-in index."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        values = {v for v in callspec.params.values() if isinstance(v, str)} if callspec else set()
        requested = getattr(item, "fixturenames", ())
        on_elasticsearch = "elasticsearch" in values or "elasticsearch_node" in requested
        pairing = on_elasticsearch and "sqlite" in values
        (dropped if pairing else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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


@pytest.fixture(scope="session")
def elasticsearch_node(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ElasticsearchNode | None]:
    """The session's Elasticsearch node (`tests/elasticsearch`), started on first use; None when
    `ARCHIVE_TEST_ELASTICSEARCH_URL` names a server to use instead."""
    if os.environ.get(ES_URL_VARIABLE):
        yield None
        return
    try:
        build()
        node = ElasticsearchNode(tmp_path_factory.mktemp("elasticsearch"))
        node.start()
    except NodeUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def elasticsearch_url(elasticsearch_node: ElasticsearchNode | None) -> str:
    """Where the Elasticsearch tests talk to: `ARCHIVE_TEST_ELASTICSEARCH_URL` when set, else
    the session's own node."""
    if elasticsearch_node is None:
        return os.environ[ES_URL_VARIABLE]
    return elasticsearch_node.url
