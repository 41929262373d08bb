from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.errors import BadRequest
from archive.search.query import (
    EMPTY_QUERY_DETAIL,
    MAX_PARTS,
    MAX_QUERY_CHARS,
    ParsedQuery,
    fts5_string,
    parse_query,
)


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    """An FTS5 table configured like the index, to prove FTS5 accepts every expression."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute("INSERT INTO t (text) VALUES ('the river flooded the village')")
    yield conn
    conn.close()


def test_bare_words_must_all_match() -> None:
    parsed = parse_query("river flood")
    assert parsed == ParsedQuery(
        match='"river" AND "flood"', terms=("river", "flood"), phrases=(), prefixes=()
    )


def test_quoted_phrase() -> None:
    parsed = parse_query('"the river  flooded" village')
    assert parsed.phrases == ("the river flooded",)
    assert parsed.terms == ("village",)
    assert parsed.match == '"the river flooded" AND "village"'


def test_prefix() -> None:
    parsed = parse_query("riv*")
    assert parsed.prefixes == ("riv",)
    assert parsed.terms == ()
    assert parsed.match == '"riv" *'


def test_exclusion_of_word_and_phrase() -> None:
    parsed = parse_query('flood -river -"great storm"')
    assert parsed.terms == ("flood",)
    assert parsed.excluded == ("river", "great storm")
    assert parsed.match == '("flood") NOT "river" NOT "great storm"'


def test_excluded_prefix_is_an_excluded_word() -> None:
    assert parse_query("flood -riv*").match == '("flood") NOT "riv"'


def test_only_exclusions_is_refused_with_an_example() -> None:
    with pytest.raises(BadRequest, match="leave out") as caught:
        parse_query("-river -flood")
    assert "For example" in caught.value.detail


def test_hyphen_inside_a_word_is_not_exclusion() -> None:
    parsed = parse_query("well-known -")
    assert parsed.terms == ("well-known",)
    assert parsed.excluded == ()


def test_unterminated_quote_makes_the_rest_a_phrase() -> None:
    parsed = parse_query('flood "the great storm')
    assert parsed.terms == ("flood",)
    assert parsed.phrases == ("the great storm",)


def test_quote_inside_a_word_starts_a_phrase() -> None:
    parsed = parse_query('river"bank side"')
    assert parsed.terms == ("river",)
    assert parsed.phrases == ("bank side",)


def test_duplicates_are_dropped_in_order() -> None:
    assert parse_query("flood river flood").terms == ("flood", "river")


def test_surrounding_punctuation_is_dropped() -> None:
    assert parse_query("(river), ¿flood?").terms == ("river", "flood")


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("text:foo", '"text:foo"'),
        ("a or b", '"a" AND "or" AND "b"'),
        ("a NOT b", '"a" AND "NOT" AND "b"'),
        ("NEAR(a b)", '"NEAR(a" AND "b"'),
        ("{text}: river", '"text" AND "river"'),
        ("^river", '"river"'),
        ("river + flood", '"river" AND "flood"'),
        ("ri*ver", '"ri*ver"'),
        ("river\x00flood", '"river" AND "flood"'),
    ],
)
def test_fts5_syntax_is_searched_as_text(query: str, match: str) -> None:
    assert parse_query(query).match == match


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '""',
        "*",
        "**",
        "-",
        "--",
        "()",
        '"*"',
        "!!! ??? ...",
        "😀🌊",
        "\x00",
        "\u0301",
    ],
)
def test_nothing_searchable_is_refused_with_an_example(query: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_query(query)
    assert caught.value.detail == EMPTY_QUERY_DETAIL


def test_emoji_beside_a_word_is_ignored() -> None:
    assert parse_query("river 🌊").terms == ("river",)


def test_unicode_words_are_kept() -> None:
    parsed = parse_query("ñandú 東京 Ἀθῆναι")
    assert parsed.terms == ("ñandú", "東京", "Ἀθῆναι")


def test_decomposed_accents_are_composed() -> None:
    assert parse_query("n\u0303andu\u0301").terms == ("ñandú",)


def test_fts5_string_doubles_quotes() -> None:
    assert fts5_string('say "hi"') == '"say ""hi"""'


def test_too_long_query_is_refused() -> None:
    with pytest.raises(BadRequest, match=str(MAX_QUERY_CHARS)):
        parse_query("a" * (MAX_QUERY_CHARS + 1))


def test_too_many_parts_is_refused() -> None:
    with pytest.raises(BadRequest, match=str(MAX_PARTS)):
        parse_query(" ".join(f"w{i}" for i in range(MAX_PARTS + 1)))


@pytest.mark.parametrize(
    "query",
    [
        "text:foo",
        "a OR b",
        "NEAR(a b)",
        '"unterminated',
        'a"b"c"d',
        "riv* -flood*",
        'say ""hi""',
        "ñandú 😀",
        "(river AND",
        "col:* ^ - + :",
    ],
)
def test_fts5_accepts_the_expression(fts5: sqlite3.Connection, query: str) -> None:
    fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", (parse_query(query).match,)).fetchall()


def test_any_input_is_refused_or_accepted_by_fts5(fts5: sqlite3.Connection) -> None:
    rng = random.Random(20240611)
    alphabet = [*'()"*-+:^{},.\\\x00\té😀\u0301 ', "ab", "AND", "OR", "NOT", "NEAR", "text"]
    for _ in range(2000):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        try:
            match = parse_query(query).match
        except BadRequest:
            continue
        fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()


# Any input: parsed into an expression FTS5 accepts, or refused with a detail that shows how


_SYNTAX = st.sampled_from(
    [
        "river",
        "flood",
        "OR",
        "or",
        "-",
        "-river",
        '"',
        '"great flood"',
        "riv*",
        "*",
        "narrator:",
        'narrator:"Ana Lopez"',
        "collection:x",
        "language:fr",
        "speaker:",
        "year:",
        "year:1950..1970",
        "year:1970..1950",
        "year:..",
        "year:19x",
        "NEAR(",
        ")",
        ":",
        "text:",
        "é",
        "\x00",
        "\u200b",
    ]
)
_QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(_SYNTAX, max_size=8).map(" ".join),
    st.lists(_SYNTAX, max_size=8).map("".join),
)


@given(_QUERIES)
@settings(max_examples=200, deadline=None)
def test_any_input_parses_or_is_refused_showing_how(fts5: sqlite3.Connection, raw: str) -> None:
    parsed, refused = _parsed_or_refused(raw)
    if parsed is None:
        assert len(refused) > 30
        hints = ("for example", "For example", "Write", "keeping")
        assert any(hint in refused for hint in hints), refused
        return
    fts5.execute("SELECT count(*) FROM t WHERE t MATCH ?", (parsed.match,)).fetchone()
    assert parsed.wanted()
    if parsed.years is not None:
        assert parsed.years[0] <= parsed.years[1]


def _parsed_or_refused(raw: str) -> tuple[ParsedQuery | None, str]:
    try:
        return parse_query(raw), ""
    except BadRequest as refused:
        return None, refused.detail
