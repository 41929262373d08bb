from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from archive.domain.access import Access, Role, SearchScope, Viewer, search_scope
from archive.errors import BadRequest
from archive.search.base import FACET_FIELDS, FACET_SIZE, SearchFilters, SearchIndex
from archive.search.documents import SegmentDocument
from archive.search.factory import open_search_index
from archive.search.fts5 import Fts5Index
from archive.search.fts5_page import render_highlight
from archive.search.fts5_schema import SCHEMA_VERSION
from archive.search.fts5_scoring import tokenizer
from archive.search.scoring import segment_score
from archive.settings import Settings
from support.segments import recording

EVERYTHING = SearchScope(everything=True)
ANONYMOUS = search_scope(None)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Fts5Index]:
    idx = Fts5Index(tmp_path / "search.sqlite3")
    yield idx
    idx.close()


def add(
    index: Fts5Index,
    texts: list[str],
    *,
    access: Access = Access.PUBLIC,
    owner_id: uuid.UUID | None = None,
    story_id: uuid.UUID | None = None,
    community_id: uuid.UUID | None = None,
) -> list[SegmentDocument]:
    recording_id, docs = recording(
        texts, access=access, owner_id=owner_id, story_id=story_id, community_id=community_id
    )
    index.replace_recording(recording_id, docs)
    return docs


def texts_found(
    index: Fts5Index,
    query: str,
    scope: SearchScope = EVERYTHING,
    filters: SearchFilters | None = None,
) -> list[str]:
    result = index.search(query, scope, filters=filters or SearchFilters(), offset=0, limit=50)
    return [hit.text for hit in result.hits]


def test_is_a_search_index(index: Fts5Index) -> None:
    assert isinstance(index, Fts5Index)
    as_port: SearchIndex = index
    assert as_port.ping()


def test_phrase_finds_the_phrase_not_the_words_apart(index: Fts5Index) -> None:
    add(index, ["then the river flooded the fields", "the flooded river was wide"])
    assert texts_found(index, '"river flooded"') == ["then the river flooded the fields"]
    assert len(texts_found(index, "river flooded")) == 2


def test_prefix_matches_longer_words(index: Fts5Index) -> None:
    add(index, ["the year it flooded", "a flood came", "floor boards"])
    assert sorted(texts_found(index, "flood*")) == ["a flood came", "the year it flooded"]


def test_more_occurrences_of_a_rare_term_rank_higher(index: Fts5Index) -> None:
    add(
        index,
        [
            "we spoke of the harvest and the weather",
            "the harvest, the harvest, always the harvest that year",
            "my mother sang in the evening",
        ],
    )
    hits = index.search("harvest", EVERYTHING, offset=0, limit=10).hits
    assert [hit.text for hit in hits] == [
        "the harvest, the harvest, always the harvest that year",
        "we spoke of the harvest and the weather",
    ]
    assert hits[0].score > hits[1].score > 0


@pytest.mark.parametrize(
    ("text", "query", "tfs", "length"),
    [
        ("the harvest, the harvest, always the harvest that year", "harvest", [3], 9),
        ("the harvest, the harvest, always the harvest that year", "year harvest", [1, 3], 9),
        ("then the river flooded the fields", '"river flooded"', [1], 6),
        ("the flood flooded the floodplain", "flood*", [3], 5),
        ("José sang; jose SANG again", '"jose sang" sang -river', [2, 2], 5),
        ("a a a", '"a a"', [1], 3),
    ],
)
def test_the_score_is_the_documented_one_of_the_segment_alone(
    index: Fts5Index, text: str, query: str, tfs: list[int], length: int
) -> None:
    add(index, [text, "a harvest year long ago when the river flooded and jose sang a a a"])
    hit = next(h for h in index.search(query, EVERYTHING, offset=0, limit=5).hits if h.text == text)
    assert hit.score == pytest.approx(segment_score(tfs, length), rel=1e-12)


