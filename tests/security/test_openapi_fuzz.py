"""schemathesis against the OpenAPI document, with an archivist's token and with none: no
request it can make brings a 5xx, and no response breaks the documented schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from archive.accounts.service import create_user_with_token
from archive.app import create_app
from archive.db import migrate
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.access import Role
from archive.settings import Settings
from support.live import serving

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """One archive for the whole module (on SQLite), and an archivist's headers."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    built = Settings(data_dir=data_dir, admin_token="fuzz-admin-token-0123456789")
    migrate.upgrade(built)
    engine = create_db_engine(built)
    with transaction(create_session_factory(engine)) as session:
        _, token = create_user_with_token(session, "fuzzing-archivist", role=Role.ARCHIVIST)
    engine.dispose()
    with serving(create_app(built)) as url:
        yield url, {"Authorization": f"Bearer {token}"}


def fuzz(url: str, headers: dict[str, str], examples: int) -> list[str]:
    """Runs every operation of the schema with generated requests; returns the failures."""
    api = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    for result in api.get_all_operations():
        operation: Any = result.ok()  # type: ignore[union-attr]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.verbose_name}: {str(exc)[:1500]}")
    return failures


def test_no_request_breaks_the_api_for_an_archivist(fuzzed: tuple[str, dict[str, str]]) -> None:
    failures = fuzz(fuzzed[0], fuzzed[1], examples=12)
    assert not failures, "\n\n".join(failures)


def test_no_request_breaks_the_api_for_anyone(fuzzed: tuple[str, dict[str, str]]) -> None:
    failures = fuzz(fuzzed[0], {}, examples=6)
    assert not failures, "\n\n".join(failures)
