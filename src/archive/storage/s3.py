"""Objects in an S3 bucket through boto3, the only module that imports it.

Works with AWS S3 and S3-compatible servers (SeaweedFS, MinIO, Ceph RGW); `endpoint_url`
points at the latter, which are addressed path-style. Credentials come from the usual AWS chain
(environment, shared files, instance role) through boto3's default session.

A write is a multipart upload: bytes are buffered until a part is full, each full part is sent
as it fills, and `commit()` completes the upload, so memory holds at most one part. S3 allows at
most 10,000 parts, so one object is at most 10,000 times the part size (78 GiB at the default
8 MiB); a write past that is refused. Parts of an upload that is neither completed nor aborted
(a killed process) stay in the bucket until aborted: give the bucket a lifecycle rule that
aborts incomplete multipart uploads after a day.

Reads fetch HTTP ranges in blocks, so PyAV can seek about a recording without downloading it.
A store that does not answer, or a bucket that is missing or refuses us, is `ServiceUnavailable`;
a missing object is `FileNotFoundError`, as in the local store.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, NoReturn, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from archive.errors import PayloadTooLarge, ServiceUnavailable
from archive.storage.base import ObjectWriter, SpooledPart
from archive.storage.s3_reader import S3RangeReader

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

log = logging.getLogger(__name__)

MIB = 1024 * 1024
DEFAULT_PART_SIZE = 8 * MIB
MIN_PART_SIZE = 8 * MIB
MAX_PART_SIZE = 64 * MIB
MAX_PARTS = 10_000
DEFAULT_READ_BLOCK = 1 * MIB

STORE_AWAY_DETAIL = (
    "The recording store is not answering; nothing already stored is lost. Try again "
    "shortly; if it lasts, tell the administrator."
)
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_STORE_AWAY_CODES = frozenset(
    {
        "NoSuchBucket",
        "403",
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
    }
)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_not_found(exc: ClientError) -> bool:
    return _code(exc) in _NOT_FOUND_CODES


def _store_away(exc: BaseException) -> ServiceUnavailable:
    log.warning("storage.s3_unavailable error=%r", exc)
    return ServiceUnavailable(STORE_AWAY_DETAIL)


def _raise_mapped(exc: BotoCoreError | ClientError) -> NoReturn:
    """Raises what `exc` means to the archive: the store away, or the boto error itself."""
    if isinstance(exc, BotoCoreError):
        raise _store_away(exc) from exc
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    if _code(exc) in _STORE_AWAY_CODES or status >= 500:
        raise _store_away(exc) from exc
    raise exc


@contextmanager
def _boto_errors() -> Iterator[None]:
    """Boto errors raised in the block as the archive knows them (`_raise_mapped`)."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        _raise_mapped(exc)


