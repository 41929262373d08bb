"""The API application. Resources are built in the lifespan from the given settings, never at
import, so tests and the CLI each bring their own."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from archive import __version__
from archive.access_requests.endpoints import router as access_requests_router
from archive.accounts.endpoints import router as accounts_router
from archive.accounts.passwords import passwords_from
from archive.accounts.signin import LoginLimiter
from archive.backends import Backends
from archive.bags.endpoints import router as bags_router
from archive.collections.endpoints import router as collections_router
from archive.communities.endpoints import router as communities_router
from archive.consent.endpoints import router as consent_router
from archive.db.session import (
    create_db_engine,
    create_read_session_factory,
    create_session_factory,
)
from archive.discovery.endpoints import router as search_router
from archive.domain.ratelimit import share_of
from archive.events.endpoints import router as events_router
from archive.fixity.endpoints import router as fixity_router
from archive.health.endpoints import router as health_router
from archive.oai.endpoints import router as oai_router
from archive.ohms.endpoints import router as ohms_router
from archive.openapi import install_openapi
from archive.people.endpoints import router as people_router
from archive.problems import install_problem_handlers
from archive.recordings.endpoints import router as recordings_router
from archive.restrictions.endpoints import router as restrictions_router
from archive.review.endpoints import router as review_router
from archive.search.factory import open_search_index
from archive.settings import Settings, get_settings
from archive.storage.factory import open_object_store
from archive.storage.spool import Spool
from archive.stories.endpoints import router as stories_router
from archive.transcripts.endpoints import router as transcripts_router
from archive.upload_links.endpoints import router as upload_links_router
from archive.uploads.endpoints import router as uploads_router
from archive.uploads.middleware import TusMethodOverride, TusResumableHeader
from archive.web.endpoints import STATIC
from archive.web.endpoints import router as web_router
from archive.web.page import Templates

API_PREFIX = "/api/v1"


def create_app_from_environment() -> FastAPI:
    """The app with the settings of the environment: what each process of `archive serve`
    builds when several answer HTTP (`http_processes`)."""
    return create_app(get_settings(), serving=True)


def create_app(settings: Settings, *, serving: bool = False) -> FastAPI:
    """`serving`: the app of `archive serve`, which answers searches in processes of their own
    (`settings.search_processes`) and keeps what it built at startup out of the garbage
    collector's full passes; tests and tools build it without."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.http_threads
        engine = create_db_engine(settings)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = create_session_factory(engine)
        app.state.read_sessions = create_read_session_factory(engine)
        app.state.store = open_object_store(settings)
        app.state.index = open_search_index(
            settings, search_processes=settings.search_processes if serving else 0
        )
        app.state.spool = Spool(settings.spool_dir)
        app.state.backends = Backends(
            app.state.sessions, app.state.store, app.state.spool, settings
        )
        app.state.link_limiter = share_of(
            settings.link_burst,
            settings.link_requests_per_minute / 60,
            processes=settings.http_processes,
        )
        app.state.passwords = passwords_from(settings)
        app.state.login_limiter = LoginLimiter.from_settings(settings)
        if serving:
            # A full collection walks every object; the hundreds of thousands made by imports
            # and startup live as long as the process, and walking them paused every request
            # for about 100 ms. Frozen, they are left out of the walk.
            gc.freeze()
        try:
            yield
        finally:
            app.state.index.close()
            engine.dispose()

    app = FastAPI(
        title="Community oral-history archive",
        version=__version__,
        description="Upload recorded stories, transcribe them, and search them to the second.",
        lifespan=lifespan,
        # served from the archive's own copies by `web.endpoints`, not from a CDN
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app)
    install_openapi(app)
    for router in (
        stories_router,
        recordings_router,
        transcripts_router,
        restrictions_router,
        search_router,
        collections_router,
        communities_router,
        access_requests_router,
        upload_links_router,
        consent_router,
        uploads_router,
        health_router,
        people_router,
        review_router,
        events_router,
        fixity_router,
        bags_router,
        ohms_router,
        accounts_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.state.templates = Templates()
    app.include_router(web_router)
    app.include_router(oai_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(TusMethodOverride)
    app.add_middleware(TusResumableHeader)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-Match", *TUS_REQUEST_HEADERS],
        expose_headers=[
            "Location",
            "ETag",
            "Content-Range",
            "Accept-Ranges",
            *TUS_RESPONSE_HEADERS,
        ],
        max_age=600,
    )
    return app


TUS_REQUEST_HEADERS = [
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Offset",
    "Upload-Checksum",
    "Upload-Defer-Length",
    "X-HTTP-Method-Override",
    "X-Requested-With",
]
TUS_RESPONSE_HEADERS = [
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Expires",
    "Archive-Recording-Id",
]
