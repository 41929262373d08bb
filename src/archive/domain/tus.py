"""The tus 1.0.0 resumable upload protocol's headers. Pure.

https://tus.io/protocols/resumable-upload: core, creation, creation-with-upload, termination,
checksum and expiration.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


class TusHeaderError(ValueError):
    """A header that does not follow the protocol; the message says how it should look."""


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64value` pairs (value optional).

    Values are decoded as UTF-8; a key may appear once.
    """
    if not header or not header.strip():
        return {}
    result: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2:
            raise TusHeaderError(
                "Upload-Metadata must be comma-separated `key base64value` pairs, e.g. "
                "`filename c3RvcnkuZmxhYw==,filetype YXVkaW8vZmxhYw==`."
            )
        key = parts[0]
        if key in result:
            raise TusHeaderError(f"Upload-Metadata names {key!r} twice; give each key once.")
        value = ""
        if len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise TusHeaderError(
                    f"The Upload-Metadata value of {key!r} is not base64 of UTF-8 text."
                ) from exc
        result[key] = value
    return result


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key
        for key, value in metadata.items()
    )


@dataclass(frozen=True, slots=True)
class Checksum:
    algorithm: str
    digest: bytes


def parse_checksum(header: str | None) -> Checksum | None:
    """`Upload-Checksum: sha256 BASE64DIGEST`."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusHeaderError(
            f"Upload-Checksum algorithm {algorithm!r} is not supported; use "
            f"{' or '.join(CHECKSUM_ALGORITHMS)}."
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as exc:
        raise TusHeaderError("The Upload-Checksum digest must be base64.") from exc
    return Checksum(algorithm, digest)


def parse_offset(header: str | None, name: str) -> int:
    if header is None or not header.isascii() or not header.isdigit():
        raise TusHeaderError(f"{name} must be a non-negative whole number of bytes.")
    return int(header)


def format_expires(moment: datetime) -> str:
    """`Upload-Expires` in the HTTP date format (RFC 9110 IMF-fixdate)."""
    return format_datetime(moment, usegmt=True)
