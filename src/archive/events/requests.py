"""Where a request came from, for the audit log. Imported by the app and endpoints only:
it needs the web framework."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from archive.events.context import current_source_ip


async def source_ip(request: Request) -> str | None:
    """The client address the server saw. Behind a reverse proxy this is the proxy's, unless
    the server is told to trust its forwarded headers (uvicorn `--proxy-headers` with
    `--forwarded-allow-ips`)."""
    return request.client.host if request.client else None


SourceIp = Annotated[str | None, Depends(source_ip)]


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
