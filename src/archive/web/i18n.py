"""The pages' language: the person's choice (a cookie), else their browser's
`Accept-Language`, else English. Messages come from the gettext catalogs in `locale/`
(compiled `.mo` files are committed, so an install needs no build step; see README.md here)."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGE_COOKIE = "archive_lang"
DEFAULT_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
"""The languages the pages are translated into, each named in itself."""


def accepted_languages(header: str | None) -> list[str]:
    """The primary language tags of an `Accept-Language` header, most wanted first
    (`es-MX,es;q=0.9,en;q=0.8` gives es, en). Malformed parts are skipped."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.split("-")[0]))
    return list(dict.fromkeys(tag for _, _, tag in sorted(weighted)))


def choose_language(chosen: str | None, accept_language: str | None) -> str:
    """The person's choice when we have that language, else the first of their browser's
    languages that we have, else English."""
    if chosen in LANGUAGES:
        return chosen
    for tag in accepted_languages(accept_language):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language`; English is the source text, so it falls back to
    the messages as written."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
