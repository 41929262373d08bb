"""Which speech model hears a story, decided from the languages it names. Pure.

English-only stories go to the small English model (several times faster); every other story
goes to the multilingual model, with the language when the story names exactly one, and with
per-segment language detection when it names several. A story that names none is detected on
its first 30 seconds by the multilingual model and then routed as if it had named that
language, except that it keeps per-segment detection: nobody said it speaks only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ENGLISH = "en"
DETECTION_SECONDS = 30.0
"""How much of the start of a recording the language is detected on (one Whisper window)."""


class Route(StrEnum):
    ENGLISH = "english"
    """The English-only model: fast, and hears nothing but English."""
    MULTILINGUAL = "multilingual"
    DETECT = "detect"
    """Detect the language first, then route with `after_detection`."""


@dataclass(frozen=True, slots=True)
class Plan:
    route: Route
    language: str | None
    """The language to decode in; None to detect it."""
    per_segment: bool = False
    """Detect the language again for each stretch of speech (a story that switches)."""


def whisper_code(tag: str) -> str:
    """The primary subtag of a language tag, lower case: "es-MX" -> "es", "EN" -> "en"."""
    return tag.strip().split("-", 1)[0].lower()


def story_codes(languages: list[str]) -> list[str]:
    """The story's languages as Whisper codes, each once, in the story's order."""
    return list(dict.fromkeys(whisper_code(tag) for tag in languages if tag.strip()))


def plan_for(languages: list[str]) -> Plan:
    codes = story_codes(languages)
    if not codes:
        return Plan(Route.DETECT, None)
    if codes == [ENGLISH]:
        return Plan(Route.ENGLISH, ENGLISH)
    if len(codes) == 1:
        return Plan(Route.MULTILINGUAL, codes[0])
    return Plan(Route.MULTILINGUAL, None, per_segment=True)


def after_detection(language: str) -> Plan:
    """The plan for a story without languages once its start was heard as `language`."""
    if language == ENGLISH:
        return Plan(Route.ENGLISH, ENGLISH)
    return Plan(Route.MULTILINGUAL, None, per_segment=True)


def forced_plan(languages: list[str], *, english_only_model: bool) -> Plan:
    """The plan when one model is forced (`ARCHIVE_WHISPER_MODEL`): the same choices of
    language, on that model; an English-only model hears everything as English."""
    if english_only_model:
        return Plan(Route.ENGLISH, ENGLISH)
    planned = plan_for(languages)
    if planned.route is Route.DETECT:
        return Plan(Route.MULTILINGUAL, None, per_segment=True)
    return Plan(Route.MULTILINGUAL, planned.language, per_segment=planned.per_segment)


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    language: str
    probability: float
    """How sure the language detection was, 0 to 1 (1 when the story named it)."""


def detected_languages(
    found: list[tuple[str, float]], *, speech: dict[str, float] | None = None
) -> list[DetectedLanguage]:
    """Each language once with its highest probability, the most spoken first (by seconds in
    `speech`, then by probability)."""
    best: dict[str, float] = {}
    for language, probability in found:
        best[language] = max(best.get(language, 0.0), probability)
    spoken = speech or {}
    ordered = sorted(best.items(), key=lambda item: (-spoken.get(item[0], 0.0), -item[1]))
    return [DetectedLanguage(language, round(p, 4)) for language, p in ordered]
