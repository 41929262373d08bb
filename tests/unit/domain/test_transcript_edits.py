"""The pure core of transcript correction: edit, split, merge, and the difference of versions."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from archive.domain.transcript_edits import (
    KEEP,
    TYPED_WORD_PROBABILITY,
    ChangeKind,
    EditRejected,
    SegmentDraft,
    Word,
    align,
    diff_versions,
    edit_segment,
    merge_with_next,
    retime_words,
    split_segment,
)


def words(*timed: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(w, s, e, 0.9) for w, s, e in timed)


BRIDGE = SegmentDraft(
    0.0,
    3.0,
    "We crossed the stone bridge.",
    "Ana",
    words(
        ("We", 0.0, 0.4),
        ("crossed", 0.4, 1.0),
        ("the", 1.0, 1.2),
        ("stone", 1.2, 1.8),
        ("bridge.", 1.8, 2.6),
    ),
)
RIVER = SegmentDraft(
    3.5,
    5.0,
    "The river was high.",
    "Ana",
    words(("The", 3.5, 3.7), ("river", 3.7, 4.1), ("was", 4.1, 4.4), ("high.", 4.4, 5.0)),
)
MILL = SegmentDraft(
    6.0,
    8.0,
    "Then the mill.",
    None,
    words(("Then", 6.0, 6.5), ("the", 6.5, 6.8), ("mill.", 6.8, 8.0)),
)
STORY = [BRIDGE, RIVER, MILL]


def test_a_draft_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BRIDGE.text = "changed"  # type: ignore[misc]


def test_rejections_are_value_errors() -> None:
    assert issubclass(EditRejected, ValueError)


# --- edit ----------------------------------------------------------------------------------


def test_editing_text_returns_a_new_list_and_keeps_the_rest() -> None:
    edited = edit_segment(STORY, 0, text="  We crossed the wooden bridge. ")
    assert STORY == [BRIDGE, RIVER, MILL]  # the input is left alone
    assert edited[0].text == "We crossed the wooden bridge."
    assert edited[1] is RIVER
    assert edited[2] is MILL
    assert (edited[0].start, edited[0].end, edited[0].speaker) == (0.0, 3.0, "Ana")


def test_edited_text_keeps_the_times_of_kept_words_and_shares_out_replaced_ones() -> None:
    edited = edit_segment(STORY, 0, text="We crossed the old wooden bridge!")[0]
    assert [w.word for w in edited.words] == ["We", "crossed", "the", "old", "wooden", "bridge!"]
    assert edited.words[:3] == BRIDGE.words[:3]
    old, wooden = edited.words[3], edited.words[4]
    assert (old.start, old.end, wooden.start, wooden.end) == (1.2, 1.5, 1.5, 1.8)
    assert old.probability == TYPED_WORD_PROBABILITY
    bridge = edited.words[5]
    assert (bridge.start, bridge.end, bridge.probability) == (1.8, 2.6, 0.9)


@pytest.mark.parametrize(
    ("original", "text", "start", "end", "expected"),
    [
        pytest.param((), "new words", 0.0, 1.0, [], id="no-timings-stay-none"),
        pytest.param(
            words(("a", 0.0, 1.0), ("c", 2.0, 3.0)),
            "a b c",
            0.0,
            3.0,
            [("a", 0.0, 1.0), ("b", 1.0, 2.0), ("c", 2.0, 3.0)],
            id="inserted-word-fills-the-gap",
        ),
        pytest.param(
            words(("a", 0.5, 1.0)),
            "x a",
            0.0,
            1.0,
            [("x", 0.0, 0.5), ("a", 0.5, 1.0)],
            id="word-before-the-first-starts-at-the-segment",
        ),
        pytest.param(
            words(("a", 0.0, 0.5)),
            "a z",
            0.0,
            1.0,
            [("a", 0.0, 0.5), ("z", 0.5, 1.0)],
            id="word-after-the-last-ends-at-the-segment",
        ),
        pytest.param(
            words(("a", 0.0, 0.5), ("b", 0.5, 1.0)),
            "a",
            0.0,
            1.0,
            [("a", 0.0, 0.5)],
            id="deleted-word-goes",
        ),
        pytest.param(
            words(("Hello,", 0.0, 0.5)),
            "hello",
            0.0,
            1.0,
            [("hello", 0.0, 0.5)],
            id="case-and-punctuation-keep-the-time",
        ),
    ],
)
def test_retime_words(
    original: tuple[Word, ...],
    text: str,
    start: float,
    end: float,
    expected: list[tuple[str, float, float]],
) -> None:
    assert [
        (w.word, w.start, w.end) for w in retime_words(original, text, start=start, end=end)
    ] == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"speaker": "Don Julio"}, ("Don Julio", 0.0, 3.0), id="speaker"),
        pytest.param({"speaker": None}, (None, 0.0, 3.0), id="speaker-removed"),
        pytest.param({"speaker": "   "}, (None, 0.0, 3.0), id="blank-speaker-is-none"),
        pytest.param({"start": 0.25}, ("Ana", 0.25, 3.0), id="start"),
        pytest.param({"end": 3.4}, ("Ana", 0.0, 3.4), id="end-up-to-the-next"),
        pytest.param({"end": 3.5}, ("Ana", 0.0, 3.5), id="end-touching-the-next"),
        pytest.param({"start": 0.1234, "end": 2.0}, ("Ana", 0.123, 2.0), id="milliseconds"),
    ],
)
def test_edit_fields(change: dict[str, Any], expected: tuple[str | None, float, float]) -> None:
    edited = edit_segment(STORY, 0, **change)[0]
    assert (edited.speaker, edited.start, edited.end) == expected


def test_moving_an_edge_keeps_the_words_inside() -> None:
    edited = edit_segment(STORY, 0, start=0.5, end=2.0)[0]
    assert [(w.start, w.end) for w in edited.words] == [
        (0.5, 0.5),
        (0.5, 1.0),
        (1.0, 1.2),
        (1.2, 1.8),
        (1.8, 2.0),
    ]


def test_times_not_being_changed_are_not_judged() -> None:
    overlapping = [SegmentDraft(0.0, 2.0, "a", None), SegmentDraft(1.5, 3.0, "b", None)]
    assert edit_segment(overlapping, 1, text="bee")[1].text == "bee"


@pytest.mark.parametrize(
    ("index", "change", "says"),
    [
        pytest.param(0, {"text": "   "}, "The text is empty", id="empty-text"),
        pytest.param(0, {"text": ""}, "The text is empty", id="no-text"),
        pytest.param(0, {"start": -1.0}, "before the recording begins", id="negative-start"),
        pytest.param(0, {"start": 3.0}, "must end after it starts", id="start-at-end"),
        pytest.param(0, {"end": 0.0}, "must end after it starts", id="end-at-start"),
        pytest.param(0, {"start": 2.0, "end": 1.0}, "must end after it starts", id="reversed"),
        pytest.param(0, {"end": math.inf}, "numbers of seconds", id="infinite"),
        pytest.param(0, {"start": math.nan}, "numbers of seconds", id="nan"),
        pytest.param(1, {"start": 2.9}, "before the previous segment ends", id="overlaps-prev"),
        pytest.param(0, {"end": 3.6}, "after the next segment starts", id="overlaps-next"),
        pytest.param(2, {"end": 1.0}, "must end after it starts", id="end-before-start"),
        pytest.param(0, {"speaker": "x" * 121}, "shorten it to 120", id="speaker-too-long"),
        pytest.param(0, {}, "This changes nothing", id="nothing"),
        pytest.param(0, {"text": BRIDGE.text, "speaker": "Ana"}, "changes nothing", id="same"),
    ],
)
def test_edit_rejections(index: int, change: dict[str, Any], says: str) -> None:
    with pytest.raises(EditRejected, match=says):
        edit_segment(STORY, index, **change)


def test_an_edit_of_a_segment_that_is_not_there_is_a_programming_error() -> None:
    with pytest.raises(IndexError):
        edit_segment(STORY, 3, text="x")


def test_keep_leaves_a_field_alone() -> None:
    edited = edit_segment(STORY, 0, text=KEEP, speaker=KEEP, start=KEEP, end=1.9)[0]
    assert (edited.text, edited.speaker, edited.start, edited.end) == (BRIDGE.text, "Ana", 0, 1.9)


# --- split ---------------------------------------------------------------------------------


def test_split_divides_words_by_their_times_and_the_text_with_them() -> None:
    result = split_segment(STORY, 0, at=1.2)
    assert len(result) == 4
    first, second = result[0], result[1]
    assert (first.start, first.end, first.text) == (0.0, 1.2, "We crossed the")
    assert (second.start, second.end, second.text) == (1.2, 3.0, "stone bridge.")
    assert [w.word for w in first.words] == ["We", "crossed", "the"]
    assert [w.word for w in second.words] == ["stone", "bridge."]
    assert first.speaker == second.speaker == "Ana"
    assert result[2:] == [RIVER, MILL]


def test_a_word_goes_to_the_half_holding_most_of_it_and_is_trimmed_to_it() -> None:
    first, second, *_ = split_segment(STORY, 0, at=1.6)  # "stone" is 1.2-1.8, midpoint 1.5
    assert first.text == "We crossed the stone"
    assert first.words[-1] == Word("stone", 1.2, 1.6, 0.9)
    assert second.text == "bridge."
    assert second.words[0].start == 1.8


def test_split_keeps_a_restriction_on_both_halves() -> None:
    restricted = [dataclasses.replace(BRIDGE, restricted=True)]
    first, second = split_segment(restricted, 0, at=1.2)
    assert (first.restricted, second.restricted) == (True, True)


@pytest.mark.parametrize(
    ("segment", "at", "texts"),
    [
        pytest.param(
            SegmentDraft(0.0, 4.0, "one two three four", None),
            2.0,
            ("one two", "three four"),
            id="no-words-cut-in-proportion",
        ),
        pytest.param(
            SegmentDraft(0.0, 4.0, "onetwothreefour", None),
            2.0,
            ("onetwoth", "reefour"),
            id="no-spaces-cut-in-proportion",
        ),
        pytest.param(
            SegmentDraft(
                0.0,
                2.0,
                "我们过桥",
                None,
                words(("我们", 0.0, 1.0), ("过", 1.0, 1.5), ("桥", 1.5, 2.0)),
            ),
            1.0,
            ("我们", "过桥"),
            id="written-without-spaces-cut-at-the-words",
        ),
        pytest.param(
            SegmentDraft(
                0.0, 2.0, "entirely other text", None, words(("a", 0.0, 0.5), ("b", 0.5, 2.0))
            ),
            1.0,
            ("entirely", "other text"),
            id="text-not-matching-words-in-proportion",
        ),
    ],
)
def test_split_text(segment: SegmentDraft, at: float, texts: tuple[str, str]) -> None:
    first, second = split_segment([segment], 0, at=at)
    assert (first.text, second.text) == texts


@pytest.mark.parametrize(
    ("at", "says"),
    [
        pytest.param(0.0, "not inside this segment", id="at-start"),
        pytest.param(3.0, "not inside this segment", id="at-end"),
        pytest.param(-1.0, "not inside this segment", id="before"),
        pytest.param(4.0, "not inside this segment", id="after"),
        pytest.param(math.nan, "not inside this segment", id="nan"),
        pytest.param(0.1, "Nothing is said in this segment before", id="empty-first-half"),
        pytest.param(2.9, "Nothing is said in this segment after", id="empty-second-half"),
    ],
)
def test_split_rejections(at: float, says: str) -> None:
    with pytest.raises(EditRejected, match=says):
        split_segment(STORY, 0, at=at)


# --- merge ---------------------------------------------------------------------------------


def test_merge_joins_a_segment_with_the_next() -> None:
    result = merge_with_next(STORY, 0)
    assert len(result) == 2
    merged = result[0]
    assert (merged.start, merged.end) == (0.0, 5.0)
    assert merged.text == "We crossed the stone bridge. The river was high."
    assert merged.words == BRIDGE.words + RIVER.words
    assert merged.speaker == "Ana"
    assert result[1] is MILL


@pytest.mark.parametrize(
    ("first", "second", "speaker", "restricted"),
    [
        pytest.param(("Ana", False), ("Bo", False), "Ana", False, id="first-speaker-wins"),
        pytest.param((None, False), ("Bo", False), "Bo", False, id="else-the-second"),
        pytest.param(("Ana", False), (None, True), "Ana", True, id="restriction-kept"),
        pytest.param((None, True), (None, False), None, True, id="restriction-of-first"),
    ],
)
def test_merged_speaker_and_restriction(
    first: tuple[str | None, bool],
    second: tuple[str | None, bool],
    speaker: str | None,
    restricted: bool,
) -> None:
    a = SegmentDraft(0.0, 1.0, "a", first[0], restricted=first[1])
    b = SegmentDraft(1.0, 2.0, "b", second[0], restricted=second[1])
    (merged,) = merge_with_next([a, b], 0)
    assert (merged.speaker, merged.restricted) == (speaker, restricted)


def test_the_last_segment_has_nothing_to_merge_with() -> None:
    with pytest.raises(EditRejected, match="This is the last segment"):
        merge_with_next(STORY, 2)


# --- diff ----------------------------------------------------------------------------------


def kinds(changes: list[Any]) -> list[tuple[str, int | None, int | None, tuple[str, ...]]]:
    return [(c.kind.value, c.old_position, c.new_position, c.fields) for c in changes]


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(STORY, [], id="same"),
        pytest.param(
            edit_segment(STORY, 1, text="The river was very high."),
            [("changed", 1, 1, ("text", "words"))],
            id="edit-text",
        ),
        pytest.param(
            edit_segment(STORY, 2, speaker="Bo"),
            [("changed", 2, 2, ("speaker",))],
            id="edit-speaker",
        ),
        pytest.param(
            edit_segment(STORY, 0, end=3.2),
            [("changed", 0, 0, ("end",))],
            id="retime",
        ),
        pytest.param(
            split_segment(STORY, 1, at=4.1),
            [("changed", 1, 1, ("end", "text", "words")), ("added", None, 2, ())],
            id="split",
        ),
        pytest.param(
            merge_with_next(STORY, 0),
            [("changed", 0, 0, ("end", "text", "words")), ("removed", 1, None, ())],
            id="merge",
        ),
        pytest.param([RIVER, MILL], [("removed", 0, None, ())], id="first-gone"),
        pytest.param(
            [*STORY, SegmentDraft(9.0, 10.0, "End.", None)], [("added", None, 3, ())], id="one-more"
        ),
    ],
)
def test_diff_versions(new: list[SegmentDraft], expected: list[Any]) -> None:
    assert kinds(diff_versions(STORY, new)) == expected


def test_a_change_carries_before_and_after() -> None:
    (change,) = diff_versions(STORY, edit_segment(STORY, 0, text="We crossed the wooden bridge."))
    assert change.kind is ChangeKind.CHANGED
    assert change.before is BRIDGE
    assert change.after is not None
    assert change.after.text == "We crossed the wooden bridge."


def test_diff_aligns_past_an_insertion_in_the_middle() -> None:
    inserted = SegmentDraft(5.2, 5.8, "(laughter)", None)
    new = [BRIDGE, RIVER, inserted, MILL]
    assert align(STORY, new) == [(0, 0), (1, 1), (None, 2), (2, 3)]
    assert kinds(diff_versions(STORY, new)) == [("added", None, 2, ())]
