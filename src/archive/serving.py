"""How `archive serve` speaks HTTP: uvicorn's httptools protocol with a larger request-body
window.

uvicorn stops reading a connection once 64 KiB of request body wait for the application, and
reads on when the application asks for more. For a recording arriving at hundreds of MiB/s
that is a pause, a wake-up and a resume (two `epoll_ctl` calls) for every 64-256 KiB, and on a
small machine that bookkeeping, not the bytes, sets the upload speed. Letting up to
`BODY_WINDOW_BYTES` gather per connection halves the work per byte; memory stays bounded by
that window per uploading connection.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from archive.settings import Settings

BODY_WINDOW_BYTES = 1024 * 1024


class ArchiveHttpProtocol(HttpToolsProtocol):
    """uvicorn's `HttpToolsProtocol`, pausing reads only past `BODY_WINDOW_BYTES`."""

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        cycle.body += body
        if len(cycle.body) > BODY_WINDOW_BYTES:
            self.flow.pause_reading()
        cycle.message_event.set()


def serve_http(settings: Settings, *, host: str, port: int) -> None:
    """Answer HTTP until SIGTERM or Ctrl-C, in `settings.http_processes` processes."""
    from archive.app import create_app

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "http": ArchiveHttpProtocol,
        "log_config": None,
        "timeout_graceful_shutdown": 10,
    }
    if settings.http_processes == 1:
        uvicorn.run(create_app(settings, serving=True), **options)
        return
    # Each process builds its app from the same environment; uvicorn restarts one that dies
    # and stops them all on SIGTERM or Ctrl-C.
    uvicorn.run(
        "archive.app:create_app_from_environment",
        factory=True,
        workers=settings.http_processes,
        **options,
    )
