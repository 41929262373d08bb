"""The API application. Resources are built in the lifespan from the given settings, never at
import, so tests and the CLI each bring their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from archive import __version__
from archive.db.session import create_db_engine, create_session_factory
from archive.health.endpoints import router as health_router
from archive.problems import install_problem_handlers
from archive.recordings.endpoints import router as recordings_router
from archive.search.endpoints import router as search_router
from archive.search.factory import open_search_index
from archive.settings import Settings
from archive.storage.factory import open_object_store
from archive.stories.endpoints import router as stories_router
from archive.transcripts.endpoints import router as transcripts_router

API_PREFIX = "/api/v1"


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.http_threads
        engine = create_db_engine(settings)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = create_session_factory(engine)
        app.state.store = open_object_store(settings)
        app.state.index = open_search_index(settings)
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
    )
    install_problem_handlers(app)
    for router in (
        stories_router,
        recordings_router,
        transcripts_router,
        search_router,
        health_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    return app
