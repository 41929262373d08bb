"""What only the S3 store has: a bucket that is away, a server that does not answer, the
multipart limits, and the storage URL that names it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import EndpointConnectionError

from archive.errors import PayloadTooLarge, ServiceUnavailable
from archive.settings import Settings, SettingsError
from archive.storage import s3 as s3_module
from archive.storage.factory import open_object_store
from archive.storage.s3 import STORE_AWAY_DETAIL, S3ObjectStore
from support.live import free_port
from support.seaweed import SeaweedServer, bucket_contents

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

MIB = 1024 * 1024
KEY = "originals/story/recording"


def test_a_missing_bucket_is_the_store_being_away(seaweedfs: SeaweedServer, aws_env: None) -> None:
    store = S3ObjectStore("archive-no-such-bucket", "p", endpoint_url=seaweedfs.endpoint_url)
    for call in (
        lambda: store.writer(KEY),
        lambda: store.open(KEY),
        lambda: store.iter_range(KEY, 0, end=10),
        lambda: store.size(KEY),
    ):
        with pytest.raises(ServiceUnavailable) as raised:
            call()
        assert raised.value.detail == STORE_AWAY_DETAIL
    assert store.ping() is False


def test_a_server_that_does_not_answer_is_the_store_being_away(aws_env: None) -> None:
    store = S3ObjectStore("archive-bucket", "p", endpoint_url=f"http://127.0.0.1:{free_port()}")
    assert store.ping() is False
    for call in (lambda: store.writer(KEY), lambda: store.open(KEY)):
        with pytest.raises(ServiceUnavailable, match="not answering"):
            call()


def test_a_failed_part_aborts_the_upload(
    s3: S3Client, s3_bucket: str, seaweedfs: SeaweedServer
) -> None:
    store = S3ObjectStore(s3_bucket, "p", endpoint_url=seaweedfs.endpoint_url)
    parts_sent = 0

    def cut_the_second_part(**kwargs: Any) -> None:
        nonlocal parts_sent
        parts_sent += 1
        if parts_sent == 2:
            raise EndpointConnectionError(endpoint_url=seaweedfs.endpoint_url)

    store.client.meta.events.register("before-call.s3.UploadPart", cut_the_second_part)
    writer = store.writer(KEY)
    writer.write(os.urandom(8 * MIB))
    assert bucket_contents(s3, s3_bucket)[1] == [f"p/{KEY}"]
    with pytest.raises(ServiceUnavailable):
        writer.write(os.urandom(8 * MIB))
    writer.abort()  # what the caller does next is still safe
    assert bucket_contents(s3, s3_bucket) == ([], [])


def test_an_object_past_the_part_limit_is_refused_and_leaves_nothing(
    s3: S3Client, s3_bucket: str, seaweedfs: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_module, "MAX_PARTS", 2)
    store = S3ObjectStore(s3_bucket, "p", endpoint_url=seaweedfs.endpoint_url)
    writer = store.writer(KEY)
    writer.write(os.urandom(16 * MIB))  # exactly 2 parts of 8 MiB: allowed
    with pytest.raises(PayloadTooLarge, match="16,777,216 bytes"):
        writer.write(b"one byte more")
    assert not store.exists(KEY)
    assert bucket_contents(s3, s3_bucket) == ([], [])


@pytest.mark.parametrize("part_size", [5 * MIB, 65 * MIB])
def test_the_part_size_stays_between_8_and_64_mib(part_size: int, aws_env: None) -> None:
    with pytest.raises(ValueError, match="part_size"):
        S3ObjectStore("archive-bucket", part_size=part_size)


def test_keys_sit_under_the_prefix_or_at_the_root(
    s3: S3Client, s3_bucket: str, seaweedfs: SeaweedServer
) -> None:
    for prefix, expected in (("/a/b/", "a/b/k"), ("", "k")):
        store = S3ObjectStore(s3_bucket, prefix, endpoint_url=seaweedfs.endpoint_url)
        writer = store.writer("k")
        writer.write(b"x")
        writer.commit()
        assert expected in bucket_contents(s3, s3_bucket)[0]


def test_the_storage_url_names_bucket_and_prefix(tmp_path: Path, aws_env: None) -> None:
    settings = Settings(
        data_dir=tmp_path,
        storage_url="s3://stories/archive/originals",
        s3_endpoint_url="http://127.0.0.1:8333",
    )
    store = open_object_store(settings)
    assert isinstance(store, S3ObjectStore)
    assert (store.bucket, store.prefix) == ("stories", "archive/originals")
    assert store.client.meta.endpoint_url == "http://127.0.0.1:8333"


@pytest.mark.parametrize("url", ["s3:///originals", "s3://"])
def test_a_storage_url_without_a_bucket_is_refused(url: str, tmp_path: Path, aws_env: None) -> None:
    settings = Settings(data_dir=tmp_path, storage_url=url)
    with pytest.raises(SettingsError, match="ARCHIVE_STORAGE_URL"):
        open_object_store(settings)
