"""Which of Whisper's segments reach the transcript, which an archivist is asked to check,
and how confident each one looks."""

import itertools

import pytest

from archive.domain.transcription import Verdict, judge_segment, segment_confidence

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


def test_a_segment_of_unsure_words_is_flagged_as_uncertain() -> None:
    verdict = judge_segment(
        "Glorvik Tensorgu Merk will up and breathe.",
        avg_logprob=GOOD_LOGPROB,
        compression_ratio=NORMAL_RATIO,
        no_speech_prob=SPEECH,
        previous_text=None,
        word_probabilities=[0.6, 0.21, 0.31, 0.91, 0.64, 0.98, 0.25],
        flag_below=0.6,
    )
    assert verdict == Verdict(True, True, "uncertain")


def test_a_segment_of_sure_words_is_not_flagged() -> None:
    verdict = judge_segment(
        "Every spring the whole family planted them.",
        avg_logprob=GOOD_LOGPROB,
        compression_ratio=NORMAL_RATIO,
        no_speech_prob=SPEECH,
        previous_text=None,
        word_probabilities=[0.94, 0.98, 0.91, 0.95, 1.0, 0.99, 0.92],
        flag_below=0.6,
    )
    assert verdict == Verdict(True, False)


@pytest.mark.parametrize(
    ("probabilities", "no_speech_prob", "expected"),
    [
        ([1.0, 1.0], 0.0, 1.0),
        ([0.5, 0.5, 0.5], 0.0, 0.5),
        ([0.25, 1.0], 0.0, 0.5),  # geometric, not arithmetic, mean
        ([0.81], 0.19, 0.81 * 0.9),
        ([1.0], None, 1.0),
        # probabilities above 1 do not occur, but must not show as more than certain
        ([1.5], 0.0, 1.0),
    ],
)
def test_segment_confidence(
    probabilities: list[float], no_speech_prob: float | None, expected: float
) -> None:
    assert segment_confidence(probabilities, no_speech_prob=no_speech_prob) == pytest.approx(
        expected, abs=1e-4
    )


def test_one_doubtful_word_lowers_a_long_segment_less_than_a_short_one() -> None:
    long = segment_confidence([0.95] * 12 + [0.2], no_speech_prob=0.0)
    short = segment_confidence([0.95, 0.2], no_speech_prob=0.0)
    assert long is not None
    assert short is not None
    assert long > short


@pytest.mark.parametrize("probability", [0.0, -1.0, 1e-12])
def test_a_word_of_no_chance_does_not_zero_the_segment(probability: float) -> None:
    value = segment_confidence([probability, 1.0], no_speech_prob=0.0)
    assert value is not None
    assert 0.0 < value < 0.02


@pytest.mark.parametrize("no_speech_prob", [0.0, 0.3, 0.6, 0.99, 1.0, 1.5, -0.2])
def test_segment_confidence_is_a_fraction(no_speech_prob: float) -> None:
    value = segment_confidence([0.9, 0.4, 1.0], no_speech_prob=no_speech_prob)
    assert value is not None
    assert 0.0 <= value <= 1.0


def test_a_segment_without_words_has_no_confidence() -> None:
    assert segment_confidence([], no_speech_prob=0.1) is None


def test_less_likely_words_are_less_confident() -> None:
    values = [
        segment_confidence([p] * 5, no_speech_prob=0.1) or 0.0 for p in (1.0, 0.9, 0.6, 0.3, 0.05)
    ]
    assert all(a > b for a, b in itertools.pairwise(values))


def test_more_likely_silence_is_less_confident() -> None:
    values = [
        segment_confidence([0.9] * 5, no_speech_prob=nsp) or 0.0 for nsp in (0.0, 0.2, 0.5, 0.9)
    ]
    assert all(a > b for a, b in itertools.pairwise(values))
