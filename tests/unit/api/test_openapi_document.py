"""The OpenAPI document describes everything a newcomer needs without reading the code:
every operation and schema described, grouped by feature, and how to sign in for each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.app import create_app
from archive.settings import Settings
from archive.uploads.schemas import METADATA_KEYS

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    openapi: dict[str, Any] = create_app(settings).openapi()
    return openapi


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_operation_is_described_and_tagged(document: dict[str, Any]) -> None:
    undescribed = [
        f"{method} {path}"
        for method, path, op in operations(document)
        if len(op.get("description", "").strip()) < 20
    ]
    untagged = [
        f"{method} {path}" for method, path, op in operations(document) if not op.get("tags")
    ]
    assert not undescribed, (
        f"operations without a description (give the endpoint a docstring): {undescribed}"
    )
    assert not untagged, f"operations without a tag (give the router tags=[...]): {untagged}"


def test_every_tag_is_declared_with_a_description(document: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description", "") for tag in document["tags"]}
    used = {tag for _, _, op in operations(document) for tag in op["tags"]}
    assert used <= set(declared), f"tags used but not in openapi.TAGS: {used - set(declared)}"
    assert all(len(text) > 20 for text in declared.values()), declared
    assert len(used) >= 10  # one group per feature, not one for everything


def test_every_component_schema_is_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    undescribed = [name for name, schema in schemas.items() if not schema.get("description")]
    assert not undescribed, (
        f"schemas without a description (give the class a docstring): {undescribed}"
    )


def test_bearer_tokens_and_the_session_cookie_are_the_ways_to_sign_in(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "archive_session"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        # needs someone signed in
        ("POST", "/api/v1/stories", [{"bearerToken": []}, {"sessionCookie": []}]),
        ("POST", "/api/v1/uploads", [{"bearerToken": []}, {"sessionCookie": []}]),
        ("PATCH", "/api/v1/uploads/{upload_id}", [{"bearerToken": []}, {"sessionCookie": []}]),
        ("GET", "/api/v1/users/me", [{"bearerToken": []}, {"sessionCookie": []}]),
        # anyone, with more for those signed in
        ("GET", "/api/v1/search", [{"bearerToken": []}, {"sessionCookie": []}, {}]),
        ("GET", "/api/v1/stories/{story_id}", [{"bearerToken": []}, {"sessionCookie": []}, {}]),
        # never asks who calls
        ("GET", "/api/v1/health", None),
        ("POST", "/api/v1/auth/login", None),
    ],
)
def test_each_operation_names_the_sign_in_its_dependencies_take(
    document: dict[str, Any], method: str, path: str, expected: list[dict[str, list[str]]] | None
) -> None:
    assert document["paths"][path][method.lower()].get("security") == expected


def test_the_main_operations_have_examples(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("StoryCreate", "SearchResultRead", "RecordingRead"):
        assert schemas[name].get("examples"), name
    [q] = [p for p in document["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "q"]
    assert q["schema"].get("examples") or q.get("examples") or q.get("example")
    create_upload = document["paths"]["/api/v1/uploads"]["post"]
    headers = {p["name"]: p for p in create_upload["parameters"]}
    assert headers["Upload-Metadata"]["example"]


def test_every_upload_metadata_key_is_in_the_api_document_and_the_readme(
    document: dict[str, Any],
) -> None:
    description = document["paths"]["/api/v1/uploads"]["post"]["description"]
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for key in METADATA_KEYS:
        assert f"`{key}`" in description, key
        assert f"`{key}`" in readme, key
