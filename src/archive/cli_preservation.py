"""The preservation commands of `archive`: fixity audits, and stories out to and in from
BagIt bags."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from archive.cli_common import settings_or_exit


def register(app: typer.Typer) -> None:
    app.command()(fixity)
    app.command()(export)
    app.command(name="import")(import_bags)


def fixity(
    sample: Annotated[
        float,
        typer.Option(
            "--sample",
            min=0.01,
            max=100.0,
            help="Read back this percentage of the originals, chosen at random (default all).",
        ),
    ] = 100.0,
) -> None:
    """Read every original (or a sample) back from storage and check its SHA-256: report what
    is missing or changed, never repair it. Each check is an event; `GET /api/v1/fixity`
    shows the result.

    Exit status: 0 all intact, 1 missing or changed originals found, 2 storage unreadable.
    """
    from archive.db import migrate
    from archive.db.session import create_db_engine, create_session_factory, transaction
    from archive.fixity import flow, repository
    from archive.storage.factory import open_object_store

    settings = settings_or_exit()
    migrate.upgrade(settings)
    engine = create_db_engine(settings)
    try:
        sessions = create_session_factory(engine)
        store = open_object_store(settings)
        audit_id = flow.start_audit(sessions, store, trigger="command", sample_percent=sample)
        flow.run_audit(sessions, store, audit_id=audit_id)
        with transaction(sessions) as session:
            audit = repository.get_audit(session, audit_id)
            assert audit is not None
            typer.echo(
                f"fixity audit {audit.id}: {audit.status}; {audit.checked} originals checked, "
                f"{audit.intact} intact, {audit.missing} missing, {audit.changed} changed, "
                f"{audit.deaccessioned} deaccessioned"
            )
            for finding in audit.findings:
                typer.echo(
                    f"  {finding['problem']}: recording {finding['recording_id']} "
                    f"(story {finding['story_id']}) at {finding['object_key']}"
                )
            status, error = audit.status, audit.error
    finally:
        engine.dispose()
    if status == "error":
        typer.echo(f"archive: {error}", err=True)
        raise typer.Exit(2)
    if status != "passed":
        raise typer.Exit(1)


def export(
    story_ids: Annotated[
        list[uuid.UUID] | None, typer.Argument(help="Stories to export.", show_default=False)
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write one bag per story into.")
    ] = Path("."),
    collection: Annotated[
        uuid.UUID | None, typer.Option("--collection", help="Every story of this collection.")
    ] = None,
    community: Annotated[
        uuid.UUID | None, typer.Option("--community", help="Every story of this community.")
    ] = None,
    masked: Annotated[
        bool,
        typer.Option(
            "--masked",
            help="For someone without the right to hear restricted parts: masked text, "
            "silenced audio, said so in bag-info.txt.",
        ),
    ] = False,
) -> None:
    """Write stories as BagIt 1.0 bags (one folder `story-<id>` each): originals byte for byte,
    every transcript version, metadata, people, consent, restrictions and events.

    Exit status: 0 all written, 1 some could not be, 2 nothing to do or cannot run.
    """
    from archive.bags import service, writer
    from archive.db import migrate
    from archive.db.session import create_db_engine, create_session_factory, transaction
    from archive.domain.access import Role, Viewer
    from archive.errors import ArchiveError
    from archive.events.actor import SYSTEM
    from archive.storage.factory import open_object_store

    settings = settings_or_exit()
    migrate.upgrade(settings)
    out.mkdir(parents=True, exist_ok=True)
    operator = Viewer(user_id=None, role=Role.ADMIN)
    engine = create_db_engine(settings)
    failed = 0
    try:
        sessions = create_session_factory(engine)
        store = open_object_store(settings)
        chosen = list(story_ids or [])
        if collection is not None or community is not None:
            with transaction(sessions) as session:
                chosen += service.story_ids(
                    session, collection_id=collection, community_id=community
                )
        if not chosen:
            typer.echo("archive: name stories, --collection or --community", err=True)
            raise typer.Exit(2)
        for story_id in dict.fromkeys(chosen):
            try:
                with transaction(sessions) as session:
                    plan = service.plan_story_bag(
                        session, operator, story_id=story_id, masked=masked, actor=SYSTEM
                    )
                written = writer.write_directory(plan, store, out=out)
            except (ArchiveError, FileExistsError) as exc:
                failed += 1
                detail = exc.detail if isinstance(exc, ArchiveError) else str(exc)
                typer.echo(f"archive: story {story_id}: {detail}", err=True)
                continue
            typer.echo(f"{written}")
    finally:
        engine.dispose()
    if failed:
        raise typer.Exit(1)


def import_bags(
    bags: Annotated[list[Path], typer.Argument(help="Bag folders or .tar files.")],
    community: Annotated[
        uuid.UUID | None,
        typer.Option(
            "--community",
            help="Put the stories here (default: the bag's own community, made if missing).",
        ),
    ] = None,
) -> None:
    """Bring stories in from bags made by `archive export` (or the API's export): the same
    story, its originals, transcript versions, metadata, people, consent and events. A bag
    that is invalid or tampered with is refused, naming each bad file, and nothing of it is
    kept; a story already here is skipped.

    Exit status: 0 all imported or skipped, 1 some refused.
    """
    from archive.bags.importing import import_bag
    from archive.db import migrate
    from archive.db.session import create_db_engine, create_session_factory
    from archive.events.actor import SYSTEM
    from archive.storage.factory import open_object_store

    settings = settings_or_exit()
    migrate.upgrade(settings)
    engine = create_db_engine(settings)
    refused = 0
    try:
        sessions = create_session_factory(engine)
        store = open_object_store(settings)
        for source in bags:
            done = import_bag(sessions, store, source=source, community_id=community, actor=SYSTEM)
            typer.echo(
                f"{done.outcome}: {source}" + (f" (story {done.story_id})" if done.story_id else "")
            )
            for line in [*done.problems, *done.notes]:
                typer.echo(f"  {line}")
            refused += done.outcome == "refused"
    finally:
        engine.dispose()
    if refused:
        raise typer.Exit(1)
