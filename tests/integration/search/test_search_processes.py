"""Searches answered in processes of their own (`search.processes`), as `archive serve` has
them: what the contract tests cannot see from one search at a time. The answers themselves are
the contract's (`test_search_contract`, backend "fts5-processes")."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from archive.domain.access import SearchScope
from archive.errors import BadRequest, ServiceUnavailable
from archive.search.base import TOTAL_LIMIT
from archive.search.factory import open_search_index
from archive.search.processes import SearchProcesses
from archive.settings import Settings
from support.segments import recording

EVERYTHING = SearchScope(everything=True)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SearchProcesses]:
    index = open_search_index(Settings(data_dir=tmp_path), search_processes=2)
    assert isinstance(index, SearchProcesses)
    yield index
    index.close()


def texts(index: SearchProcesses, query: str) -> list[str]:
    result = index.search(query, EVERYTHING, offset=0, limit=20)
    return [hit.text for hit in result.hits]


def test_a_recording_written_in_the_server_is_found_by_the_search_processes(
    served: SearchProcesses,
) -> None:
    assert texts(served, "canoe") == []
    recording_id, docs = recording(["the canoe by the river", "no boat here"])
    served.replace_recording(recording_id, docs)
    for _ in served.pids:  # every process, whichever is free
        assert texts(served, "canoe") == ["the canoe by the river"]
    served.remove_recording(recording_id)
    assert texts(served, "canoe") == []


def test_a_search_error_reaches_the_caller_as_itself(served: SearchProcesses) -> None:
    with pytest.raises(BadRequest, match="Add words or filters"):
        served.search("canoe", EVERYTHING, offset=TOTAL_LIMIT, limit=10)
    with pytest.raises(ValueError, match="unknown facets"):
        served.search("canoe", EVERYTHING, offset=0, limit=10, facets=("colour",))
    assert texts(served, "canoe") == []  # and the processes answer on


def test_many_threads_searching_at_once_each_get_their_own_answer(
    served: SearchProcesses,
) -> None:
    words = [f"word{n}" for n in range(12)]
    recording_id, docs = recording([f"{word} spoken here" for word in words])
    served.replace_recording(recording_id, docs)

    def found(word: str) -> list[str]:
        return texts(served, word)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(found, words * 10))
    assert answers == [[f"{word} spoken here"] for word in words * 10]


def test_a_search_process_that_dies_is_replaced(served: SearchProcesses) -> None:
    recording_id, docs = recording(["the canoe by the river"])
    served.replace_recording(recording_id, docs)
    killed = served.pids
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    _wait_until_gone(killed)
    # Each dead process fails the search that finds it (they wait in the order they were
    # started), then its replacement answers.
    for _ in killed:
        with pytest.raises(ServiceUnavailable, match="Try the search again"):
            texts(served, "canoe")
    assert set(served.pids).isdisjoint(killed)
    assert texts(served, "canoe") == ["the canoe by the river"]


def test_an_answer_left_in_a_pipe_never_reaches_the_next_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search that fails between asking and reading the answer leaves that answer in the
    pipe; the process is replaced, so the next search (another caller's, maybe with another
    scope) gets its own answer."""
    index = open_search_index(Settings(data_dir=tmp_path), search_processes=1)
    assert isinstance(index, SearchProcesses)
    try:
        recording_id, docs = recording(["the canoe by the river", "a storm in the hills"])
        index.replace_recording(recording_id, docs)
        before = index.pids
        reading = Connection.recv
        failed: list[bool] = []

        def recv_failing_once(conn: Connection) -> object:
            if not failed:
                failed.append(True)
                raise RuntimeError("interrupted while waiting")
            return reading(conn)

        monkeypatch.setattr(Connection, "recv", recv_failing_once)
        with pytest.raises(RuntimeError, match="interrupted"):
            texts(index, "canoe")
        assert texts(index, "storm") == ["a storm in the hills"]
        assert texts(index, "canoe") == ["the canoe by the river"]
        assert set(index.pids).isdisjoint(before)
    finally:
        index.close()


def test_closing_ends_the_search_processes(tmp_path: Path) -> None:
    index = open_search_index(Settings(data_dir=tmp_path), search_processes=2)
    assert isinstance(index, SearchProcesses)
    assert texts(index, "canoe") == []
    pids = index.pids
    assert len(pids) == 2
    index.close()
    _wait_until_gone(pids)
    with pytest.raises(RuntimeError, match="closed"):
        texts(index, "canoe")


def _wait_until_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not [pid for pid in pids if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
