"""Handing a request body's bytes to consumer threads in blocks, in order, without waiting.

Awaiting each block's write leaves the socket unread meanwhile, so the client stalls and a
fast upload runs at the speed of the slowest step. Here the event loop gathers blocks and
queues each to every consumer (writing, hashing), each consumer in a thread of its own, while
it goes on reading. Writing and hashing both release the GIL, so on two cores they run beside
each other and beside the event loop. The event loop only waits when a consumer has `depth`
blocks queued, which bounds memory to about `depth` x `block` bytes per consumer; a block
that arrives whole is passed on without a copy. Handing a block over costs a queue put, not a
future and a wake-up of the event loop per block: at hundreds of MiB/s those add up.

A consumer may also be left to finish in the background (`flush(wait_for=...)`, then
`then`): a resumable upload answers once its bytes are written, while their hash catches up.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

BLOCK_BYTES = 1024 * 1024
DEPTH = 4

Consumer = Callable[[bytes], None]
T = TypeVar("T")


class _Stop:
    pass


class _Then:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.future: Future[Any] = Future()


class _Stage:
    """One consumer in a thread of its own. After a consumer raises, later blocks are
    skipped and the error is kept for the event loop to raise."""

    def __init__(self, consume: Consumer, depth: int) -> None:
        self.consume = consume
        self.queue: queue.Queue[bytes | _Then | _Stop] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="block-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if isinstance(item, _Stop):
                    return
                if isinstance(item, _Then):
                    self._then(item)
                elif self.error is None:
                    self.consume(item)
            except BaseException as exc:  # raised on the event loop, see BlockWriter
                self.error = exc
            finally:
                self.queue.task_done()

    def _then(self, then: _Then) -> None:
        if self.error is not None:
            then.future.set_exception(self.error)
            return
        try:
            then.future.set_result(then.fn())
        except BaseException as exc:
            then.future.set_exception(exc)

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


async def _put_one(stage: _Stage, item: bytes | _Then | _Stop) -> None:
    try:
        stage.queue.put_nowait(item)
    except queue.Full:
        await asyncio.get_running_loop().run_in_executor(None, stage.queue.put, item)


class BlockWriter:
    def __init__(
        self,
        consumers: Consumer | Sequence[Consumer],
        *,
        block: int = BLOCK_BYTES,
        depth: int = DEPTH,
    ) -> None:
        self._block = block
        self._buffer = bytearray()
        self._stages = [
            _Stage(consume, depth)
            for consume in ([consumers] if callable(consumers) else consumers)
        ]
        self._stopped = False

    async def add(self, data: bytes) -> None:
        """Takes `data`; raises what an earlier block's consumer raised."""
        if not self._buffer and len(data) >= self._block:
            await self._put(data)
            return
        self._buffer += data
        if len(self._buffer) >= self._block:
            block, self._buffer = bytes(self._buffer), bytearray()
            await self._put(block)

    async def _put(self, item: bytes | _Then | _Stop) -> None:
        for stage in self._stages:
            if not isinstance(item, _Stop):
                stage.raise_error()
            await _put_one(stage, item)

    async def _put_rest(self) -> None:
        if self._buffer:
            block, self._buffer = bytes(self._buffer), bytearray()
            await self._put(block)

    async def then(self, index: int, fn: Callable[[], T]) -> Future[T]:
        """Runs `fn` in consumer `index`'s thread once every block given so far is consumed;
        call it after the last `add`. The future raises what the consumer raised, if it did."""
        await self._put_rest()
        then = _Then(fn)
        await _put_one(self._stages[index], then)
        return then.future

    async def flush(self, *, wait_for: Sequence[int] | None = None) -> None:
        """Hands on what is left and waits until the consumers at the indexes `wait_for`
        (all of them by default) have every block; raises the first error among those.
        The others go on in their threads (reach their results with `then`). The writer
        takes no more blocks after this."""
        waited = [
            self._stages[i] for i in (range(len(self._stages)) if wait_for is None else wait_for)
        ]
        try:
            await self._put_rest()
            await self._stop()
            loop = asyncio.get_running_loop()
            for stage in waited:
                await loop.run_in_executor(None, stage.queue.join)
            for stage in waited:
                stage.raise_error()
        finally:
            self._stopped = True

    async def _stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            await self._put(_Stop())

    async def close(self) -> None:
        """Waits for blocks already queued (ignoring their errors) and stops the threads: the
        caller is about to discard what was written."""
        loop = asyncio.get_running_loop()
        await self._stop()
        for stage in self._stages:
            await loop.run_in_executor(None, stage.thread.join)
