"""The archive's error tree, drawn once.

    ArchiveError (500)              every error a client may see; becomes problem+json
    ├── BadRequest (400)
    ├── Unauthorized (401)          no token, or one we do not know
    ├── Forbidden (403)             a known caller without the right
    ├── NotFound (404)              unknown id, or one the caller may not know exists
    ├── Conflict (409)
    ├── Gone (410)                  an upload that expired or was terminated
    ├── PayloadTooLarge (413)
    ├── RangeNotSatisfiable (416)
    ├── UnsupportedMedia (415)      the bytes are not audio or video we read
    ├── PreconditionFailed (412)    a stale edit, or an unsupported protocol version
    ├── PreconditionRequired (428)  an edit sent without the version it was made on
    ├── Unprocessable (422)         the bytes claim a format but are damaged or empty
    ├── Locked (423)                another request is writing the same upload
    ├── TooManyRequests (429)
    ├── ChecksumMismatch (460)      a tus chunk arrived damaged and was discarded
    └── ServiceUnavailable (503)    a backend is away; nothing stored was lost

Services and repositories raise these; one handler in `problems.py` renders them as RFC 9457
`application/problem+json` (type `PROBLEM_BASE` + `slug`). `detail` is written for the person
who will read it: it says what to do next.
"""

from __future__ import annotations

from typing import ClassVar

PROBLEM_BASE = "https://community-archive.org/problems/"


class ArchiveError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Something went wrong on our side"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(ArchiveError):
    status = 400
    slug = "bad-request"
    title = "The request cannot be read"


class Unauthorized(ArchiveError):
    status = 401
    slug = "unauthorized"
    title = "Sign-in needed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="archive"'})


class Forbidden(ArchiveError):
    status = 403
    slug = "forbidden"
    title = "Not allowed for your account"


class NotFound(ArchiveError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ArchiveError):
    status = 409
    slug = "conflict"
    title = "Conflicts with the current state"


class Gone(ArchiveError):
    status = 410
    slug = "gone"
    title = "No longer available"


class PreconditionFailed(ArchiveError):
    status = 412
    slug = "precondition-failed"
    title = "A precondition of the request does not hold"


class PreconditionRequired(ArchiveError):
    status = 428
    slug = "precondition-required"
    title = "The request must say which version it changes"


class Locked(ArchiveError):
    status = 423
    slug = "locked"
    title = "Another request is working on this"


class TooManyRequests(ArchiveError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class ChecksumMismatch(ArchiveError):
    status = 460
    slug = "checksum-mismatch"
    title = "The data arrived damaged"


class PayloadTooLarge(ArchiveError):
    status = 413
    slug = "payload-too-large"
    title = "The upload is too large"


class UnsupportedMedia(ArchiveError):
    status = 415
    slug = "unsupported-media"
    title = "Not a recording we can read"


class RangeNotSatisfiable(ArchiveError):
    status = 416
    slug = "range-not-satisfiable"
    title = "The requested byte range is outside the file"


class Unprocessable(ArchiveError):
    status = 422
    slug = "unprocessable"
    title = "The content cannot be used"


class ServiceUnavailable(ArchiveError):
    status = 503
    slug = "service-unavailable"
    title = "A part of the archive is unavailable"
