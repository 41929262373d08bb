"""Signing in and out through the pages, the language switch, and what every page sends:
a strict Content-Security-Policy and a CSRF token in each form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from integration.accounts.helpers import MakePasswordUser
from integration.web.pages import csrf_of, sign_in


def test_every_page_forbids_inline_script_and_framing(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\ssrc=)", page.text), "no inline script"
    assert not re.search(r"\son[a-z]+=", page.text), "no inline event handlers"
    assert not re.search(r"\sstyle=", page.text), "no inline style"


def test_a_person_signs_in_sees_who_they_are_and_signs_out(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa", "archivist")
    sign_in(client, "rosa")
    page = client.get("/login")
    assert "Signed in as rosa" in page.text
    assert "Community: Our community" in page.text

    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert "Signed in as" not in client.get("/login").text


def test_a_wrong_password_is_explained_on_the_form(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": "rosa", "password": "not it", "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 401
    assert "The username or the password is wrong" in answer.text
    assert 'value="rosa"' in answer.text


def test_a_form_without_its_csrf_token_changes_nothing(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    client.get("/login")
    forged = client.post("/login", data={"username": "rosa", "password": "x", "csrf_token": "f"})
    assert forged.status_code == 403
    assert "reload the page" in forged.text

    sign_in(client, "rosa")
    stay = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert stay.status_code == 403
    assert "Signed in as rosa" in client.get("/login").text


def test_the_page_language_follows_the_choice_then_the_browser(client: TestClient) -> None:
    assert "Iniciar sesión" in client.get("/login", headers={"Accept-Language": "es-MX"}).text
    form = client.get("/login")
    assert "Sign in" in form.text
    client.post(
        "/language",
        data={"language": "es", "next": "/login", "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="es">' in page.text
    assert "Iniciar sesión" in page.text


def test_a_page_sends_back_no_further_than_this_site(
    client: TestClient, make_password_user: MakePasswordUser
) -> None:
    make_password_user("rosa")
    form = client.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in form.text
