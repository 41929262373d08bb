"""Small tus requests by hand, as any caller, for the tests of who may touch an upload."""

from __future__ import annotations

import base64

import httpx

TUS = {"Tus-Resumable": "1.0.0"}
CONSENT_METADATA = {
    "consent_given_by": "Tía Marta",
    "consent_listen": "community",
    "consent_searchable": "true",
}


def encode(metadata: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())


def start(
    base_url: str, headers: dict[str, str], length: int, metadata: dict[str, str]
) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/v1/uploads",
        headers={
            **headers,
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": encode(metadata),
        },
    )


def send(url: str, headers: dict[str, str], offset: int, body: bytes) -> httpx.Response:
    return httpx.patch(
        url,
        content=body,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=30,
    )


def head(url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.head(url, headers={**headers, **TUS})
