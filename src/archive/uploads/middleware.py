"""What tus asks of every answer and request under /api/v1/uploads, whatever the endpoint."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.domain.tus import TUS_VERSION

UPLOADS_PATH = "/api/v1/uploads"
OVERRIDABLE = frozenset({"PATCH", "DELETE", "HEAD"})


def _is_tus(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope["path"]).startswith(UPLOADS_PATH)


class TusResumableHeader:
    """Every answer under /api/v1/uploads, errors included, says which tus it speaks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_tus(scope):
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Tus-Resumable"] = TUS_VERSION
            await send(message)

        await self.app(scope, receive, send_with_header)


class TusMethodOverride:
    """A POST carrying `X-HTTP-Method-Override: PATCH` (or DELETE, HEAD) is that request.

    tus requires it of servers for clients behind proxies or in browsers that cannot send
    PATCH or DELETE (tus-js-client's `overridePatchMethod`). Only under /api/v1/uploads, and
    only a POST is overridden."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _is_tus(scope) and scope["method"] == "POST":
            for name, value in scope["headers"]:
                if name == b"x-http-method-override":
                    method = value.decode("latin-1").strip().upper()
                    if method in OVERRIDABLE:
                        scope = {**scope, "method": method}
                    break
        await self.app(scope, receive, send)
