"""The Elasticsearch backend's bodies, checked as data: no server needed."""

from __future__ import annotations

import dataclasses
import html
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from archive.domain.access import Role, SearchScope, Viewer, search_scope
from archive.search import es_mapping as m
from archive.search import es_queries as q
from archive.search import es_responses as r
from archive.search.base import FACET_FIELDS, FACET_SIZE, NO_FILTERS, TOTAL_LIMIT, SearchFilters
from archive.search.documents import SegmentDocument
from archive.search.query import parse_query
from archive.search.scoring import part_score

EVERYTHING = SearchScope(everything=True)
ANONYMOUS = search_scope(None)
NAMES = m.index_names("archive")


def body(
    query: str,
    scope: SearchScope = EVERYTHING,
    filters: SearchFilters = NO_FILTERS,
    *,
    offset: int = 0,
    limit: int = 20,
) -> dict[str, Any]:
    return q.search_body(parse_query(query), scope, filters=filters, offset=offset, limit=limit)


def bool_query(query: str, scope: SearchScope = EVERYTHING, **filters: Any) -> dict[str, Any]:
    found: dict[str, Any] = body(query, scope, SearchFilters(**filters))["query"]["bool"]
    return found


def document(**changes: Any) -> SegmentDocument:
    fields: dict[str, Any] = {
        "segment_id": uuid.UUID(int=1),
        "recording_id": uuid.UUID(int=2),
        "story_id": uuid.UUID(int=3),
        "transcript_id": uuid.UUID(int=4),
        "start": 1.5,
        "end": 4.25,
        "text": "the river flooded",
        "language": "en",
        "story_title": "The flood",
        "access": "public",
        "owner_id": uuid.UUID(int=5),
        "collection_id": uuid.UUID(int=6),
        "community_id": uuid.UUID(int=7),
        "protocol_ids": (uuid.UUID(int=8), uuid.UUID(int=9)),
        "protocol_mode": "any",
        "available": True,
        "narrators": (uuid.UUID(int=10), uuid.UUID(int=11)),
        "subjects": ("Floods", "Rivers"),
        "decade": 1950,
    }
    fields.update(changes)
    return SegmentDocument(**fields)


# Names


def test_names_share_the_prefix_and_carry_the_mapping_version() -> None:
    assert NAMES.alias == "archive-segments"
    assert NAMES.template == f"archive-segments-v{m.MAPPING_VERSION}"
    assert NAMES.pattern == f"archive-segments-v{m.MAPPING_VERSION}-*"
    now = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    assert NAMES.new_index(now) == f"archive-segments-v{m.MAPPING_VERSION}-20260304050607890123"


def test_new_index_names_need_utc() -> None:
    with pytest.raises(ValueError, match="UTC"):
        NAMES.new_index(datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError, match="UTC"):
        NAMES.new_index(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))))


@pytest.mark.parametrize("prefix", ["Archive", "-archive", "arch ive", "arch*", "", "a/b"])
def test_a_prefix_elasticsearch_would_refuse_is_explained(prefix: str) -> None:
    with pytest.raises(ValueError, match="ARCHIVE_SEARCH_INDEX_PREFIX"):
        m.index_names(prefix)


# Mappings and analysis


