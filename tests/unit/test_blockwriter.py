"""The block writer hands every byte to every consumer, in order, in bounded memory, and
reports a consumer's failure to the request that fed it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading

import pytest

from archive.blockwriter import BlockWriter


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_every_consumer_sees_every_byte_in_order() -> None:
    pieces = [os.urandom(n) for n in (1, 700, 3000, 5000, 1, 9000, 64)]
    written = bytearray()
    digest = hashlib.sha256()

    async def feed() -> None:
        blocks = BlockWriter([written.extend, digest.update], block=4096, depth=2)
        for piece in pieces:
            await blocks.add(piece)
        await blocks.flush()

    run(feed())
    assert bytes(written) == b"".join(pieces)
    assert digest.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()


def test_a_consumer_that_fails_fails_the_request() -> None:
    def full_disk(_block: bytes) -> None:
        raise OSError(28, "No space left on device")

    async def feed() -> None:
        blocks = BlockWriter([full_disk], block=16, depth=1)
        for _ in range(10):
            await blocks.add(b"x" * 16)
        await blocks.flush()

    with pytest.raises(OSError, match="No space left"):
        run(feed())


def test_then_runs_after_the_blocks_and_flush_leaves_the_others_running() -> None:
    """The resumable upload answers once its bytes are written; the hash catches up."""
    release = threading.Event()
    written = bytearray()
    hashed = hashlib.sha256()

    def slow_hash(block: bytes) -> None:
        release.wait(timeout=10)
        hashed.update(block)

    async def feed() -> str:
        blocks = BlockWriter([written.extend, slow_hash], block=8, depth=8)
        for _ in range(4):
            await blocks.add(b"abcdefgh")
        result = await blocks.then(1, hashed.hexdigest)
        await blocks.flush(wait_for=[0])
        assert bytes(written) == b"abcdefgh" * 4, "flush waits for the writer"
        assert not result.done(), "but not for the hash"
        release.set()
        return await asyncio.wrap_future(result)

    assert run(feed()) == hashlib.sha256(b"abcdefgh" * 4).hexdigest()


def test_memory_is_bounded_by_the_depth() -> None:
    """A consumer slower than the network holds the reader back instead of piling up."""
    release = threading.Event()
    consumed: list[int] = []

    def stuck(block: bytes) -> None:
        release.wait(timeout=10)
        consumed.append(len(block))

    async def feed() -> int:
        blocks = BlockWriter([stuck], block=1024, depth=2)
        added = 0

        async def add_all() -> None:
            nonlocal added
            for _ in range(20):
                await blocks.add(b"x" * 1024)
                added += 1

        task = asyncio.create_task(add_all())
        await asyncio.sleep(0.2)
        taken = added
        release.set()
        await task
        await blocks.flush()
        return taken

    taken = run(feed())
    assert isinstance(taken, int)
    assert taken <= 4, f"{taken} blocks taken while the consumer was stuck"


def test_close_after_an_error_stops_the_threads() -> None:
    before = threading.active_count()

    def fail(_block: bytes) -> None:
        raise ValueError("refused")

    async def feed() -> None:
        blocks = BlockWriter([fail, lambda _b: None], block=4, depth=1)
        try:
            for _ in range(5):
                await blocks.add(b"abcd")
            await blocks.flush()
        except ValueError:
            await blocks.close()

    run(feed())
    assert threading.active_count() <= before
