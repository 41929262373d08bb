"""What every `SearchIndex` promises, run on each backend: the built-in FTS5 index, the same
answering in a search process as `archive serve` has it (`search.processes`), the in-memory
twin the tests use (`support.memory_search`), and a real Elasticsearch node (the session's
`elasticsearch_url`; each test in indices of its own, deleted afterwards)."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.domain.access import Access, Role, SearchScope, Viewer, search_scope
from archive.search.base import FACET_FIELDS, SearchFilters, SearchIndex
from archive.search.documents import SegmentDocument
from archive.search.factory import open_search_index
from archive.search.fts5 import Fts5Index
from archive.search.processes import SearchProcesses
from archive.settings import Settings
from support.memory_search import MemorySearchIndex

EVERYTHING = SearchScope(everything=True)
ANONYMOUS = search_scope(None)


def open_elasticsearch(url: str) -> Iterator[SearchIndex]:
    from archive.search.elasticsearch import ElasticsearchIndex

    index = ElasticsearchIndex(url, f"archive-test-{uuid.uuid4().hex[:12]}")
    try:
        yield index
    finally:
        index.drop()
        index.close()


@pytest.fixture(params=["fts5", "fts5-processes", "memory", "elasticsearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "elasticsearch":
        yield from open_elasticsearch(request.getfixturevalue("elasticsearch_url"))
        return
    if request.param == "memory":
        yield MemorySearchIndex()
        return
    if request.param == "fts5-processes":
        settings = Settings(data_dir=tmp_path)
        served = open_search_index(settings, search_processes=1)
        yield served
        served.close()
        return
    built = Fts5Index(tmp_path / "search.sqlite3")
    yield built
    built.close()


@dataclasses.dataclass(frozen=True)
class Story:
    story_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    access: Access = Access.PUBLIC
    owner_id: uuid.UUID | None = None
    collection_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    protocols: frozenset[uuid.UUID] = frozenset()
    protocol_mode: str = "all"
    available: bool = True
    narrators: tuple[uuid.UUID, ...] = ()
    subjects: tuple[str, ...] = ()
    decade: int | None = None


NO_FACETS: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}


def recording(
    texts: list[str], story: Story | None = None, *, language: str | None = "en"
) -> tuple[uuid.UUID, list[SegmentDocument]]:
    story = story or Story()
    recording_id, transcript_id = uuid.uuid4(), uuid.uuid4()
    return recording_id, [
        SegmentDocument(
            segment_id=uuid.uuid4(),
            recording_id=recording_id,
            story_id=story.story_id,
            transcript_id=transcript_id,
            start=10.0 * i,
            end=10.0 * i + 9.5,
            text=text,
            language=language,
            story_title="A story",
            access=story.access.value,
            owner_id=story.owner_id,
            collection_id=story.collection_id,
            community_id=story.community_id,
            protocol_ids=tuple(sorted(story.protocols, key=str)),
            protocol_mode=story.protocol_mode,
            available=story.available,
            narrators=tuple(sorted(story.narrators, key=str)),
            subjects=tuple(sorted(story.subjects)),
            decade=story.decade,
        )
        for i, text in enumerate(texts)
    ]


def add(
    index: SearchIndex, texts: list[str], story: Story | None = None, *, language: str = "en"
) -> list[SegmentDocument]:
    recording_id, docs = recording(texts, story, language=language)
    index.replace_recording(recording_id, docs)
    return docs


def found(
    index: SearchIndex,
    query: str,
    scope: SearchScope = EVERYTHING,
    filters: SearchFilters | None = None,
) -> list[str]:
    result = index.search(query, scope, filters=filters or SearchFilters(), offset=0, limit=50)
    return sorted(hit.text for hit in result.hits)


# What a query finds


def test_every_word_must_match(index: SearchIndex) -> None:
    add(index, ["the river rose", "the river was calm and the bridge held", "a bridge"])
    assert found(index, "river bridge") == ["the river was calm and the bridge held"]


def test_a_phrase_finds_the_words_in_order(index: SearchIndex) -> None:
    add(index, ["then the river flooded the fields", "the flooded river was wide"])
    assert found(index, '"river flooded"') == ["then the river flooded the fields"]
    assert len(found(index, "river flooded")) == 2


def test_a_prefix_finds_longer_words(index: SearchIndex) -> None:
    add(index, ["the year it flooded", "a flood came", "floor boards"])
    assert found(index, "flood*") == ["a flood came", "the year it flooded"]


def test_words_and_phrases_can_be_left_out(index: SearchIndex) -> None:
    add(index, ["flood and river", "flood in the town", "flood of the great storm"])
    assert found(index, "flood -river") == ["flood in the town", "flood of the great storm"]
    assert found(index, 'flood -"great storm"') == ["flood and river", "flood in the town"]


def test_case_and_accents_do_not_matter(index: SearchIndex) -> None:
    add(index, ["José walked to the ñandú farm", "Jose Maria stayed"])
    assert found(index, "JOSE") == ["Jose Maria stayed", "José walked to the ñandú farm"]
    assert found(index, "nandu") == ["José walked to the ñandú farm"]


def test_accents_fold_both_ways_in_every_language(index: SearchIndex) -> None:
    add(index, ["el niño cruzó el río"], language="es")
    add(index, ["llegamos a São Paulo en invierno"], language="pt")
    add(index, ["the nino festival"], language="en")
    assert found(index, "nino") == ["el niño cruzó el río", "the nino festival"]
    assert found(index, "niño") == ["el niño cruzó el río", "the nino festival"]
    assert found(index, "rio") == found(index, "río") == ["el niño cruzó el río"]
    assert found(index, '"Sao Paulo"') == ["llegamos a São Paulo en invierno"]
    assert found(index, "são paulo") == ["llegamos a São Paulo en invierno"]


def test_english_words_are_found_by_their_other_forms_in_english_only(
    index: SearchIndex,
) -> None:
    add(index, ["my grandmother carried the seeds"], language="en")
    add(index, ["she would carry water every morning"], language="en")
    # An English word spoken in a Spanish segment is Spanish text: no English stemming.
    add(index, ["dijo carried en inglés"], language="es")
    assert found(index, "carry") == [
        "my grandmother carried the seeds",
        "she would carry water every morning",
    ]
    assert found(index, "carried") == [
        "dijo carried en inglés",
        "my grandmother carried the seeds",
        "she would carry water every morning",
    ]
    assert found(index, "seed") == ["my grandmother carried the seeds"]


def test_a_phrase_stays_exact_where_words_are_stemmed(index: SearchIndex) -> None:
    add(index, ["my grandmother carried the seeds up the hill"], language="en")
    assert found(index, '"carried the seeds"') == ["my grandmother carried the seeds up the hill"]
    assert found(index, '"seeds the carried"') == []
    assert found(index, "carri*") == ["my grandmother carried the seeds up the hill"]


def test_hits_say_their_language_and_track(index: SearchIndex) -> None:
    recording_id, docs = recording(["el niño y el café"], language="es")
    translated = dataclasses.replace(
        docs[0],
        segment_id=uuid.uuid4(),
        transcript_id=uuid.uuid4(),
        text="the boy and the coffee",
        language="en",
        track="translation",
    )
    index.replace_recording(recording_id, [docs[0], translated])
    (original,) = index.search("niño", EVERYTHING, offset=0, limit=5).hits
    assert (original.language, original.track) == ("es", "original")
    (english,) = index.search("coffee", EVERYTHING, offset=0, limit=5).hits
    assert (english.language, english.track) == ("en", "translation")
    assert english.recording_id == original.recording_id


def test_better_matches_come_first_and_scores_are_positive(index: SearchIndex) -> None:
    add(
        index,
        [
            "we spoke of the harvest and the weather and the long winter and the river",
            "the harvest, the harvest, always the harvest",
        ],
    )
    hits = index.search("harvest", EVERYTHING, offset=0, limit=10).hits
    assert hits[0].text == "the harvest, the harvest, always the harvest"
    assert hits[0].score > hits[1].score > 0


def test_equal_scores_are_ordered_by_story_then_start(index: SearchIndex) -> None:
    story_a, story_b = Story(uuid.UUID(int=1)), Story(uuid.UUID(int=2))
    add(index, ["salmon run", "salmon run"], story_b)
    add(index, ["salmon run", "salmon run"], story_a)
    hits = index.search("salmon", EVERYTHING, offset=0, limit=10).hits
    assert [(hit.story_id, hit.start) for hit in hits] == [
        (story_a.story_id, 0.0),
        (story_a.story_id, 10.0),
        (story_b.story_id, 0.0),
        (story_b.story_id, 10.0),
    ]


def test_pages_and_total(index: SearchIndex) -> None:
    add(index, [f"song number {i}" for i in range(5)], Story(uuid.UUID(int=7)))
    pages = [index.search("song", EVERYTHING, offset=offset, limit=2) for offset in (0, 2, 4, 6)]
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [[hit.start for hit in page.hits] for page in pages] == [
        [0.0, 10.0],
        [20.0, 30.0],
        [40.0],
        [],
    ]


def test_a_hit_carries_identity_and_times(index: SearchIndex) -> None:
    (doc,) = add(index, ["the lighthouse keeper"])
    (hit,) = index.search("lighthouse", EVERYTHING, offset=0, limit=1).hits
    assert (hit.story_id, hit.recording_id, hit.segment_id) == (
        doc.story_id,
        doc.recording_id,
        doc.segment_id,
    )
    assert (hit.start, hit.end, hit.text) == (doc.start, doc.end, doc.text)


# Highlights


def test_highlight_marks_matches_and_escapes_the_text(index: SearchIndex) -> None:
    add(index, ['<script>alert("x")</script> the flood & the rain'])
    (hit,) = index.search("flood", EVERYTHING, offset=0, limit=10).hits
    assert hit.highlight == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; the <mark>flood</mark> &amp; the rain"
    )


def test_highlight_marks_whole_words_of_a_prefix_and_folded_accents(index: SearchIndex) -> None:
    add(index, ["José said it flooded"])
    (hit,) = index.search("jose flood*", EVERYTHING, offset=0, limit=10).hits
    assert hit.highlight == "<mark>José</mark> said it <mark>flooded</mark>"


# Access scope


def test_the_scope_hides_documents_and_their_count(index: SearchIndex) -> None:
    add(index, ["the public canoe", "another public canoe"])
    add(index, ["the private canoe"], Story(access=Access.PRIVATE, owner_id=uuid.uuid4()))
    add(index, ["the community canoe"], Story(access=Access.COMMUNITY))
    result = index.search("canoe", ANONYMOUS, offset=0, limit=1)
    assert result.total == 2
    assert len(result.hits) == 1
    assert found(index, "canoe", ANONYMOUS) == ["another public canoe", "the public canoe"]
    assert index.search("canoe", EVERYTHING, offset=0, limit=10).total == 4


PROBES = ["canoe", "canoe song", '"a canoe"', "cano*", "canoe -river"]


def told(index: SearchIndex, scope: SearchScope) -> dict[str, list[tuple[uuid.UUID, float]]]:
    """What the caller is told about each probe's hits: which, in what order, with what score."""
    return {
        probe: [
            (hit.segment_id, hit.score)
            for hit in index.search(probe, scope, offset=0, limit=50).hits
        ]
        for probe in PROBES
    }