def test_the_template_matches_only_this_version_s_indices() -> None:
    template = m.index_template_body(NAMES)
    assert template["index_patterns"] == [NAMES.pattern]
    assert template["priority"] > 100
    mappings = template["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    assert mappings["_meta"] == {"archive_mapping_version": m.MAPPING_VERSION}
    json.dumps(template)  # sendable as it is


def run_similarity_script(source: str, *, freq: float, length: int, boost: float) -> float:
    """The Painless similarity script, read as the arithmetic it is (declarations and one
    return) and run on one term of one document."""
    names: dict[str, Any] = {
        "doc": SimpleNamespace(freq=freq, length=length),
        "query": SimpleNamespace(boost=boost),
    }
    *statements, last = [part.strip() for part in source.split(";") if part.strip()]
    for statement in statements:
        name, expression = statement.removeprefix("double ").split("=", 1)
        names[name.strip()] = eval(expression, {}, names)
    return float(eval(last.removeprefix("return "), {}, names))


def test_every_text_field_is_scored_from_the_document_alone() -> None:
    """No side channel: the similarity reads the term's frequency and the field's length in
    this document, never a statistic of the index (idf, document counts, average length)."""
    template = m.index_template_body(NAMES)["template"]
    properties = template["mappings"]["properties"]
    similarities = template["settings"]["index"]["similarity"]
    for field in m.TEXT_FIELDS:
        assert properties[field]["similarity"] == m.SIMILARITY, field
    similarity = similarities[m.SIMILARITY]
    assert similarity["type"] == "scripted"
    assert "weight_script" not in similarity
    source = similarity["script"]["source"]
    # Painless offers `term.docFreq`, `field.docCount` and the like: none is read.
    assert "term." not in source
    assert "field." not in source
    for freq, length in [(1, 20), (3, 9), (1, 200), (7, 7)]:
        assert run_similarity_script(source, freq=freq, length=length, boost=2.0) == (
            pytest.approx(2.0 * part_score(freq, length), rel=1e-12)
        )


def test_ids_and_access_fields_are_keywords_and_times_are_numbers() -> None:
    properties = m.index_template_body(NAMES)["template"]["mappings"]["properties"]
    for name in (
        "segment_id",
        "recording_id",
        "story_id",
        "transcript_id",
        "access",
        "owner_id",
        "language",
        "collection_id",
        "community_id",
        "protocol_ids",
    ):
        assert properties[name] == {"type": "keyword"}, name
    assert properties["protocols_required"] == {"type": "integer"}
    # Arrays need no mapping of their own: a keyword field holds any number of values.
    assert properties["narrators"] == properties["subjects"] == {"type": "keyword"}
    assert properties["decade"] == {"type": "integer"}
    assert properties["available"] == {"type": "boolean"}
    assert properties["start"]["type"] in ("float", "double")
    assert properties["end"]["type"] in ("float", "double")
    assert properties["fingerprint"]["index"] is False


def test_each_stemmed_language_has_its_own_field_and_analyzer() -> None:
    template = m.index_template_body(NAMES)["template"]
    properties = template["mappings"]["properties"]
    analyzers = template["settings"]["analysis"]["analyzer"]
    token_filters = template["settings"]["analysis"]["filter"]
    expected = {
        "en": "english",
        "es": "light_spanish",
        "fr": "light_french",
        "de": "light_german",
        "pt": "light_portuguese",
    }
    assert set(m.LANGUAGE_ANALYZERS) == set(expected)
    for code, stemmer in expected.items():
        analyzer_name = properties[f"text_{code}"]["analyzer"]
        assert properties[f"text_{code}"]["type"] == "text"
        analyzer = analyzers[analyzer_name]
        assert analyzer["tokenizer"] == "standard"
        assert "lowercase" in analyzer["filter"]
        assert analyzer["filter"][-1] == "asciifolding"
        languages = [
            token_filters[name].get("language")
            for name in analyzer["filter"]
            if name in token_filters and token_filters[name]["type"] == "stemmer"
        ]
        assert stemmer in languages, code
        stops = [
            token_filters[name]["stopwords"]
            for name in analyzer["filter"]
            if name in token_filters and token_filters[name]["type"] == "stop"
        ]
        assert stops == [], "every word counts: no stop words are dropped"
    for name in analyzers:
        for filter_name in analyzers[name]["filter"]:
            builtin = filter_name in ("lowercase", "asciifolding", "german_normalization")
            assert builtin or filter_name in token_filters, filter_name


def test_the_main_text_field_folds_case_and_accents_without_stemming() -> None:
    template = m.index_template_body(NAMES)["template"]
    text = template["mappings"]["properties"]["text"]
    assert text["type"] == "text"
    analyzer = template["settings"]["analysis"]["analyzer"][text["analyzer"]]
    assert analyzer == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase", "asciifolding"],
    }
    # No index_prefixes: Elasticsearch does not highlight prefix matches found through them.
    assert "index_prefixes" not in text


@pytest.mark.parametrize(
    ("language", "field"),
    [
        ("en", "text_en"),
        ("EN", "text_en"),
        ("pt-BR", "text_pt"),
        ("pt_BR", "text_pt"),
        ("es", "text_es"),
        ("fr", "text_fr"),
        ("de", "text_de"),
        ("mi", None),
        ("haw", None),
        ("", None),
        (None, None),
    ],
)
def test_language_field(language: str | None, field: str | None) -> None:
    assert m.language_field(language) == field


# Documents


