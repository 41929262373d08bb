from __future__ import annotations

import pytest

from archive.domain.languages import (
    DetectedLanguage,
    Plan,
    Route,
    after_detection,
    detected_languages,
    forced_plan,
    plan_for,
)


@pytest.mark.parametrize(
    ("languages", "plan"),
    [
        (["en"], Plan(Route.ENGLISH, "en")),
        (["en-GB", "EN"], Plan(Route.ENGLISH, "en")),
        (["es"], Plan(Route.MULTILINGUAL, "es")),
        (["es-MX"], Plan(Route.MULTILINGUAL, "es")),
        (["es", "en"], Plan(Route.MULTILINGUAL, None, per_segment=True)),
        (["quz"], Plan(Route.MULTILINGUAL, "quz")),
        ([], Plan(Route.DETECT, None)),
        (["  "], Plan(Route.DETECT, None)),
    ],
)
def test_english_only_stories_go_to_the_english_model(languages: list[str], plan: Plan) -> None:
    assert plan_for(languages) == plan


def test_a_story_without_languages_is_routed_by_what_was_heard() -> None:
    assert after_detection("en") == Plan(Route.ENGLISH, "en")
    # Nobody said it speaks only one language: keep listening for a change.
    assert after_detection("es") == Plan(Route.MULTILINGUAL, None, per_segment=True)


def test_a_forced_model_keeps_the_story_s_languages() -> None:
    assert forced_plan(["es"], english_only_model=True) == Plan(Route.ENGLISH, "en")
    assert forced_plan(["es"], english_only_model=False) == Plan(Route.MULTILINGUAL, "es")
    assert forced_plan([], english_only_model=False) == Plan(
        Route.MULTILINGUAL, None, per_segment=True
    )


def test_detected_languages_are_each_listed_once_most_spoken_first() -> None:
    found = [("es", 0.5), ("en", 0.9), ("es", 0.93), ("en", 0.88)]
    assert detected_languages(found, speech={"es": 14.0, "en": 17.0}) == [
        DetectedLanguage("en", 0.9),
        DetectedLanguage("es", 0.93),
    ]