def test_equal_scores_are_ordered_by_story_then_start(index: Fts5Index) -> None:
    story_b = uuid.UUID(int=2)
    story_a = uuid.UUID(int=1)
    add(index, ["salmon run", "salmon run"], story_id=story_b)
    add(index, ["salmon run", "salmon run"], story_id=story_a)
    hits = index.search("salmon", EVERYTHING, offset=0, limit=10).hits
    assert [(hit.story_id, hit.start) for hit in hits] == [
        (story_a, 0.0),
        (story_a, 10.0),
        (story_b, 0.0),
        (story_b, 10.0),
    ]


def test_anonymous_scope_hides_private_documents_and_their_count(index: Fts5Index) -> None:
    add(index, ["the public canoe", "another public canoe"])
    add(index, ["the private canoe"], access=Access.PRIVATE, owner_id=uuid.uuid4())
    add(index, ["the community canoe"], access=Access.COMMUNITY)
    result = index.search("canoe", ANONYMOUS, offset=0, limit=1)
    assert result.total == 2
    assert len(result.hits) == 1
    assert sorted(texts_found(index, "canoe", ANONYMOUS)) == [
        "another public canoe",
        "the public canoe",
    ]
    assert index.search("canoe", EVERYTHING, offset=0, limit=10).total == 4


def test_owner_sees_own_private_document_only(index: Fts5Index) -> None:
    owner = uuid.uuid4()
    add(index, ["my private canoe"], access=Access.PRIVATE, owner_id=owner)
    add(index, ["their private canoe"], access=Access.PRIVATE, owner_id=uuid.uuid4())
    scope = search_scope(Viewer(owner, Role.CONTRIBUTOR))
    assert texts_found(index, "canoe", scope) == ["my private canoe"]


def test_a_member_sees_community_documents_of_that_community_only(index: Fts5Index) -> None:
    river, coast = uuid.uuid4(), uuid.uuid4()
    add(index, ["the river canoe"], access=Access.COMMUNITY, community_id=river)
    add(index, ["the coast canoe"], access=Access.COMMUNITY, community_id=coast)
    add(index, ["the restricted canoe"], access=Access.RESTRICTED, community_id=river)
    member = Viewer(uuid.uuid4(), Role.RESEARCHER, member_of=frozenset({river}))
    assert texts_found(index, "canoe", search_scope(member)) == ["the river canoe"]
    outsider = search_scope(Viewer(uuid.uuid4(), Role.RESEARCHER))
    assert texts_found(index, "canoe", outsider) == []


def test_a_scope_with_nothing_allowed_finds_only_public_available_documents(
    index: Fts5Index,
) -> None:
    add(index, ["the public canoe"])
    (waiting,) = add(index, ["the unpublished canoe"])
    hidden = dataclasses.replace(waiting, available=False)
    index.replace_recording(hidden.recording_id, [hidden])
    add(index, ["the community canoe"], access=Access.COMMUNITY, community_id=uuid.uuid4())
    result = index.search("canoe", SearchScope(everything=False), offset=0, limit=10)
    assert result.total == 1
    assert [hit.text for hit in result.hits] == ["the public canoe"]


def test_highlight_marks_matches_and_escapes_the_text(index: Fts5Index) -> None:
    add(index, ['<script>alert("x")</script> the flood & the rain'])
    (hit,) = index.search("flood", EVERYTHING, offset=0, limit=10).hits
    assert hit.highlight == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; the <mark>flood</mark> &amp; the rain"
    )
    assert hit.text.startswith("<script>")


def test_highlight_marks_whole_words_for_prefix_and_accent(index: Fts5Index) -> None:
    add(index, ["José said it flooded"])
    (hit,) = index.search("jose flood*", EVERYTHING, offset=0, limit=10).hits
    assert hit.highlight == "<mark>José</mark> said it <mark>flooded</mark>"