def test_a_document_is_stored_with_every_field_and_its_fingerprint() -> None:
    doc = document()
    source = m.document_source(doc)
    assert source == {
        "segment_id": str(doc.segment_id),
        "recording_id": str(doc.recording_id),
        "story_id": str(doc.story_id),
        "transcript_id": str(doc.transcript_id),
        "start": 1.5,
        "end": 4.25,
        "text": "the river flooded",
        "text_en": "the river flooded",
        "language": "en",
        "story_title": "The flood",
        "access": "public",
        "owner_id": str(doc.owner_id),
        "collection_id": str(doc.collection_id),
        "fingerprint": doc.fingerprint(),
        "community_id": str(uuid.UUID(int=7)),
        "protocol_ids": [str(uuid.UUID(int=8)), str(uuid.UUID(int=9))],
        "protocols_required": 1,
        "available": True,
        "narrators": [str(uuid.UUID(int=10)), str(uuid.UUID(int=11))],
        "subjects": ["Floods", "Rivers"],
        "decade": 1950,
        "year": None,
        "speaker": None,
    }
    properties = m.index_template_body(NAMES)["template"]["mappings"]["properties"]
    assert set(source) <= set(properties)  # the mapping is strict
    # The mode is stored as what it decides: how many protocols a reader must hold.
    every_field = {field.name for field in dataclasses.fields(SegmentDocument)}
    # The track is stored only when it is not the original (what a hit reads without one).
    assert every_field - {"protocol_mode", "track"} <= set(source)
    translated = m.document_source(dataclasses.replace(doc, track="translation"))
    assert translated["track"] == "translation"
    assert {"track"} <= set(properties)
    every = m.document_source(document(protocol_mode="all", available=False))
    assert (every["protocols_required"], every["available"]) == (2, False)


def test_text_goes_only_into_its_own_language_s_field() -> None:
    spanish = m.document_source(document(language="es", text="el río creció"))
    assert spanish["text_es"] == "el río creció"
    assert not {"text_en", "text_fr", "text_de", "text_pt"} & set(spanish)
    maori = m.document_source(
        document(
            language="mi", owner_id=None, collection_id=None, community_id=None, protocol_ids=()
        )
    )
    assert not set(m.LANGUAGE_FIELDS) & set(maori)
    assert maori["owner_id"] is None
    assert maori["collection_id"] is None
    assert maori["community_id"] is None
    assert (maori["protocol_ids"], maori["protocols_required"]) == ([], 0)
    unknown = m.document_source(document(language=None))
    assert not set(m.LANGUAGE_FIELDS) & set(unknown)


def test_index_actions_use_the_segment_id_as_document_id() -> None:
    doc = document()
    (action,) = list(m.index_actions("archive-segments", [doc]))
    assert action == {
        "_op_type": "index",
        "_index": "archive-segments",
        "_id": str(doc.segment_id),
        "_source": m.document_source(doc),
    }


# Access scope


def any_of(*clauses: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"should": list(clauses), "minimum_should_match": 1}}


def when_available(*opened: dict[str, Any]) -> dict[str, Any]:
    """An available document that is public or that one of `opened` opens."""
    return {
        "bool": {
            "filter": [
                {"term": {"available": True}},
                any_of({"term": {"access": "public"}}, *opened),
            ]
        }
    }


def test_anonymous_callers_are_filtered_to_public_available_inside_the_query() -> None:
    query = bool_query("river", ANONYMOUS)
    assert query["filter"] == [any_of(when_available())]


def test_everything_means_no_filter_at_all() -> None:
    assert "filter" not in bool_query("river", EVERYTHING)
    assert q.scope_filter(EVERYTHING) is None


def test_a_contributor_sees_public_or_their_own() -> None:
    owner = uuid.uuid4()
    scope = search_scope(Viewer(owner, Role.CONTRIBUTOR))
    assert q.scope_filter(scope) == any_of({"term": {"owner_id": str(owner)}}, when_available())


def test_a_member_sees_community_documents_of_their_communities() -> None:
    user, first, second = uuid.uuid4(), uuid.UUID(int=1), uuid.UUID(int=2)
    scope = search_scope(Viewer(user, Role.RESEARCHER, member_of=frozenset({second, first})))
    community = {
        "bool": {
            "filter": [
                {"term": {"access": "community"}},
                {"terms": {"community_id": [str(first), str(second)]}},
            ]
        }
    }
    assert q.scope_filter(scope) == any_of(
        {"term": {"owner_id": str(user)}}, when_available(community)
    )


