from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STORY_EN = FIXTURES / "story_en.flac"
STORY_EN_OPUS = FIXTURES / "story_en.opus"
SILENCE = FIXTURES / "silence.flac"
LONG_EN = FIXTURES / "long_en.flac"


def story_facts() -> dict[str, Any]:
    facts: dict[str, Any] = json.loads((FIXTURES / "story_en.json").read_text())
    return facts
