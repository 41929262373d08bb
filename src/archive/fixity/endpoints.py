from __future__ import annotations

from fastapi import APIRouter

from archive.deps import CurrentViewer, SessionDep
from archive.fixity import service
from archive.fixity.schemas import FixityAuditRead

router = APIRouter(tags=["fixity"])


@router.get("/fixity")
def last_fixity_audit(viewer: CurrentViewer, session: SessionDep) -> FixityAuditRead:
    """The last fixity audit and its findings: originals missing from storage or changed since
    they arrived. Archivists see their own communities' findings; administrators, all."""
    return service.last_audit(session, viewer)