def test_hidden_documents_gaining_a_word_never_move_a_visible_hit_s_score_or_order(
    index: SearchIndex,
) -> None:
    """No side channel: an anonymous caller (and a member of a community) who watches public
    hits cannot count the hidden segments that hold a word."""
    community = uuid.uuid4()
    add(
        index,
        [
            "the canoe came home",
            "a canoe, a paddle and a canoe song",
            "the river canoe race was long ago, in the spring before the flood came",
            "canoe song",
        ],
        Story(uuid.UUID(int=1)),
    )
    add(
        index,
        ["their canoe song in the hall"],
        Story(access=Access.COMMUNITY, community_id=community),
    )
    hidden = Story(access=Access.PRIVATE, owner_id=uuid.uuid4(), community_id=community)
    hidden_recording, hidden_docs = recording(
        ["a story with no boat at all", "nothing here"], hidden
    )
    index.replace_recording(hidden_recording, hidden_docs)
    anonymous_before = told(index, ANONYMOUS)
    member = researcher(member_of=frozenset({community}))
    member_before = told(index, member)
    assert [len(hits) for hits in anonymous_before.values()] == [4, 2, 1, 4, 3]

    # New hidden segments hold the words, many times; hidden ones are edited to hold them.
    add(index, ["canoe"] * 5 + ["canoe song canoe song a canoe"], hidden)
    add(index, ["a canoe song", "canoe"], Story(available=False, owner_id=uuid.uuid4()))
    add(index, ["canoe canoe"], Story(access=Access.COMMUNITY, community_id=uuid.uuid4()))
    index.replace_recording(
        hidden_recording,
        [dataclasses.replace(doc, text=f"{doc.text} canoe song, a canoe") for doc in hidden_docs],
    )
    assert index.search("canoe", EVERYTHING, offset=0, limit=50).total == 16

    assert told(index, ANONYMOUS) == anonymous_before
    assert told(index, member) == member_before
    # And losing them again changes nothing either.
    index.remove_recording(hidden_recording)
    assert told(index, ANONYMOUS) == anonymous_before


