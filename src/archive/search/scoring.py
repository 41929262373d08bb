"""The score of a search hit, on every backend: from that document and the query alone. Pure.

What a caller is told about a hit (its score, and so its order) must not depend on documents
the caller cannot see. bm25 breaks that: its document count, document frequencies and average
length cover the whole index, so an anonymous caller watching a public hit's score could count
the hidden segments that hold a word. No statistic of the collection is used here. Each wanted
part of the query (a word, a phrase, a prefix) that occurs `tf` times in a segment of `length`
words adds

    (K1 + 1) * tf / (tf + K1 * (1 - B + B * length / REFERENCE_LENGTH))

bm25's saturation and length normalisation, with fixed constants in place of idf and of the
average length: more occurrences score higher, a longer segment lower. Equal scores are ordered
by story, start time and segment id, which are the document's own too. Adding, changing or
removing any other document never changes a hit's score or its order against another hit.
"""

from __future__ import annotations

from collections.abc import Iterable

K1 = 1.2
B = 0.75
REFERENCE_LENGTH = 20.0
"""Words in a typical segment: one occurrence in a segment this long scores 1.0."""


def part_score(tf: float, length: float) -> float:
    """What one part of the query that occurs `tf` times in `length` words adds."""
    return (K1 + 1) * tf / (tf + K1 * (1 - B + B * length / REFERENCE_LENGTH))


def segment_score(tfs: Iterable[float], length: float) -> float:
    """The score of a segment of `length` words in which the query's parts occur `tfs` times."""
    return sum(part_score(tf, length) for tf in tfs)
