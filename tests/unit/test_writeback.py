"""Starting writeback early never changes what is written, and is really in use on Linux."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from archive import writeback


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sync_file_range is Linux's")
def test_linux_uses_sync_file_range() -> None:
    assert writeback._start is not None


def test_bytes_are_unchanged_and_bad_descriptors_are_harmless(tmp_path: Path) -> None:
    path = tmp_path / "spool.part"
    data = os.urandom(3 * 1024 * 1024)
    with path.open("wb", buffering=0) as f:
        for start in range(0, len(data), 1024 * 1024):
            f.write(data[start : start + 1024 * 1024])
            writeback.start_writeback(f.fileno(), start, length=1024 * 1024)
    assert path.read_bytes() == data
    writeback.start_writeback(987654, 0, length=10)  # a closed or unknown descriptor: no error
