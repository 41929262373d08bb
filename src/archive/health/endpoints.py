from __future__ import annotations

from fastapi import APIRouter

from archive.deps import IndexDep, SessionFactoryDep, SettingsDep, StoreDep
from archive.health.service import HealthRead, check_health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(
    sessions: SessionFactoryDep, store: StoreDep, index: IndexDep, settings: SettingsDep
) -> HealthRead:
    """Liveness, and the state of the database, storage, search and workers."""
    return check_health(sessions, store, index, settings)