def test_highlight_of_text_holding_the_marker_characters_is_escaped_unmarked() -> None:
    assert render_highlight("\ue000a\ue001 <b>", "a\ue000 <b>") == "a\ue000 &lt;b&gt;"


def test_diacritics_are_folded_both_ways(index: Fts5Index) -> None:
    add(index, ["José walked to the ñandú farm", "Jose Maria stayed"])
    assert sorted(texts_found(index, "Jose")) == [
        "Jose Maria stayed",
        "José walked to the ñandú farm",
    ]
    assert len(texts_found(index, "josé")) == 2
    assert texts_found(index, "nandu") == ["José walked to the ñandú farm"]


def test_fts5_operators_in_the_query_are_words(index: Fts5Index) -> None:
    add(index, ["alpha only", "beta only", "alpha or beta"])
    assert texts_found(index, "alpha or beta") == ["alpha or beta"]
    found = texts_found(index, "alpha OR beta")
    assert found[0] == "alpha or beta"  # both parts add to its score
    assert sorted(found) == ["alpha only", "alpha or beta", "beta only"]
    assert texts_found(index, "text:alpha") == []
    assert texts_found(index, "NEAR(alpha beta)") == []


def test_exclusion(index: Fts5Index) -> None:
    add(index, ["flood and river", "flood in the town"])
    assert texts_found(index, "flood -river") == ["flood in the town"]


def test_replace_recording_is_idempotent(index: Fts5Index) -> None:
    recording_id, docs = recording(["the old mill", "the mill burned"])
    index.replace_recording(recording_id, docs)
    index.replace_recording(recording_id, docs)
    assert index.search("mill", EVERYTHING, offset=0, limit=10).total == 2


def test_replace_recording_replaces_the_old_documents(index: Fts5Index) -> None:
    recording_id, docs = recording(["the old mill", "the mill burned"])
    index.replace_recording(recording_id, docs)
    _, corrected = recording(["the old mill was rebuilt"])
    corrected = [dataclasses.replace(doc, recording_id=recording_id) for doc in corrected]
    index.replace_recording(recording_id, corrected)
    assert texts_found(index, "mill") == ["the old mill was rebuilt"]


def test_replace_recording_refuses_documents_of_another_recording(index: Fts5Index) -> None:
    _, docs = recording(["the old mill"])
    with pytest.raises(ValueError, match="belongs to recording"):
        index.replace_recording(uuid.uuid4(), docs)


def test_failed_replace_leaves_the_old_documents(index: Fts5Index) -> None:
    recording_id, docs = recording(["the old mill"])
    index.replace_recording(recording_id, docs)
    duplicated = [docs[0], docs[0]]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        index.replace_recording(recording_id, duplicated)
    assert texts_found(index, "mill") == ["the old mill"]


def test_remove_recording(index: Fts5Index) -> None:
    kept = add(index, ["the bridge at dawn"])
    recording_id, docs = recording(["the bridge at night"])
    index.replace_recording(recording_id, docs)
    index.remove_recording(recording_id)
    index.remove_recording(recording_id)
    assert texts_found(index, "bridge") == [kept[0].text]


def test_pagination(index: Fts5Index) -> None:
    story = uuid.UUID(int=7)
    add(index, [f"song number {i}" for i in range(5)], story_id=story)
    pages = [index.search("song", EVERYTHING, offset=offset, limit=2) for offset in (0, 2, 4, 6)]
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [[hit.start for hit in page.hits] for page in pages] == [
        [0.0, 10.0],
        [20.0, 30.0],
        [40.0],
        [],
    ]
    assert index.search("song", EVERYTHING, offset=0, limit=0).total == 5


def test_hit_carries_identity_and_times(index: Fts5Index) -> None:
    (doc,) = add(index, ["the lighthouse keeper"])
    (hit,) = index.search("lighthouse", EVERYTHING, offset=0, limit=1).hits
    assert (hit.story_id, hit.recording_id, hit.segment_id) == (
        doc.story_id,
        doc.recording_id,
        doc.segment_id,
    )
    assert (hit.start, hit.end) == (doc.start, doc.end)