def researcher(
    *,
    member_of: frozenset[uuid.UUID] = frozenset(),
    protocols: frozenset[uuid.UUID] = frozenset(),
    granted_stories: frozenset[uuid.UUID] = frozenset(),
) -> SearchScope:
    return search_scope(
        Viewer(
            uuid.uuid4(),
            Role.RESEARCHER,
            member_of=member_of,
            protocols=protocols,
            granted_stories=granted_stories,
        )
    )


def archivist(community_id: uuid.UUID) -> SearchScope:
    communities = frozenset({community_id})
    return search_scope(
        Viewer(uuid.uuid4(), Role.ARCHIVIST, member_of=communities, archivist_of=communities)
    )


def test_owners_and_researchers_see_what_they_may(index: SearchIndex) -> None:
    owner, community = uuid.uuid4(), uuid.uuid4()
    add(index, ["my private canoe"], Story(access=Access.PRIVATE, owner_id=owner))
    add(index, ["their private canoe"], Story(access=Access.PRIVATE, owner_id=uuid.uuid4()))
    add(index, ["the community canoe"], Story(access=Access.COMMUNITY, community_id=community))
    add(index, ["the restricted canoe"], Story(access=Access.RESTRICTED, community_id=community))
    contributor = search_scope(Viewer(owner, Role.CONTRIBUTOR))
    assert found(index, "canoe", contributor) == ["my private canoe"]
    assert found(index, "canoe", researcher()) == []
    member = researcher(member_of=frozenset({community}))
    assert found(index, "canoe", member) == ["the community canoe"]
    nobody = SearchScope(everything=False)
    assert index.search("canoe", nobody, offset=0, limit=10).total == 0


