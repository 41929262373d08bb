"""Dependencies shared by the endpoints, as `Annotated` aliases.

Dependencies that only read the application's state are `async def`: FastAPI runs a plain
`def` dependency in the thread pool, and a thread hop for each of them costs more than the
lookup itself. Those that touch the database stay plain `def`, or hand only that part to a
thread (`get_viewer`: an anonymous request needs none).

The request's session commits when the endpoint returns and rolls back when it raises, before
the response is sent (its scope is the endpoint function's); services and repositories below
never commit. Opening it does no I/O, and a session the endpoint never used ends without a
thread hop. Right after the commit, the recordings a service marked for the search index
(`discovery.updates`) are written to it, so a change that hides something is out of search when
its response arrives. The caller is resolved in its own short transaction, so an
endpoint that streams (an upload) holds no database transaction while bytes arrive; it only
reads, and on SQLite takes no write lock (`db.session.read_mostly`). An endpoint on a hot path
that only reads (search) takes `ReadSessionDep` beside its own session, which then opens a
transaction only if something is written.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from archive.accounts.service import viewer_for_token
from archive.accounts.signin import CSRF_HEADER, SESSION_COOKIE, viewer_for_session
from archive.backends import Backends
from archive.communities.service import with_memberships
from archive.db.session import finish, opened, read_mostly, touched, units_of_work
from archive.discovery.updates import update_now
from archive.domain.access import Viewer
from archive.domain.ratelimit import TokenBuckets
from archive.errors import TooManyRequests, Unauthorized
from archive.events.actor import Actor
from archive.jobs.reindex import take_pending
from archive.search.base import SearchIndex
from archive.settings import Settings
from archive.storage.base import ObjectStore


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def sessions_of(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def get_settings_dep(request: Request) -> Settings:
    return settings_of(request)


async def get_session_factory(request: Request) -> sessionmaker[Session]:
    return sessions_of(request)


def read_sessions_of(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.read_sessions
    return factory


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A transaction that only reads: on SQLite a snapshot beside the writer, no lock."""
    async with _request_transaction(read_sessions_of(request)) as session:
        yield session


async def get_session(request: Request) -> AsyncIterator[Session]:
    sessions = sessions_of(request)
    async with _request_transaction(sessions) as session:
        yield session
    pending = take_pending(session)
    if pending:
        index: SearchIndex = request.app.state.index
        await run_in_threadpool(update_now, units_of_work(sessions), index, recording_ids=pending)


@asynccontextmanager
async def _request_transaction(factory: sessionmaker[Session]) -> AsyncIterator[Session]:
    """The request's transaction: opening it costs no I/O (the session connects with the
    endpoint's first statement, in the endpoint's thread), and only one that was used needs a
    thread to end it, so a request pays no thread hop for a session it never touched."""
    session = opened(factory)
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if touched(session):
        await run_in_threadpool(finish, session, commit=commit)
    else:
        session.close()


async def get_store(request: Request) -> ObjectStore:
    store: ObjectStore = request.app.state.store
    return store


async def get_backends(request: Request) -> Backends:
    backends: Backends = request.app.state.backends
    return backends


async def get_index(request: Request) -> SearchIndex:
    index: SearchIndex = request.app.state.index
    return index


Caller = Callable[[Session], Viewer]
"""Finds the signed-in caller inside a transaction the endpoint opens, or raises
`Unauthorized`."""


