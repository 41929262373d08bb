"""`ElasticsearchIndex` through the real client, against a loopback stand-in for the server
(`fake_elasticsearch`), for what a real node cannot be made to do on demand: refuse documents
with 429, vanish, and show the exact calls made. What the adapter does on a real node is in
`tests/integration/search/test_elasticsearch_adapter.py` and the contract tests."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.domain.access import SearchScope, search_scope
from archive.errors import ServiceUnavailable
from archive.search import elasticsearch as es_module
from archive.search import es_mapping as m
from archive.search import es_queries as q
from archive.search.base import FACET_FIELDS, SearchFilters
from archive.search.documents import SegmentDocument
from archive.search.elasticsearch import ElasticsearchIndex
from archive.search.factory import open_search_index
from archive.search.query import parse_query
from archive.settings import Settings, SettingsError
from support.live import free_port
from support.segments import recording
from unit.search.fake_elasticsearch import FakeCluster, fake_elasticsearch

EVERYTHING = SearchScope(everything=True)
ALIAS = "test-segments"


@pytest.fixture
def served() -> Iterator[tuple[ElasticsearchIndex, FakeCluster]]:
    with fake_elasticsearch() as (url, cluster):
        index = ElasticsearchIndex(url, "test", retire_after=0)
        yield index, cluster
        index.close()


@pytest.fixture
def index(served: tuple[ElasticsearchIndex, FakeCluster]) -> ElasticsearchIndex:
    return served[0]


@pytest.fixture
def cluster(served: tuple[ElasticsearchIndex, FakeCluster]) -> FakeCluster:
    return served[1]


def stored(cluster: FakeCluster) -> dict[str, dict[str, object]]:
    (target,) = cluster.alias_targets(ALIAS)
    return cluster.indices[target]


def test_building_the_index_contacts_nothing(cluster: FakeCluster) -> None:
    assert cluster.requests == []


def test_first_use_puts_the_template_and_creates_the_first_index_behind_the_alias(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    index.remove_recording(uuid.uuid4())
    assert cluster.templates == {
        f"test-segments-v{m.MAPPING_VERSION}": m.index_template_body(m.index_names("test"))
    }
    (first,) = cluster.alias_targets(ALIAS)
    assert first.startswith(f"test-segments-v{m.MAPPING_VERSION}-")
    assert cluster.aliases[ALIAS][first] == {"is_write_index": True}
    index.remove_recording(uuid.uuid4())
    assert len(cluster.calls("PUT", "/_index_template/")) == 1  # once per process


def test_a_second_process_finds_the_index_the_first_created() -> None:
    with fake_elasticsearch() as (url, shared):
        first, second = ElasticsearchIndex(url, "test"), ElasticsearchIndex(url, "test")
        first.remove_recording(uuid.uuid4())
        second.remove_recording(uuid.uuid4())
        assert len(shared.alias_targets(ALIAS)) == 1
        assert len(shared.indices) == 1


def test_losing_the_race_to_create_the_first_index_is_fine() -> None:
    with fake_elasticsearch() as (url, shared):
        winner, loser = ElasticsearchIndex(url, "test"), ElasticsearchIndex(url, "test")
        winner.remove_recording(uuid.uuid4())
        # The loser checked before the winner created it, and tries to create its own.
        loser._create_first_index()
        assert len(shared.alias_targets(ALIAS)) == 1
        assert len(shared.indices) == 1


def test_replace_indexes_then_deletes_the_rest_refreshed(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    recording_id, docs = recording(["the old mill", "the mill burned"])
    index.replace_recording(recording_id, docs)
    index.replace_recording(recording_id, docs)
    assert len(stored(cluster)) == 2
    new_docs = recording(["the mill was rebuilt"])[1]
    corrected = [dataclasses.replace(doc, recording_id=recording_id) for doc in new_docs]
    cluster.requests.clear()
    index.replace_recording(recording_id, corrected)
    # Index (refreshed), find the recording's other documents, delete them (refreshed), and
    # look once more: nothing is left.
    paths = [r.path.rsplit("/", 1)[-1] for r in cluster.requests]
    assert paths == ["_bulk", "_search", "_bulk", "_search"]
    index_bulk, find, delete_bulk, _ = cluster.requests
    assert index_bulk.params["refresh"] == "true"
    assert find.body["query"] == q.recording_query(recording_id, [corrected[0].segment_id])
    assert delete_bulk.params["refresh"] == "true"
    assert [source["text"] for source in stored(cluster).values()] == ["the mill was rebuilt"]


def test_replace_with_no_documents_empties_the_recording(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    recording_id, docs = recording(["the old mill"])
    index.replace_recording(recording_id, docs)
    index.replace_recording(recording_id, [])
    assert stored(cluster) == {}


def test_remove_recording_and_documents(index: ElasticsearchIndex, cluster: FakeCluster) -> None:
    first, first_docs = recording(["a", "b", "c"])
    second, second_docs = recording(["d"])
    index.replace_recording(first, first_docs)
    index.replace_recording(second, second_docs)
    index.remove_recording(second)
    index.remove_recording(second)
    assert len(stored(cluster)) == 3
    index.remove_documents([first_docs[0].segment_id, uuid.uuid4()])
    index.remove_documents([])
    assert sorted(stored(cluster)) == sorted(str(d.segment_id) for d in first_docs[1:])


def test_bulk_writes_back_off_and_retry_rejected_documents(
    index: ElasticsearchIndex, cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es_module, "BULK_INITIAL_BACKOFF_SECONDS", 0.01)
    cluster.reject_bulk_items = 3
    recording_id, docs = recording(["one", "two"])
    index.replace_recording(recording_id, docs)
    assert len(stored(cluster)) == 2
    assert len(cluster.calls("POST", "/_bulk") + cluster.calls("PUT", "/_bulk")) >= 2


def test_bulk_rejections_that_never_end_are_service_unavailable(
    index: ElasticsearchIndex, cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es_module, "BULK_INITIAL_BACKOFF_SECONDS", 0.001)
    monkeypatch.setattr(es_module, "BULK_MAX_RETRIES", 2)
    cluster.reject_bulk_items = 1000
    recording_id, docs = recording(["one"])
    with pytest.raises(ServiceUnavailable):
        index.replace_recording(recording_id, docs)


def test_search_sends_the_scope_and_reads_hits_highlights_and_facets(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    public_id, public = recording(["the <b>river</b> flooded", "no match here"])
    private_id, private = recording(["the river is private"], access="private")
    index.replace_recording(public_id, public)
    index.replace_recording(private_id, private)
    cluster.requests.clear()
    result = index.search("river", search_scope(None), offset=0, limit=10, facets=FACET_FIELDS)
    (request,) = cluster.requests
    assert request.path == f"/{ALIAS}/_search"
    assert request.params["allow_partial_search_results"] == "false"
    assert request.body == q.search_body(
        parse_query("river"),
        search_scope(None),
        filters=SearchFilters(),
        offset=0,
        limit=10,
        facets=FACET_FIELDS,
    )
    assert (result.total, result.total_relation, result.ranking) == (1, "eq", "exact")
    (hit,) = result.hits
    assert hit.segment_id == public[0].segment_id
    assert hit.highlight == "the &lt;b&gt;<mark>river</mark>&lt;/b&gt; flooded"
    assert result.facets == {
        "language": {"en": 1},
        "collection_id": {},
        "narrator": {},
        "subject": {},
        "decade": {},
    }


def test_search_filters_reach_the_query(index: ElasticsearchIndex, cluster: FakeCluster) -> None:
    recording_id, docs = recording(["el río"], language="es")
    index.replace_recording(recording_id, docs)
    found = index.search("río", EVERYTHING, filters=SearchFilters(language="es"), offset=0, limit=5)
    assert found.total == 1
    assert (
        index.search(
            "río", EVERYTHING, filters=SearchFilters(language="en"), offset=0, limit=5
        ).total
        == 0
    )


def test_rebuild_fills_a_new_index_and_moves_the_alias_in_one_call(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    old_id, old_docs = recording(["old"])
    index.replace_recording(old_id, old_docs)
    (old_index,) = cluster.alias_targets(ALIAS)
    _, new_docs = recording(["new one", "new two"])
    cluster.requests.clear()
    index.rebuild(iter(new_docs))
    (new_index,) = cluster.alias_targets(ALIAS)
    assert new_index != old_index
    assert old_index not in cluster.indices  # deleted after the switch
    assert sorted(stored(cluster)) == sorted(str(d.segment_id) for d in new_docs)
    create = cluster.calls("PUT", f"/{new_index}")[0]
    assert create.body == {"settings": {"index": {"refresh_interval": "-1"}}}
    (switch,) = cluster.calls("POST", "/_aliases")
    assert switch.body == {
        "actions": [
            {"remove": {"index": old_index, "alias": ALIAS}},
            {"add": {"index": new_index, "alias": ALIAS, "is_write_index": True}},
        ]
    }
    assert cluster.calls("PUT", f"/{new_index}/_settings")[0].body == {
        "index": {"refresh_interval": None}
    }
    steps = [r.path for r in cluster.requests if r.method != "HEAD"]
    assert steps.index("/_aliases") > steps.index(f"/{new_index}/_refresh")
    assert steps.index(f"/{old_index}") > steps.index("/_aliases")


def test_a_failed_rebuild_deletes_its_index_and_leaves_the_alias(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    old_id, old_docs = recording(["old"])
    index.replace_recording(old_id, old_docs)
    (old_index,) = cluster.alias_targets(ALIAS)

    def broken() -> Iterator[SegmentDocument]:
        yield from recording(["new"])[1]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        index.rebuild(broken())
    assert cluster.alias_targets(ALIAS) == [old_index]
    assert list(cluster.indices) == [old_index]
    assert index.search("old", EVERYTHING, offset=0, limit=5).total == 1


def test_drop_removes_every_index_and_the_template(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    index.rebuild(iter(recording(["x"])[1]))
    index.drop()
    assert cluster.indices == {}
    assert cluster.templates == {}
    index.remove_recording(uuid.uuid4())  # made again on next use
    assert len(cluster.indices) == 1


def test_an_overloaded_cluster_is_service_unavailable(
    index: ElasticsearchIndex, cluster: FakeCluster
) -> None:
    cluster.unavailable = True
    with pytest.raises(ServiceUnavailable, match="ARCHIVE_SEARCH_URL") as raised:
        index.search("river", EVERYTHING, offset=0, limit=5)
    assert raised.value.status == 503
    assert not index.ping()


def test_a_cluster_that_is_not_there_is_service_unavailable() -> None:
    index = ElasticsearchIndex(f"http://127.0.0.1:{free_port()}", "test", request_timeout=2)
    try:
        assert not index.ping()
        with pytest.raises(ServiceUnavailable, match="Try again"):
            index.search("river", EVERYTHING, offset=0, limit=5)
        recording_id, docs = recording(["x"])
        with pytest.raises(ServiceUnavailable):
            index.replace_recording(recording_id, docs)
    finally:
        index.close()


def test_a_bad_prefix_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="ARCHIVE_SEARCH_INDEX_PREFIX"):
        ElasticsearchIndex("http://127.0.0.1:9200", "Not Valid")


def test_the_factory_opens_elasticsearch_for_an_http_url(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, search_url="http://127.0.0.1:9", search_index_prefix="museum"
    )
    index = open_search_index(settings)
    try:
        assert isinstance(index, ElasticsearchIndex)
        assert index.alias == "museum-segments"
    finally:
        index.close()


def test_the_built_in_index_never_loads_the_client(tmp_path: Path) -> None:
    code = (
        "import json, pathlib, sys\n"
        "from archive.search.factory import open_search_index\n"
        "from archive.settings import Settings\n"
        f"open_search_index(Settings(data_dir=pathlib.Path({str(tmp_path)!r}))).close()\n"
        "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "sqlite3" in loaded
    assert not loaded & {"elasticsearch", "elastic_transport"}
