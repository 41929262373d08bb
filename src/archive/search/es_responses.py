"""Reading Elasticsearch's answers: hits, merged highlights, facets and totals. Pure.

A segment matched through several text fields (its language's and the folded one) comes back
with one highlight per field; `merge_highlights` joins their marks over the original text and
escapes that text itself, so the API's `highlight` is the same HTML whichever backend made it.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from archive.search.base import FACET_FIELDS, SearchHit
from archive.search.es_mapping import TEXT_FIELDS
from archive.search.es_queries import FACET_SAMPLE, POST_TAG, PRE_TAG


def hit_from_response(hit: Mapping[str, Any]) -> SearchHit:
    source = hit["_source"]
    text: str = source["text"]
    score = hit.get("_score")
    if score is None:  # sorted searches put the score first in `sort`
        score = hit.get("sort", [0.0])[0]
    return SearchHit(
        story_id=uuid.UUID(source["story_id"]),
        recording_id=uuid.UUID(source["recording_id"]),
        segment_id=uuid.UUID(source["segment_id"]),
        start=float(source["start"]),
        end=float(source["end"]),
        text=text,
        highlight=merge_highlights(text, _fragments(hit.get("highlight", {}))),
        score=float(score),
        language=source.get("language"),
        track=str(source.get("track") or "original"),
    )


def _fragments(highlight: Mapping[str, Any]) -> list[str]:
    # The main field first: when the text fields disagree, `text` is the reference.
    return [
        fragment
        for field in TEXT_FIELDS
        for fragment in highlight.get(field, [])
        if isinstance(fragment, str)
    ]


def merge_highlights(text: str, fragments: Iterable[str]) -> str:
    """HTML for `text` with every span any fragment marks in `<mark>`, everything else escaped.

    Each fragment is a whole-text highlight (HTML-encoded, marks as `PRE_TAG`/`POST_TAG`); one
    that does not decode back to `text` exactly (cut short, or from another text) is ignored,
    so nothing in the result comes from anywhere but `text`.
    """
    spans: list[tuple[int, int]] = []
    for fragment in fragments:
        found = _marked_spans(fragment, text)
        if found is not None:
            spans.extend(found)
    out: list[str] = []
    position = 0
    for start, end in _union(spans):
        out.append(html.escape(text[position:start]))
        out.append(PRE_TAG + html.escape(text[start:end]) + POST_TAG)
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def _marked_spans(fragment: str, text: str) -> list[tuple[int, int]] | None:
    """The marked character ranges of `text`, or None when `fragment` is not all of it."""
    pieces = re.split(f"({re.escape(PRE_TAG)}|{re.escape(POST_TAG)})", fragment)
    spans: list[tuple[int, int]] = []
    position = 0
    opened: int | None = None
    for piece in pieces:
        if piece == PRE_TAG:
            opened = position
        elif piece == POST_TAG:
            if opened is not None and position > opened:
                spans.append((opened, position))
            opened = None
        else:
            plain = html.unescape(piece)
            if not text.startswith(plain, position):
                return None
            position += len(plain)
    return spans if position == len(text) else None


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def facets_from_aggregations(
    aggregations: Mapping[str, Any], wanted: Collection[str] = FACET_FIELDS
) -> dict[str, dict[str, int]]:
    """Each facet asked for as {value: count}, values as text (a decade's 1950 as "1950").
    The facets are read from inside the `FACET_SAMPLE` sampler when it is there."""
    sampled = aggregations.get(FACET_SAMPLE, aggregations)
    return {
        name: {
            str(bucket["key"]): int(bucket["doc_count"])
            for bucket in sampled.get(name, {}).get("buckets", [])
        }
        for name in FACET_FIELDS
        if name in wanted
    }


def total_from_response(hits: Mapping[str, Any]) -> int:
    total = hits.get("total", 0)
    return int(total["value"] if isinstance(total, Mapping) else total)


def total_relation_from_response(hits: Mapping[str, Any]) -> str:
    """ "eq" or "gte" (a total counted up to `track_total_hits`)."""
    total = hits.get("total", 0)
    return str(total.get("relation", "eq")) if isinstance(total, Mapping) else "eq"
