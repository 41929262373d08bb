"""A seekable reader over an S3 object, fetching HTTP ranges in blocks, so PyAV can probe and
decode a recording (it seeks to the end and back) without downloading it whole."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_MAX_FETCH = 8 * 1024 * 1024
"""The most one ranged GET asks for, however much a reader wants at once."""


class S3RangeReader(io.RawIOBase):
    """A seekable, read-only view of one object; each read is one ranged GET.

    Wrap it in `io.BufferedReader` for read-ahead (as `S3ObjectStore.open` does): PyAV reads
    in small pieces and seeks to the end and back.
    """

    def __init__(self, fetch: Callable[[int, int], bytes], size: int) -> None:
        super().__init__()
        self._fetch = fetch
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._checkClosed()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._checkClosed()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise OSError(22, f"negative seek position {position}")
        self._position = position
        return position

    def readinto(self, buffer: WriteableBuffer) -> int:
        self._checkClosed()
        target = memoryview(buffer).cast("B")
        wanted = min(len(target), self._size - self._position, _MAX_FETCH)
        if wanted <= 0:
            return 0
        data = self._fetch(self._position, self._position + wanted - 1)
        got = len(data)
        target[:got] = data
        self._position += got
        return got

    def readall(self) -> bytes:
        """The rest of the object, in large ranged GETs rather than RawIOBase's 8 KiB ones."""
        chunks: list[bytes] = []
        while True:
            chunk = self.read(_MAX_FETCH)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
