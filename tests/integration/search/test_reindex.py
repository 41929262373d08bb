"""`archive reindex` on each search backend (the built-in index and a real Elasticsearch node)
and a real, migrated database: finding drift, repairing it, surviving interruptions, and the
command's exit codes."""

from __future__ import annotations

import os
import uuid
from collections import abc
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from archive.cli import app as cli
from archive.communities.repository import default_community
from archive.db.session import transaction, units_of_work
from archive.discovery import reindex
from archive.domain.access import SearchScope
from archive.models import Collection, Recording, Segment, Story, Transcript
from archive.search.base import FACET_FIELDS, NO_FILTERS, SearchFilters, SearchIndex, SearchResult
from archive.search.documents import SegmentDocument
from archive.search.factory import open_search_index
from archive.search.query import ParsedQuery
from archive.settings import Settings
from support.search_backends import SEARCH_BACKENDS, settings_on_backend
from support.stories import add_ready_recording

EVERYTHING = SearchScope(everything=True)


@pytest.fixture(params=SEARCH_BACKENDS)
def settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    yield from settings_on_backend(request, settings)


@pytest.fixture
def index(settings: Settings) -> Iterator[SearchIndex]:
    """The index the app and the command use."""
    built = open_search_index(settings)
    yield built
    built.close()


def make_recording(
    sessions: sessionmaker[Session],
    texts: list[str],
    *,
    access: str = "public",
    language: str = "en",
    collection: bool = False,
    versions: int = 1,
) -> uuid.UUID:
    """A story with one recording and `versions` transcripts (the last one current)."""
    with transaction(sessions) as session:
        collection_id = None
        if collection:
            found = Collection(title="River stories", community_id=default_community(session).id)
            session.add(found)
            session.flush()
            collection_id = found.id
        story = Story(title="The flood", access=access, collection_id=collection_id)
        session.add(story)
        session.flush()
        recording = add_ready_recording(session, story.id)
        for version in range(1, versions + 1):
            transcript = Transcript(
                recording_id=recording.id, version=version, source="machine", language=language
            )
            transcript.segments = [
                Segment(position=i, start=2.0 * i, end=2.0 * i + 1.5, text=f"{text} v{version}")
                for i, text in enumerate(texts)
            ]
            session.add(transcript)
        return recording.id


def segment_ids(sessions: sessionmaker[Session], recording_id: uuid.UUID) -> list[uuid.UUID]:
    """The current transcript's segments, in order."""
    with transaction(sessions) as session:
        latest = session.scalars(
            select(Transcript)
            .where(Transcript.recording_id == recording_id)
            .order_by(Transcript.version.desc())
            .limit(1)
        ).one()
        return list(
            session.scalars(
                select(Segment.id)
                .where(Segment.transcript_id == latest.id)
                .order_by(Segment.position)
            )
        )


def texts(index: SearchIndex, query: str) -> list[str]:
    result = index.search(query, EVERYTHING, offset=0, limit=100)
    return sorted(hit.text for hit in result.hits)


class Interrupted(Exception):
    pass


class FlakyIndex:
    """An index that dies after `replace_budget` recordings replaced, or after
    `rebuild_budget` documents read during a rebuild: a worker killed half-way."""

    def __init__(
        self, inner: SearchIndex, *, replace_budget: int = 10**9, rebuild_budget: int = 10**9
    ) -> None:
        self.inner = inner
        self.replace_budget = replace_budget
        self.rebuild_budget = rebuild_budget
        self.replaced: list[uuid.UUID] = []

    def replace_recording(
        self, recording_id: uuid.UUID, documents: Iterable[SegmentDocument]
    ) -> None:
        if len(self.replaced) >= self.replace_budget:
            raise Interrupted(f"stopped after {len(self.replaced)} recordings")
        self.inner.replace_recording(recording_id, documents)
        self.replaced.append(recording_id)

    def remove_recording(self, recording_id: uuid.UUID) -> None:
        self.inner.remove_recording(recording_id)

    def remove_documents(self, segment_ids: Iterable[uuid.UUID]) -> None:
        self.inner.remove_documents(segment_ids)

    def search(
        self,
        query: str | ParsedQuery,
        scope: SearchScope,
        *,
        filters: SearchFilters = NO_FILTERS,
        offset: int,
        limit: int,
        facets: abc.Collection[str] = (),
    ) -> SearchResult:
        return self.inner.search(
            query, scope, filters=filters, offset=offset, limit=limit, facets=facets
        )

    def document_fingerprints(self) -> dict[uuid.UUID, str]:
        return self.inner.document_fingerprints()

    def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
        def counted() -> Iterator[SegmentDocument]:
            for read, doc in enumerate(documents):
                if read >= self.rebuild_budget:
                    raise Interrupted(f"stopped after {read} documents")
                yield doc

        self.inner.rebuild(counted())

    def ping(self) -> bool:
        return self.inner.ping()

    def close(self) -> None:
        self.inner.close()


