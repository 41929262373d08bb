"""A burst of requests with one token writes its `last_used_at` once, not once each."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from archive.domain.tokens import UseMarks

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_of_requests_that_read_the_same_stale_mark_at_once_one_writes() -> None:
    marks = UseMarks(resolution=MINUTE)
    token, stale = uuid.uuid4(), NOW - 2 * MINUTE
    with ThreadPoolExecutor(16) as pool:
        claims = list(pool.map(lambda _: marks.claim(token, seen=stale, now=NOW), range(64)))
    assert claims.count(True) == 1
    # Another token, or a mark not seen before (someone else wrote one), is claimed anew.
    assert marks.claim(uuid.uuid4(), seen=stale, now=NOW)
    assert marks.claim(token, seen=None, now=NOW)
    assert marks.claim(token, seen=NOW - 5 * MINUTE, now=NOW)


def test_a_claim_lapses_so_a_write_that_was_lost_is_made_again() -> None:
    marks = UseMarks(resolution=MINUTE)
    token, stale = uuid.uuid4(), NOW - 2 * MINUTE
    assert marks.claim(token, seen=stale, now=NOW)
    assert not marks.claim(token, seen=stale, now=NOW + MINUTE / 2)
    assert marks.claim(token, seen=stale, now=NOW + MINUTE)


def test_the_claims_kept_are_bounded() -> None:
    marks = UseMarks(resolution=MINUTE, kept=3)
    tokens = [uuid.uuid4() for _ in range(5)]
    assert all(marks.claim(token, seen=None, now=NOW) for token in tokens)
    # The first ones were forgotten to make room: at worst one more write.
    assert marks.claim(tokens[0], seen=None, now=NOW)
