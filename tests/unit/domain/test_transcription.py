"""Which of Whisper's segments reach the transcript, which an archivist is asked to check,
and how confident each one looks."""

import itertools
import math

import pytest

from archive.domain.transcription import Verdict, confidence, judge_segment

GOOD_LOGPROB = -0.25
NORMAL_RATIO = 1.4
SPEECH = 0.02


@pytest.mark.parametrize(
    ("text", "avg_logprob", "compression_ratio", "no_speech_prob", "previous", "verdict"),
    [
        pytest.param(
            "", GOOD_LOGPROB, NORMAL_RATIO, SPEECH, None, Verdict(False, False, "empty"), id="empty"
        ),
        pytest.param(
            " \n\t ",
            GOOD_LOGPROB,
            NORMAL_RATIO,
            SPEECH,
            None,
            Verdict(False, False, "empty"),
            id="whitespace",
        ),
        # what Whisper writes into silence: nobody speaking, and unsure of the words
        pytest.param(
            " Thank you for watching.",
            -1.5,
            1.1,
            0.9,
            None,
            Verdict(False, False, "silence"),
            id="silence-hallucination",
        ),
        # Whisper thinks nobody is speaking but is sure of the words: a quiet speaker, kept
        pytest.param(
            "We moved here in 1962.",
            -0.3,
            NORMAL_RATIO,
            0.9,
            None,
            Verdict(True, False),
            id="quiet-speech",
        ),
        # unsure of the words but someone is speaking: kept, the low confidence shows it
        pytest.param(
            "The mill by the river.",
            -1.5,
            NORMAL_RATIO,
            0.1,
            None,
            Verdict(True, False),
            id="mumbled-speech",
        ),
        # a loop repeating the line before, whatever its case and spacing
        pytest.param(
            "The river rose that night.",
            GOOD_LOGPROB,
            NORMAL_RATIO,
            SPEECH,
            "the river rose that night.",
            Verdict(False, False, "repeat"),
            id="repeat-case",
        ),
        pytest.param(
            "  The  river rose\tthat night. ",
            GOOD_LOGPROB,
            NORMAL_RATIO,
            SPEECH,
            "The river rose that night.",
            Verdict(False, False, "repeat"),
            id="repeat-spacing",
        ),
        pytest.param(
            "The river rose that night.",
            GOOD_LOGPROB,
            NORMAL_RATIO,
            SPEECH,
            "We carried the chairs upstairs.",
            Verdict(True, False),
            id="different-from-previous",
        ),
        # repetitive inside the segment: kept for an archivist to check
        pytest.param(
            "no no no no no no no no no no no no no no no no",
            GOOD_LOGPROB,
            3.0,
            SPEECH,
            None,
            Verdict(True, True, "repetitive"),
            id="high-compression-ratio",
        ),
        # dropping wins over flagging
        pytest.param(
            "no no no no no no no no",
            GOOD_LOGPROB,
            3.0,
            SPEECH,
            "No no no no no no no no",
            Verdict(False, False, "repeat"),
            id="repetitive-repeat",
        ),
        pytest.param(
            "My grandmother kept bees.",
            GOOD_LOGPROB,
            NORMAL_RATIO,
            SPEECH,
            None,
            Verdict(True, False),
            id="normal",
        ),
    ],
)
def test_judge_segment(
    text: str,
    avg_logprob: float,
    compression_ratio: float,
    no_speech_prob: float,
    previous: str | None,
    verdict: Verdict,
) -> None:
    assert (
        judge_segment(
            text,
            avg_logprob=avg_logprob,
            compression_ratio=compression_ratio,
            no_speech_prob=no_speech_prob,
            previous_text=previous,
        )
        == verdict
    )


@pytest.mark.parametrize(
    ("avg_logprob", "expected"),
    [
        (0.0, 1.0),
        (math.log(0.5), 0.5),
        (-0.1, 0.9048),
        # log-probabilities above 0 do not occur, but must not show as more than certain
        (0.5, 1.0),
    ],
)
def test_confidence(avg_logprob: float, expected: float) -> None:
    assert confidence(avg_logprob) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("avg_logprob", [-12.0, -50.0, -1e9, -math.inf])
def test_confidence_of_hopeless_segments_is_near_zero(avg_logprob: float) -> None:
    value = confidence(avg_logprob)
    assert value is not None
    assert 0.0 <= value < 1e-3


@pytest.mark.parametrize("avg_logprob", [-1e9, -20.0, -3.0, -1.0, -0.01, 0.0, 0.01, 5.0])
def test_confidence_is_a_fraction(avg_logprob: float) -> None:
    value = confidence(avg_logprob)
    assert value is not None
    assert 0.0 <= value <= 1.0


def test_confidence_without_a_log_prob_is_unknown() -> None:
    assert confidence(None) is None


def test_less_likely_text_is_less_confident() -> None:
    values = [confidence(lp) or 0.0 for lp in (0.0, -0.2, -0.7, -1.5, -3.0)]
    assert all(a > b for a, b in itertools.pairwise(values))
