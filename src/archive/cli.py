"""The `archive` command."""

from __future__ import annotations

import logging
import os
import signal
import sys
from enum import StrEnum
from types import FrameType
from typing import Annotated

import typer
from pydantic import ValidationError

from archive.settings import Settings, SettingsError, get_settings

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


def _settings() -> Settings:
    """Settings, or one clear line naming what is wrong and exit code 2."""
    try:
        settings = get_settings()
    except (SettingsError, ValidationError) as exc:
        message = str(exc)
        if isinstance(exc, ValidationError):
            message = "; ".join(
                f"ARCHIVE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
        typer.echo(f"archive: bad setting: {message}", err=True)
        raise typer.Exit(2) from None
    from archive.logs import configure_logging

    configure_logging(settings.log_level)
    return settings


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
    """Run the archive: migrate the database, serve the API, and supervise the workers:
    ARCHIVE_WORKERS transcription workers, and always one more for the fast lane (index
    updates, listening copies, expiry, fixity), so those never wait behind transcription."""
    import uvicorn

    from archive.app import create_app
    from archive.db import migrate
    from archive.jobs.supervisor import WorkerSupervisor
    from archive.serving import ArchiveHttpProtocol
    from archive.uploads.recovery import recover_at_start

    settings = _settings()
    _preflight(settings)
    migrate.upgrade(settings)
    recover_at_start(settings)
    supervisor = WorkerSupervisor(settings.workers)
    # uvicorn answers SIGTERM by shutting down and then raising the signal again with the
    # handler it found: Python's default one would end this process before `finally` stops
    # the workers, leaving them running without a parent. Ours turns it into an exit.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        supervisor.start()
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            http=ArchiveHttpProtocol,
            log_config=None,
            timeout_graceful_shutdown=10,
        )
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


def main() -> None:
    app(prog_name="archive")


if __name__ == "__main__":
    main()
    sys.exit(0)
