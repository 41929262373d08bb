"""A person's search box, parsed into a structure every backend can use. Pure.

The syntax is deliberately small:

- bare words (all must match), `"quoted phrases"`, `prefix*`;
- `-word` or `-"a phrase"` to leave something out;
- `OR` (in capitals) between two words, phrases or prefixes: either will do
  (`flood OR storm river` is (flood or storm) and river);
- field filters: `narrator:` and `collection:` (a name, quoted when it has spaces, or an id),
  `language:fr`, `speaker:` (as the transcript names them), `year:1950..1970` (also
  `year:1950`, `year:1950..` and `year:..1970`). Several filters of one field must all hold.

Everything else is text: other FTS5 operators (`NOT`, `NEAR(...)`), other column names
(`text:`), parentheses and stray quotes are searched for as words, never obeyed, because each
part reaches FTS5 only as a double-quoted string. An unterminated quote makes the rest of the
query one phrase, which is what people mean when they forget to close it. A query that cannot
be read (an `OR` with nothing on one side, a filter with no value, a year that is not one)
raises `BadRequest` whose detail shows how to write it.

`ParsedQuery` keeps the parts as well as the FTS5 expression, so another backend (Elasticsearch)
builds its own query from the same decisions instead of re-parsing the user's text.
"""

from __future__ import annotations

import dataclasses
import re
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
    alternatives: tuple[tuple[QueryPart, ...], ...] = ()
    """Groups joined by OR: at least one part of each group must occur."""
    fields: tuple[FieldFilter, ...] = ()
    """`narrator:`, `collection:`, `language:` and `speaker:` filters, in the user's order."""
    years: tuple[int, int] | None = None
    """`year:` filters, as one inclusive range (several are intersected)."""

    def wanted(self) -> list[QueryPart]:
        """Every part that adds to a segment's score: terms, phrases, prefixes, alternatives."""
        found = [QueryPart("term", text) for text in self.terms]
        found.extend(QueryPart("phrase", text) for text in self.phrases)
        found.extend(QueryPart("prefix", text) for text in self.prefixes)
        found.extend(part for group in self.alternatives for part in group)
        return found

    def with_fields(self, fields: tuple[FieldFilter, ...]) -> ParsedQuery:
        """The same query with other field filters (names resolved to ids by the caller)."""
        return dataclasses.replace(self, fields=fields)


@dataclass(frozen=True, slots=True)
class QueryPart:
    kind: str
    """"term", "phrase" or "prefix"."""
    text: str


FIELD_NAMES = ("narrator", "collection", "language", "speaker", "year")
"""The fields a query can filter on with `name:value`."""

EARLIEST_YEAR = 1000
LATEST_YEAR = 2999


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """A segment passes when its field equals one of `values` (compared without case for
    language and speaker). As parsed, `values` is what the user typed; the API replaces a
    narrator's or collection's name with the ids of those so named (none: nothing passes)."""

    field: str
    values: tuple[str, ...]


class _Kind(Enum):
    TERM = "term"
    PHRASE = "phrase"
    PREFIX = "prefix"
    OR = "or"
    FIELD = "field"


@dataclass(frozen=True, slots=True)
class _Part:
    kind: _Kind
    text: str
    negated: bool
    field: str = ""


OR_DETAIL = (
    "OR stands between two things to look for, either of which will do: for example "
    'flood OR storm, or "great flood" OR river.'
)


def parse_query(raw: str) -> ParsedQuery:
    """Raises `BadRequest` when nothing searchable is left, the query is too long, or a part
    of it cannot be read (the detail shows how to write it)."""
    text = _clean(raw)
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"Your search is {len(text)} characters long; shorten it to at most "
            f"{MAX_QUERY_CHARS}, for example by keeping the most distinctive words."
        )
    scanned = _scan(text)
    if len(scanned) > MAX_PARTS:
        raise BadRequest(
            f"Your search has {len(scanned)} words and phrases; use at most {MAX_PARTS}, "
            "keeping the most distinctive ones."
        )
    fields = [part for part in scanned if part.kind is _Kind.FIELD]
    groups = _groups([part for part in scanned if part.kind is not _Kind.FIELD])
    singles = list(dict.fromkeys(group[0] for group in groups if len(group) == 1))
    alternatives = list(dict.fromkeys(tuple(group) for group in groups if len(group) > 1))
    wanted = [part for part in singles if not part.negated]
    if not wanted and not alternatives:
        if singles:
            raise BadRequest(
                "Add at least one word to look for: a search cannot consist only of words to "
                'leave out (-word). For example: flood -river or "the great flood".'
            )
        if fields:
            raise BadRequest(
                "Add at least one word to look for besides the filters, for example "
                f"{fields[0].field}:{_example(fields[0].field)} river."
            )
        raise BadRequest(EMPTY_QUERY_DETAIL)
    return ParsedQuery(
        match=_fts5_match(
            wanted, alternatives, unwanted=[part for part in singles if part.negated]
        ),
        terms=_texts(wanted, _Kind.TERM),
        phrases=_texts(wanted, _Kind.PHRASE),
        prefixes=_texts(wanted, _Kind.PREFIX),
        excluded=tuple(part.text for part in singles if part.negated),
        alternatives=tuple(
            tuple(QueryPart(part.kind.value, part.text) for part in group) for group in alternatives
        ),
        fields=_field_filters(fields),
        years=_years(fields),
    )


