"""Where a request came from, for the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


def source_ip(request: Request) -> str | None:
    """The client address the server saw. Behind a reverse proxy this is the proxy's, unless
    the server is told to trust its forwarded headers (uvicorn `--proxy-headers` with
    `--forwarded-allow-ips`)."""
    return request.client.host if request.client else None


SourceIp = Annotated[str | None, Depends(source_ip)]
