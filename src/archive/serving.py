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

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

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
