from __future__ import annotations

import uuid

from archive.domain.fixity import AuditStatus, Check, classify, final_status, in_sample


def test_a_sample_is_fixed_for_one_audit_and_differs_between_audits() -> None:
    recordings = [uuid.uuid4() for _ in range(2000)]
    first, second = uuid.uuid4(), uuid.uuid4()
    chosen = [r for r in recordings if in_sample(first, r, percent=10)]
    again = [r for r in recordings if in_sample(first, r, percent=10)]
    other = [r for r in recordings if in_sample(second, r, percent=10)]
    assert chosen == again
    assert 120 < len(chosen) < 280
    assert set(chosen) != set(other)


def test_everything_or_nothing_at_the_ends() -> None:
    audit, recording = uuid.uuid4(), uuid.uuid4()
    assert in_sample(audit, recording, percent=100)
    assert not in_sample(audit, recording, percent=0)


def test_a_failed_read_is_missing_or_changed_by_whether_the_object_exists() -> None:
    assert classify(exists=True, digest_matches=True) is Check.INTACT
    assert classify(exists=True, digest_matches=False) is Check.CHANGED
    assert classify(exists=False, digest_matches=False) is Check.MISSING


def test_an_audit_passes_only_without_findings() -> None:
    assert final_status(missing=0, changed=0) is AuditStatus.PASSED
    assert final_status(missing=1, changed=0) is AuditStatus.FAILED
    assert final_status(missing=0, changed=0, other_findings=1) is AuditStatus.FAILED