def test_an_empty_index_lacks_every_document_and_a_repair_fills_it(
    sessions: sessionmaker[Session], index: SearchIndex
) -> None:
    first = make_recording(sessions, ["the river rose", "the bridge held"], versions=2)
    second = make_recording(sessions, ["my grandmother sang"], access="private")
    drift = reindex.check(units_of_work(sessions), index)
    assert drift.missing == set(segment_ids(sessions, first) + segment_ids(sessions, second))
    assert (drift.stale, drift.orphaned) == (frozenset(), frozenset())
    assert drift.recordings == {first, second}
    assert drift.expected == 3
    assert not drift.clean
    reindex.repair(units_of_work(sessions), index, drift=drift)
    assert reindex.check(units_of_work(sessions), index).clean
    # Only the newest transcript version is searchable.
    assert texts(index, "river") == ["the river rose v2"]


def test_missing_stale_and_orphaned_documents_are_found_and_repaired(
    sessions: sessionmaker[Session], index: SearchIndex
) -> None:
    edited = make_recording(sessions, ["the river rose", "the bridge held"])
    deleted = make_recording(sessions, ["the old mill"])
    restricted = make_recording(sessions, ["a public part", "a secret part"])
    recollected = make_recording(sessions, ["the harbour"])
    reindex.repair(
        units_of_work(sessions), index, drift=reindex.check(units_of_work(sessions), index)
    )
    assert reindex.check(units_of_work(sessions), index).clean

    deleted_segments = segment_ids(sessions, deleted)
    edited_segment = segment_ids(sessions, edited)[1]
    restricted_segment = segment_ids(sessions, restricted)[1]
    added = make_recording(sessions, ["the new canoe"])  # its index job never ran
    with transaction(sessions) as session:
        session.execute(
            update(Segment).where(Segment.id == edited_segment).values(text="the bridge fell")
        )
        session.execute(
            update(Segment).where(Segment.id == restricted_segment).values(restricted=True)
        )
        session.execute(delete(Recording).where(Recording.id == deleted))
        collection = Collection(title="Harbour stories", community_id=default_community(session).id)
        session.add(collection)
        session.flush()
        story_id = session.scalars(
            select(Recording.story_id).where(Recording.id == recollected)
        ).one()
        session.execute(
            update(Story).where(Story.id == story_id).values(collection_id=collection.id)
        )

    drift = reindex.check(units_of_work(sessions), index)
    assert drift.missing == set(segment_ids(sessions, added))
    assert drift.stale == {edited_segment, *segment_ids(sessions, recollected)}
    assert drift.orphaned == {*deleted_segments, restricted_segment}
    assert drift.recordings == {added, edited, recollected}
    assert "1 missing, 2 stale and 2 orphaned" in drift.summary()

    reindex.repair(units_of_work(sessions), index, drift=drift)
    assert reindex.check(units_of_work(sessions), index).clean
    assert texts(index, "bridge") == ["the bridge fell"]
    assert texts(index, "mill") == []
    assert texts(index, "part") == ["a public part v1"]
    assert texts(index, "canoe") == ["the new canoe v1"]
    harbour = index.search("harbour", EVERYTHING, offset=0, limit=5, facets=FACET_FIELDS)
    assert list(harbour.facets["collection_id"].values()) == [1]


def test_an_interrupted_repair_is_finished_by_the_next_one(
    sessions: sessionmaker[Session], index: SearchIndex
) -> None:
    recordings = [make_recording(sessions, [f"story {i}", "and more"]) for i in range(6)]
    flaky = FlakyIndex(index, replace_budget=2)
    with pytest.raises(Interrupted):
        reindex.repair(
            units_of_work(sessions), flaky, drift=reindex.check(units_of_work(sessions), flaky)
        )
    halfway = reindex.check(units_of_work(sessions), index)
    assert halfway.recordings == set(recordings) - set(flaky.replaced)
    assert len(halfway.recordings) == 4
    reindex.repair(units_of_work(sessions), index, drift=halfway)
    assert reindex.check(units_of_work(sessions), index).clean


