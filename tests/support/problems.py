from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class ResponseLike(Protocol):
    """httpx's response, or the test client's (which may come from another httpx build)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def assert_problem(response: ResponseLike, status: int) -> dict[str, Any]:
    """The response is RFC 9457 problem+json with `status`, and says something to a person."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert len(body["detail"]) > 20, body
    assert "Traceback" not in response.text
    return body
