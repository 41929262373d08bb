"""Signing in, and reading `Set-Cookie` the way a browser would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from fastapi.testclient import TestClient

from support.problems import ResponseLike

PASSWORD = "kettle purple orbit lantern"

MakePasswordUser = Callable[..., dict[str, Any]]
"""The `make_password_user` fixture: (username, role="researcher", password=PASSWORD) -> the
new user as `POST /api/v1/users` answered."""


class _RepeatedHeaders(Protocol):
    """httpx's headers (of whichever httpx build the test client uses)."""

    def get_list(self, key: str) -> list[str]: ...


def login(client: TestClient, username: str, password: str = PASSWORD) -> ResponseLike:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


@dataclass
class SetCookie:
    name: str
    value: str
    attributes: dict[str, str] = field(default_factory=dict)
    """Lower-cased attribute names; flags (HttpOnly, Secure) map to ""."""


def set_cookies(response: ResponseLike) -> dict[str, SetCookie]:
    """Every `Set-Cookie` of the response, by cookie name."""
    found: dict[str, SetCookie] = {}
    for header in cast(_RepeatedHeaders, response.headers).get_list("set-cookie"):
        first, *rest = (part.strip() for part in header.split(";"))
        name, _, value = first.partition("=")
        attributes = {}
        for part in rest:
            key, _, attr_value = part.partition("=")
            attributes[key.strip().lower()] = attr_value.strip()
        found[name] = SetCookie(name, value.strip('"'), attributes)
    return found
