"""What a job handler is: how to run a job of one kind, and how to record its failure.

The worker is given its handlers (`Handlers`) where it starts (`archive.tasks.job_handlers`),
so this package never imports the features whose jobs it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from archive.jobs.context import JobContext


class FailureHook(Protocol):
    def __call__(
        self, session: Session, payload: dict[str, object], *, error: str, final: bool
    ) -> None:
        """Records the failure where a person will look; `final` when no retry follows."""


@dataclass(frozen=True, slots=True)
class Handler:
    run: Callable[[JobContext], None]
    on_failure: FailureHook
    on_release: Callable[[Session, dict[str, object]], None]
    """The job went back to the queue unfinished (its worker stopped)."""


Handlers = Mapping[str, Handler]
"""Job kind -> its handler."""


def nothing_to_record(*_args: object, **_kwargs: object) -> None:
    """For jobs that record their own outcome: a failure or a release needs no other trace."""