class S3ObjectWriter:
    """One multipart upload. Not thread-safe; `write` calls come one at a time."""

    def __init__(self, client: S3Client, bucket: str, *, key: str, part_size: int) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._part_size = part_size
        self._limit = part_size * MAX_PARTS
        self._buffer = bytearray()
        self._parts: list[CompletedPartTypeDef] = []
        self._written = 0
        self._state: Literal["open", "committed", "aborted"] = "open"
        with _boto_errors():
            created = client.create_multipart_upload(Bucket=bucket, Key=key)
        self._upload_id = created["UploadId"]

    def write(self, data: bytes) -> None:
        """Buffers `data`, sending each part as it fills. Aborts the upload when it raises."""
        assert self._state == "open", f"write after {self._state}"
        if self._written + len(data) > self._limit:
            self.abort()
            raise PayloadTooLarge(
                f"This recording is larger than the recording store takes in one object "
                f"({self._limit:,} bytes: {MAX_PARTS:,} parts of {self._part_size:,} bytes). "
                "Split the recording into parts, or ask the administrator to raise the S3 "
                "part size."
            )
        try:
            view = memoryview(data)
            while view:
                room = self._part_size - len(self._buffer)
                self._buffer += view[:room]
                view = view[room:]
                if len(self._buffer) == self._part_size:
                    self._send_part()
        except BaseException:
            self.abort()
            raise
        self._written += len(data)

    def _send_part(self) -> None:
        number = len(self._parts) + 1
        md5 = hashlib.md5(self._buffer, usedforsecurity=False).digest()
        with _boto_errors():
            sent = self._client.upload_part(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                PartNumber=number,
                # botocore sends a bytearray as it is; a bytes() copy would double the memory.
                Body=cast("bytes", self._buffer),
                ContentMD5=base64.b64encode(md5).decode("ascii"),
            )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})
        self._buffer = bytearray()

    def commit(self) -> None:
        """Completes the upload; the object is visible when this returns.

        Raises `FileExistsError` (and aborts) when the key already holds an object: originals
        are write-once. The check is made just before completing, so it guards against
        mistakes, not against two writers racing for one key.
        """
        assert self._state == "open", f"commit after {self._state}"
        try:
            with _boto_errors():
                if self._exists():
                    raise FileExistsError(
                        f"object s3://{self._bucket}/{self._key} exists; originals are write-once"
                    )
                if not self._parts and not self._buffer:
                    # S3 has no empty multipart upload: an empty object is one empty PUT.
                    self._abort_upload()
                    self._client.put_object(Bucket=self._bucket, Key=self._key, Body=b"")
                else:
                    if self._buffer:
                        self._send_part()
                    self._client.complete_multipart_upload(
                        Bucket=self._bucket,
                        Key=self._key,
                        UploadId=self._upload_id,
                        MultipartUpload={"Parts": self._parts},
                    )
        except BaseException:
            self.abort()
            raise
        self._state = "committed"

    def _exists(self) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=self._key)
        except ClientError as exc:
            if _is_not_found(exc):
                return False
            raise
        return True

    def _abort_upload(self) -> None:
        try:
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
            )
        except ClientError as exc:
            if _code(exc) not in ("NoSuchUpload", *_NOT_FOUND_CODES):
                raise

    def abort(self) -> None:
        """Aborts the multipart upload, so no part is left behind. Never raises: it runs
        while another error is on its way; an abort that fails is logged, and its parts are
        left to the bucket's lifecycle rule."""
        if self._state != "open":
            return
        self._state = "aborted"
        self._buffer = bytearray()
        try:
            self._abort_upload()
        except (BotoCoreError, ClientError) as exc:
            log.warning(
                "storage.s3_abort_failed bucket=%s key=%s upload_id=%s error=%r",
                self._bucket,
                self._key,
                self._upload_id,
                exc,
            )


