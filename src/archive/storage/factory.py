from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from archive.settings import Settings, SettingsError
from archive.storage.base import ObjectStore
from archive.storage.local import LocalObjectStore


def open_object_store(settings: Settings) -> ObjectStore:
    url = urlparse(settings.storage_url)
    if url.scheme == "file":
        return LocalObjectStore(Path(url.path))
    raise SettingsError(
        f"ARCHIVE_STORAGE_URL={settings.storage_url!r}: S3 storage is not available in this "
        "build; use file:///path/to/dir."
    )
