"""The address of the request being served, for `add_event` callers that do not pass an
`Actor` yet. Set by `archive.audit_middleware.SourceIpMiddleware`; new code passes an `Actor` to
`events.repository.record` instead of relying on this."""

from __future__ import annotations

from contextvars import ContextVar

current_source_ip: ContextVar[str | None] = ContextVar("current_source_ip", default=None)
"""The context follows the request into the threads that run its sync code."""