def viewer_resolver(request: Request) -> Callable[[Session], Viewer | None] | None:
    """How to find the caller of `request` inside a given transaction: by bearer token if the
    request has an `Authorization` header, else by the browser session cookie (checking CSRF
    on requests that change something). None for a request with neither. Raises
    `Unauthorized` at once for a malformed header."""
    header = request.headers.get("authorization")
    if header is None:
        session_token = request.cookies.get(SESSION_COOKIE)
        if not session_token:
            return None
        method, csrf = request.method, request.headers.get(CSRF_HEADER)

        def by_cookie(session: Session) -> Viewer | None:
            """None for a session that has ended (the browser is then anonymous, and
            signing in again replaces the cookie)."""
            viewer = viewer_for_session(session, session_token, method=method, csrf_token=csrf)
            return None if viewer is None else with_memberships(session, viewer)

        return by_cookie
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "Send your API token as `Authorization: Bearer YOUR_TOKEN`, or no header at all "
            "to see public material."
        )
    settings = settings_of(request)
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    limiter: TokenBuckets = request.app.state.link_limiter

    def by_token(session: Session) -> Viewer:
        viewer = with_memberships(session, viewer_for_token(session, token, admin_token=admin))
        if viewer.link_id is not None:
            wait = limiter.take(str(viewer.link_id), time.monotonic())
            if wait:
                raise TooManyRequests(
                    f"This upload link is sending requests too fast. Wait {wait:.0f} s and "
                    "go on; uploads already made are safe.",
                    headers={"Retry-After": str(max(1, round(wait)))},
                )
        return viewer

    return by_token


FindViewer = Callable[[], Viewer | None]
"""Finds the caller, or None for an anonymous request, in the thread that calls it (its own
short transaction, as `get_viewer`)."""


def _anonymous() -> None:
    return None


async def get_find_viewer(request: Request) -> FindViewer:
    """For a hot path with a plain `def` endpoint (search): the caller is found in the
    endpoint's thread, so a signed-in request pays no thread hop of its own for it. Raises
    `Unauthorized` at once for a malformed header, as `get_viewer` does."""
    resolve = viewer_resolver(request)
    if resolve is None:
        return _anonymous
    reads, writes = read_sessions_of(request), sessions_of(request)
    return partial(read_mostly, reads, resolve, writes=writes)


async def get_viewer(request: Request) -> Viewer | None:
    """The caller, or None for an anonymous request, which needs no thread of its own."""
    find = await get_find_viewer(request)
    if find is _anonymous:
        return None
    return await run_in_threadpool(find)


def signed_in(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise Unauthorized(
            "This needs an account. Send your API token as `Authorization: Bearer YOUR_TOKEN`; "
            "an administrator creates one with `archive users create NAME --role ROLE`."
        )
    return viewer


async def require_viewer(viewer: Annotated[Viewer | None, Depends(get_viewer)]) -> Viewer:
    return signed_in(viewer)


async def get_caller(request: Request) -> Caller:
    """For an endpoint on a hot path (each chunk of a resumable upload): finding the caller
    costs no transaction and no thread hop of its own, it joins the endpoint's."""
    resolve = viewer_resolver(request)

    def caller(session: Session) -> Viewer:
        return signed_in(resolve(session) if resolve is not None else None)

    return caller


async def get_actor(
    request: Request, viewer: Annotated[Viewer | None, Depends(get_viewer)]
) -> Actor:
    """Who acts in this request and from where, for the audit log. Shares the request's one
    resolution of the caller with `CurrentViewer`."""
    return Actor(
        user_id=viewer.user_id if viewer is not None else None,
        source_ip=request.client.host if request.client else None,
    )


async def get_address(request: Request) -> Actor:
    """The request's address alone, as an actor with no user: for a hot path that finds its
    caller inside its own transaction (`CallerDep`) and whose events name someone else (a
    finished upload names whoever started it). Behind a reverse proxy the address is the
    proxy's, unless the server is told to trust its forwarded headers (uvicorn
    `--proxy-headers` with `--forwarded-allow-ips`)."""
    return Actor(user_id=None, source_ip=request.client.host if request.client else None)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
StoreDep = Annotated[ObjectStore, Depends(get_store)]
BackendsDep = Annotated[Backends, Depends(get_backends)]
IndexDep = Annotated[SearchIndex, Depends(get_index)]
ViewerDep = Annotated[Viewer | None, Depends(get_viewer)]
FindViewerDep = Annotated[FindViewer, Depends(get_find_viewer)]
CurrentViewer = Annotated[Viewer, Depends(require_viewer)]
CallerDep = Annotated[Caller, Depends(get_caller)]
ActorDep = Annotated[Actor, Depends(get_actor)]
AddressDep = Annotated[Actor, Depends(get_address)]