def test_unsearchable_query_is_a_bad_request(index: Fts5Index) -> None:
    with pytest.raises(BadRequest):
        index.search('"*"', EVERYTHING, offset=0, limit=10)


def test_index_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "search.sqlite3"
    first = Fts5Index(path)
    recording_id, docs = recording(["the winter camp"])
    first.replace_recording(recording_id, docs)
    first.close()
    assert texts_found(Fts5Index(path), "winter") == ["the winter camp"]


def test_ping_and_close(tmp_path: Path) -> None:
    index = Fts5Index(tmp_path / "search.sqlite3")
    assert index.ping()
    index.close()
    assert not index.ping()
    with pytest.raises(RuntimeError, match="closed"):
        index.search("river", EVERYTHING, offset=0, limit=1)


def test_ping_is_false_when_the_file_lost_its_tables(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    index = Fts5Index(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert not index.ping()


def test_concurrent_searches_and_writes(index: Fts5Index) -> None:
    def write(i: int) -> None:
        recording_id, docs = recording([f"river story {i}", "another river"])
        index.replace_recording(recording_id, docs)

    def read(_: int) -> int:
        return index.search("river", EVERYTHING, offset=0, limit=5).total

    with ThreadPoolExecutor(max_workers=8) as pool:
        writes = [pool.submit(write, i) for i in range(20)]
        reads = [pool.submit(read, i) for i in range(40)]
        for future in writes + reads:
            future.result()
    assert index.search("river", EVERYTHING, offset=0, limit=5).total == 40


def test_factory_opens_the_builtin_index(tmp_path: Path) -> None:
    index = open_search_index(Settings(data_dir=tmp_path, search_url="sqlite"))
    try:
        assert isinstance(index, Fts5Index)
        assert (tmp_path / "search.sqlite3").exists()
    finally:
        index.close()


V1_SCHEMA = """
CREATE TABLE segment_meta (
    rowid INTEGER PRIMARY KEY, segment_id TEXT NOT NULL UNIQUE, recording_id TEXT NOT NULL,
    story_id TEXT NOT NULL, transcript_id TEXT NOT NULL, start_seconds REAL NOT NULL,
    end_seconds REAL NOT NULL, language TEXT, story_title TEXT NOT NULL, access TEXT NOT NULL,
    owner_id TEXT
);
CREATE INDEX segment_meta_recording_id ON segment_meta (recording_id);
CREATE VIRTUAL TABLE segment_text USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
PRAGMA user_version = 1;
"""


V2_SCHEMA = V1_SCHEMA.replace(
    "    owner_id TEXT\n",
    "    owner_id TEXT, collection_id TEXT, fingerprint TEXT NOT NULL DEFAULT ''\n",
).replace("user_version = 1", "user_version = 2")

V3_SCHEMA = V2_SCHEMA.replace(
    "fingerprint TEXT NOT NULL DEFAULT ''\n",
    "fingerprint TEXT NOT NULL DEFAULT '', community_id TEXT, "
    "protocol_ids TEXT NOT NULL DEFAULT '', protocols_required INTEGER NOT NULL DEFAULT 0, "
    "available INTEGER NOT NULL DEFAULT 1\n",
).replace("user_version = 2", "user_version = 3")

V4_SCHEMA = V3_SCHEMA.replace(
    "available INTEGER NOT NULL DEFAULT 1\n",
    "available INTEGER NOT NULL DEFAULT 1, decade INTEGER\n",
).replace("user_version = 3", "user_version = 4")

V5_SCHEMA = V4_SCHEMA.replace(
    "decade INTEGER\n",
    "decade INTEGER, tokens TEXT NOT NULL DEFAULT '', token_count INTEGER NOT NULL DEFAULT 0\n",
).replace("user_version = 4", "user_version = 5")

V6_SCHEMA = V4_SCHEMA.replace(
    "decade INTEGER\n", "decade INTEGER, year INTEGER, speaker TEXT\n"
).replace(
    "text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'",
    "text, tags, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3', columnsize = 0",
).replace("user_version = 4", "user_version = 6") + (
    "CREATE INDEX segment_meta_story_id ON segment_meta (story_id);\n"
    "CREATE TABLE segment_terms (segment_rowid INTEGER NOT NULL, field TEXT NOT NULL, "
    "value TEXT NOT NULL, PRIMARY KEY (segment_rowid, field, value)) WITHOUT ROWID;\n"
    "CREATE INDEX segment_terms_value ON segment_terms (field, value);\n"
)

# Fingerprints made by FINGERPRINT_VERSION 1 and 2, as version 2 and 3 indices hold them.
OLD_FINGERPRINTS = {
    2: "d41a9fcb6b0f209adf89611936e6c297be0c707626f5f3745604f707d56e7cf2",
    3: "72195e4150459291df4ad53e1898242e9b92917c8603b0fbae56f3818c00defe",
}


def schema_of(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The columns of `segment_meta`, and every table and index, of the file at `path`."""
    with sqlite3.connect(path) as conn:
        columns = conn.execute("PRAGMA table_info(segment_meta)").fetchall()
        names = conn.execute("SELECT type, name FROM sqlite_master ORDER BY name").fetchall()
    conn.close()
    return columns, names


@pytest.mark.parametrize(
    ("version", "schema"),
    [
        (1, V1_SCHEMA),
        (2, V2_SCHEMA),
        (3, V3_SCHEMA),
        (4, V4_SCHEMA),
        (5, V5_SCHEMA),
        (6, V6_SCHEMA),
    ],
)
def test_an_index_of_an_older_schema_version_is_migrated_and_reads_as_stale(
    tmp_path: Path, version: int, schema: str
) -> None:
    path = tmp_path / "search.sqlite3"
    public_id, community_id = uuid.uuid4(), uuid.uuid4()
    rows = [
        (public_id, "public", "the old canoe"),
        (community_id, "community", "a community canoe"),
    ]
    with sqlite3.connect(path) as conn:
        conn.executescript(schema)
        for rowid, (segment_id, access, text) in enumerate(rows, start=1):
            conn.execute(
                "INSERT INTO segment_meta (rowid, segment_id, recording_id, story_id, "
                "transcript_id, start_seconds, end_seconds, language, story_title, access, "
                "owner_id) VALUES (?, ?, ?, ?, ?, 0.0, 1.0, 'en', 't', ?, NULL)",
                (rowid, str(segment_id), *(str(uuid.uuid4()) for _ in range(3)), access),
            )
            conn.execute("INSERT INTO segment_text (rowid, text) VALUES (?, ?)", (rowid, text))
        if version in OLD_FINGERPRINTS:
            conn.execute("UPDATE segment_meta SET fingerprint = ?", (OLD_FINGERPRINTS[version],))
    conn.close()
    index = Fts5Index(path)
    assert sorted(texts_found(index, "canoe")) == ["a community canoe", "the old canoe"]
    # The English stems are made on opening: another form of a word finds its segments.
    assert sorted(texts_found(index, "canoes")) == ["a community canoe", "the old canoe"]
    stale = OLD_FINGERPRINTS.get(version, "")
    assert index.document_fingerprints() == {public_id: stale, community_id: stale}
    facets = index.search("canoe", EVERYTHING, offset=0, limit=1, facets=FACET_FIELDS).facets
    assert facets == {
        "language": {"en": 2},
        "collection_id": {},
        "narrator": {},
        "subject": {},
        "decade": {},
    }
    # Nor, until then, any narrator, subject or decade.
    assert texts_found(index, "canoe", filters=SearchFilters(decade=1950)) == []
    # Until `archive reindex --repair` writes them again, the old documents name no community
    # and no protocols: they open to no one beyond their access alone.
    member = Viewer(uuid.uuid4(), Role.RESEARCHER, member_of=frozenset({uuid.uuid4()}))
    assert texts_found(index, "canoe", search_scope(member)) == ["the old canoe"]
    assert texts_found(index, "canoe", ANONYMOUS) == ["the old canoe"]
    Fts5Index(path)  # opening again migrates nothing
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    conn.close()
    fresh = Fts5Index(tmp_path / "fresh.sqlite3")
    assert schema_of(path) == schema_of(tmp_path / "fresh.sqlite3")
    # The words scores are counted from are filled in on opening: the same scores as new.
    add(fresh, ["the old canoe and the canoe", "a community canoe"])
    add(index, ["the old canoe and the canoe"])
    scores = {
        hit.text: hit.score for hit in index.search("canoe", EVERYTHING, offset=0, limit=9).hits
    }
    assert scores == {
        hit.text: hit.score for hit in fresh.search("canoe", EVERYTHING, offset=0, limit=9).hits
    } | {"the old canoe": scores["a community canoe"]}


def test_an_index_of_an_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RuntimeError, match="archive reindex"):
        Fts5Index(path)


def test_rebuild_switches_while_a_search_holds_the_old_snapshot(
    index: Fts5Index, tmp_path: Path
) -> None:
    add(index, ["the old canoe"])
    reader = sqlite3.connect(tmp_path / "search.sqlite3", isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM segment_meta").fetchone() == (1,)
        _, docs = recording(["a new canoe", "another new canoe"])
        index.rebuild(iter(docs))
        assert reader.execute("SELECT count(*) FROM segment_meta").fetchone() == (1,)
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM segment_meta").fetchone() == (2,)
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        reader.close()
    assert sorted(texts_found(index, "canoe")) == ["a new canoe", "another new canoe"]
    index.close()  # the last connection to close removes the -wal and -shm files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["search.sqlite3"]


def test_a_failed_rebuild_leaves_the_index_and_no_files(index: Fts5Index, tmp_path: Path) -> None:
    add(index, ["the old canoe"])
    _, docs = recording(["a new canoe"])
    with pytest.raises(sqlite3.IntegrityError):
        index.rebuild([docs[0], docs[0]])
    assert texts_found(index, "canoe") == ["the old canoe"]
    assert sorted(p.name for p in tmp_path.iterdir() if "rebuild" in p.name) == []


def test_filter_values_are_bound_never_spliced(index: Fts5Index) -> None:
    add(index, ["the canoe"])
    filters = SearchFilters(language="en' OR 1=1 --")
    assert index.search("canoe", EVERYTHING, filters=filters, offset=0, limit=5).total == 0


# Narrators, subjects and decades: the many-valued fields live in `recording_terms`


def terms_of(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT recording_id, field, value FROM recording_terms ORDER BY 1, 2, 3"
        ).fetchall()
    conn.close()
    return rows


def with_story_fields(
    docs: list[SegmentDocument],
    narrators: tuple[uuid.UUID, ...] = (),
    subjects: tuple[str, ...] = (),
    decade: int | None = None,
) -> list[SegmentDocument]:
    return [
        dataclasses.replace(d, narrators=narrators, subjects=subjects, decade=decade) for d in docs
    ]


def test_terms_are_written_replaced_and_removed_with_their_documents(
    index: Fts5Index, tmp_path: Path
) -> None:
    path = tmp_path / "search.sqlite3"
    narrator = uuid.uuid4()
    recording_id, docs = recording(["the canoe", "the paddle"])
    index.replace_recording(recording_id, with_story_fields(docs, (narrator,), ("Boats",)))
    # Once for the recording, not once for each of its segments.
    assert terms_of(path) == [
        (str(recording_id), "narrator", str(narrator)),
        (str(recording_id), "subject", "Boats"),
    ]
    index.replace_recording(recording_id, with_story_fields(docs, (), ("Canoes",)))
    assert terms_of(path) == [(str(recording_id), "subject", "Canoes")]
    # They stay while a segment of the recording does.
    index.remove_documents([docs[0].segment_id])
    assert terms_of(path) == [(str(recording_id), "subject", "Canoes")]
    assert (
        index.search(
            "paddle", EVERYTHING, filters=SearchFilters(subject="Canoes"), offset=0, limit=5
        ).total
        == 1
    )
    index.remove_documents([docs[1].segment_id])
    assert terms_of(path) == []
    index.replace_recording(recording_id, with_story_fields(docs, (), ("Canoes",)))
    index.remove_recording(recording_id)
    assert terms_of(path) == []


def test_an_index_of_version_7_keeps_its_documents_and_moves_their_terms_to_recordings(
    tmp_path: Path,
) -> None:
    path = tmp_path / "search.sqlite3"
    index = Fts5Index(path)
    narrator = uuid.uuid4()
    recording_id, docs = recording(["the canoe", "the paddle"])
    index.replace_recording(recording_id, with_story_fields(docs, (narrator,), ("Boats",)))
    fingerprints = index.document_fingerprints()
    index.close()
    # Version 7 kept the terms once per segment.
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE segment_terms (segment_rowid INTEGER NOT NULL, field TEXT NOT NULL,
                value TEXT NOT NULL, PRIMARY KEY (segment_rowid, field, value)) WITHOUT ROWID;
            CREATE INDEX segment_terms_value ON segment_terms (field, value);
            INSERT INTO segment_terms SELECT m.rowid, t.field, t.value
                FROM segment_meta AS m JOIN recording_terms AS t USING (recording_id);
            DROP TABLE recording_terms;
            PRAGMA user_version = 7;
            """
        )
    conn.close()
    migrated = Fts5Index(path)
    assert migrated.document_fingerprints() == fingerprints  # nothing to write again
    assert terms_of(path) == [
        (str(recording_id), "narrator", str(narrator)),
        (str(recording_id), "subject", "Boats"),
    ]
    found = migrated.search(
        "canoe OR paddle",
        EVERYTHING,
        filters=SearchFilters(narrator=narrator),
        offset=0,
        limit=5,
        facets=FACET_FIELDS,
    )
    assert found.total == 2
    assert found.facets["subject"] == {"Boats": 2}
    assert found.facets["narrator"] == {str(narrator): 2}
    Fts5Index(tmp_path / "fresh.sqlite3")
    assert schema_of(path) == schema_of(tmp_path / "fresh.sqlite3")


def test_a_subject_written_twice_is_stored_once(index: Fts5Index) -> None:
    recording_id, docs = recording(["the canoe"])
    index.replace_recording(recording_id, with_story_fields(docs, (), ("Boats", "Boats")))
    result = index.search("canoe", EVERYTHING, offset=0, limit=5, facets=FACET_FIELDS)
    assert result.facets["subject"] == {"Boats": 1}


def test_a_rebuild_keeps_the_terms(index: Fts5Index) -> None:
    narrator = uuid.uuid4()
    _, docs = recording(["the canoe"])
    index.rebuild(with_story_fields(docs, (narrator,), ("Boats",), 1970))
    found = index.search(
        "canoe",
        EVERYTHING,
        filters=SearchFilters(narrator=narrator),
        offset=0,
        limit=5,
        facets=FACET_FIELDS,
    )
    assert found.total == 1
    assert found.facets["subject"] == {"Boats": 1}
    assert found.facets["decade"] == {"1970": 1}


def test_subject_values_are_bound_never_spliced(index: Fts5Index) -> None:
    recording_id, docs = recording(["the canoe"])
    index.replace_recording(recording_id, with_story_fields(docs, (), ("Boats",)))
    for subject in ("Boats' OR 1=1 --", "x') OR ('1'='1", "%"):
        filters = SearchFilters(subject=subject)
        assert (
            index.search(
                "canoe", EVERYTHING, filters=filters, offset=0, limit=5, facets=FACET_FIELDS
            ).total
            == 0
        )


def test_many_facet_values_are_cut_to_the_most_frequent(index: Fts5Index) -> None:
    subjects = tuple(f"subject {n:03}" for n in range(FACET_SIZE + 5))
    recording_id, docs = recording(["the canoe"])
    index.replace_recording(recording_id, with_story_fields(docs, (), subjects))
    other_id, other = recording(["another canoe"])
    index.replace_recording(other_id, with_story_fields(other, (), ("subject 104",)))
    facet = index.search("canoe", EVERYTHING, offset=0, limit=1, facets=FACET_FIELDS).facets[
        "subject"
    ]
    assert len(facet) == FACET_SIZE
    assert next(iter(facet.items())) == ("subject 104", 2)
    assert list(facet)[1:3] == ["subject 000", "subject 001"]


def test_ascii_texts_are_read_into_words_as_the_index_tokenizer_reads_them() -> None:
    texts = ["The RIVER's 2nd flood_plain, at 5:30!", "tab\there-now", "", "x"]
    with tokenizer() as words:
        fast = words.words(texts)
        # Through FTS5 itself: a text with one non-ASCII character takes that path.
        slow = [found[:-1] for found in words.words([text + " é" for text in texts])]
    assert (
        fast
        == slow
        == [
            ["the", "river", "s", "2nd", "flood", "plain", "at", "5", "30"],
            ["tab", "here", "now"],
            [],
            ["x"],
        ]
    )


def test_after_a_rebuild_the_index_merges_its_writes_as_usual(
    index: Fts5Index, tmp_path: Path
) -> None:
    _, docs = recording(["the canoe"])
    index.rebuild(docs)
    with sqlite3.connect(tmp_path / "search.sqlite3") as conn:
        settings = dict(conn.execute("SELECT k, v FROM segment_text_config").fetchall())
    assert settings.get("automerge", 4) == 4
    assert settings.get("crisismerge", 16) == 16
    assert index.search("canoe", EVERYTHING, offset=0, limit=5).total == 1


def _index_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT * FROM segment_meta ORDER BY rowid").fetchall()
        rows += conn.execute("SELECT rowid, * FROM segment_text ORDER BY rowid").fetchall()
        rows += conn.execute("SELECT * FROM recording_terms ORDER BY 1, 2, 3").fetchall()
        rows += conn.execute("SELECT k, v FROM segment_text_config ORDER BY k").fetchall()
    conn.close()
    return rows


def test_a_rebuild_of_many_batches_is_written_by_a_child_process_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, docs = recording([f"the canoe number {n} carried the nets" for n in range(7)])
    docs = [dataclasses.replace(d, narrators=(uuid.uuid4(),), subjects=("Boats",)) for d in docs]
    alone = Fts5Index(tmp_path / "alone.sqlite3")
    alone.rebuild(docs)  # one batch: written in this process
    monkeypatch.setattr("archive.search.fts5_build.BATCH", 2)
    child = Fts5Index(tmp_path / "child.sqlite3")
    child.rebuild(iter(docs))  # four batches: written by a child process
    assert _index_rows(tmp_path / "child.sqlite3") == _index_rows(tmp_path / "alone.sqlite3")
    assert len(texts_found(child, "carry")) == 7


def test_a_failed_rebuild_in_a_child_process_leaves_the_index_and_no_files(
    index: Fts5Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("archive.search.fts5_build.BATCH", 2)
    add(index, ["the old canoe"])
    _, docs = recording(["a new canoe", "a new paddle", "a new net"])
    with pytest.raises(sqlite3.IntegrityError):
        index.rebuild([*docs, *docs])

    def failing() -> Iterator[SegmentDocument]:
        yield from docs
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError, match="went away"):
        index.rebuild(failing())
    assert texts_found(index, "canoe") == ["the old canoe"]
    assert sorted(p.name for p in tmp_path.iterdir() if "rebuild" in p.name) == []
