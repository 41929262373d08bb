"""Handing a request body's bytes to a writer thread in blocks, in order, without waiting.

Awaiting each block's write leaves the socket unread meanwhile, so the client stalls and a
fast upload runs at the speed of the slowest step. Here the event loop gathers blocks and
queues them to one thread (which writes and hashes them, both releasing the GIL) while it goes
on reading; at most `depth` blocks wait, which bounds memory to `depth` x `block` bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

BLOCK_BYTES = 1024 * 1024
DEPTH = 4


class BlockWriter:
    def __init__(
        self, write: Callable[[bytes], None], *, block: int = BLOCK_BYTES, depth: int = DEPTH
    ) -> None:
        self._write = write
        self._block = block
        self._depth = depth
        self._buffer = bytearray()
        self._pending: deque[asyncio.Future[None]] = deque()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="block-writer")

    async def add(self, data: bytes) -> None:
        """Takes `data`; raises what an earlier block's write raised."""
        self._buffer += data
        if len(self._buffer) >= self._block:
            block, self._buffer = bytes(self._buffer), bytearray()
            loop = asyncio.get_running_loop()
            self._pending.append(loop.run_in_executor(self._executor, self._write, block))
            while len(self._pending) > self._depth:
                await self._pending.popleft()

    async def flush(self) -> None:
        """Writes what is left and waits for every block; raises the first write's error."""
        if self._buffer:
            block, self._buffer = bytes(self._buffer), bytearray()
            loop = asyncio.get_running_loop()
            self._pending.append(loop.run_in_executor(self._executor, self._write, block))
        try:
            while self._pending:
                await self._pending.popleft()
        finally:
            self._executor.shutdown(wait=False)

    async def close(self) -> None:
        """Waits for blocks already queued (ignoring their errors) and stops the thread: the
        caller is about to discard what was written."""
        while self._pending:
            with contextlib.suppress(Exception):  # the caller discards these bytes anyway
                await self._pending.popleft()
        self._executor.shutdown(wait=True)
