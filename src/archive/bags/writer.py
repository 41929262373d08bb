"""Writing a `BagPlan`: as a directory (the command line) or as a tar stream (the API). The
stored objects stream from the store in chunks, each hashed as it passes and checked against
the SHA-256 the archive recorded, so memory does not grow with a bag's size and a damaged
original never leaves inside a bag that looks valid."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import cast

from archive.bags.service import BagPlan, StoredPayload
from archive.domain.bagit import (
    BAGIT_TXT,
    bag_info,
    manifest,
    tar_end,
    tar_header,
    tar_padding,
)
from archive.errors import ArchiveError
from archive.storage.base import ObjectStore

CHUNK = 8 * 1024 * 1024
"""Bytes read from the store at a time: 1 MiB reads ran at a fifth of the speed here."""


class DamagedOriginal(ArchiveError):
    status = 500
    slug = "damaged-original"
    title = "A stored object is not as it arrived"


def _chunks(store: ObjectStore, item: StoredPayload) -> Iterator[memoryview]:
    """The object's bytes, in two buffers taken in turn (a chunk is valid until the one after
    next is asked for). Each chunk is hashed in a thread while the caller writes it (both let
    go of the GIL), so checking costs little time. Raises `DamagedOriginal` after the last
    chunk when the bytes differ from what was recorded (a tar stream then breaks off rather
    than ends well)."""
    digest = hashlib.sha256()
    size = 0
    buffers = [memoryview(bytearray(CHUNK)) for _ in range(2)]
    try:
        source = cast("io.BufferedIOBase", store.open(item.key))
    except FileNotFoundError:
        raise DamagedOriginal(
            f"{item.key} is missing from storage. The export stopped; run `archive fixity` "
            "and restore the original from a copy."
        ) from None
    with source, ThreadPoolExecutor(max_workers=1) as hasher:
        hashed: Future[None] | None = None
        turn = 0
        while read := source.readinto(buffers[turn]):
            chunk = buffers[turn][:read]
            if hashed is not None:
                hashed.result()
            hashed = hasher.submit(digest.update, chunk)
            size += read
            yield chunk
            turn ^= 1
        if hashed is not None:
            hashed.result()
    if size != item.size or digest.hexdigest() != item.sha256:
        raise DamagedOriginal(
            f"{item.key} in storage is not the file that arrived (its SHA-256 differs). The "
            "export stopped; run `archive fixity` and restore the original from a copy."
        )


def _tag_files(plan: BagPlan, payload: dict[str, str]) -> dict[str, bytes]:
    info = [*plan.info, ("Payload-Oxum", plan.payload_oxum)]
    return {
        "bagit.txt": BAGIT_TXT,
        "bag-info.txt": bag_info(info),
        "manifest-sha256.txt": manifest(payload),
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stream_tar(plan: BagPlan, store: ObjectStore) -> Iterator[bytes]:
    """The bag as an uncompressed tar, under the directory `plan.name`."""
    payload: dict[str, str] = {}
    for path, data in plan.files.items():
        payload[path] = _sha256(data)
        yield tar_header(f"{plan.name}/{path}", len(data)) + data + tar_padding(len(data))
    for item in plan.stored:
        yield tar_header(f"{plan.name}/{item.path}", item.size)
        for chunk in _chunks(store, item):
            yield bytes(chunk)
        yield tar_padding(item.size)
        payload[item.path] = item.sha256
    tags = _tag_files(plan, payload)
    for path, data in tags.items():
        yield tar_header(f"{plan.name}/{path}", len(data)) + data + tar_padding(len(data))
    tagmanifest = manifest({path: _sha256(data) for path, data in tags.items()})
    yield tar_header(f"{plan.name}/tagmanifest-sha256.txt", len(tagmanifest))
    yield tagmanifest + tar_padding(len(tagmanifest))
    yield tar_end()


def write_directory(plan: BagPlan, store: ObjectStore, *, out: Path) -> Path:
    """The bag as a directory `out/plan.name`, written under a temporary name and renamed
    when whole, so a bag that is there is complete."""
    final = out / plan.name
    if final.exists():
        raise FileExistsError(f"{final} exists already; remove it or choose another --out.")
    partial = out / f".{plan.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)  # what an export cut off left
    payload: dict[str, str] = {}
    for path, data in plan.files.items():
        target = partial / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        payload[path] = _sha256(data)
    for item in plan.stored:
        target = partial / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as f:
            for chunk in _chunks(store, item):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        payload[item.path] = item.sha256
    tags = _tag_files(plan, payload)
    for path, data in tags.items():
        (partial / path).write_bytes(data)
    (partial / "tagmanifest-sha256.txt").write_bytes(
        manifest({path: _sha256(data) for path, data in tags.items()})
    )
    os.replace(partial, final)
    return final
