"""Objects as files under one directory.

A write goes to `.partial/` beside the objects and is renamed into place on commit, so a crash
mid-upload never leaves a half object under a real key (rename is atomic on one filesystem).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from archive.errors import ServiceUnavailable
from archive.storage.base import ObjectWriter, SpooledPart
from archive.writeback import write_through

STORE_AWAY = (
    "The recording store cannot be written to (its disk may be full, missing or read-only). "
    "Nothing already stored is lost; try again later, and tell the archive's administrator."
)


class LocalObjectWriter:
    def __init__(self, final_path: Path, partial_path: Path) -> None:
        self._final = final_path
        self._partial = partial_path
        self._file: BinaryIO | None = partial_path.open("xb", buffering=0)
        self._written = 0

    def write(self, data: bytes) -> None:
        """Writes all of `data` and starts its way to disk, so the fsync on commit is short."""
        assert self._file is not None, "write after commit or abort"
        try:
            self._written = write_through(self._file, data, position=self._written)
        except OSError as exc:
            raise ServiceUnavailable(STORE_AWAY) from exc

    def commit(self) -> None:
        assert self._file is not None, "commit after commit or abort"
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        self._final.parent.mkdir(parents=True, exist_ok=True)
        if self._final.exists():
            self._partial.unlink(missing_ok=True)
            raise FileExistsError(f"object {self._final} exists; originals are write-once")
        os.replace(self._partial, self._final)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._partial.unlink(missing_ok=True)


class LocalObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._partials = root / ".partial"
        self._partials.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or key.startswith("."):
            raise ValueError(f"object key {key!r} escapes the store")
        return path

    def writer(self, key: str) -> ObjectWriter:
        try:
            return LocalObjectWriter(self._path(key), self._partials / uuid.uuid4().hex)
        except OSError as exc:
            raise ServiceUnavailable(STORE_AWAY) from exc

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def iter_range(
        self, key: str, start: int, *, end: int, chunk_size: int = 256 * 1024
    ) -> Iterator[bytes]:
        with self._path(key).open("rb") as f:
            f.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = f.read(min(chunk_size, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def discard_unfinished_writes(self) -> int:
        removed = 0
        for leftover in self._partials.iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def ping(self) -> bool:
        return self.root.is_dir() and os.access(self.root, os.W_OK)

    def verify_sha256(self, key: str, expected: str) -> bool:
        try:
            with self._path(key).open("rb") as f:
                digest = hashlib.file_digest(f, "sha256")
        except FileNotFoundError:
            return False
        return digest.hexdigest() == expected.lower()

    @property
    def spool_part_size(self) -> int | None:
        """None: the spool is adopted whole, renamed into place, never copied."""
        return None

    def start_spooled(self, key: str) -> str | None:
        self._path(key)  # refuses a bad key before any byte is taken
        return None

    def put_spooled_part(
        self, key: str, multipart_id: str, *, number: int, spool: Path
    ) -> SpooledPart:
        raise NotImplementedError("the local store takes a spool whole, never in parts")

    def complete_spooled(
        self, key: str, multipart_id: str | None, *, parts: list[SpooledPart], spool: Path
    ) -> None:
        final = self._path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                raise FileExistsError(f"object {final} exists; originals are write-once")
            if spool.stat().st_dev == self.root.stat().st_dev:
                os.replace(spool, final)
                return
            writer = self.writer(key)
            with spool.open("rb") as source:
                while chunk := source.read(1024 * 1024):
                    writer.write(chunk)
            writer.commit()
        except FileExistsError:
            raise
        except OSError as exc:
            raise ServiceUnavailable(STORE_AWAY) from exc

    def abort_spooled(self, key: str, multipart_id: str | None) -> None:
        """Nothing was sent anywhere: the caller removes the spool."""
