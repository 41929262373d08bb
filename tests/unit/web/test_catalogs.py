"""The pages' message catalogs: every message in the templates and page modules is in the
Spanish catalog and translated, and the committed `.mo` files are the `.po` files compiled
(an install needs no build step, so a stale `.mo` would show old text)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from archive.errors import ArchiveError
from archive.web import i18n
from archive.web.errors import ERROR_TITLES

WEB = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _catalog(language: str) -> tuple[Path, object]:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as f:
        return path, read_po(f, locale=language)


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(WEB), method_map, options_map=options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_of_the_pages_is_translated_into_spanish() -> None:
    _, catalog = _catalog("es")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog  # type: ignore[attr-defined]
        if m.id
        and (m.string if isinstance(m.string, str) else all(m.string))
        and "fuzzy" not in m.flags
    }
    missing = sorted(_extracted() - translated)
    assert not missing, f"run `make messages` and translate these in es/messages.po: {missing}"


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_the_committed_mo_file_is_the_po_file_compiled(language: str) -> None:
    po_path, catalog = _catalog(language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # type: ignore[arg-type]
    assert po_path.with_suffix(".mo").read_bytes() == compiled.getvalue(), (
        "the .mo file is older than its .po file: run `make messages` and commit both"
    )


def test_the_language_follows_the_choice_then_the_browser() -> None:
    assert i18n.choose_language("es", "en-GB,en;q=0.9") == "es"
    assert i18n.choose_language(None, "fr-CA,es;q=0.8,en;q=0.5") == "es"
    assert i18n.choose_language("xx", "de") == "en"
    assert i18n.accepted_languages("en;q=0.2, es-MX , fr;q=0") == ["es", "en"]
    assert i18n.translations("es").gettext("Search") == "Buscar"


def _subclasses(cls: type[ArchiveError]) -> list[type[ArchiveError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


def test_every_error_title_the_error_page_shows_is_in_the_catalog() -> None:
    titles = {error.title for error in _subclasses(ArchiveError)}
    assert titles <= set(ERROR_TITLES), "add the new titles to web/errors.py ERROR_TITLES"
