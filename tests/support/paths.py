from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STORY_EN = FIXTURES / "story_en.flac"
STORY_EN_OPUS = FIXTURES / "story_en.opus"
SILENCE = FIXTURES / "silence.flac"
LONG_EN = FIXTURES / "long_en.flac"
STORY_ES = FIXTURES / "story_es.opus"
STORY_FR = FIXTURES / "story_fr.opus"
MIXED_ES_EN = FIXTURES / "mixed.opus"


def story_facts() -> dict[str, Any]:
    facts: dict[str, Any] = json.loads((FIXTURES / "story_en.json").read_text())
    return facts
