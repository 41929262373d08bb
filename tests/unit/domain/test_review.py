"""The review workflow's transitions, written out in full."""

import re

import pytest

from archive.domain.review import (
    TRANSITIONS,
    IllegalTransition,
    ReviewAction,
    StoryStatus,
    allowed_actions,
    next_status,
)

S = StoryStatus
A = ReviewAction

# Every (state, action) pair: where it leads, or None when it is refused.
TABLE: list[tuple[StoryStatus, ReviewAction, StoryStatus | None]] = [
    (S.SUBMITTED, A.START, S.IN_REVIEW),
    (S.SUBMITTED, A.PUBLISH, None),
    (S.SUBMITTED, A.REJECT, None),
    (S.SUBMITTED, A.WITHDRAW, S.WITHDRAWN),
    (S.IN_REVIEW, A.START, None),
    (S.IN_REVIEW, A.PUBLISH, S.PUBLISHED),
    (S.IN_REVIEW, A.REJECT, S.REJECTED),
    (S.IN_REVIEW, A.WITHDRAW, S.WITHDRAWN),
    (S.PUBLISHED, A.START, None),
    (S.PUBLISHED, A.PUBLISH, None),
    (S.PUBLISHED, A.REJECT, None),
    (S.PUBLISHED, A.WITHDRAW, S.WITHDRAWN),
    (S.REJECTED, A.START, None),
    (S.REJECTED, A.PUBLISH, None),
    (S.REJECTED, A.REJECT, None),
    (S.REJECTED, A.WITHDRAW, S.WITHDRAWN),
    (S.WITHDRAWN, A.START, None),
    (S.WITHDRAWN, A.PUBLISH, None),
    (S.WITHDRAWN, A.REJECT, None),
    (S.WITHDRAWN, A.WITHDRAW, None),
]


def test_the_table_covers_every_pair() -> None:
    assert {(status, action) for status, action, _ in TABLE} == {
        (status, action) for status in StoryStatus for action in ReviewAction
    }
    assert {(s, a): to for s, a, to in TABLE if to is not None} == TRANSITIONS


@pytest.mark.parametrize(("status", "action", "to"), TABLE)
def test_transitions(status: StoryStatus, action: ReviewAction, to: StoryStatus | None) -> None:
    if to is not None:
        assert next_status(status, action) is to
        return
    with pytest.raises(IllegalTransition) as refused:
        next_status(status, action)
    message = str(refused.value)
    assert status.value.replace("_", " ") in message
    assert refused.value.status is status
    assert refused.value.action is action


@pytest.mark.parametrize(
    ("status", "action", "hint"),
    [
        (S.SUBMITTED, A.PUBLISH, 'Start the review first (decision "start")'),
        (S.PUBLISHED, A.START, "already published"),
        (S.WITHDRAWN, A.WITHDRAW, "stays so"),
    ],
)
def test_a_refusal_says_what_would_be_allowed(
    status: StoryStatus, action: ReviewAction, hint: str
) -> None:
    with pytest.raises(IllegalTransition, match=re.escape(hint)):
        next_status(status, action)


def test_allowed_actions() -> None:
    assert allowed_actions(S.SUBMITTED) == [A.START, A.WITHDRAW]
    assert allowed_actions(S.IN_REVIEW) == [A.PUBLISH, A.REJECT, A.WITHDRAW]
    assert allowed_actions(S.WITHDRAWN) == []
