"""A fixity audit of originals on S3 (a real SeaweedFS): an object changed behind the
archive's back and one deleted are both reported; an endpoint that does not answer makes the
audit an error, never a pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from archive.app import create_app
from archive.settings import Settings
from support.fixity import audit_now, flip
from support.seaweed import SeaweedServer
from support.stories import story_with_recording

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

PREFIX = "archive"


@pytest.fixture
def s3_client(settings: Settings, seaweedfs: SeaweedServer, s3_bucket: str) -> Iterator[TestClient]:
    s3_settings = settings.model_copy(
        update={
            "storage_url": f"s3://{s3_bucket}/{PREFIX}",
            "s3_endpoint_url": seaweedfs.endpoint_url,
        }
    )
    with TestClient(create_app(s3_settings), raise_server_exceptions=False) as client:
        yield client


def test_a_changed_object_and_a_deleted_one_are_reported(
    s3_client: TestClient, admin: dict[str, str], s3: S3Client, s3_bucket: str
) -> None:
    made = [story_with_recording(s3_client, admin, title=f"Story {n}") for n in range(3)]
    keys = [f"{PREFIX}/originals/{story}/{recording}" for story, recording in made]
    data = s3.get_object(Bucket=s3_bucket, Key=keys[0])["Body"].read()
    s3.put_object(Bucket=s3_bucket, Key=keys[0], Body=flip(data, len(data) // 2))
    s3.delete_object(Bucket=s3_bucket, Key=keys[1])

    audit = audit_now(s3_client)

    assert (audit.status, audit.checked, audit.intact) == ("failed", 3, 1)
    problems = {f["recording_id"]: f["problem"] for f in audit.findings}
    assert problems == {made[0][1]: "changed", made[1][1]: "missing"}


def test_storage_that_does_not_answer_makes_the_audit_an_error(
    settings: Settings, s3_bucket: str, admin: dict[str, str], seaweedfs: SeaweedServer
) -> None:
    away = settings.model_copy(
        update={
            "storage_url": f"s3://{s3_bucket}/{PREFIX}",
            "s3_endpoint_url": "http://127.0.0.1:9",
        }
    )
    with TestClient(create_app(away), raise_server_exceptions=False) as client:
        audit = audit_now(client)
    assert audit.status == "error"
    assert audit.checked == 0