def test_an_interrupted_rebuild_leaves_the_old_index_and_the_next_one_converges(
    sessions: sessionmaker[Session], index: SearchIndex
) -> None:
    old = make_recording(sessions, ["the old river"])
    reindex.repair(
        units_of_work(sessions), index, drift=reindex.check(units_of_work(sessions), index)
    )
    for i in range(5):
        make_recording(sessions, [f"new river {i}", "more words"])
    with pytest.raises(Interrupted):
        reindex.rebuild(units_of_work(sessions), FlakyIndex(index, rebuild_budget=4))
    # Searches kept the whole old index: nothing of the half-built one.
    assert texts(index, "river") == ["the old river v1"]
    assert reindex.check(units_of_work(sessions), index).missing
    rebuilt = reindex.rebuild(units_of_work(sessions), index)
    assert rebuilt.documents == 11
    assert rebuilt.caught_up.clean
    assert reindex.check(units_of_work(sessions), index).clean
    assert len(texts(index, "river")) == 6
    assert old in {
        hit.recording_id for hit in index.search("old", EVERYTHING, offset=0, limit=5).hits
    }


def test_a_rebuild_catches_up_with_writes_made_while_it_ran(
    sessions: sessionmaker[Session], index: SearchIndex
) -> None:
    recording_id = make_recording(sessions, ["the river rose", "the bridge held"])
    segment = segment_ids(sessions, recording_id)[0]

    class IndexJobDuringRebuild(FlakyIndex):
        def rebuild(self, documents: Iterable[SegmentDocument]) -> None:
            read = list(documents)  # the database was read; now an index job runs
            with transaction(sessions) as session:
                session.execute(
                    update(Segment).where(Segment.id == segment).values(text="the river fell")
                )
            from archive.discovery.indexing import documents_for_recording

            with transaction(sessions) as session:
                current = documents_for_recording(session, recording_id)
            assert current is not None
            self.inner.replace_recording(recording_id, current)  # into the old index
            self.inner.rebuild(read)  # ...which the switch replaces

    rebuilt = reindex.rebuild(units_of_work(sessions), IndexJobDuringRebuild(index))
    assert rebuilt.caught_up.stale == {segment}
    assert reindex.check(units_of_work(sessions), index).clean
    assert texts(index, "river") == ["the river fell"]


@pytest.fixture
def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Runs `archive` in this process, on the test's data directory and database."""
    for name in list(os.environ):
        if name.startswith("ARCHIVE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARCHIVE_SEARCH_URL", settings.search_url)
    monkeypatch.setenv("ARCHIVE_SEARCH_INDEX_PREFIX", settings.search_index_prefix)
    # Logging is the process's: the command would point it at the runner's captured stderr.
    monkeypatch.setattr("archive.logs.configure_logging", lambda level: None)
    return CliRunner()


def test_the_command_checks_repairs_and_rebuilds(
    run_cli: CliRunner, sessions: sessionmaker[Session], settings: Settings, client: TestClient
) -> None:
    make_recording(sessions, ["the river rose", "the bridge held"], language="en")
    make_recording(sessions, ["el río creció"], language="es", collection=True)
    make_recording(sessions, ["a private river"], access="private")

    checked = run_cli.invoke(cli, ["reindex", "--check"])
    assert checked.exit_code == 1, checked.output
    assert "4 missing, 0 stale and 0 orphaned" in checked.output

    repaired = run_cli.invoke(cli, ["reindex", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "3 recordings again" in repaired.output

    clean = run_cli.invoke(cli, ["reindex", "--check"])
    assert clean.exit_code == 0, clean.output
    assert "matches the database (4 documents)" in clean.output

    rebuilt = run_cli.invoke(cli, ["reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt the search index: 4 documents" in rebuilt.output
    assert run_cli.invoke(cli, ["reindex", "--check"]).exit_code == 0

    # The API answers from the rebuilt file, with the caller's scope, filters and facets.
    public = client.get(
        "/api/v1/search",
        params={"q": "river", "facets": "language,collection,narrator,subject,decade"},
    ).json()
    assert public["total"] == 1
    assert public["facets"] == {
        "language": {"en": 1},
        "collection_id": {},
        "narrator": {},
        "subject": {},
        "decade": {},
    }
    assert sorted(public) == [
        "facets",
        "facets_complete",
        "hits",
        "narrators",
        "page",
        "per_page",
        "ranking",
        "total",
        "total_relation",
    ]
    assert (public["total_relation"], public["ranking"], public["facets_complete"]) == (
        "eq",
        "exact",
        True,
    )


def test_the_command_refuses_check_and_repair_together(run_cli: CliRunner) -> None:
    both = run_cli.invoke(cli, ["reindex", "--check", "--repair"])
    assert both.exit_code == 2
    assert "not both" in both.output


def test_the_command_explains_an_index_it_cannot_use(
    run_cli: CliRunner, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARCHIVE_SEARCH_URL", "http://127.0.0.1:1")
    failed = run_cli.invoke(cli, ["reindex", "--check"])
    assert failed.exit_code == 2, failed.output
    assert "ARCHIVE_SEARCH_URL" in failed.output
