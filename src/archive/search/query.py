"""A person's search box, parsed into a structure every backend can use. Pure.

The syntax is deliberately small: bare words (all must match), `"quoted phrases"`, `prefix*`
and `-word` or `-"a phrase"` to leave something out. Everything else is text: FTS5 operators
(`OR`, `NOT`, `NEAR(...)`), column filters (`text:`), parentheses and stray quotes are searched
for as words, never obeyed, because each part reaches FTS5 only as a double-quoted string. An
unterminated quote makes the rest of the query one phrase, which is what people mean when they
forget to close it.

`ParsedQuery` keeps the parts as well as the FTS5 expression, so another backend (Elasticsearch)
builds its own query from the same decisions instead of re-parsing the user's text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

from archive.errors import BadRequest

MAX_QUERY_CHARS = 1000
MAX_PARTS = 32

EMPTY_QUERY_DETAIL = 'Type at least one word to search for, for example river or "the great flood".'

# Format and control characters (NUL, zero-width joiners, bidi marks) are never part of a word
# for the FTS5 tokenizer, and NUL would end the FTS5 string early; they are read as spaces.
_SPACE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp", "Zs"})


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What to find, in the user's order within each kind.

    `terms` must each occur, `phrases` must each occur as consecutive words, `prefixes` must
    each start some word, and no document may contain any of `excluded` (a word or a phrase).
    All texts are as the user typed them, minus surrounding punctuation: case folding and
    accent removal are the backend's analyzer's job. `match` is the same query as a safe FTS5
    MATCH expression.
    """

    match: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...]
    prefixes: tuple[str, ...]
    excluded: tuple[str, ...] = ()


class _Kind(Enum):
    TERM = "term"
    PHRASE = "phrase"
    PREFIX = "prefix"


@dataclass(frozen=True, slots=True)
class _Part:
    kind: _Kind
    text: str
    negated: bool


def parse_query(raw: str) -> ParsedQuery:
    """Raises `BadRequest` when nothing searchable is left, or the query is too long."""
    text = _clean(raw)
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"Your search is {len(text)} characters long; shorten it to at most "
            f"{MAX_QUERY_CHARS}, for example by keeping the most distinctive words."
        )
    parts = list(dict.fromkeys(_scan(text)))
    if len(parts) > MAX_PARTS:
        raise BadRequest(
            f"Your search has {len(parts)} words and phrases; use at most {MAX_PARTS}, "
            "keeping the most distinctive ones."
        )
    wanted = [part for part in parts if not part.negated]
    if not wanted:
        if parts:
            raise BadRequest(
                "Add at least one word to look for: a search cannot consist only of words to "
                'leave out (-word). For example: flood -river or "the great flood".'
            )
        raise BadRequest(EMPTY_QUERY_DETAIL)
    return ParsedQuery(
        match=_fts5_match(parts),
        terms=_texts(wanted, _Kind.TERM),
        phrases=_texts(wanted, _Kind.PHRASE),
        prefixes=_texts(wanted, _Kind.PREFIX),
        excluded=tuple(part.text for part in parts if part.negated),
    )


def fts5_string(text: str) -> str:
    """An FTS5 string literal: inside one, every character is text to tokenize, none syntax."""
    return '"' + text.replace('"', '""') + '"'


def _clean(raw: str) -> str:
    normalized = unicodedata.normalize("NFC", raw)
    return "".join(
        " " if unicodedata.category(ch) in _SPACE_CATEGORIES else ch for ch in normalized
    ).strip()


def _scan(text: str) -> list[_Part]:
    parts: list[_Part] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            close = text.find('"', i + 1)
            end = n if close == -1 else close
            phrase = " ".join(text[i + 1 : end].split())
            i = end + 1
            if _has_word_char(phrase):
                parts.append(_Part(_Kind.PHRASE, phrase, negated))
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        part = _word(text[start:i], negated)
        if part is not None:
            parts.append(part)
    return parts


def _word(raw: str, negated: bool) -> _Part | None:
    stem = raw.rstrip("*")
    # A word to leave out is left out whole: "-riv*" excludes the word "riv", not a prefix.
    kind = _Kind.PREFIX if stem != raw and not negated else _Kind.TERM
    word = _strip_punctuation(stem)
    return _Part(kind, word, negated) if word else None


def _strip_punctuation(word: str) -> str:
    start, end = 0, len(word)
    while start < end and not _is_word_char(word[start]):
        start += 1
    # A trailing combining mark belongs to the letter before it (a decomposed accent).
    while end > start and not (_is_word_char(word[end - 1]) or _is_mark(word[end - 1])):
        end -= 1
    return word[start:end]


def _is_word_char(ch: str) -> bool:
    # The letters, numbers and private-use characters that FTS5's unicode61 tokenizer keeps.
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _has_word_char(text: str) -> bool:
    return any(_is_word_char(ch) for ch in text)


def _texts(parts: list[_Part], kind: _Kind) -> tuple[str, ...]:
    return tuple(part.text for part in parts if part.kind is kind)


def _fts5_match(parts: list[_Part]) -> str:
    wanted = " AND ".join(_fts5_part(part) for part in parts if not part.negated)
    unwanted = [_fts5_part(part) for part in parts if part.negated]
    if not unwanted:
        return wanted
    # FTS5's NOT is binary and left-associative: (a AND b) NOT c NOT d.
    return f"({wanted})" + "".join(f" NOT {part}" for part in unwanted)


def _fts5_part(part: _Part) -> str:
    literal = fts5_string(part.text)
    return f"{literal} *" if part.kind is _Kind.PREFIX else literal
