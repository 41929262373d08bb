"""Using the pages as a browser would: reading a form's CSRF token, signing in by form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from integration.accounts.helpers import PASSWORD


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": "/login",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