def test_a_member_sees_community_documents_of_that_community_not_another(
    index: SearchIndex,
) -> None:
    river, coast = uuid.uuid4(), uuid.uuid4()
    add(index, ["the public canoe"], Story(community_id=coast))
    add(index, ["the river canoe"], Story(access=Access.COMMUNITY, community_id=river))
    add(index, ["the coast canoe"], Story(access=Access.COMMUNITY, community_id=coast))
    add(index, ["the canoe of no community"], Story(access=Access.COMMUNITY))
    assert found(index, "canoe", researcher(member_of=frozenset({river}))) == [
        "the public canoe",
        "the river canoe",
    ]
    both = researcher(member_of=frozenset({river, coast}))
    assert found(index, "canoe", both) == ["the coast canoe", "the public canoe", "the river canoe"]
    assert found(index, "canoe", ANONYMOUS) == ["the public canoe"]


def test_protocols_are_all_needed_or_any_one_is_enough(index: SearchIndex) -> None:
    first, second, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    both = frozenset({first, second})
    add(index, ["the canoe of all"], Story(access=Access.RESTRICTED, protocols=both))
    add(
        index,
        ["the canoe of any"],
        Story(access=Access.RESTRICTED, protocols=both, protocol_mode="any"),
    )
    add(
        index,
        ["the canoe of the first"],
        Story(access=Access.RESTRICTED, protocols=frozenset({first})),
    )
    # Restricted with no protocols: no holder of protocols can be enough.
    add(index, ["the canoe of none"], Story(access=Access.RESTRICTED))
    add(index, ["the community canoe"], Story(access=Access.COMMUNITY, protocols=both))

    assert found(index, "canoe", researcher(protocols=frozenset({second}))) == ["the canoe of any"]
    assert found(index, "canoe", researcher(protocols=frozenset({first}))) == [
        "the canoe of any",
        "the canoe of the first",
    ]
    assert found(index, "canoe", researcher(protocols=both | {other})) == [
        "the canoe of all",
        "the canoe of any",
        "the canoe of the first",
    ]
    assert found(index, "canoe", researcher(protocols=frozenset({other}))) == []
    assert found(index, "canoe", ANONYMOUS) == []


