"""How the built-in index reads words beyond folding them: English stems. Pure.

Folding (case, and accents in every script: `nino` finds `niño`, `Sao Paulo` finds `São
Paulo`, and the reverse) is the FTS5 tokenizer's `unicode61 remove_diacritics 2`
(`fts5_schema.TOKENIZE`). Stemming is done here, in Python, with the Snowball English stemmer,
for English segments only: Spanish "mes" must never meet English "me". An English segment's
stems are indexed in a second column (`stems`) beside its text; a bare word of a query matches
the text as typed, or, through its English stem, the `stems` column, so `carried` finds
"carry". Phrases, prefixes and words to leave out are matched against the text only, so an
exact phrase stays exact and a prefix is never compared with a stem.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

import snowballstemmer

from archive.search.query import ParsedQuery, QueryPart, fts5_string

STEMMED_LANGUAGES = frozenset({"en"})
"""Whisper codes whose segments get English stems."""

_APOSTROPHE = "\u2019"  # the typographic apostrophe (right single quotation mark)
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


_local = threading.local()

_STEMS: dict[str, str] = {}
"""Stems made before, by word: a rebuild stems the same few thousand common words millions of
times, and a dict lookup is several times as fast as the stemmer's own cache. Shared by
threads (a dict's get and update are atomic); emptied when it reaches `_STEMS_KEPT` words."""
_STEMS_KEPT = 200_000


def _english() -> Any:
    """This thread's English stemmer: a Snowball stemmer keeps its word in itself while it
    works, so two threads sharing one (searches served in parallel) corrupt each other.
    `snowballstemmer` hands out PyStemmer's C stemmer (a dependency), about 20 times as fast
    as its pure Python one, which it falls back to where PyStemmer cannot be installed."""
    stemmer = getattr(_local, "english", None)
    if stemmer is None:
        stemmer = _local.english = snowballstemmer.stemmer("english")
    return stemmer


def is_stemmed(language: str | None) -> bool:
    """Whether a segment in `language` ("en", "en-GB", None) is indexed with stems."""
    if not language:
        return False
    return language.strip().lower().replace("_", "-").partition("-")[0] in STEMMED_LANGUAGES


def english_stem(word: str) -> str:
    """The Snowball English stem of one word, lower case ("Carried" -> "carri")."""
    return str(_english().stemWord(_stemmable(word)))


def stems_text(text: str, language: str | None) -> str:
    """The `stems` column of a segment: its words' English stems, space-separated, for an
    English segment; the empty string for any other. A segment with a word not stemmed
    before goes to the stemmer whole, in one call: a rebuild stems every English word of the
    archive."""
    if not is_stemmed(language):
        return ""
    words = _WORD.findall(_stemmable(text))
    try:
        return " ".join([_STEMS[word] for word in words])
    except KeyError:
        pass
    stems: list[str] = _english().stemWords(words)
    if len(_STEMS) > _STEMS_KEPT:
        _STEMS.clear()
    _STEMS.update(zip(words, stems, strict=True))
    return " ".join(stems)


def _stemmable(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().replace(_APOSTROPHE, "'")


def fts5_match(parsed: ParsedQuery) -> str:
    """The FTS5 MATCH expression of `parsed` over the built-in index's `text` and `stems`
    columns: every part (and each side of an `OR`) against `text`, and each bare word also,
    through its English stem, against `stems`.
    Every part reaches FTS5 as a string literal (`query.fts5_string`), never as syntax."""
    wanted = [_stemmed_term(term) for term in parsed.terms]
    wanted.extend(f"text : {fts5_string(phrase)}" for phrase in parsed.phrases)
    wanted.extend(f"text : {fts5_string(prefix)} *" for prefix in parsed.prefixes)
    wanted.extend(
        "(" + " OR ".join(_part(part) for part in group) + ")" for group in parsed.alternatives
    )
    expression = " AND ".join(wanted)
    if not parsed.excluded:
        return expression
    # FTS5's NOT is binary and left-associative: (a AND b) NOT c NOT d.
    return f"({expression})" + "".join(
        f" NOT text : {fts5_string(text)}" for text in parsed.excluded
    )


def _part(part: QueryPart) -> str:
    if part.kind == "term":
        return _stemmed_term(part.text)
    if part.kind == "prefix":
        return f"text : {fts5_string(part.text)} *"
    return f"text : {fts5_string(part.text)}"


def _stemmed_term(term: str) -> str:
    exact = f"text : {fts5_string(term)}"
    stems = stems_text(term, "en")
    return f"({exact} OR stems : {fts5_string(stems)})" if stems else exact
