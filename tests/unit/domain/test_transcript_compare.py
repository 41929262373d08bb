from __future__ import annotations

from dataclasses import dataclass

from archive.domain.transcript_compare import (
    Piece,
    TextPiece,
    counterpart,
    line_runs,
    word_diff,
)


@dataclass(frozen=True)
class Line:
    start: float
    end: float


LINES = [Line(0.0, 3.0), Line(3.5, 5.0), Line(6.0, 8.0), Line(8.0, 9.5)]


def test_a_changed_word_shows_as_taken_out_and_put_in() -> None:
    assert word_diff("We crossed the stone bridge.", "We crossed the old stone bridge.") == [
        TextPiece(Piece.SAME, "We crossed the "),
        TextPiece(Piece.ADDED, "old "),
        TextPiece(Piece.SAME, "stone bridge."),
    ]
    assert word_diff("The river was high.", "The river was low.") == [
        TextPiece(Piece.SAME, "The river was "),
        TextPiece(Piece.REMOVED, "high."),
        TextPiece(Piece.ADDED, "low."),
    ]


def test_either_side_reads_back_from_the_pieces() -> None:
    before, after = "one two three four", "one 2 three  five six"
    pieces = word_diff(before, after)
    assert "".join(p.text for p in pieces if p.kind is not Piece.ADDED).split() == before.split()
    assert "".join(p.text for p in pieces if p.kind is not Piece.REMOVED).split() == after.split()


def test_the_same_text_is_one_piece_and_empty_text_none() -> None:
    assert word_diff("same words", "same words") == [TextPiece(Piece.SAME, "same words")]
    assert word_diff("", "") == []
    assert word_diff("", "new") == [TextPiece(Piece.ADDED, "new")]


def test_a_line_is_found_again_by_its_time() -> None:
    assert counterpart(LINES, start=3.5, end=5.0) == 1
    # A line split in two is found in the half that holds most of it.
    assert counterpart(LINES, start=5.5, end=9.0) == 2
    assert counterpart(LINES, start=20.0, end=21.0) is None


def test_picked_lines_become_one_span_per_run_of_neighbours() -> None:
    assert line_runs(LINES, [1, 0]) == [(0.0, 5.0)]
    assert line_runs(LINES, [0, 2, 3, 3]) == [(0.0, 3.0), (6.0, 9.5)]
    assert line_runs(LINES, [7, -1]) == []