def test_unavailable_documents_are_found_only_by_the_community_s_archivists_and_the_owner(
    index: SearchIndex,
) -> None:
    owner, community, protocol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    waiting = Story(owner_id=owner, community_id=community, available=False)
    add(index, ["the embargoed public canoe"], waiting)
    embargoed = Story(
        access=Access.RESTRICTED,
        community_id=community,
        protocols=frozenset({protocol}),
        available=False,
    )
    add(index, ["the embargoed restricted canoe"], embargoed)
    add(
        index,
        ["the unpublished community canoe"],
        Story(access=Access.COMMUNITY, community_id=community, available=False),
    )
    everything = [
        "the embargoed public canoe",
        "the embargoed restricted canoe",
        "the unpublished community canoe",
    ]
    assert found(index, "canoe", archivist(community)) == everything
    assert found(index, "canoe", EVERYTHING) == everything
    assert found(index, "canoe", search_scope(Viewer(owner, Role.CONTRIBUTOR))) == [
        "the embargoed public canoe"
    ]
    granted = frozenset({waiting.story_id, embargoed.story_id})
    may_otherwise = researcher(
        member_of=frozenset({community}), protocols=frozenset({protocol}), granted_stories=granted
    )
    scopes = (
        ANONYMOUS,
        may_otherwise,
        researcher(granted_stories=granted),
        archivist(uuid.uuid4()),
    )
    for scope in scopes:
        result = index.search("canoe", scope, offset=0, limit=10)
        assert (result.total, list(result.hits)) == (0, [])


def test_a_grant_opens_its_story_to_its_researcher(index: SearchIndex) -> None:
    community = uuid.uuid4()
    private = Story(access=Access.PRIVATE, owner_id=uuid.uuid4(), community_id=community)
    restricted = Story(
        access=Access.RESTRICTED, community_id=community, protocols=frozenset({uuid.uuid4()})
    )
    add(index, ["the private canoe"], private)
    add(index, ["the restricted canoe"], restricted)
    add(index, ["the community canoe"], Story(access=Access.COMMUNITY, community_id=community))
    granted = researcher(granted_stories=frozenset({private.story_id, restricted.story_id}))
    assert found(index, "canoe", granted) == ["the private canoe", "the restricted canoe"]
    other = researcher(granted_stories=frozenset({restricted.story_id}))
    assert found(index, "canoe", other) == ["the restricted canoe"]
    assert found(index, "canoe", researcher()) == []


def test_an_archivist_finds_private_documents_of_their_community_only(
    index: SearchIndex,
) -> None:
    river, coast = uuid.uuid4(), uuid.uuid4()
    add(index, ["the private river canoe"], Story(access=Access.PRIVATE, community_id=river))
    add(index, ["the private coast canoe"], Story(access=Access.PRIVATE, community_id=coast))
    add(index, ["the private canoe of no community"], Story(access=Access.PRIVATE))
    assert found(index, "canoe", archivist(river)) == ["the private river canoe"]
    assert found(index, "canoe", archivist(uuid.uuid4())) == []
    # The role decides: a researcher listed as an archivist somewhere is not one.
    not_archivist = search_scope(
        Viewer(uuid.uuid4(), Role.RESEARCHER, archivist_of=frozenset({river}))
    )
    assert found(index, "canoe", not_archivist) == []


# Filters and facets


def test_filters_narrow_the_search(index: SearchIndex) -> None:
    collection = uuid.uuid4()
    story = Story(collection_id=collection)
    english = add(index, ["the canoe in english"], story)
    spanish = add(index, ["la canoe en español"], story, language="es")
    other = add(index, ["another canoe", "a second canoe"])

    def with_filters(**filters: object) -> list[str]:
        return found(index, "canoe", filters=SearchFilters(**filters))  # type: ignore[arg-type]

    assert with_filters(language="es") == ["la canoe en español"]
    assert with_filters(collection_id=collection) == ["la canoe en español", "the canoe in english"]
    assert with_filters(story_id=story.story_id, language="en") == ["the canoe in english"]
    assert with_filters(recording_id=other[0].recording_id) == ["a second canoe", "another canoe"]
    assert with_filters(story_id=other[0].story_id, language="es") == []
    assert with_filters(collection_id=uuid.uuid4()) == []
    assert english[0].story_id == spanish[0].story_id


def test_filters_never_widen_the_scope(index: SearchIndex) -> None:
    secret = Story(
        access=Access.PRIVATE,
        collection_id=uuid.uuid4(),
        narrators=(uuid.uuid4(),),
        subjects=("Secrets",),
        decade=1960,
    )
    (doc,) = add(index, ["the secret canoe"], secret)
    for filters in (
        SearchFilters(story_id=doc.story_id),
        SearchFilters(recording_id=doc.recording_id),
        SearchFilters(collection_id=secret.collection_id),
        SearchFilters(narrator=secret.narrators[0]),
        SearchFilters(subject="Secrets"),
        SearchFilters(decade=1960),
    ):
        result = index.search(
            "canoe", ANONYMOUS, filters=filters, offset=0, limit=5, facets=FACET_FIELDS
        )
        assert (result.total, list(result.hits)) == (0, [])
        assert result.facets == NO_FACETS


