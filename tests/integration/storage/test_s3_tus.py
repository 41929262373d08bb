"""Resumable uploads onto S3: small chunks gather on local disk into parts of at least 8 MiB,
and nothing is left in the bucket when an upload ends any other way than complete."""

from __future__ import annotations

import base64
import hashlib
import io
import wave
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import select
from tusclient import client as tus

from archive.app import create_app
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.models import Upload
from archive.settings import Settings
from archive.storage.factory import open_object_store
from support.live import serving
from support.problems import assert_problem
from support.seaweed import SeaweedServer, bucket_contents

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

TUS = {"Tus-Resumable": "1.0.0"}
MIB = 1024 * 1024


@pytest.fixture
def s3_live(
    settings: Settings, seaweedfs: SeaweedServer, s3_bucket: str
) -> Iterator[tuple[str, Settings]]:
    on_s3 = settings.model_copy(
        update={
            "storage_url": f"s3://{s3_bucket}/archive",
            "s3_endpoint_url": seaweedfs.endpoint_url,
        }
    )
    with serving(create_app(on_s3)) as url:
        yield url, on_s3


def long_wav(seconds: int) -> bytes:
    """A valid WAV of 16 kHz mono 16-bit noise: 32 kB a second, so 20 MiB in ~11 minutes."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        pattern = bytes(range(256)) * 125  # one second, not silence
        w.writeframes(pattern * seconds)
    return out.getvalue()


def story(url: str, admin: dict[str, str]) -> str:
    story_id: str = httpx.post(
        f"{url}/api/v1/stories", headers=admin, json={"title": "Long", "access": "public"}
    ).json()["id"]
    return story_id


def test_a_long_upload_in_small_chunks_becomes_one_object_made_of_parts(
    s3_live: tuple[str, Settings],
    admin: dict[str, str],
    s3: S3Client,
    s3_bucket: str,
) -> None:
    url, settings = s3_live
    data = long_wav(660)
    assert len(data) > 20 * MIB
    stream = io.BytesIO(data)
    uploader = tus.TusClient(f"{url}/api/v1/uploads", headers=admin).uploader(
        file_stream=stream,
        chunk_size=MIB,
        metadata={"story_id": story(url, admin), "filename": "long.wav"},
    )
    for _ in range(9):
        uploader.upload_chunk()
    # 9 MiB arrived: one 8 MiB part went to S3, the rest waits on local disk.
    [spooled] = list(settings.spool_dir.iterdir())
    assert spooled.stat().st_size == MIB
    assert bucket_contents(s3, s3_bucket)[1] != []
    resumed = tus.TusClient(f"{url}/api/v1/uploads", headers=admin).uploader(
        file_stream=stream, url=uploader.url, chunk_size=MIB
    )
    resumed.upload()
    head = httpx.head(uploader.url, headers={**admin, **TUS})
    recording = httpx.get(
        f"{url}/api/v1/recordings/{head.headers['archive-recording-id']}", headers=admin
    ).json()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert recording["content_type"] == "audio/wav"
    objects, unfinished = bucket_contents(s3, s3_bucket)
    assert unfinished == []
    [key] = objects
    assert s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == data
    part = httpx.get(
        f"{url}/api/v1/recordings/{recording['id']}/audio",
        headers={**admin, "Range": f"bytes={9 * MIB}-{9 * MIB + 99}"},
    )
    assert part.content == data[9 * MIB : 9 * MIB + 100]
    assert list(settings.spool_dir.iterdir()) == []


@pytest.mark.parametrize("ending", ["terminated", "refused"])
def test_an_upload_that_does_not_complete_leaves_no_parts(
    s3_live: tuple[str, Settings],
    admin: dict[str, str],
    s3: S3Client,
    s3_bucket: str,
    ending: str,
) -> None:
    url, _ = s3_live
    data = long_wav(330) if ending == "terminated" else b"not a recording " * MIB
    meta = f"story_id {base64.b64encode(story(url, admin).encode()).decode()}"
    created = httpx.post(
        f"{url}/api/v1/uploads",
        headers={**admin, **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
    )
    upload = created.headers["location"]
    headers = {**admin, **TUS, "Content-Type": "application/offset+octet-stream"}
    first = httpx.patch(upload, content=data[: 9 * MIB], headers={**headers, "Upload-Offset": "0"})
    assert first.status_code == 204
    if ending == "terminated":
        assert httpx.delete(upload, headers={**admin, **TUS}).status_code == 204
    else:
        rest = httpx.patch(
            upload, content=data[9 * MIB :], headers={**headers, "Upload-Offset": str(9 * MIB)}
        )
        assert_problem(rest, 415)
    assert bucket_contents(s3, s3_bucket) == ([], [])


def test_a_part_sent_by_a_process_that_died_before_recording_it_is_sent_again(
    s3_live: tuple[str, Settings],
    admin: dict[str, str],
    s3: S3Client,
    s3_bucket: str,
) -> None:
    """Parts go to S3 outside any transaction; a process that dies after sending one and
    before recording it leaves a part the database does not know. The client resends those
    bytes, and the part is sent again under the same number: the object is the recording."""
    url, settings = s3_live
    data = long_wav(330)
    stream = io.BytesIO(data)
    uploader = tus.TusClient(f"{url}/api/v1/uploads", headers=admin).uploader(
        file_stream=stream,
        chunk_size=MIB,
        metadata={"story_id": story(url, admin), "filename": "long.wav"},
    )
    for _ in range(4):
        uploader.upload_chunk()
    # What the dying request did: its bytes in the spool, a multipart started and recorded,
    # part 1 sent (here with other bytes, as if the client had sent something else), and
    # then nothing more: neither the part nor the offset recorded.
    [spooled] = list(settings.spool_dir.iterdir())
    with spooled.open("ab") as f:
        f.write(b"\x00" * 5 * MIB)
    store = open_object_store(settings)
    engine = create_db_engine(settings)
    try:
        with transaction(create_session_factory(engine)) as session:
            upload = session.scalars(select(Upload)).one()
            upload.multipart_id = store.start_spooled(upload.object_key)
            key, multipart_id = upload.object_key, upload.multipart_id
    finally:
        engine.dispose()
    assert multipart_id is not None
    store.put_spooled_part(key, multipart_id, number=1, spool=spooled)
    resumed = tus.TusClient(f"{url}/api/v1/uploads", headers=admin).uploader(
        file_stream=stream, url=uploader.url, chunk_size=MIB
    )
    assert resumed.offset == 4 * MIB
    resumed.upload()
    head = httpx.head(uploader.url, headers={**admin, **TUS})
    recording = httpx.get(
        f"{url}/api/v1/recordings/{head.headers['archive-recording-id']}", headers=admin
    ).json()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    objects, unfinished = bucket_contents(s3, s3_bucket)
    assert unfinished == []
    [stored] = objects
    assert s3.get_object(Bucket=s3_bucket, Key=stored)["Body"].read() == data
