"""`archive serve`'s HTTP protocol: request bodies arrive whole and in order, in messages
larger than uvicorn's 64 KiB pause point (what makes a fast upload cheap), never larger than
the window plus one read."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from archive.serving import BODY_WINDOW_BYTES, ArchiveHttpProtocol
from support.live import free_port

seen: list[int] = []


async def count_body(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    digest = hashlib.sha256()
    while True:
        message = await receive()
        body = message.get("body", b"")
        seen.append(len(body))
        digest.update(body)
        await asyncio.sleep(0.001)  # an application slower than the socket
        if not message.get("more_body"):
            break
    answer = digest.hexdigest().encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(answer)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture
def server() -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(
        count_body, host="127.0.0.1", port=port, http=ArchiveHttpProtocol, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(200):
        if instance.started:
            break
        threading.Event().wait(0.05)
    yield port
    instance.should_exit = True
    thread.join(timeout=10)


def test_large_bodies_arrive_whole_in_large_messages(server: int) -> None:
    body = os.urandom(24 * 1024 * 1024)
    seen.clear()
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(
            f"PATCH /x HTTP/1.1\r\nHost: a\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        sock.sendall(body)
        answer = b""
        while not answer.endswith(hashlib.sha256(body).hexdigest().encode()):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(hashlib.sha256(body).hexdigest().encode())
    assert sum(seen) == len(body)
    assert max(seen) > 256 * 1024, "the body still arrives in 64-256 KiB messages"
    assert max(seen) <= BODY_WINDOW_BYTES + 1024 * 1024, "the window does not bound memory"
