from __future__ import annotations

from fastapi import APIRouter

from archive.db.session import transaction
from archive.deps import IndexDep, SessionFactoryDep, StoreDep
from archive.health.service import DatabaseState, HealthRead, check_health, database_state

router = APIRouter(tags=["health"])


@router.get("/health")
def health(sessions: SessionFactoryDep, store: StoreDep, index: IndexDep) -> HealthRead:
    """Liveness, and the state of the database, storage, search and workers."""

    def database() -> DatabaseState:
        with transaction(sessions) as session:
            return database_state(session)

    return check_health(database, store=store, index=index)
