"""`archive import-folder` onto S3 (a real SeaweedFS): each file stored once under the key
named by its bytes, an object left by a killed run taken as it is, and nothing left in the
bucket for a story that could not be made."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.accounts.service import create_user_with_token
from archive.backends import Backends
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.access import Role
from archive.domain.keys import import_original_key
from archive.errors import Unprocessable
from archive.imports import service as import_service
from archive.imports.folder import FolderImport, NoProgress, import_folder
from archive.models import Recording
from archive.settings import Settings
from archive.storage.factory import open_object_store
from archive.storage.spool import Spool
from support.import_folder import GOOD_FILES, make_collection
from support.seaweed import SeaweedServer, bucket_contents

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

PREFIX = "archive"


@pytest.fixture
def s3_backends(settings: Settings, seaweedfs: SeaweedServer, s3_bucket: str) -> Iterator[Backends]:
    s3_settings = settings.model_copy(
        update={
            "storage_url": f"s3://{s3_bucket}/{PREFIX}",
            "s3_endpoint_url": seaweedfs.endpoint_url,
        }
    )
    engine = create_db_engine(s3_settings)
    sessions = create_session_factory(engine)
    with transaction(sessions) as session:
        create_user_with_token(session, "ana", role=Role.ADMIN)
    yield Backends(
        sessions, open_object_store(s3_settings), Spool(s3_settings.spool_dir), s3_settings
    )
    engine.dispose()


def test_an_import_onto_s3_leaves_exactly_the_originals_of_its_recordings(
    tmp_path: Path,
    s3_backends: Backends,
    s3: S3Client,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, metadata = make_collection(tmp_path)
    with transaction(s3_backends.sessions) as session:
        community_id = import_service.target_community(
            session, import_service.importer(session, "ana"), community=None, collection_id=None
        ).id
    # What a run killed between storing the flood and recording it leaves behind.
    flood = (folder / "tapes" / "flood.flac").read_bytes()
    left = import_original_key(community_id, hashlib.sha256(flood).hexdigest())
    writer = s3_backends.store.writer(left)
    writer.write(flood)
    writer.commit()

    real = import_service.import_file

    def refuse_tone3(session: Session, *args: Any, **kwargs: Any) -> Recording:
        if kwargs["received"].filename == "tone3.flac":
            raise Unprocessable("The archive refused this story.")
        recording: Recording = real(session, *args, **kwargs)
        return recording

    monkeypatch.setattr(import_service, "import_file", refuse_tone3)
    report = import_folder(
        s3_backends,
        FolderImport(folder=folder, username="ana", metadata=metadata),
        progress=NoProgress(),
    )
    assert {i.file for i in report.imported} == GOOD_FILES - {"tone3.flac"}
    assert ("tone3.flac", "The archive refused this story.") in {
        (r.file, r.reason) for r in report.refused
    }
    with transaction(s3_backends.sessions) as session:
        keys = {r.object_key for r in session.scalars(select(Recording))}
    assert left in keys
    objects, unfinished = bucket_contents(s3, s3_bucket)
    assert objects == sorted(f"{PREFIX}/{key}" for key in keys)
    assert unfinished == []
