"""Where a request came from, for the audit log."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

current_source_ip: ContextVar[str | None] = ContextVar("current_source_ip", default=None)
"""The address of the request being served, for events made anywhere below it (the context
follows the request into the threads that run its sync code)."""


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