class S3ObjectStore:
    """Objects under `prefix` in one bucket. The bucket must exist: it is never created here.

    `part_size` (8 to 64 MiB) is the multipart upload's part size and so sets the largest object
    (10,000 parts); `read_block` is how much `open()` fetches ahead.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        read_block: int = DEFAULT_READ_BLOCK,
        client: S3Client | None = None,
    ) -> None:
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(
                f"part_size={part_size} is outside {MIN_PART_SIZE}..{MAX_PART_SIZE} bytes"
            )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.part_size = part_size
        self.read_block = read_block
        self.client: S3Client = client or _new_client(endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, key: str, exc: ClientError) -> NoReturn:
        """A 404 means a missing object, unless the bucket itself is gone."""
        with _boto_errors():
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as bucket_exc:
                if _is_not_found(bucket_exc) or _code(bucket_exc) == "NoSuchBucket":
                    raise _store_away(bucket_exc) from exc
                raise
        raise FileNotFoundError(f"no object {key!r} in s3://{self.bucket}/{self.prefix}") from exc

    @contextmanager
    def _reading(self, key: str) -> Iterator[None]:
        """`_boto_errors` for a read of `key`: a missing object is `FileNotFoundError`."""
        with _boto_errors():
            try:
                yield
            except ClientError as exc:
                if _is_not_found(exc):
                    self._missing(key, exc)
                raise

    def writer(self, key: str) -> ObjectWriter:
        """Starts the multipart upload at once, so a store that is away fails here."""
        return S3ObjectWriter(
            self.client, self.bucket, key=self._key(key), part_size=self.part_size
        )

    def open(self, key: str) -> BinaryIO:
        size = self.size(key)
        full_key = self._key(key)

        def fetch(start: int, end: int) -> bytes:
            with self._reading(key):
                body = self.client.get_object(
                    Bucket=self.bucket, Key=full_key, Range=f"bytes={start}-{end}"
                )["Body"]
                with body:
                    return body.read()

        return io.BufferedReader(S3RangeReader(fetch, size), buffer_size=self.read_block)

    def iter_range(
        self, key: str, start: int, *, end: int, chunk_size: int = 256 * 1024
    ) -> Iterator[bytes]:
        """Sends the GET at once (so a store that is away fails before a response starts) and
        returns an iterator over its body, which closes the body when exhausted or closed."""
        with self._reading(key):
            body = self.client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{end}"
            )["Body"]

        def chunks() -> Iterator[bytes]:
            with body, _boto_errors():
                yield from body.iter_chunks(chunk_size)

        return chunks()

    def size(self, key: str) -> int:
        with self._reading(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        return head["ContentLength"]

    def exists(self, key: str) -> bool:
        with _boto_errors():
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _is_not_found(exc):
                    return False
                raise
        return True

    def delete(self, key: str) -> None:
        with _boto_errors():
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if not _is_not_found(exc):
                    raise

    def discard_unfinished_writes(self) -> int:
        """Nothing to do here: S3 keeps no part of an unfinished write under a key, and a
        bucket lifecycle rule (AbortIncompleteMultipartUpload) removes abandoned parts."""
        return 0

    def ping(self) -> bool:
        """True when the bucket answers; never raises."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception:
            return False
        return True

    def verify_sha256(self, key: str, expected: str) -> bool:
        """Reads the object back, streaming, and compares its SHA-256 with `expected` (hex).

        A missing object is False; a store that is away raises `ServiceUnavailable`.
        """
        try:
            size = self.size(key)
        except FileNotFoundError:
            return False
        digest = hashlib.sha256()
        if size:
            for chunk in self.iter_range(key, 0, end=size - 1, chunk_size=MIB):
                digest.update(chunk)
        return digest.hexdigest() == expected.lower()

    # Spooled (resumable) uploads: each spool of at least a part's size becomes one part.

    @property
    def spool_part_size(self) -> int | None:
        return self.part_size

    def start_spooled(self, key: str) -> str | None:
        with _boto_errors():
            created = self.client.create_multipart_upload(Bucket=self.bucket, Key=self._key(key))
        return created["UploadId"]

    def put_spooled_part(
        self, key: str, multipart_id: str, *, number: int, spool: Path
    ) -> SpooledPart:
        if number > MAX_PARTS:
            raise PayloadTooLarge(
                f"This upload needs more than {MAX_PARTS:,} parts of the recording store. "
                "Send larger chunks, or ask the administrator to raise the S3 part size."
            )
        md5 = hashlib.md5(usedforsecurity=False)
        with spool.open("rb") as source:
            while chunk := source.read(MIB):
                md5.update(chunk)
            size = source.tell()
            source.seek(0)
            with _boto_errors():
                sent = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=self._key(key),
                    UploadId=multipart_id,
                    PartNumber=number,
                    Body=source,
                    ContentLength=size,
                    ContentMD5=base64.b64encode(md5.digest()).decode("ascii"),
                )
        return SpooledPart(number, sent["ETag"], size)

    def complete_spooled(
        self, key: str, multipart_id: str | None, *, parts: list[SpooledPart], spool: Path
    ) -> None:
        assert multipart_id is not None, "an S3 spooled upload always has a multipart id"
        full_key = self._key(key)
        if self.exists(key):
            raise FileExistsError(
                f"object s3://{self.bucket}/{full_key} exists; originals are write-once"
            )
        records = list(parts)
        remaining = spool.stat().st_size if spool.exists() else 0
        with _boto_errors():
            if not records and not remaining:
                self.abort_spooled(key, multipart_id)
                self.client.put_object(Bucket=self.bucket, Key=full_key, Body=b"")
                return
            if remaining:
                records.append(
                    self.put_spooled_part(key, multipart_id, number=len(records) + 1, spool=spool)
                )
            completed: list[CompletedPartTypeDef] = [
                {"PartNumber": p.number, "ETag": p.etag} for p in records
            ]
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=full_key,
                UploadId=multipart_id,
                MultipartUpload={"Parts": completed},
            )

    def abort_spooled(self, key: str, multipart_id: str | None) -> None:
        if multipart_id is None:
            return
        with _boto_errors():
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self._key(key), UploadId=multipart_id
                )
            except ClientError as exc:
                if _code(exc) not in ("NoSuchUpload", *_NOT_FOUND_CODES):
                    raise


def _new_client(endpoint_url: str | None) -> S3Client:
    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=64,
        # Checksums only where S3 requires them: the newer defaults are not understood by
        # every S3-compatible server. Parts carry Content-MD5 and the archive keeps SHA-256.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3={"addressing_style": "path"} if endpoint_url else {},
    )
    client: S3Client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, config=config
    )
    return client