def test_facets_count_every_match_the_caller_may_see(index: SearchIndex) -> None:
    river, coast = uuid.uuid4(), uuid.uuid4()
    add(index, ["canoe one", "canoe two", "no boat here"], Story(collection_id=river))
    # Not "canoa", which Spanish stemming rightly finds for "canoe" (`search.base`).
    add(index, ["barca uno"], Story(collection_id=river), language="es")
    add(index, ["canoe three"], Story(collection_id=coast))
    add(index, ["canoe four"])  # in no collection
    hidden = Story(access=Access.PRIVATE, owner_id=uuid.uuid4(), collection_id=coast)
    add(index, ["canoe secret", "canoe secret again"], hidden, language="fr")

    public = index.search("canoe", ANONYMOUS, offset=0, limit=1, facets=FACET_FIELDS)
    assert public.total == 4
    assert public.facets == {
        **NO_FACETS,
        "language": {"en": 4},
        "collection_id": {str(river): 2, str(coast): 1},
    }
    everything = index.search("canoe", EVERYTHING, offset=0, limit=1, facets=FACET_FIELDS)
    assert everything.total == 6
    assert everything.facets == {
        **NO_FACETS,
        "language": {"en": 4, "fr": 2},
        "collection_id": {str(river): 2, str(coast): 3},
    }
    narrowed = index.search(
        "canoe",
        EVERYTHING,
        filters=SearchFilters(collection_id=coast),
        offset=0,
        limit=1,
        facets=FACET_FIELDS,
    )
    assert narrowed.facets == {
        **NO_FACETS,
        "language": {"fr": 2, "en": 1},
        "collection_id": {str(coast): 3},
    }
    assert list(narrowed.facets["language"]) == ["fr", "en"]  # most frequent first


def test_narrator_subject_and_decade_filters(index: SearchIndex) -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    add(
        index,
        ["canoe at the flood"],
        Story(narrators=(ana, ben), subjects=("Floods", "Rivers"), decade=1950),
    )
    add(index, ["canoe on the river"], Story(narrators=(ben,), subjects=("Rivers",), decade=1970))
    add(index, ["canoe with no story fields"])

    def with_filters(**filters: object) -> list[str]:
        return found(index, "canoe", filters=SearchFilters(**filters))  # type: ignore[arg-type]

    assert with_filters(narrator=ana) == ["canoe at the flood"]
    assert with_filters(narrator=ben) == ["canoe at the flood", "canoe on the river"]
    assert with_filters(narrator=uuid.uuid4()) == []
    assert with_filters(subject="Rivers") == ["canoe at the flood", "canoe on the river"]
    assert with_filters(subject="Floods") == ["canoe at the flood"]
    assert with_filters(subject="floods") == []  # exactly as written
    assert with_filters(subject="Flood") == []
    assert with_filters(decade=1970) == ["canoe on the river"]
    assert with_filters(decade=1960) == []
    # Filters combine: every one must hold, for the same document.
    assert with_filters(narrator=ben, subject="Floods") == ["canoe at the flood"]
    assert with_filters(narrator=ana, decade=1970) == []
    assert with_filters(subject="Floods", language="es") == []


