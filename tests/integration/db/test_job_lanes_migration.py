"""Upgrading gives every job already queued the lane of its kind; downgrading keeps the jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Uuid, bindparam, text

from archive.db import migrate
from archive.db.session import create_db_engine
from archive.settings import Settings

KINDS = ["transcribe", "index", "silence", "fixity", "expire_upload"]


def test_queued_jobs_get_the_lane_of_their_kind_and_survive_a_downgrade(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    migrate.upgrade(settings, "a1c0ffee0009")
    engine = create_db_engine(settings)
    ids = {kind: uuid.uuid4() for kind in KINDS}
    insert = text(
        "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_after, "
        "progress, created_at) VALUES (:id, :kind, '{}', 'queued', 0, 3, :now, 0.0, :now)"
    ).bindparams(bindparam("id", type_=Uuid()))
    try:
        with engine.begin() as conn:
            for kind, job_id in ids.items():
                conn.execute(insert, {"id": job_id, "kind": kind, "now": datetime.now(UTC)})
        migrate.upgrade(settings, "a1c0ffee0010")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, lane FROM jobs")).all()
        lanes = {str(kind): str(lane) for kind, lane in rows}
        migrate.downgrade(settings, "a1c0ffee0009")
        with engine.connect() as conn:
            kept = sorted(conn.execute(text("SELECT kind FROM jobs")).scalars().all())
    finally:
        engine.dispose()
    assert lanes == {
        "transcribe": "transcribe",
        "index": "fast",
        "silence": "fast",
        "fixity": "fast",
        "expire_upload": "fast",
    }
    assert kept == sorted(KINDS)
