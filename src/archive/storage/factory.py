from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from archive.settings import Settings, SettingsError
from archive.storage.base import ObjectStore
from archive.storage.local import LocalObjectStore


def open_object_store(settings: Settings) -> ObjectStore:
    """The store `ARCHIVE_STORAGE_URL` names. An S3 bucket must already exist."""
    url = urlparse(settings.storage_url)
    if url.scheme == "file":
        return LocalObjectStore(Path(url.path))
    if url.scheme == "s3":
        if not url.netloc:
            raise SettingsError(
                f"ARCHIVE_STORAGE_URL={settings.storage_url!r} names no bucket; use "
                "s3://bucket/prefix (and ARCHIVE_S3_ENDPOINT_URL for a server other than AWS)."
            )
        from archive.storage.s3 import S3ObjectStore  # boto3 loads only when S3 is used

        return S3ObjectStore(url.netloc, url.path.strip("/"), endpoint_url=settings.s3_endpoint_url)
    raise SettingsError(
        f"ARCHIVE_STORAGE_URL={settings.storage_url!r} is not a storage we support; use "
        "file:///path/to/dir or s3://bucket/prefix."
    )
