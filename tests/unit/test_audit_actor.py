"""The audit log below the endpoints: services and repositories of people and records never
load the web framework, and learn who acted and from where only from the `Actor` they are
handed (a fresh interpreter each time)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from archive.events.actor import SYSTEM, Actor

WEB_FRAMEWORK = frozenset({"fastapi", "starlette"})
BELOW_ENDPOINTS = (
    "archive.events.repository",
    "archive.events.service",
    "archive.accounts.service",
    "archive.accounts.signin",
    "archive.communities.service",
    "archive.access_requests.service",
    "archive.collections.service",
    "archive.people.service",
    "archive.upload_links.service",
)


def _loaded_after_import(module: str, cwd: Path) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ARCHIVE_")}
    code = (
        f"import json, sys, {module}\n"
        "print(json.dumps(sorted({n.partition('.')[0] for n in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(loaded)


@pytest.mark.parametrize("module", BELOW_ENDPOINTS)
def test_below_the_endpoints_the_web_framework_is_not_loaded(module: str, tmp_path: Path) -> None:
    loaded = _loaded_after_import(module, tmp_path)
    assert "sqlalchemy" in loaded  # the module really was imported
    assert not loaded & WEB_FRAMEWORK, f"{module} loads {sorted(loaded & WEB_FRAMEWORK)}"


def test_an_actor_signing_in_keeps_its_address() -> None:
    user_id = uuid.uuid4()
    anonymous = Actor(user_id=None, source_ip="203.0.113.9")
    assert anonymous.as_user(user_id) == Actor(user_id=user_id, source_ip="203.0.113.9")
    assert anonymous.user_id is None  # a value: the original is unchanged


def test_jobs_and_the_command_line_act_as_nobody_from_nowhere() -> None:
    assert Actor(user_id=None, source_ip=None) == SYSTEM
