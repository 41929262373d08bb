"""How the built-in index computes the score of `archive.search.scoring` inside its query.

FTS5's own ranking (bm25) reads statistics of the whole index, and Python's sqlite3 cannot
register an FTS5 ranking function of our own. So each document carries its words as the index's
tokenizer reads them (`tokens`, each word between two spaces: " the  river ") and their number
(`token_count`), and a part's occurrences are counted with SQLite's string functions inside the
query: a few microseconds per match, no second pass over the index, nothing in Python per
match. Occurrences are counted without overlap ("a a" occurs once in "a a a").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from archive.search.documents import SegmentDocument
from archive.search.fts5_schema import TOKENIZE
from archive.search.query import ParsedQuery
from archive.search.scoring import K1, REFERENCE_LENGTH, B


@contextmanager
def tokenizer() -> Iterator[Tokenizer]:
    """The index's tokenizer in a private in-memory database; nothing touches the index file."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute(
            f"CREATE VIRTUAL TABLE words USING fts5(text, content='', tokenize='{TOKENIZE}')"
        )
        conn.execute("CREATE VIRTUAL TABLE word_instances USING fts5vocab(words, instance)")
        yield Tokenizer(conn)
    finally:
        conn.close()


class Tokenizer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def words(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's words, in order, folded as the index folds them."""
        found: list[list[str]] = [[] for _ in texts]
        self._conn.execute("BEGIN")
        try:
            self._conn.executemany(
                "INSERT INTO words (rowid, text) VALUES (?, ?)", enumerate(texts)
            )
            rows = self._conn.execute(
                "SELECT doc, term FROM word_instances ORDER BY doc, offset"
            ).fetchall()
        finally:
            # Nothing is kept: the table is empty again for the next texts.
            self._conn.execute("ROLLBACK")
        for doc, term in rows:
            found[doc].append(term)
        return found


def tokens_field(words: Sequence[str]) -> str:
    """A document's `tokens` column: every word between two spaces."""
    return "".join(f" {word} " for word in words)


def needles(parsed: ParsedQuery, words: Tokenizer) -> list[str]:
    """What to count in `tokens` for each wanted part: a word or phrase whole (" the  river "),
    a prefix's last word open at its end (" riv"). Parts without a word add nothing."""
    wanted = [*parsed.terms, *parsed.phrases, *parsed.prefixes]
    prefix_from = len(parsed.terms) + len(parsed.phrases)
    found: list[str] = []
    for position, part in enumerate(words.words(wanted)):
        if not part:
            continue
        needle = tokens_field(part)
        found.append(needle[:-1] if position >= prefix_from else needle)
    return found


def score_sql(count: int) -> str:
    """`scoring.segment_score` of the row `m` as SQL, with `count` needles to bind, each as
    (needle, its length). Positive for a row in which every needle occurs."""
    if count == 0:
        return "1.0"
    norm = f"({K1} * (1.0 - {B} + {B} * m.token_count / {REFERENCE_LENGTH}))"
    tf = "((length(m.tokens) - length(replace(m.tokens, ?, ''))) / ?)"
    # (K1 + 1) * tf / (tf + norm), written with tf once so each needle is bound once.
    parts = [f"({K1 + 1} - {K1 + 1} * {norm} / ({tf} + {norm}))" for _ in range(count)]
    return "(" + " + ".join(parts) + ")"


def score_params(found: Sequence[str]) -> list[object]:
    params: list[object] = []
    for needle in found:
        params.extend((needle, len(needle)))
    return params


def with_words(
    docs: Sequence[SegmentDocument], words: Tokenizer | None = None
) -> list[tuple[SegmentDocument, list[str]]]:
    """Each document with its words, as the index tokenizes them."""
    if words is None:
        with tokenizer() as fresh:
            return with_words(docs, fresh)
    return list(zip(docs, words.words([doc.text for doc in docs]), strict=True))


def fill_tokens(conn: sqlite3.Connection) -> None:
    """Fills `tokens` and `token_count` of every document from its text (a file of an older
    schema version had none), in batches, in the caller's transaction."""
    after = 0
    with tokenizer() as words:
        while rows := conn.execute(
            "SELECT rowid, text FROM segment_text WHERE rowid > ? ORDER BY rowid LIMIT 1000",
            (after,),
        ).fetchall():
            found = words.words([text or "" for _, text in rows])
            conn.executemany(
                "UPDATE segment_meta SET tokens = ?, token_count = ? WHERE rowid = ?",
                [
                    (tokens_field(w), len(w), rowid)
                    for (rowid, _), w in zip(rows, found, strict=True)
                ],
            )
            after = rows[-1][0]
