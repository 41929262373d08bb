"""`/docs` and `/redoc` work on a box with no internet: every script and style comes from the
archive itself, and the page's CSP lets nothing else run."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from archive.app import create_app
from archive.settings import Settings

ASSET = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"')
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """No lifespan: the pages, the static files and the document need no database."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    return TestClient(create_app(settings))


def directives(csp: str) -> dict[str, set[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {name: set(values) for name, *values in parts}


@pytest.mark.parametrize(("page", "viewer"), [("/docs", "swagger-ui"), ("/redoc", "redoc")])
def test_the_page_loads_its_viewer_from_the_archive_itself(
    client: TestClient, page: str, viewer: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "http://" not in html
    assert "https://" not in html
    assets = ASSET.findall(html)
    assert any(f"vendor/{viewer}/" in asset for asset in assets), assets
    for asset in assets:
        url = urljoin(f"http://testserver{page}", asset)
        assert url.startswith("http://testserver/static/"), url
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        assert len(fetched.content) > 20, url
        if asset.endswith(".js"):
            assert "javascript" in fetched.headers["content-type"], url
        if asset.endswith(".css"):
            assert fetched.headers["content-type"].startswith("text/css"), url


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_runs_no_inline_script_and_its_csp_allows_only_self(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    for attributes, body in SCRIPT.findall(response.text):
        assert "src=" in attributes
        assert not body.strip()
    csp = directives(response.headers["content-security-policy"])
    assert csp["default-src"] == {"'none'"}
    assert csp["script-src"] == {"'self'"}
    assert csp["connect-src"] == {"'self'"}
    assert csp["frame-ancestors"] == {"'none'"}
    # only the empty style element (its hash) besides the archive's own style sheets
    assert csp["style-src"] - {"'self'"} == {
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    }
    for values in csp.values():
        assert "'unsafe-inline'" not in values
        assert "'unsafe-eval'" not in values
        assert not any(v.startswith(("http", "*")) for v in values)


def test_the_viewers_come_with_their_licenses(client: TestClient) -> None:
    for path in (
        "/static/vendor/swagger-ui/LICENSE",
        "/static/vendor/swagger-ui/NOTICE",
        "/static/vendor/redoc/LICENSE",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Copyright" in response.text or "License" in response.text, path


def test_the_document_the_viewers_read_is_there(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["components"]["securitySchemes"]
