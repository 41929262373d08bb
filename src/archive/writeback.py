"""Starting the disk write of bytes just written, instead of leaving it all to the final fsync.

An upload is flushed to disk once, when it completes. Left alone, the kernel holds most of a
large recording in memory until then, and that one fsync waits for all of it: a third of a
second per GiB here, with the client waiting. Asking the kernel to start writing each block
as it lands (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`, which does not wait)
spreads that work over the upload, and the final fsync finds little left. PostgreSQL does the
same for its writes (`backend_flush_after`). Elsewhere this does nothing; the fsync still
makes the bytes durable, this only makes it shorter.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from typing import BinaryIO

SYNC_FILE_RANGE_WRITE = 2


def _load() -> Callable[[int, int, int], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int

    def start(fd: int, offset: int, length: int) -> None:
        function(fd, offset, length, SYNC_FILE_RANGE_WRITE)  # a failure only loses the head start

    return start


_start = _load()


def start_writeback(fd: int, offset: int, *, length: int) -> None:
    """Asks the kernel to begin writing `length` bytes at `offset` of `fd` to disk; returns
    at once. Durability still needs an fsync."""
    if _start is not None and length > 0:
        _start(fd, offset, length)


def write_through(file: BinaryIO, data: bytes, *, position: int) -> int:
    """Writes all of `data` to an unbuffered `file` whose end is at `position`, starts its
    way to disk, and returns the new end."""
    view = memoryview(data)
    while view:
        view = view[file.write(view) :]
    start_writeback(file.fileno(), position, length=len(data))
    return position + len(data)
