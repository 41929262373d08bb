"""The `ObjectStore` contract, held by every store: a local directory, S3 (a real SeaweedFS),
and the in-memory twin the service tests may use instead.

Each test gets an empty store of its own: a fresh directory, a fresh bucket, a new twin.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from archive.ingest.media import decode_for_whisper, probe
from archive.storage.base import ObjectStore
from archive.storage.local import LocalObjectStore
from archive.storage.s3 import S3ObjectStore
from support.memory_store import MemoryObjectStore
from support.paths import STORY_EN
from support.seaweed import SeaweedServer, bucket_contents

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

MIB = 1024 * 1024
PART_SIZE = 8 * MIB
KEY = "originals/story/recording"


@dataclass
class StoreCase:
    store: ObjectStore
    corrupt: Callable[[str, bytes], None]
    """Replaces an object's bytes behind the store's back."""
    leftovers: Callable[[], list[str]]
    """Whatever half-written remains there are: partial files, unfinished multipart uploads."""


def local_case(root: Path) -> StoreCase:
    store = LocalObjectStore(root)

    def corrupt(key: str, data: bytes) -> None:
        (root / key).write_bytes(data)

    def leftovers() -> list[str]:
        return sorted(p.name for p in (root / ".partial").iterdir())

    return StoreCase(store, corrupt, leftovers)


def s3_case(s3: S3Client, bucket: str, endpoint_url: str) -> StoreCase:
    prefix = "archive/objects"
    store = S3ObjectStore(bucket, prefix, endpoint_url=endpoint_url, part_size=PART_SIZE)

    def corrupt(key: str, data: bytes) -> None:
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=data)

    def leftovers() -> list[str]:
        return bucket_contents(s3, bucket)[1]

    return StoreCase(store, corrupt, leftovers)


def memory_case(part_size: int | None) -> StoreCase:
    store = MemoryObjectStore(part_size=part_size)
    return StoreCase(store, store.replace, store.unfinished)


@pytest.fixture(params=["local", "s3", "memory", "memory-in-parts"])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> StoreCase:
    if request.param == "local":
        return local_case(tmp_path / "objects")
    if request.param.startswith("memory"):
        return memory_case(PART_SIZE if request.param == "memory-in-parts" else None)
    server: SeaweedServer = request.getfixturevalue("seaweedfs")
    bucket: str = request.getfixturevalue("s3_bucket")
    s3: S3Client = request.getfixturevalue("s3")
    return s3_case(s3, bucket, server.endpoint_url)


def put(store: ObjectStore, key: str, data: bytes, piece: int = 1_000_003) -> None:
    """Writes `data` in pieces of an awkward size, so parts fill across writes."""
    writer = store.writer(key)
    for start in range(0, len(data), piece):
        writer.write(data[start : start + piece])
    writer.commit()


@pytest.fixture(scope="module")
def twenty_mib() -> bytes:
    return random.Random(20).randbytes(20 * MIB)


def test_a_committed_object_reads_back_whole(case: StoreCase) -> None:
    data = b"an elder's story, in bytes\n" * 1000
    assert not case.store.exists(KEY)
    put(case.store, KEY, data)
    assert case.store.exists(KEY)
    assert case.store.size(KEY) == len(data)
    with case.store.open(KEY) as source:
        assert source.read() == data
    assert b"".join(case.store.iter_range(KEY, 0, end=len(data) - 1)) == data
    assert case.leftovers() == []


def test_an_empty_object_is_an_object(case: StoreCase) -> None:
    writer = case.store.writer(KEY)
    writer.commit()
    assert case.store.exists(KEY)
    assert case.store.size(KEY) == 0
    with case.store.open(KEY) as source:
        assert source.read() == b""
    assert case.store.verify_sha256(KEY, hashlib.sha256(b"").hexdigest())
    assert case.leftovers() == []


def test_nothing_is_visible_before_commit_and_abort_leaves_nothing(case: StoreCase) -> None:
    writer = case.store.writer(KEY)
    writer.write(os.urandom(PART_SIZE + 1000))  # one whole part has been sent
    assert not case.store.exists(KEY)
    writer.abort()
    writer.abort()  # twice is safe
    assert not case.store.exists(KEY)
    assert case.leftovers() == []


def test_originals_are_write_once(case: StoreCase) -> None:
    put(case.store, KEY, b"first")
    with pytest.raises(FileExistsError):
        put(case.store, KEY, b"second")
    with case.store.open(KEY) as source:
        assert source.read() == b"first"
    assert case.leftovers() == []


def test_a_multi_part_object_reads_back_equal_in_any_range(
    case: StoreCase, twenty_mib: bytes
) -> None:
    put(case.store, KEY, twenty_mib)
    assert case.store.size(KEY) == len(twenty_mib)
    assert case.leftovers() == []
    last = len(twenty_mib) - 1
    rng = random.Random(7)
    ranges = [
        (0, 0),
        (0, last),
        (PART_SIZE - 10, PART_SIZE + 10),  # across the first part boundary
        (2 * PART_SIZE, 2 * PART_SIZE),  # the first byte of the last part
        (last - 5, last),
        *((a, rng.randrange(a, len(twenty_mib))) for a in rng.sample(range(last), 5)),
    ]
    for start, end in ranges:
        chunk_size = rng.choice([1000, 64 * 1024, 256 * 1024, 3 * MIB])
        chunks = list(case.store.iter_range(KEY, start, end=end, chunk_size=chunk_size))
        assert all(len(c) <= chunk_size for c in chunks)
        assert b"".join(chunks) == twenty_mib[start : end + 1], (start, end)
    with case.store.open(KEY) as source:
        assert hashlib.sha256(source.read()).digest() == hashlib.sha256(twenty_mib).digest()


def test_s3_sends_a_multi_part_object_in_parts(
    s3: S3Client, s3_bucket: str, seaweedfs: SeaweedServer, twenty_mib: bytes
) -> None:
    store = s3_case(s3, s3_bucket, seaweedfs.endpoint_url).store
    assert isinstance(store, S3ObjectStore)
    put(store, KEY, twenty_mib)
    head = s3.head_object(Bucket=s3_bucket, Key=f"{store.prefix}/{KEY}", PartNumber=1)
    # 20 MiB in 8 MiB parts: 8 + 8 + 4.
    assert head.get("PartsCount") == 3 or head["ETag"].strip('"').endswith("-3"), head
    assert head["ContentLength"] == PART_SIZE


def test_open_seeks_reads_and_tells_like_a_file(case: StoreCase) -> None:
    data = random.Random(3).randbytes(3 * MIB + 12345)
    put(case.store, KEY, data)
    with case.store.open(KEY) as source:
        assert source.readable()
        assert source.seekable()
        assert not source.writable()
        assert source.read(10) == data[:10]
        assert source.tell() == 10
        assert source.seek(-5, io.SEEK_END) == len(data) - 5
        assert source.read() == data[-5:]
        assert source.read(100) == b""
        assert source.seek(1_000_000) == 1_000_000
        assert source.read(2 * MIB) == data[1_000_000 : 1_000_000 + 2 * MIB]
        assert source.seek(-50, io.SEEK_CUR) == 1_000_000 + 2 * MIB - 50
        assert source.read(60) == data[1_000_000 + 2 * MIB - 50 : 1_000_000 + 2 * MIB + 10]
        assert source.seek(0) == 0
        assert source.read(1) == data[:1]
        assert source.seek(len(data) + 100) == len(data) + 100
        assert source.read(10) == b""
        source.seek(len(data) - 3)
        assert source.read(10) == data[-3:]
        with pytest.raises((OSError, ValueError)):
            source.seek(-1)
    assert source.closed
    with pytest.raises(ValueError, match="closed"):
        source.read(1)


def test_size_open_and_iter_range_of_a_missing_object(case: StoreCase) -> None:
    with pytest.raises(FileNotFoundError):
        case.store.size("originals/none/none")
    with pytest.raises(FileNotFoundError):
        case.store.open("originals/none/none")
    with pytest.raises(FileNotFoundError):
        b"".join(case.store.iter_range("originals/none/none", 0, end=10))


def test_delete_removes_and_is_idempotent(case: StoreCase) -> None:
    put(case.store, KEY, b"to go")
    case.store.delete(KEY)
    assert not case.store.exists(KEY)
    case.store.delete(KEY)
    case.store.delete("originals/never/was")
    assert not case.store.exists(KEY)


def test_verify_sha256_finds_a_corrupted_or_missing_object(case: StoreCase) -> None:
    data = random.Random(5).randbytes(MIB + 17)
    put(case.store, KEY, data)
    expected = hashlib.sha256(data).hexdigest()
    assert case.store.verify_sha256(KEY, expected)
    assert case.store.verify_sha256(KEY, expected.upper())
    case.corrupt(KEY, data[:-1] + bytes([data[-1] ^ 1]))
    assert not case.store.verify_sha256(KEY, expected)
    case.store.delete(KEY)
    assert not case.store.verify_sha256(KEY, expected)


def test_ping(case: StoreCase) -> None:
    assert case.store.ping() is True


def test_pyav_probes_and_decodes_through_open(case: StoreCase) -> None:
    data = STORY_EN.read_bytes()
    put(case.store, KEY, data)
    with case.store.open(KEY) as source:
        info = probe(source)
    assert info.content_type == "audio/flac"
    assert info.duration == pytest.approx(26.78, abs=0.05)
    with case.store.open(KEY) as source:
        samples = decode_for_whisper(source)
    with STORY_EN.open("rb") as local:
        expected = decode_for_whisper(local)
    assert samples.shape == expected.shape
    assert np.array_equal(samples, expected)


def test_a_spooled_upload_becomes_one_object(case: StoreCase, tmp_path: Path) -> None:
    """A spool of a part's size is sent as a part (by a store that takes parts); the rest of
    the bytes are in the spool when the upload completes."""
    store = case.store
    first, rest = random.Random(11).randbytes(PART_SIZE), b"the rest of the story"
    spool = tmp_path / "spool"
    multipart_id = store.start_spooled(KEY)
    parts = []
    if store.spool_part_size is not None:
        assert multipart_id is not None
        spool.write_bytes(first)
        parts.append(store.put_spooled_part(KEY, multipart_id, number=1, spool=spool))
        assert parts[0].size == PART_SIZE
        spool.write_bytes(rest)
    else:
        spool.write_bytes(first + rest)
    assert not store.exists(KEY)
    store.complete_spooled(KEY, multipart_id, parts=parts, spool=spool)
    with store.open(KEY) as source:
        assert source.read() == first + rest
    assert case.leftovers() == []


def test_an_aborted_spooled_upload_leaves_nothing(case: StoreCase, tmp_path: Path) -> None:
    store = case.store
    spool = tmp_path / "spool"
    spool.write_bytes(random.Random(12).randbytes(PART_SIZE))
    multipart_id = store.start_spooled(KEY)
    if store.spool_part_size is not None:
        assert multipart_id is not None
        store.put_spooled_part(KEY, multipart_id, number=1, spool=spool)
    store.abort_spooled(KEY, multipart_id)
    store.abort_spooled(KEY, multipart_id)  # twice is safe
    assert not store.exists(KEY)
    assert case.leftovers() == []
