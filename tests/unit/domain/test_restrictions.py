"""Restricted spans: who hears them, which segments they hide, how they are told apart."""

from __future__ import annotations

import uuid

import pytest

from archive.domain.access import Access, Role, StoryAccess, Viewer
from archive.domain.restrictions import (
    OPUS_AFTER_SECONDS,
    RESTRICTED_TEXT,
    Span,
    can_hear_restricted,
    listening_codec,
    listening_copy_key,
    masks,
    merge_spans,
    overlaps,
    sample_range,
    span_problem,
    spans_fingerprint,
)

USER = uuid.uuid4()


HOME, ELSEWHERE = uuid.uuid4(), uuid.uuid4()
STORY = StoryAccess(access=Access.PUBLIC, created_by=USER, community_id=HOME)


def test_admins_hear_restricted_spans_and_anonymous_callers_do_not() -> None:
    assert can_hear_restricted(Viewer(uuid.uuid4(), Role.ADMIN), STORY)
    assert not can_hear_restricted(None, STORY)


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.CONTRIBUTOR])
def test_researchers_and_contributors_do_not_hear_them_even_their_own(role: Role) -> None:
    assert not can_hear_restricted(Viewer(USER, role, member_of=frozenset({HOME})), STORY)


def test_an_upload_link_does_not_hear_them() -> None:
    viewer = Viewer(None, Role.CONTRIBUTOR, link_id=uuid.uuid4(), link_collection_id=uuid.uuid4())
    assert not can_hear_restricted(viewer, STORY)


def test_only_the_archivists_of_the_story_s_community_hear_them() -> None:
    here = Viewer(uuid.uuid4(), Role.ARCHIVIST, archivist_of=frozenset({HOME}))
    elsewhere = Viewer(uuid.uuid4(), Role.ARCHIVIST, archivist_of=frozenset({ELSEWHERE}))
    assert can_hear_restricted(here, STORY)
    assert not can_hear_restricted(elsewhere, STORY)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (16.0, 17.0, True),  # begins before, ends inside
        (19.0, 21.0, True),  # begins inside, ends after
        (16.5, 20.0, True),  # inside
        (15.0, 22.0, True),  # covers it
        (10.0, 16.1, False),  # ends exactly where the span begins
        (20.3, 25.0, False),  # begins exactly where it ends
        (0.0, 5.0, False),
        (21.0, 26.0, False),
        (18.0, 18.0, True),  # a zero-length segment inside
    ],
)
def test_a_segment_is_hidden_when_it_shares_any_time_with_a_span(
    start: float, end: float, expected: bool
) -> None:
    assert overlaps(Span(16.1, 20.3), start=start, end=end) is expected
    assert masks([Span(40.0, 41.0), Span(16.1, 20.3)], start=start, end=end) is expected


def test_no_spans_hide_nothing() -> None:
    assert not masks([], start=0.0, end=100.0)


def test_spans_merge_into_sorted_disjoint_stretches() -> None:
    assert merge_spans([Span(5, 6), Span(1, 3), Span(2, 4), Span(4, 4.5), Span(8, 9)]) == (
        Span(1, 4.5),
        Span(5, 6),
        Span(8, 9),
    )
    assert merge_spans([]) == ()


def test_the_fingerprint_is_of_the_time_covered_not_of_how_it_was_marked() -> None:
    one = spans_fingerprint([Span(1, 3), Span(2, 4), Span(10, 11)])
    assert one == spans_fingerprint([Span(10, 11), Span(1, 4)])
    assert one == spans_fingerprint([Span(1.0000001, 4), Span(10, 11)])  # to the millisecond
    assert one != spans_fingerprint([Span(1, 4)])
    assert one != spans_fingerprint([Span(1, 4.01), Span(10, 11)])
    assert len(one) == 64


@pytest.mark.parametrize(
    ("start", "end", "duration", "says"),
    [
        (-1.0, 2.0, 10.0, "before the recording begins"),
        (3.0, 3.0, 10.0, "must come after `start`"),
        (4.0, 3.0, 10.0, "must come after `start`"),
        (3.0, 10.5, 10.0, "past the end of the recording, which lasts 10 s"),
        (float("nan"), 3.0, 10.0, "numbers of seconds"),
        (1.0, float("inf"), None, "numbers of seconds"),
    ],
)
def test_a_span_outside_the_recording_is_refused_with_a_reason(
    start: float, end: float, duration: float | None, says: str
) -> None:
    problem = span_problem(start, end, duration=duration)
    assert problem is not None
    assert says in problem


@pytest.mark.parametrize(
    ("start", "end", "duration"),
    [(0.0, 10.0, 10.0), (16.1, 20.3, 26.781), (0.0, 0.001, 1.0), (5.0, 1e6, None)],
)
def test_a_span_inside_the_recording_is_accepted(
    start: float, end: float, duration: float | None
) -> None:
    assert span_problem(start, end, duration=duration) is None


def test_sample_ranges_round_outwards() -> None:
    assert sample_range(Span(1.0, 2.0), 16_000) == (16_000, 32_000)
    assert sample_range(Span(0.00001, 0.99999), 10) == (0, 10)
    assert sample_range(Span(16.1, 20.3), 48_000) == (772_800, 974_400)


def test_long_recordings_get_an_opus_copy_and_the_rest_flac() -> None:
    assert listening_codec(27.0) == "flac"
    assert listening_codec(None) == "flac"
    assert listening_codec(OPUS_AFTER_SECONDS) == "flac"
    assert listening_codec(OPUS_AFTER_SECONDS + 1) == "opus"


def test_listening_copies_live_apart_from_originals_each_under_its_own_key() -> None:
    story, recording = uuid.uuid4(), uuid.uuid4()
    first = listening_copy_key(story, recording, copy_id=uuid.uuid4(), codec="flac")
    second = listening_copy_key(story, recording, copy_id=uuid.uuid4(), codec="opus")
    assert first.startswith(f"derivatives/{story}/{recording}/")
    assert first.endswith(".flac")
    assert second.endswith(".opus")
    assert first != second
    assert not first.startswith("originals/")


def test_the_mask_says_what_it_is() -> None:
    assert RESTRICTED_TEXT == "[restricted]"


def test_a_translation_is_hidden_by_time_where_the_original_is() -> None:
    from archive.domain.restrictions import translation_spans

    spans = translation_spans([Span(10.0, 12.0)], [(3.0, 5.5), (7.0, 7.0)])
    assert spans == [Span(10.0, 12.0), Span(3.0, 5.5)]
    # A translated segment that shares any time with a restricted original one is hidden.
    assert masks(spans, start=5.0, end=8.0)
    assert not masks(spans, start=5.5, end=9.0)
