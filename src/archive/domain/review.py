"""A story's review workflow, as pure transitions.

    submitted --start--> in_review --publish--> published
                                   \\--reject--> rejected
    any state but withdrawn --withdraw--> withdrawn

A contributor's story arrives `submitted`; an archivist starts the review, then publishes or
rejects it. Whoever put a story in, or an archivist, may withdraw it at any time; nothing is
deleted. Anything else is refused with a sentence that says what would be allowed.
"""

from __future__ import annotations

from enum import StrEnum


class StoryStatus(StrEnum):
    """Where a story is in its review: `submitted`, `in_review`, `published`, `rejected` or
    `withdrawn`."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ReviewAction(StrEnum):
    START = "start"
    PUBLISH = "publish"
    REJECT = "reject"
    WITHDRAW = "withdraw"


WAITING = frozenset({StoryStatus.SUBMITTED, StoryStatus.IN_REVIEW})
"""The states of a story in the review queue."""

TRANSITIONS: dict[tuple[StoryStatus, ReviewAction], StoryStatus] = {
    (StoryStatus.SUBMITTED, ReviewAction.START): StoryStatus.IN_REVIEW,
    (StoryStatus.IN_REVIEW, ReviewAction.PUBLISH): StoryStatus.PUBLISHED,
    (StoryStatus.IN_REVIEW, ReviewAction.REJECT): StoryStatus.REJECTED,
    **{
        (status, ReviewAction.WITHDRAW): StoryStatus.WITHDRAWN
        for status in StoryStatus
        if status is not StoryStatus.WITHDRAWN
    },
}

_DONE = {
    ReviewAction.START: "have its review started",
    ReviewAction.PUBLISH: "be published",
    ReviewAction.REJECT: "be rejected",
    ReviewAction.WITHDRAW: "be withdrawn",
}

_NEXT = {
    StoryStatus.SUBMITTED: 'Start the review first (decision "start"), then publish or reject it.',
    StoryStatus.IN_REVIEW: 'Decide it: "publish" or "reject".',
    StoryStatus.PUBLISHED: "It is already published; withdraw it to take it down.",
    StoryStatus.REJECTED: (
        "It was rejected; ask the contributor to submit it again as a new story, or withdraw it."
    ),
    StoryStatus.WITHDRAWN: "It was withdrawn and stays so; nothing more can be decided on it.",
}


class IllegalTransition(ValueError):
    """The action does not apply to a story in its current state; the message says why and
    what would."""

    def __init__(self, status: StoryStatus, action: ReviewAction) -> None:
        label = status.value.replace("_", " ")
        super().__init__(f"A story that is {label} cannot {_DONE[action]}. {_NEXT[status]}")
        self.status = status
        self.action = action


def next_status(status: StoryStatus, action: ReviewAction) -> StoryStatus:
    """The state `action` takes a story in `status` to, or `IllegalTransition`."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def allowed_actions(status: StoryStatus) -> list[ReviewAction]:
    """What may be done next to a story in `status`, in the order of the enum."""
    return [action for action in ReviewAction if (status, action) in TRANSITIONS]
