"""Who made a change and from where, as a plain value for the audit log.

Endpoints build it from the caller and the request (`deps.ActorDep`); jobs and the command
line use `SYSTEM`. Services hand it on to `events.repository.record`, so nothing below the
endpoints reads the request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID | None
    """The acting user; None for an upload-link holder, a job or the command line."""
    source_ip: str | None = None
    """The address the request came from; None outside requests."""

    def as_user(self, user_id: uuid.UUID | None) -> Actor:
        """The same request acting as `user_id` (a sign-in names its user only once the
        password is checked; a finished upload's events name whoever started it)."""
        return replace(self, user_id=user_id)


SYSTEM = Actor(user_id=None)
"""A job or the command line: no user, no address."""
