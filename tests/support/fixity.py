"""Running a fixity audit on a test app's own store and database, and damaging an original."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.fixity import flow, repository
from archive.storage.base import ObjectStore


@dataclass(frozen=True)
class AuditResult:
    status: str
    checked: int
    intact: int
    missing: int
    changed: int
    deaccessioned: int
    error: str | None
    findings: list[dict[str, Any]]


def audit_now(client: TestClient, *, sample_percent: float = 100.0) -> AuditResult:
    """A whole audit, as `archive fixity` runs it, on the app's store."""
    sessions: sessionmaker[Session] = client.app.state.sessions  # type: ignore[attr-defined]
    store: ObjectStore = client.app.state.store  # type: ignore[attr-defined]
    audit_id = flow.start_audit(sessions, store, trigger="command", sample_percent=sample_percent)
    flow.run_audit(sessions, store, audit_id=audit_id)
    with transaction(sessions) as session:
        audit = repository.get_audit(session, audit_id)
        assert audit is not None
        return AuditResult(
            status=audit.status,
            checked=audit.checked,
            intact=audit.intact,
            missing=audit.missing,
            changed=audit.changed,
            deaccessioned=audit.deaccessioned,
            error=audit.error,
            findings=list(audit.findings),
        )


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def corrupt_one_byte(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(flip(data, len(data) // 2))