def test_protocol_holders_need_as_many_of_a_document_s_protocols_as_it_requires() -> None:
    user, first, second = uuid.uuid4(), uuid.UUID(int=1), uuid.UUID(int=2)
    scope = search_scope(Viewer(user, Role.RESEARCHER, protocols=frozenset({second, first})))
    restricted = {
        "bool": {
            "filter": [
                {"term": {"access": "restricted"}},
                {"range": {"protocols_required": {"gt": 0}}},
                {
                    "terms_set": {
                        "protocol_ids": {
                            "terms": [str(first), str(second)],
                            "minimum_should_match_field": "protocols_required",
                        }
                    }
                },
            ]
        }
    }
    assert q.scope_filter(scope) == any_of(
        {"term": {"owner_id": str(user)}}, when_available(restricted)
    )


def test_granted_stories_are_open_when_available() -> None:
    user, story = uuid.uuid4(), uuid.uuid4()
    scope = search_scope(Viewer(user, Role.RESEARCHER, granted_stories=frozenset({story})))
    assert q.scope_filter(scope) == any_of(
        {"term": {"owner_id": str(user)}},
        when_available({"terms": {"story_id": [str(story)]}}),
    )


def test_archivists_see_everything_of_their_communities_available_or_not() -> None:
    user, community = uuid.uuid4(), uuid.uuid4()
    viewer = Viewer(
        user,
        Role.ARCHIVIST,
        member_of=frozenset({community}),
        archivist_of=frozenset({community}),
    )
    member = {
        "bool": {
            "filter": [
                {"term": {"access": "community"}},
                {"terms": {"community_id": [str(community)]}},
            ]
        }
    }
    assert q.scope_filter(search_scope(viewer)) == any_of(
        {"terms": {"community_id": [str(community)]}},
        {"term": {"owner_id": str(user)}},
        when_available(member),
    )


def test_a_scope_that_allows_nothing_matches_public_available_documents() -> None:
    assert q.scope_filter(SearchScope(everything=False)) == any_of(when_available())
    assert q.scope_filter(SearchScope(everything=False)) == q.scope_filter(ANONYMOUS)


def test_scope_and_filters_are_filter_clauses_of_the_same_query() -> None:
    story, recording, collection = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    query = bool_query(
        "river",
        ANONYMOUS,
        language="es",
        story_id=story,
        recording_id=recording,
        collection_id=collection,
    )
    assert query["filter"][1:] == [
        {"term": {"language": "es"}},
        {"term": {"story_id": str(story)}},
        {"term": {"recording_id": str(recording)}},
        {"term": {"collection_id": str(collection)}},
    ]
    assert query["filter"][0] == q.scope_filter(ANONYMOUS)


def test_filters_without_scope() -> None:
    assert bool_query("river", language="en")["filter"] == [{"term": {"language": "en"}}]


def test_narrator_subject_and_decade_filter_their_fields() -> None:
    narrator = uuid.uuid4()
    query = bool_query("river", ANONYMOUS, narrator=narrator, subject="Floods", decade=1950)
    assert query["filter"] == [
        q.scope_filter(ANONYMOUS),
        {"term": {"narrators": str(narrator)}},
        {"term": {"subjects": "Floods"}},
        {"term": {"decade": 1950}},
    ]


def test_a_document_without_people_subjects_or_date_stores_empty_arrays_and_no_decade() -> None:
    source = m.document_source(document(narrators=(), subjects=(), decade=None))
    assert (source["narrators"], source["subjects"], source["decade"]) == ([], [], None)


# What to find


def test_words_must_all_match_in_any_text_field() -> None:
    assert bool_query("river flood")["must"] == [
        {
            "multi_match": {
                "query": "river flood",
                "fields": ["text", "text_en", "text_es", "text_fr", "text_de", "text_pt"],
                "type": "best_fields",
                "operator": "and",
            }
        }
    ]


def test_a_phrase_is_a_phrase_query_over_the_text_fields() -> None:
    (clause,) = bool_query('"the great flood"')["must"]
    assert clause == {
        "multi_match": {"query": "the great flood", "fields": list(m.TEXT_FIELDS), "type": "phrase"}
    }


def test_a_prefix_is_analysed_like_the_main_field() -> None:
    (clause,) = bool_query("Flood*")["must"]
    assert clause == {"match_bool_prefix": {"text": {"query": "Flood", "operator": "and"}}}