def _groups(parts: list[_Part]) -> list[list[_Part]]:
    """The parts with every `OR` joining its neighbours into one group."""
    groups: list[list[_Part]] = []
    joining = False
    for position, part in enumerate(parts):
        if part.kind is _Kind.OR:
            if joining or not groups or position == len(parts) - 1:
                raise BadRequest(OR_DETAIL)
            if groups[-1][-1].negated:
                raise BadRequest(
                    "A word to leave out (-word) cannot be one side of an OR. " + OR_DETAIL
                )
            joining = True
            continue
        if joining:
            if part.negated:
                raise BadRequest(
                    "A word to leave out (-word) cannot be one side of an OR. " + OR_DETAIL
                )
            if part not in groups[-1]:
                groups[-1].append(part)
            joining = False
        else:
            groups.append([part])
    return groups


def _example(field: str) -> str:
    return {
        "narrator": '"Ana Lopez"',
        "collection": '"River stories"',
        "language": "fr",
        "speaker": '"Speaker 1"',
        "year": "1950..1970",
    }[field]


def _field_filters(fields: list[_Part]) -> tuple[FieldFilter, ...]:
    found = [FieldFilter(part.field, (part.text,)) for part in fields if part.field != "year"]
    return tuple(dict.fromkeys(found))


_YEAR_RANGE = re.compile(r"(\d{1,4})?(?:(\.\.)(\d{1,4})?)?")


def _years(fields: list[_Part]) -> tuple[int, int] | None:
    low, high, seen = EARLIEST_YEAR, LATEST_YEAR, False
    for part in fields:
        if part.field != "year":
            continue
        match = _YEAR_RANGE.fullmatch(part.text)
        if match is None or not (match.group(1) or match.group(3)):
            raise BadRequest(
                f"year:{part.text} is not a year or a range of years. Write year:1950 for one "
                "year, year:1950..1970 for a range, year:1950.. or year:..1970 for an open one."
            )
        first = int(match.group(1)) if match.group(1) else EARLIEST_YEAR
        last = int(match.group(3)) if match.group(3) else LATEST_YEAR
        if not match.group(2):
            last = first
        if first > last:
            raise BadRequest(
                f"year:{part.text} ends before it starts; write the earlier year first, for "
                f"example year:{last}..{first}."
            )
        low, high, seen = max(low, first), min(high, last), True
    return (low, high) if seen else None


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
            phrase, i = _quoted(text, i)
            if _has_word_char(phrase):
                parts.append(_Part(_Kind.PHRASE, phrase, negated))
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        raw = text[start:i]
        name, colon, value = raw.partition(":")
        if colon and name.lower() in FIELD_NAMES:
            field = name.lower()
            if not value and i < n and text[i] == '"':
                value, i = _quoted(text, i)
            if negated:
                raise BadRequest(
                    f"-{field}: cannot leave a {field} out; filter on the one you want, for "
                    f"example {field}:{_example(field)}."
                )
            if not value.strip():
                raise BadRequest(
                    f"{field}: needs a value right after the colon, for example "
                    f"{field}:{_example(field)}."
                )
            parts.append(_Part(_Kind.FIELD, value.strip(), False, field))
            continue
        if raw == "OR" and not negated:
            parts.append(_Part(_Kind.OR, raw, False))
            continue
        part = _word(raw, negated)
        if part is not None:
            parts.append(part)
    return parts


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The phrase of the quote opening at `i` (spaces collapsed), and where scanning goes on."""
    close = text.find('"', i + 1)
    end = len(text) if close == -1 else close
    return " ".join(text[i + 1 : end].split()), end + 1


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


def _fts5_match(
    wanted: list[_Part], alternatives: list[tuple[_Part, ...]], *, unwanted: list[_Part]
) -> str:
    clauses = [_fts5_part(part) for part in wanted]
    clauses.extend(
        "(" + " OR ".join(_fts5_part(part) for part in group) + ")" for group in alternatives
    )
    required = " AND ".join(clauses)
    if not unwanted:
        return required
    # FTS5's NOT is binary and left-associative: (a AND b) NOT c NOT d.
    return f"({required})" + "".join(f" NOT {_fts5_part(part)}" for part in unwanted)


def _fts5_part(part: _Part) -> str:
    literal = fts5_string(part.text)
    return f"{literal} *" if part.kind is _Kind.PREFIX else literal
