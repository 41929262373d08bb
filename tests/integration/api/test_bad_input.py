"""Bad input never reaches a 500: times without a zone are refused with 422 and a detail that
says to add one, wherever the API takes a time; numbers too large for any row name nothing
(404); a `Range` of thousands of digits is 416."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.domain.access import Role
from support.accounts import MakeUser
from support.paths import STORY_EN
from support.problems import assert_problem
from support.stories import story_with_recording

NAIVE = "2999-01-01T09:00:00"
CONSENT = {"given_by": "Tía Marta", "listen": "public", "searchable": True}


def refused_for_its_zone(response: Any, field: str) -> None:
    body = assert_problem(response, 422)
    assert "time zone" in body["detail"], body
    assert field in body["detail"], body


def public_recording(client: TestClient, admin: dict[str, str]) -> tuple[str, str]:
    return story_with_recording(client, admin, title="Open", access="public")


def test_every_time_the_api_takes_is_refused_without_a_zone(
    client: TestClient, admin: dict[str, str], make_user: MakeUser
) -> None:
    refused_for_its_zone(
        client.post("/api/v1/stories", headers=admin, json={"title": "x", "embargo_until": NAIVE}),
        "embargo_until",
    )
    story = client.post(
        "/api/v1/stories",
        headers=admin,
        json={"title": "x", "access": "community", "embargo_until": NAIVE + "Z"},
    )
    assert story.status_code == 201, story.text
    story_id = story.json()["id"]
    refused_for_its_zone(
        client.put(
            f"/api/v1/stories/{story_id}/consent",
            headers=admin,
            json={**CONSENT, "embargo_until": "2999-01-01T09:30:00"},
        ),
        "embargo_until",
    )
    refused_for_its_zone(
        client.get("/api/v1/events", headers=admin, params={"since": NAIVE}), "since"
    )
    refused_for_its_zone(
        client.get("/api/v1/events", headers=admin, params={"until": NAIVE}), "until"
    )
    refused_for_its_zone(
        client.post(
            "/api/v1/upload-links",
            headers=admin,
            json={
                "collection_id": str(uuid.uuid4()),
                "expires_at": NAIVE,
            },
        ),
        "expires_at",
    )
    rosa = make_user("rosa", Role.RESEARCHER)
    listed = client.post(
        "/api/v1/stories", headers=admin, json={"title": "y", "access": "community"}
    ).json()
    asked = client.post(
        f"/api/v1/stories/{listed['id']}/access-requests",
        headers=rosa,
        json={"reason": "I am writing the history of the harvest songs."},
    )
    assert asked.status_code == 201, asked.text
    for field in ("starts_at", "ends_at"):
        refused_for_its_zone(
            client.post(
                f"/api/v1/access-requests/{asked.json()['id']}/decision",
                headers=admin,
                json={"decision": "grant", field: NAIVE},
            ),
            field,
        )
    # a date alone is a day, taken from its start in UTC
    dated = client.put(
        f"/api/v1/stories/{story_id}/consent",
        headers=admin,
        json={**CONSENT, "embargo_until": "2999-01-01"},
    )
    assert dated.status_code == 200, dated.text
    assert dated.json()["embargo_until"].startswith("2999-01-01T00:00:00")


def test_the_schema_says_a_zone_is_needed(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    story = schema["components"]["schemas"]["StoryCreate"]["properties"]["embargo_until"]
    (zoned,) = [s for s in story["anyOf"] if s.get("format") == "date-time"]
    assert "time zone" in zoned["description"]


@pytest.mark.parametrize("version", ["99999999999999999999", "2147483648", "0", "-1"])
def test_a_version_number_no_row_can_hold_is_not_found(
    client: TestClient, admin: dict[str, str], version: str
) -> None:
    _, recording_id = public_recording(client, admin)
    base = f"/api/v1/recordings/{recording_id}/transcript"
    assert_problem(client.get(f"{base}/versions/{version}"), 404)
    if not version.startswith("-") and version != "0":
        assert_problem(client.get(f"{base}/diff", params={"from": 1, "to": version}), 404)


def test_anonymous_audio_with_a_range_of_thousands_of_digits_is_416(
    client: TestClient, admin: dict[str, str]
) -> None:
    _, recording_id = public_recording(client, admin)
    audio = f"/api/v1/recordings/{recording_id}/audio"
    body = assert_problem(client.get(audio, headers={"Range": f"bytes={'9' * 5000}-"}), 416)
    assert "bytes" in body["detail"]
    whole = client.get(audio, headers={"Range": f"bytes=0-{'9' * 5000}"})
    assert whole.status_code == 206
    assert whole.content == STORY_EN.read_bytes()
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-type"] == "audio/flac"


_EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_OFFSETS = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)


@_EXAMPLES
@given(moment=st.datetimes())
def test_any_time_without_a_zone_is_a_422_that_says_so(
    client: TestClient, admin: dict[str, str], moment: datetime
) -> None:
    answer = client.post(
        "/api/v1/stories",
        headers=admin,
        json={"title": "x", "embargo_until": moment.isoformat()},
    )
    refused_for_its_zone(answer, "embargo_until")


@_EXAMPLES
@given(moment=st.datetimes(), offset=_OFFSETS)
def test_any_time_with_a_zone_is_taken_or_refused_but_never_breaks(
    client: TestClient, admin: dict[str, str], moment: datetime, offset: timedelta
) -> None:
    zoned = moment.replace(tzinfo=timezone(offset)).isoformat()
    answer = client.post(
        "/api/v1/stories", headers=admin, json={"title": "x", "embargo_until": zoned}
    )
    assert answer.status_code in (201, 422), answer.text
    if answer.status_code == 201:
        stored = datetime.fromisoformat(answer.json()["embargo_until"])
        assert stored == moment.replace(tzinfo=timezone(offset)).astimezone(UTC)


@_EXAMPLES
@given(
    version=st.one_of(st.integers(), st.integers(min_value=2**31, max_value=10**60)),
    first=st.text(alphabet="0123456789", min_size=1, max_size=6000),
    last=st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=6000)),
    unit=st.sampled_from(["bytes", "BYTES", "Bytes", "items"]),
    suffix=st.booleans(),
)
def test_numbers_of_any_size_in_paths_and_ranges_never_break(
    client: TestClient,
    admin: dict[str, str],
    version: int,
    first: str,
    last: str,
    unit: str,
    suffix: bool,
) -> None:
    recording_id = _recording_for(client, admin)
    base = f"/api/v1/recordings/{recording_id}"
    assert client.get(f"{base}/transcript/versions/{version}").status_code == 404
    spec = f"-{first}" if suffix else f"{first}-{last}"
    answer = client.get(f"{base}/audio", headers={"Range": f"{unit}={spec}"})
    assert answer.status_code in (200, 206, 416), answer.text[:300]


_RECORDINGS: dict[int, str] = {}


def _recording_for(client: TestClient, admin: dict[str, str]) -> str:
    """One public recording per client (the examples of one test share their fixtures)."""
    key = id(client)
    if key not in _RECORDINGS:
        _RECORDINGS[key] = public_recording(client, admin)[1]
    return _RECORDINGS[key]