def test_words_phrases_and_prefixes_are_all_required() -> None:
    must = bool_query('"great flood" river riv* bridge')["must"]
    assert [next(iter(clause)) for clause in must] == [
        "multi_match",
        "multi_match",
        "match_bool_prefix",
    ]
    assert must[0]["multi_match"]["query"] == "river bridge"


def test_excluded_words_and_phrases_are_must_not_exact_phrases() -> None:
    query = bool_query('flood -river -"great storm"')
    assert query["must_not"] == [
        {"match_phrase": {"text": {"query": "river"}}},
        {"match_phrase": {"text": {"query": "great storm"}}},
    ]
    assert "must_not" not in bool_query("flood")


def test_query_syntax_reaches_elasticsearch_only_as_text() -> None:
    # match queries never parse their text: no query_string, no simple_query_string.
    sent = json.dumps(body('alpha or text:beta AND (c) "d'))
    assert "query_string" not in sent
    assert '"alpha or text:beta AND c"' in sent


def test_or_and_field_filters_are_clauses() -> None:
    query = bool_query('flood OR "great storm" river narrator:ana year:1950..1970')
    assert query["must"][1] == {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": "flood",
                        "fields": list(m.TEXT_FIELDS),
                        "type": "best_fields",
                        "operator": "and",
                    }
                },
                {
                    "multi_match": {
                        "query": "great storm",
                        "fields": list(m.TEXT_FIELDS),
                        "type": "phrase",
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }
    assert {"terms": {"narrators": ["ana"]}} in query["filter"]
    assert {"range": {"year": {"gte": 1950, "lte": 1970}}} in query["filter"]


# Paging, sorting, totals, highlights, facets


def test_paging_sorting_and_exact_totals() -> None:
    sent = body("river", offset=40, limit=20)
    assert (sent["from"], sent["size"]) == (40, 20)
    assert sent["track_total_hits"] == TOTAL_LIMIT == 10_000
    assert sent["sort"] == [
        {"_score": {"order": "desc"}},
        {"story_id": {"order": "asc"}},
        {"start": {"order": "asc"}},
        {"segment_id": {"order": "asc"}},
    ]
    assert sent["track_scores"] is True
    assert set(sent["_source"]["includes"]) == {
        "segment_id",
        "recording_id",
        "story_id",
        "start",
        "end",
        "text",
        "language",
        "track",
    }


def test_paging_past_the_result_window_is_refused() -> None:
    body("river", offset=m.MAX_RESULT_WINDOW - 20, limit=20)
    with pytest.raises(ValueError, match="at most"):
        body("river", offset=m.MAX_RESULT_WINDOW - 19, limit=20)
    with pytest.raises(ValueError, match="negative"):
        body("river", offset=-1, limit=20)


def test_highlights_are_whole_segments_html_encoded_in_mark() -> None:
    highlight = body("river")["highlight"]
    assert highlight["encoder"] == "html"
    assert highlight["pre_tags"] == ["<mark>"]
    assert highlight["post_tags"] == ["</mark>"]
    assert highlight["number_of_fragments"] == 0
    assert highlight["require_field_match"] is True
    assert set(highlight["fields"]) == set(m.TEXT_FIELDS)


def test_facets_are_terms_aggregations_of_the_same_query() -> None:
    assert "aggs" not in body("river", ANONYMOUS)  # only when asked for
    sent = q.search_body(
        parse_query("river"), ANONYMOUS, filters=NO_FILTERS, offset=0, limit=20, facets=FACET_FIELDS
    )
    sampler = sent["aggs"][q.FACET_SAMPLE]
    assert sampler["sampler"] == {"shard_size": TOTAL_LIMIT}
    aggs = sampler["aggs"]
    assert list(aggs) == list(FACET_FIELDS)
    assert set(FACET_FIELDS) == {"language", "collection_id", "narrator", "subject", "decade"}
    fields = {
        "language": "language",
        "collection_id": "collection_id",
        "narrator": "narrators",
        "subject": "subjects",
        "decade": "decade",
    }
    for name, agg in aggs.items():
        assert agg == {
            "terms": {
                "field": fields[name],
                "size": FACET_SIZE,
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }


def test_facets_from_aggregations() -> None:
    collection = str(uuid.uuid4())
    found = r.facets_from_aggregations(
        {
            "language": {"buckets": [{"key": "en", "doc_count": 3}, {"key": "es", "doc_count": 1}]},
            "collection_id": {"buckets": [{"key": collection, "doc_count": 4}]},
            "narrator": {"buckets": [{"key": collection, "doc_count": 2}]},
            "subject": {"buckets": [{"key": "Floods", "doc_count": 2}]},
            "decade": {"buckets": [{"key": 1950, "doc_count": 3}, {"key": 1960, "doc_count": 1}]},
        }
    )
    assert found == {
        "language": {"en": 3, "es": 1},
        "collection_id": {collection: 4},
        "narrator": {collection: 2},
        "subject": {"Floods": 2},
        "decade": {"1950": 3, "1960": 1},
    }
    assert r.facets_from_aggregations({}) == {name: {} for name in FACET_FIELDS}


def test_totals_in_both_shapes() -> None:
    assert r.total_from_response({"total": {"value": 7, "relation": "eq"}}) == 7
    assert r.total_from_response({"total": 7}) == 7


# Answers


def es_encode(text: str) -> str:
    """What Elasticsearch's HTML encoder makes of text."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("/", "&#x2F;")
    )


def test_a_hit_from_a_response() -> None:
    doc = document(text="<b>the river</b> & 'the' flood")
    hit = r.hit_from_response(
        {
            "_id": str(doc.segment_id),
            "_score": 2.5,
            "_source": {k: v for k, v in m.document_source(doc).items() if k != "text_en"},
            "highlight": {
                "text": [
                    es_encode("<b>the ") + "<mark>river</mark>" + es_encode("</b> & 'the' flood")
                ]
            },
        }
    )
    assert (hit.segment_id, hit.recording_id, hit.story_id) == (
        doc.segment_id,
        doc.recording_id,
        doc.story_id,
    )
    assert (hit.start, hit.end, hit.score) == (1.5, 4.25, 2.5)
    assert hit.text == doc.text
    assert hit.highlight == (
        "&lt;b&gt;the <mark>river</mark>&lt;/b&gt; &amp; &#x27;the&#x27; flood"
    )


def test_a_hit_without_score_takes_it_from_the_sort_values() -> None:
    doc = document()
    hit = r.hit_from_response(
        {"_score": None, "sort": [1.25, "x", 0.0], "_source": m.document_source(doc)}
    )
    assert hit.score == 1.25
    assert hit.highlight == "the river flooded"


def test_highlights_of_several_fields_are_joined() -> None:
    text = "the rivers flooded the fields"
    merged = r.merge_highlights(
        text,
        [
            "the <mark>rivers</mark> flooded the fields",
            "the <mark>rivers</mark> <mark>flooded</mark> the fields",
        ],
    )
    assert merged == "the <mark>rivers</mark> <mark>flooded</mark> the fields"


def test_overlapping_and_touching_marks_become_one() -> None:
    merged = r.merge_highlights("abcdef", ["<mark>abc</mark>def", "a<mark>bcd</mark>ef"])
    assert merged == "<mark>abcd</mark>ef"
    assert r.merge_highlights("abcd", ["<mark>ab</mark><mark>cd</mark>"]) == "<mark>abcd</mark>"


def test_a_highlight_that_is_not_the_text_is_ignored() -> None:
    text = "the river <script>"
    assert r.merge_highlights(text, ["the <mark>river</mark>"]) == html.escape(text)
    assert r.merge_highlights(text, ["<mark>evil</mark> " + es_encode(text)]) == html.escape(text)
    assert r.merge_highlights(text, []) == "the river &lt;script&gt;"


def test_text_that_looks_like_a_mark_stays_text() -> None:
    text = "say <mark>hello</mark> river"
    marked = es_encode("say <mark>hello</mark> ") + "<mark>river</mark>"
    assert r.merge_highlights(text, [marked]) == (
        "say &lt;mark&gt;hello&lt;/mark&gt; <mark>river</mark>"
    )


def test_selecting_queries() -> None:
    recording, kept = uuid.uuid4(), [uuid.UUID(int=2), uuid.UUID(int=1)]
    assert q.recording_query(recording) == {
        "bool": {"filter": [{"term": {"recording_id": str(recording)}}]}
    }
    assert q.recording_query(recording, kept)["bool"]["must_not"] == [
        {"ids": {"values": [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]}}
    ]
    assert q.segments_query(kept) == {"ids": {"values": sorted(str(k) for k in kept)}}


def test_the_pure_module_loads_no_client_and_no_io_library(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "import archive.search.es_queries\n"
        "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "archive" in loaded
    assert not loaded & {"elasticsearch", "elastic_transport", "urllib3", "sqlite3", "sqlalchemy"}