def test_narrator_subject_and_decade_facets_count_what_the_caller_may_see(
    index: SearchIndex,
) -> None:
    ana, ben, cleo = sorted((uuid.uuid4(), uuid.uuid4(), uuid.uuid4()), key=str)
    owner_id = uuid.uuid4()
    add(
        index,
        ["canoe one", "canoe two", "no boat here"],
        Story(narrators=(ana, ben), subjects=("Floods", "Rivers"), decade=1950),
    )
    add(index, ["canoe three"], Story(narrators=(ben,), subjects=("Rivers",), decade=1970))
    add(index, ["canoe four"])
    hidden = Story(
        access=Access.PRIVATE,
        owner_id=owner_id,
        narrators=(cleo, ana),
        subjects=("Secrets", "Floods"),
        decade=1990,
    )
    add(index, ["canoe secret"], hidden)

    public = index.search("canoe", ANONYMOUS, offset=0, limit=1, facets=FACET_FIELDS)
    assert public.total == 4
    assert public.facets["narrator"] == {str(ben): 3, str(ana): 2}
    assert public.facets["subject"] == {"Rivers": 3, "Floods": 2}
    assert public.facets["decade"] == {"1950": 2, "1970": 1}
    assert list(public.facets["narrator"]) == [str(ben), str(ana)]  # most frequent first

    everything = index.search("canoe", EVERYTHING, offset=0, limit=1, facets=FACET_FIELDS)
    assert everything.facets["narrator"] == {str(ben): 3, str(ana): 3, str(cleo): 1}
    assert list(everything.facets["narrator"])[:2] == [str(ana), str(ben)]  # ties by value
    assert everything.facets["subject"] == {"Floods": 3, "Rivers": 3, "Secrets": 1}
    assert everything.facets["decade"] == {"1950": 2, "1970": 1, "1990": 1}

    # The owner sees their hidden story; a filter narrows every facet with the hits.
    owner = search_scope(Viewer(owner_id, Role.CONTRIBUTOR))
    mine = index.search(
        "canoe",
        owner,
        filters=SearchFilters(subject="Floods"),
        offset=0,
        limit=1,
        facets=FACET_FIELDS,
    )
    assert mine.total == 3
    assert mine.facets == {
        **NO_FACETS,
        "language": {"en": 3},
        "narrator": {str(ana): 3, str(ben): 2, str(cleo): 1},
        "subject": {"Floods": 3, "Rivers": 2, "Secrets": 1},
        "decade": {"1950": 2, "1990": 1},
    }


# Writing


def test_replace_is_idempotent_and_replaces(index: SearchIndex) -> None:
    recording_id, docs = recording(["the old mill", "the mill burned"])
    index.replace_recording(recording_id, docs)
    index.replace_recording(recording_id, docs)
    assert index.search("mill", EVERYTHING, offset=0, limit=10, facets=FACET_FIELDS).total == 2
    corrected = [
        dataclasses.replace(doc, recording_id=recording_id)
        for doc in recording(["the old mill was rebuilt"])[1]
    ]
    index.replace_recording(recording_id, corrected)
    assert found(index, "mill") == ["the old mill was rebuilt"]
    kept = dataclasses.replace(corrected[0], text="the mill stands")  # same segment, new text
    index.replace_recording(recording_id, [kept])
    assert found(index, "mill") == ["the mill stands"]


def test_a_document_of_another_recording_is_refused(index: SearchIndex) -> None:
    recording_id, docs = recording(["the ferry"])
    other = recording(["the other ferry"])[1][0]
    with pytest.raises(ValueError, match="belongs to recording"):
        index.replace_recording(recording_id, [*docs, other])
    assert found(index, "ferry") == []


def test_remove_a_recording_or_documents(index: SearchIndex) -> None:
    kept = add(index, ["the bridge at dawn", "the bridge at noon"])
    gone = add(index, ["the bridge at night"])
    index.remove_recording(gone[0].recording_id)
    index.remove_recording(gone[0].recording_id)
    assert found(index, "bridge") == ["the bridge at dawn", "the bridge at noon"]
    index.remove_documents([kept[1].segment_id, uuid.uuid4()])
    index.remove_documents([])
    assert found(index, "bridge") == ["the bridge at dawn"]


def test_fingerprints_are_those_of_the_stored_documents(index: SearchIndex) -> None:
    assert index.document_fingerprints() == {}
    first = add(index, ["a", "b"])
    second = add(index, ["c"], Story(access=Access.PRIVATE, collection_id=uuid.uuid4()))
    assert index.document_fingerprints() == {
        doc.segment_id: doc.fingerprint() for doc in first + second
    }
    index.remove_recording(second[0].recording_id)
    assert set(index.document_fingerprints()) == {doc.segment_id for doc in first}


def test_rebuild_replaces_everything(index: SearchIndex) -> None:
    add(index, ["the old canoe"])
    _, docs = recording(["a new canoe", "another new canoe"])
    index.rebuild(iter(docs))
    assert found(index, "canoe") == ["a new canoe", "another new canoe"]
    assert index.document_fingerprints() == {doc.segment_id: doc.fingerprint() for doc in docs}
    index.rebuild([])
    assert found(index, "canoe") == []


