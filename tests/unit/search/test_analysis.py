from __future__ import annotations

import sqlite3

from archive.search.analysis import fts5_match, is_stemmed, stems_text
from archive.search.fts5_schema import SCHEMA
from archive.search.query import parse_query


def test_only_english_segments_get_stems() -> None:
    assert stems_text("My grandmother carried the seeds", "en") == "my grandmoth carri the seed"
    assert stems_text("She didn\u2019t carry it", "en-GB") == "she didn't carri it"
    assert stems_text("el mes pasado", "es") == ""
    assert stems_text("anything", None) == ""
    assert is_stemmed("EN")
    assert not is_stemmed("es")
    assert not is_stemmed(None)


def test_the_match_reads_stems_for_bare_words_only() -> None:
    parsed = parse_query('carried "the seeds" hill* -river')
    assert fts5_match(parsed) == (
        '((text : "carried" OR stems : "carri") AND text : "the seeds" AND text : "hill" *)'
        ' NOT text : "river"'
    )


def test_either_side_of_an_or_reads_stems_when_it_is_a_bare_word() -> None:
    parsed = parse_query('carried OR "the seeds" hill* OR river')
    assert fts5_match(parsed) == (
        '((text : "carried" OR stems : "carri") OR text : "the seeds") AND '
        '(text : "hill" * OR (text : "river" OR stems : "river"))'
    )


def test_every_query_is_an_expression_fts5_accepts() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    for query in ['text:foo OR "a"', "NEAR(a b)", 'say ""hi""', "ñandú 😀", "stems : x", "-a b*"]:
        conn.execute(
            "SELECT * FROM segment_text WHERE segment_text MATCH ?",
            (fts5_match(parse_query(query)),),
        )
    conn.close()
