"""The `archive` command."""

from __future__ import annotations

import logging
import os
import signal
import sys
import uuid
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from archive import cli_preservation
from archive.cli_common import settings_or_exit
from archive.settings import Settings, SettingsError

if TYPE_CHECKING:
    from archive.imports.folder import ImportProgress
    from archive.imports.report import ImportReport

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="The community oral-history archive."
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
users_app = typer.Typer(no_args_is_help=True, help="Accounts and API tokens.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")

log = logging.getLogger("archive.cli")


class Lane(StrEnum):
    """`archive worker --lane`: which jobs a worker takes (see `domain.jobs.JobLane`)."""

    ALL = "all"
    FAST = "fast"
    TRANSCRIBE = "transcribe"


_settings = settings_or_exit


def _preflight(settings: Settings) -> None:
    """Every backend answers, or one line naming the setting and exit code 2."""
    from archive.preflight import check_backends

    # Drivers log each failed attempt; the person starting the archive needs the one line.
    logging.disable(logging.CRITICAL)
    try:
        check_backends(settings)
    except SettingsError as exc:
        typer.echo(f"archive: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        logging.disable(logging.NOTSET)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the archive: migrate the database, serve the API (in ARCHIVE_HTTP_PROCESSES
    processes), and supervise the workers: ARCHIVE_WORKERS transcription workers, and always
    one more for the fast lane (index updates, listening copies, expiry, fixity), so those
    never wait behind transcription."""
    from archive.db import migrate
    from archive.fixity.flow import schedule_at_start
    from archive.jobs.supervisor import WorkerSupervisor
    from archive.serving import serve_http
    from archive.uploads.recovery import recover_at_start

    settings = _settings()
    _preflight(settings)
    migrate.upgrade(settings)
    recover_at_start(settings)
    schedule_at_start(settings)
    supervisor = WorkerSupervisor(settings.workers)
    # uvicorn answers SIGTERM by shutting down and then raising the signal again with the
    # handler it found: Python's default one would end this process before `finally` stops
    # the workers, leaving them running without a parent. Ours turns it into an exit.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        supervisor.start()
        serve_http(settings, host=host, port=port)
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, signal.SIG_IGN)  # stopping is bounded; let it finish
        supervisor.stop()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    log.info("serve.signal signal=%s", signal.Signals(signum).name)
    raise SystemExit(128 + signum)


@app.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=16, help="Jobs run at once in this process.")
    ] = 1,
    lane: Annotated[
        Lane,
        typer.Option(
            case_sensitive=False,
            help="Which jobs to take: transcribe (slow, loads the speech model), fast (index "
            "updates, listening copies, expiry, fixity; no speech model), or all (fast first).",
        ),
    ] = Lane.ALL,
    slot: Annotated[int | None, typer.Option(hidden=True)] = None,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
    grace: Annotated[
        float,
        typer.Option(
            help="Seconds a running job may go on after SIGTERM before it is handed back."
        ),
    ] = 15.0,
) -> None:
    """Run transcription and indexing workers (also started by `archive serve`)."""
    import threading

    from archive.domain.jobs import ALL_LANES, JobLane
    from archive.jobs.worker import Shutdown, Worker, default_transcriber_factory
    from archive.tasks import job_handlers

    settings = _settings()
    _preflight(settings)
    shutdown = Shutdown(grace_seconds=grace)

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("worker.signal signal=%s", signal.Signals(signum).name)
        shutdown.request()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    lanes = ALL_LANES if lane is Lane.ALL else (JobLane(lane.value),)
    transcriber = default_transcriber_factory(settings)  # one model, shared by the threads
    workers = [
        Worker(settings, handlers=job_handlers(), transcriber=transcriber, lanes=lanes)
        for _ in range(concurrency)
    ]
    if JobLane.TRANSCRIBE in lanes:
        from archive.ingest.model_files import ModelUnavailable

        try:
            workers[0].warm_up()
        except ModelUnavailable as exc:  # one line that says what to install, no traceback
            typer.echo(f"archive: {exc}", err=True)
            raise typer.Exit(2) from None
    threads = [
        threading.Thread(target=w.run, args=(shutdown,), name=f"worker-{i}")
        for i, w in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
            if parent_pid is not None and os.getppid() != parent_pid:
                # `archive serve` is gone without stopping us (killed, or out of memory):
                # a worker nobody supervises must not go on taking jobs.
                log.warning("worker.orphaned parent_pid=%d", parent_pid)
                shutdown.request()
    for w in workers:
        w.close()


@app.command("import-folder")
def import_folder(
    folder: Annotated[
        Path,
        typer.Argument(
            exists=True, file_okay=False, help="The folder whose audio and video files come in."
        ),
    ],
    metadata: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="A CSV describing the files, one row each (columns in the README, Dublin "
            "Core names accepted).",
        ),
    ] = None,
    collection: Annotated[
        uuid.UUID | None, typer.Option(help="File every new story in this collection.")
    ] = None,
    community: Annotated[
        str | None,
        typer.Option(
            help="The community the stories belong to (id or name); left out, the importer's "
            "only community or the default one."
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="The account the import acts as (an archivist of the community, or an "
            "administrator); every story and event names it. Needed without --url.",
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the report as JSON to this file.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="Import into the archive at this address, over its API, instead."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="ARCHIVE_IMPORT_TOKEN",
            help="With --url: an archivist's API token (or set ARCHIVE_IMPORT_TOKEN).",
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="With --url: where what was sent is remembered, by SHA-256, so a second run "
            "skips it (default: .archive-import.json in the folder).",
        ),
    ] = None,
) -> None:
    """Bring an existing collection in: every audio or video file under FOLDER becomes a
    recording of a new story, described by its row of --metadata. Files already in the
    archive (by SHA-256) are skipped, so an interrupted import simply runs again.

    Exit status: 0 all in, 1 some rows or files refused (see the report), 2 cannot run."""
    import json

    from archive.cli_progress import ImportBar
    from archive.errors import ArchiveError
    from archive.imports.rows import SheetError

    done: ImportReport
    try:
        with ImportBar() as bar:
            if url is not None:
                from archive.imports.remote import RemoteImport, import_folder_remote

                if token is None:
                    typer.echo("archive: --url needs --token (an archivist's API token)", err=True)
                    raise typer.Exit(2)
                done = import_folder_remote(
                    RemoteImport(
                        folder=folder,
                        url=url,
                        token=token,
                        metadata=metadata,
                        community=community,
                        collection_id=collection,
                        state=state,
                    ),
                    progress=bar,
                )
            else:
                done = _import_folder_locally(
                    folder,
                    as_user=as_user,
                    metadata=metadata,
                    community=community,
                    collection=collection,
                    progress=bar,
                )
    except (ArchiveError, SheetError) as exc:
        detail = exc.detail if isinstance(exc, ArchiveError) else str(exc)
        typer.echo(f"archive: {detail}", err=True)
        raise typer.Exit(2) from None
    for line in done.lines():
        typer.echo(line)
    if report is not None:
        report.write_text(json.dumps(done.as_json(), indent=2) + "\n", encoding="utf-8")
    if done.refused:
        raise typer.Exit(1)


def _import_folder_locally(
    folder: Path,
    *,
    as_user: str | None,
    metadata: Path | None,
    community: str | None,
    collection: uuid.UUID | None,
    progress: ImportProgress,
) -> ImportReport:
    from archive.backends import Backends
    from archive.db import migrate
    from archive.db.session import create_db_engine, create_session_factory
    from archive.imports.folder import FolderImport
    from archive.imports.folder import import_folder as run_import
    from archive.storage.factory import open_object_store
    from archive.storage.spool import Spool

    if as_user is None:
        typer.echo(
            "archive: say who imports with --as USERNAME (an archivist of the community or "
            "an administrator), or import over the API with --url and --token",
            err=True,
        )
        raise typer.Exit(2)
    settings = _settings()
    _preflight(settings)
    migrate.upgrade(settings)
    engine = create_db_engine(settings)
    try:
        backends = Backends(
            create_session_factory(engine),
            open_object_store(settings),
            Spool(settings.spool_dir),
            settings,
        )
        return run_import(
            backends,
            FolderImport(
                folder=folder,
                username=as_user,
                metadata=metadata,
                community=community,
                collection_id=collection,
            ),
            progress=progress,
        )
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Apply the database migrations."""
    from archive.db import migrate

    migrate.upgrade(_settings(), revision)
    typer.echo("database is up to date")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[
        str, typer.Option(help="admin, archivist, researcher or contributor.")
    ] = "researcher",
    password: Annotated[
        bool,
        typer.Option(
            "--password",
            help="Also set a password for signing in from a browser. It is asked for (twice), "
            "never taken from the command line, so it stays out of shell history.",
        ),
    ] = False,
    community: Annotated[
        str | None,
        typer.Option(
            help="The community they join, by name (archivists as its archivists). Left out, "
            "they join the default community only while it is the archive's only one.",
        ),
    ] = None,
) -> None:
    """Create a user and print a new API token once."""
    from archive.accounts.passwords import passwords_from
    from archive.accounts.service import check_new_password, create_user_with_token
    from archive.communities.repository import get_community_by_name
    from archive.db import migrate
    from archive.db.session import create_db_engine, create_session_factory, transaction
    from archive.domain.access import Role
    from archive.errors import ArchiveError, Unprocessable

    try:
        chosen = Role(role)
    except ValueError:
        typer.echo(
            f"archive: unknown role {role!r}; use one of {', '.join(r.value for r in Role)}",
            err=True,
        )
        raise typer.Exit(2) from None
    settings = _settings()
    password_hash: str | None = None
    if password:
        chosen_password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            check_new_password(chosen_password, name)
        except ArchiveError as exc:
            typer.echo(f"archive: {exc.detail}", err=True)
            raise typer.Exit(1) from None
        password_hash = passwords_from(settings).hash(chosen_password)
    migrate.upgrade(settings)
    engine = create_db_engine(settings)
    try:
        with transaction(create_session_factory(engine)) as session:
            community_id = None
            if community is not None:
                found = get_community_by_name(session, community)
                if found is None:
                    raise Unprocessable(
                        f"There is no community named {community!r}; an administrator "
                        "creates it with POST /api/v1/communities."
                    )
                community_id = found.id
            user_id, token = create_user_with_token(
                session, name, role=chosen, password_hash=password_hash, community_id=community_id
            )
    except ArchiveError as exc:
        typer.echo(f"archive: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"user {name} ({chosen.value}) id {user_id}")
    typer.echo(f"token (shown once, keep it safe): {token}")


@app.command()
def reindex(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only compare the index with the database; exit 1 if they differ."
        ),
    ] = False,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Index again only the recordings that differ, and remove documents the "
            "database no longer has.",
        ),
    ] = False,
) -> None:
    """Rebuild the search index from the database; searches go on meanwhile.

    Exit status: 0 done or no differences, 1 differences found (--check), 2 cannot run.
    """
    from archive.db import migrate
    from archive.db.session import create_db_engine, create_session_factory, units_of_work
    from archive.discovery import reindex as reindexing
    from archive.errors import ArchiveError
    from archive.search.factory import open_search_index

    if check and repair:
        typer.echo("archive: use --check or --repair, not both", err=True)
        raise typer.Exit(2)
    settings = _settings()
    migrate.upgrade(settings)
    engine = create_db_engine(settings)
    try:
        units = units_of_work(create_session_factory(engine))
        index = open_search_index(settings)
        try:
            if not (check or repair):
                rebuilt = reindexing.rebuild(units, index)
                typer.echo(f"rebuilt the search index: {rebuilt.documents} documents")
                if not rebuilt.caught_up.clean:
                    caught_up = rebuilt.caught_up.summary()
                    typer.echo(f"then caught up with changes made meanwhile: {caught_up}")
                return
            drift = reindexing.check(units, index)
            typer.echo(drift.summary())
            if check:
                if not drift.clean:
                    raise typer.Exit(1)
                return
            if not drift.clean:
                reindexing.repair(units, index, drift=drift)
                typer.echo(
                    f"indexed {len(drift.recordings)} recordings again and removed "
                    f"{len(drift.orphaned)} orphaned documents"
                )
        finally:
            index.close()
    except (ArchiveError, SettingsError) as exc:
        detail = exc.detail if isinstance(exc, ArchiveError) else str(exc)
        typer.echo(f"archive: {detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


cli_preservation.register(app)


def main() -> None:
    app(prog_name="archive")


if __name__ == "__main__":
    main()
    sys.exit(0)
