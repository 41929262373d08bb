"""Importing bags, in the pattern `archive.backends` describes: a short transaction decides
where the story goes, its originals are stored outside any transaction (each re-hashed as it
is written), and one transaction writes every row. When that fails, the objects just stored
are removed: nothing is half-imported. A story already here is skipped, so an import that
was cut off simply runs again."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from archive.bags import restore
from archive.bags.reading import BagRefused, OpenedBag, opened
from archive.db.session import transaction
from archive.events.actor import Actor
from archive.storage.base import ObjectStore

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


@dataclass
class Imported:
    bag: Path
    outcome: Literal["imported", "skipped", "refused"]
    story_id: uuid.UUID | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_bag(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    *,
    source: Path,
    community_id: uuid.UUID | None,
    actor: Actor,
) -> Imported:
    try:
        with opened(source) as bag:
            return _import(sessions, store, bag=bag, community_id=community_id, actor=actor)
    except BagRefused as exc:
        return Imported(source, "refused", problems=exc.problems)


def _import(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    *,
    bag: OpenedBag,
    community_id: uuid.UUID | None,
    actor: Actor,
) -> Imported:
    try:
        with transaction(sessions) as session:
            if restore.already_here(session, bag):
                story_id = uuid.UUID(bag.archive["story"]["id"])
                return Imported(bag.path, "skipped", story_id, notes=["already in this archive"])
            plan = restore.plan(session, bag, community_id=community_id)
    except (LookupError, KeyError, ValueError) as exc:
        raise BagRefused(bag.path, [str(exc)]) from None
    stored: list[str] = []
    try:
        for item in plan.objects:
            _store(store, bag=bag, item=item)
            stored.append(item.key)
        with transaction(sessions) as session:
            restore.restore(session, bag, plan=plan, actor=actor)
    except BaseException as exc:
        for key in stored:
            store.delete(key)
        if isinstance(exc, LookupError | KeyError | ValueError | FileExistsError):
            raise BagRefused(bag.path, [str(exc)]) from None
        raise
    return Imported(bag.path, "imported", plan.story_id, notes=plan.notes)


def _store(store: ObjectStore, *, bag: OpenedBag, item: restore.ObjectToStore) -> None:
    digest = hashlib.sha256()
    writer = store.writer(item.key)
    try:
        with (bag.path / item.path).open("rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
        if digest.hexdigest() != item.sha256:
            raise ValueError(
                f"{item.path} is not the file the archive recorded (its SHA-256 differs from "
                "data/metadata/archive.json)"
            )
        writer.commit()
    except BaseException:
        writer.abort()
        raise
