"""How the built-in index computes the score of `archive.search.scoring` for its candidates.

FTS5's own ranking (bm25) reads statistics of the whole index, and Python's sqlite3 cannot
register an FTS5 ranking function of our own. So the search reads a bounded window of
candidates (`base.RANK_WINDOW`: their rowids and texts, never the whole match), tokenizes their
texts with the index's own tokenizer in a private in-memory table, and counts each wanted
part's occurrences in the words: a word or phrase whole (" the  river " in " the  river  ran "),
a prefix's last word open at its end (" riv"). Occurrences are counted without overlap ("a a"
occurs once in "a a a"). Nothing is stored for scoring, so writing the index costs nothing more.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from archive.search.fts5_schema import TOKENIZE
from archive.search.query import ParsedQuery
from archive.search.scoring import segment_score


@contextmanager
def tokenizer() -> Iterator[Tokenizer]:
    """The index's tokenizer, in a private in-memory database made the first time a text needs
    it (an ASCII text's words are read in Python); nothing touches the index file."""
    words = Tokenizer()
    try:
        yield words
    finally:
        words.close()


PLAIN_ASCII = TOKENIZE == "unicode61 remove_diacritics 2"
"""With this tokenizer an ASCII text's words are its runs of letters and digits, lowercased:
read in Python, much faster than through FTS5. Any other tokenizer (stemming, other
separators) is always asked."""

_ASCII_WORD = re.compile(r"[a-z0-9]+")


class Tokenizer:
    def __init__(self) -> None:
        self._opened: sqlite3.Connection | None = None

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._opened is None:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.execute(
                f"CREATE VIRTUAL TABLE words USING fts5(text, content='', tokenize='{TOKENIZE}')"
            )
            conn.execute("CREATE VIRTUAL TABLE word_instances USING fts5vocab(words, instance)")
            self._opened = conn
        return self._opened

    def words(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's words, in order, folded as the index folds them."""
        found: list[list[str]] = [[] for _ in texts]
        others: list[tuple[int, str]] = []
        for position, text in enumerate(texts):
            if PLAIN_ASCII and text.isascii():
                found[position] = _ASCII_WORD.findall(text.lower())
            else:
                others.append((position, text))
        if not others:
            return found
        self._conn.execute("BEGIN")
        try:
            self._conn.executemany("INSERT INTO words (rowid, text) VALUES (?, ?)", others)
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
    return f" {'  '.join(words)} " if words else ""


def needles(parsed: ParsedQuery, words: Tokenizer) -> list[str]:
    """What to count in a text's words for each wanted part: a word or phrase whole
    (" the  river "), a prefix's last word open at its end (" riv"). Parts without a word add
    nothing."""
    wanted = parsed.wanted()
    found: list[str] = []
    for part, tokens in zip(wanted, words.words([p.text for p in wanted]), strict=True):
        if not tokens:
            continue
        needle = tokens_field(tokens)
        found.append(needle[:-1] if part.kind == "prefix" else needle)
    return found


Candidate = tuple[int, str, str, float, str]
"""(rowid, text, story id, start, segment id)"""


def score_window(
    candidates: Sequence[Candidate], found: Sequence[str], *, words: Tokenizer
) -> list[tuple[int, float]]:
    """(rowid, score) of every candidate, best first (ties by story, start, segment id).
    A needle of one whole word is counted in the list of words, without joining them."""
    texts = words.words([text or "" for _, text, _, _, _ in candidates])
    single = [needle[1:-1] for needle in found if _one_word(needle)]
    joined = [needle for needle in found if not _one_word(needle)]
    scored: list[tuple[float, str, float, str, int]] = []
    for (rowid, _, story_id, start, segment_id), tokens in zip(candidates, texts, strict=True):
        if found:
            tfs = [tokens.count(word) for word in single]
            if joined:
                field = tokens_field(tokens)
                tfs.extend(field.count(needle) for needle in joined)
            score = segment_score(tfs, len(tokens))
        else:
            score = 1.0
        scored.append((-score, story_id, start, segment_id, rowid))
    scored.sort()
    return [(rowid, -negative) for negative, _, _, _, rowid in scored]


def _one_word(needle: str) -> bool:
    """Whether the needle is one whole word (" river "), not a phrase (" the  river ") nor a
    prefix (" riv")."""
    return needle.endswith(" ") and "  " not in needle
