"""BagIt 1.0 (RFC 8493), free of I/O: the tag files of a bag and the tar framing of a bag
that is streamed. Payload checksums are computed by whoever streams the bytes."""

from __future__ import annotations

import tarfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
BAG_FORMAT = "community-archive-bag/1"
"""What `data/metadata/archive.json` holds; an import refuses a format it does not know."""

TAR_BLOCK = 512


def bag_info(fields: Iterable[tuple[str, str]]) -> bytes:
    """`bag-info.txt`: one `Label: value` per line; a value's line breaks become spaces."""
    lines = [f"{label}: {' '.join(value.split())}" for label, value in fields]
    return ("\n".join(lines) + "\n").encode("utf-8")


def manifest(checksums: Mapping[str, str]) -> bytes:
    """`manifest-sha256.txt` or `tagmanifest-sha256.txt`: `<sha256>  <path>`, sorted. Paths
    are percent-encoded where RFC 8493 says (CR, LF and %)."""
    lines = [f"{digest}  {encode_path(path)}" for path, digest in sorted(checksums.items())]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def tar_header(path: str, size: int, *, mtime: datetime | None = None) -> bytes:
    """The 512-byte (or longer, for long names) header of one file in a tar stream."""
    info = tarfile.TarInfo(path)
    info.size = size
    info.mode = 0o644
    info.mtime = int((mtime or datetime.now(UTC)).timestamp())
    return info.tobuf(format=tarfile.PAX_FORMAT)


def tar_padding(size: int) -> bytes:
    return b"\0" * (-size % TAR_BLOCK)


def tar_end() -> bytes:
    return b"\0" * (2 * TAR_BLOCK)