def test_rebuild_switches_atomically_while_searches_go_on(index: SearchIndex) -> None:
    old = [doc for i in range(20) for doc in add(index, [f"old canoe {i}"] * 10)]
    new_docs = [doc for i in range(60) for doc in recording([f"new canoe {i}"] * 10)[1]]
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_all_along() -> None:
        while not stop.is_set():
            try:
                seen.append(
                    index.search("canoe", EVERYTHING, offset=0, limit=1, facets=FACET_FIELDS).total
                )
            except BaseException as exc:
                errors.append(exc)
                return

    searcher = threading.Thread(target=search_all_along)
    searcher.start()
    try:
        while not seen:  # the searcher is running before the rebuild starts
            stop.wait(0.01)
        index.rebuild(iter(new_docs))
        after = len(seen)
        while len(seen) < after + 3:
            stop.wait(0.01)
    finally:
        stop.set()
        searcher.join(timeout=30)
    assert errors == []
    assert set(seen) <= {len(old), len(new_docs)}  # all old or all new, never a mixture
    assert seen[0] == len(old)
    assert seen[-1] == len(new_docs)


# The query language: the same cases on every backend


def test_the_query_language_finds_the_same_segments_on_every_backend(index: SearchIndex) -> None:
    ana, ben = str(uuid.uuid4()), str(uuid.uuid4())
    river = uuid.uuid4()
    for texts, story, language in [
        (["the flood came at night", "a storm on the lake"], Story(decade=1950), "en"),
        (["the river rose", "the great flood of the river"], Story(collection_id=river), "en"),
        (["la crue de la rivière"], Story(), "fr"),
    ]:
        add(index, texts, story, language=language)
    recording_id, docs = recording(["the flood told by ana", "the storm told by ben"])
    docs = [
        dataclasses.replace(docs[0], narrators=(uuid.UUID(ana),), year=1962, speaker="Ana"),
        dataclasses.replace(docs[1], narrators=(uuid.UUID(ben),), year=1975, speaker="Ben"),
    ]
    index.replace_recording(recording_id, docs)
    cases = {
        "flood OR storm": [
            "a storm on the lake",
            "the flood came at night",
            "the flood told by ana",
            "the great flood of the river",
            "the storm told by ben",
        ],
        "flood OR storm -lake -night": [
            "the flood told by ana",
            "the great flood of the river",
            "the storm told by ben",
        ],
        'river "great flood" OR lake': ["the great flood of the river"],
        "told language:en": ["the flood told by ana", "the storm told by ben"],
        "crue language:fr": ["la crue de la rivière"],
        "rivière language:en": [],
        f"told narrator:{ana}": ["the flood told by ana"],
        f"told narrator:{ana} narrator:{ben}": [],
        f"river collection:{river}": ["the great flood of the river", "the river rose"],
        "told year:1960..1969": ["the flood told by ana"],
        "told year:1975": ["the storm told by ben"],
        "told year:..1970": ["the flood told by ana"],
        "told year:1970..": ["the storm told by ben"],
        "told year:1950..1959": [],
        "told speaker:Ben": ["the storm told by ben"],
        "flood or storm": [],  # a lower-case "or" is a word like any other
    }
    for query, expected in cases.items():
        assert found(index, query) == expected, query


def test_totals_past_the_limit_are_a_lower_bound_and_facets_say_they_are_partial(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("archive.search.fts5.TOTAL_LIMIT", 5)
    monkeypatch.setattr("archive.search.fts5.RANK_WINDOW", 5)
    monkeypatch.setattr("support.memory_search.TOTAL_LIMIT", 5)
    if isinstance(index, SearchProcesses):
        pytest.skip("the limits are made small in this process; a search process has its own")
    if not isinstance(index, Fts5Index | MemorySearchIndex):
        pytest.skip("the limit of a node is its own (10,000): tested at that size in the bench")
    add(index, [f"canoe {n}" for n in range(8)])
    add(index, ["canoe canoe canoe"])
    small = index.search("canoe 3", EVERYTHING, offset=0, limit=5, facets=("language",))
    assert (small.total, small.total_relation, small.facets_complete) == (1, "eq", True)
    assert small.ranking == "exact"
    large = index.search("canoe", EVERYTHING, offset=0, limit=5, facets=("language",))
    assert (large.total, large.total_relation, large.facets_complete) == (5, "gte", False)
    assert large.facets == {"language": {"en": 5}}
    assert len(large.hits) == 5
    if isinstance(index, Fts5Index):
        # Ranked from the first five matches it read, in the order they were written: the
        # best segment, written last, is not among them, and the answer says so.
        assert large.ranking == "approximate"
        assert "canoe canoe canoe" not in [hit.text for hit in large.hits]
    else:
        assert large.hits[0].text == "canoe canoe canoe"
    assert index.search("canoe", EVERYTHING, offset=0, limit=5).facets == {}
