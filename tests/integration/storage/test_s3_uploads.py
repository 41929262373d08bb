"""Uploads through the API onto S3 (a real SeaweedFS): stored whole, served with ranges, and
nothing left in the bucket, not even parts, when an upload is refused."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from archive.app import create_app
from archive.settings import Settings
from support.paths import STORY_EN
from support.problems import assert_problem
from support.seaweed import SeaweedServer, bucket_contents

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

MIB = 1024 * 1024
PREFIX = "archive"


@pytest.fixture
def s3_settings(settings: Settings, seaweedfs: SeaweedServer, s3_bucket: str) -> Settings:
    return settings.model_copy(
        update={
            "storage_url": f"s3://{s3_bucket}/{PREFIX}",
            "s3_endpoint_url": seaweedfs.endpoint_url,
        }
    )


@pytest.fixture
def s3_client(s3_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(s3_settings), raise_server_exceptions=False) as client:
        yield client


def new_story(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(
        "/api/v1/stories", json={"title": "The flood", "access": "public"}, headers=headers
    )
    assert response.status_code == 201, response.text
    story_id: str = response.json()["id"]
    return story_id


def test_an_upload_is_stored_in_the_bucket_and_served_from_it(
    s3_client: TestClient, admin: dict[str, str], s3: S3Client, s3_bucket: str
) -> None:
    story_id = new_story(s3_client, admin)
    data = STORY_EN.read_bytes()
    response = s3_client.post(
        f"/api/v1/stories/{story_id}/recordings",
        files={"file": ("story.flac", data, "audio/flac")},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    recording = response.json()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert recording["content_type"] == "audio/flac"
    key = f"{PREFIX}/originals/{story_id}/{recording['id']}"
    assert bucket_contents(s3, s3_bucket) == ([key], [])
    assert s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == data
    part = s3_client.get(
        f"/api/v1/recordings/{recording['id']}/audio", headers={"Range": "bytes=1000-1999"}
    )
    assert part.status_code == 206
    assert part.content == data[1000:2000]
    assert s3_client.get(f"/api/v1/recordings/{recording['id']}/audio").content == data
    assert s3_client.get("/api/v1/health").json()["storage"] == "ok"


def test_text_is_refused_and_leaves_nothing_in_the_bucket(
    s3_client: TestClient, admin: dict[str, str], s3: S3Client, s3_bucket: str
) -> None:
    story_id = new_story(s3_client, admin)
    response = s3_client.post(
        f"/api/v1/stories/{story_id}/recordings",
        files={"file": ("story.flac", b"Dear archive, here is my story.\n" * 50, "audio/flac")},
        headers=admin,
    )
    assert_problem(response, 415)
    assert bucket_contents(s3, s3_bucket) == ([], [])


def test_an_upload_cut_off_past_the_limit_leaves_no_parts(
    s3_settings: Settings, admin: dict[str, str], s3: S3Client, s3_bucket: str
) -> None:
    """Sent chunked (no Content-Length), so the limit is found only after a whole 8 MiB part
    has gone to the bucket; the refusal aborts the multipart upload."""
    small = s3_settings.model_copy(update={"max_upload_bytes": 10 * MIB})
    boundary = "archive-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="big.flac"\r\nContent-Type: audio/flac\r\n\r\n'
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(12):
            yield os.urandom(MIB)
        yield f"\r\n--{boundary}--\r\n".encode()

    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        story_id = new_story(client, admin)
        response = client.post(
            f"/api/v1/stories/{story_id}/recordings",
            content=body(),
            headers={**admin, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert "ARCHIVE_MAX_UPLOAD_BYTES" in assert_problem(response, 413)["detail"]
    assert bucket_contents(s3, s3_bucket) == ([], [])
