"""Gives the events a request causes the client address the server saw, for callers of
`events.repository.add_event` that pass no `Actor`. Installed by the app."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from archive.events.context import current_source_ip


class SourceIpMiddleware:
    """Makes each request's client address the default `source_ip` of the events it causes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = current_source_ip.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            current_source_ip.reset(token)
