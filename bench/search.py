"""Search at archive scale: build an index of generated transcript segments, then measure
searches through the HTTP API, as anonymous, member and archivist callers.

    .venv/bin/python bench/search.py                       # 1,000,000 segments
    .venv/bin/python bench/search.py --segments 100000     # a quicker run
    ARCHIVE_TEST_ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --elasticsearch http://127.0.0.1:9200

The generator is part of this file and deterministic (`--seed`): 50,000 made-up words with
Zipf frequencies (s = 1: the most common word is in about 70 % of segments), 8 to 20 words a
segment, ten communities of a few hundred stories each, stories public, community, restricted
or private, in English, Spanish or French, recorded 1940 to 2019, with narrators, collections
and subjects. The documents are made first, then the index is filled from them through the
`SearchIndex` port's `rebuild` (what `archive reindex` runs; the rate is the rebuild's alone),
then `archive serve` answers, once with searches in its HTTP threads
(`ARCHIVE_SEARCH_PROCESSES=0`, the baseline) and once in a search process per core (the
default), and a bounded number of requests (`--requests` per caller and concurrency) go to it
over loopback from 1, 4 and 16 client threads, each with a connection of its own.
Prints the indexing rate, index size, the server's memory, and p50/p95/p99 per caller,
concurrency and query kind ("typical" and "common"); with an Elasticsearch node
the same run is made on it, side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from archive.search.documents import SegmentDocument

VOCABULARY = 50_000
COMMUNITIES = 10
STORIES_PER_COMMUNITY = 300
ACCESS = (("public", 0.4), ("community", 0.3), ("restricted", 0.1), ("private", 0.2))
LANGUAGES = (("en", 0.6), ("es", 0.2), ("fr", 0.2))
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def vocabulary(rng: random.Random) -> list[str]:
    """50,000 distinct made-up words, the most frequent first; short ones are common."""
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        length = 1 + min(4, len(words) // 2000 + rng.randint(0, 1))
        word = "".join(rng.choice(SYLLABLES) for _ in range(length))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


@dataclass(frozen=True)
class Story:
    story_id: uuid.UUID
    recording_id: uuid.UUID
    community_id: uuid.UUID
    access: str
    language: str
    year: int
    collection_id: uuid.UUID
    narrators: tuple[uuid.UUID, ...]
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class World:
    words: list[str]
    communities: list[uuid.UUID]
    stories: list[Story]
    narrators: list[uuid.UUID]


def world(seed: int) -> World:
    rng = random.Random(seed)
    words = vocabulary(rng)
    communities = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(COMMUNITIES)]
    narrators = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(COMMUNITIES * 40)]
    collections = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(COMMUNITIES * 5)]
    stories: list[Story] = []
    for c, community in enumerate(communities):
        for _ in range(STORIES_PER_COMMUNITY):
            stories.append(
                Story(
                    story_id=uuid.UUID(int=rng.getrandbits(128)),
                    recording_id=uuid.UUID(int=rng.getrandbits(128)),
                    community_id=community,
                    access=rng.choices([a for a, _ in ACCESS], [w for _, w in ACCESS])[0],
                    language=rng.choices([x for x, _ in LANGUAGES], [w for _, w in LANGUAGES])[0],
                    year=rng.randint(1940, 2019),
                    collection_id=collections[c * 5 + rng.randrange(5)],
                    narrators=tuple(
                        sorted(
                            {
                                narrators[c * 40 + rng.randrange(40)]
                                for _ in range(rng.randint(1, 2))
                            },
                            key=str,
                        )
                    ),
                    subjects=tuple(sorted({f"subject {rng.randrange(60)}" for _ in range(2)})),
                )
            )
    return World(words, communities, stories, narrators)


def documents(w: World, count: int, seed: int) -> Iterator[SegmentDocument]:
    """`count` segments, spread over the stories in runs (a story's segments together)."""
    gen = np.random.default_rng(seed)
    ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
    weights = 1.0 / ranks
    weights /= weights.sum()
    per_story = -(-count // len(w.stories))
    made = 0
    chunk = 50_000
    story_index = 0
    in_story = 0
    while made < count:
        n = min(chunk, count - made)
        lengths = gen.integers(8, 21, size=n)
        picks = gen.choice(VOCABULARY, size=int(lengths.sum()), p=weights)
        position = 0
        for length in lengths.tolist():
            story = w.stories[story_index]
            text = " ".join(w.words[i] for i in picks[position : position + length].tolist())
            position += length
            start = in_story * 6.0
            yield SegmentDocument(
                segment_id=uuid.UUID(int=(made + 1) << 64 | story_index),
                recording_id=story.recording_id,
                story_id=story.story_id,
                transcript_id=story.recording_id,
                start=start,
                end=start + 5.5,
                text=text,
                language=story.language,
                story_title=f"Story {story_index}",
                access=story.access,
                owner_id=None,
                collection_id=story.collection_id,
                community_id=story.community_id,
                available=True,
                narrators=story.narrators,
                subjects=story.subjects,
                decade=story.year // 10 * 10,
                year=story.year,
                speaker=f"Speaker {in_story % 3 + 1}",
            )
            made += 1
            in_story += 1
            if in_story == per_story:
                in_story = 0
                story_index += 1


# Queries


@dataclass(frozen=True)
class Query:
    kind: str
    """"typical" or "common"."""
    label: str
    params: dict[str, str]


def queries(w: World, seed: int) -> list[Query]:
    rng = random.Random(seed + 1)
    words = w.words
    common = words[:5]
    mid = words[100:1000]
    rare = words[5000:50000]
    found: list[Query] = []

    def add(kind: str, label: str, q: str, **extra: str) -> None:
        found.append(Query(kind, label, {"q": q, **extra}))

    for _ in range(4):
        add("typical", "rare word", rng.choice(rare))
        add("typical", "mid word", rng.choice(mid))
        add("typical", "two mid words", f"{rng.choice(mid)} {rng.choice(mid)}")
        add("typical", "phrase", f'"{rng.choice(mid)} {rng.choice(common)}"')
        add("typical", "prefix", rng.choice(rare)[:5] + "*")
        add("typical", "mid OR rare", f"{rng.choice(mid)} OR {rng.choice(rare)}")
        add("typical", "filtered", f"{rng.choice(mid)} language:fr year:1950..1970")
        add("typical", "faceted", rng.choice(mid), facets="language,decade,collection")
    for word in common[:4]:
        add("common", "common word", word)
    add("common", "common prefix", common[0][:2] + "*")
    add("common", "common phrase", f'"{common[0]} {common[1]}"')
    add("common", "common faceted", common[1], facets="language,decade,collection,narrator")
    add("common", "common filtered", f"{common[2]} language:es")
    return found


# Serving


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_pids(group: int) -> list[int]:
    """The processes of a process group: `archive serve`, its HTTP processes and workers."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            found.append(int(stat.parent.name))
    return found


def group_cpu_seconds(group: int) -> float:
    total = 0.0
    for pid in group_pids(group):
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def memory_kib(group: int) -> tuple[int, int]:
    """(resident, private) memory of a process group's processes, in KiB. Resident counts the
    pages of the index file that the readers map, which the operating system's cache holds
    anyway; private is the processes' own (RssAnon)."""
    resident = private = 0
    for pid in group_pids(group):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                name, _, value = line.partition(":")
                if name == "VmRSS":
                    resident += int(value.split()[0])
                elif name == "RssAnon":
                    private += int(value.split()[0])
    return resident, private


@dataclass
class Backend:
    name: str
    env: dict[str, str]


def prepare_accounts(data_dir: Path, w: World, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """Migrates the database, adds the communities, and a member and an archivist of the
    first one; returns each caller's headers."""
    subprocess.run(
        [sys.executable, "-m", "archive", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    from archive.accounts.service import create_user_with_token
    from archive.db.session import create_db_engine, create_session_factory
    from archive.domain.access import Role
    from archive.models import Community
    from archive.settings import Settings

    settings = Settings(data_dir=data_dir)
    engine = create_db_engine(settings)
    sessions = create_session_factory(engine)
    with sessions() as session:
        for n, community in enumerate(w.communities):
            session.add(Community(id=community, name=f"Community {n}"))
        session.flush()
        _, member = create_user_with_token(
            session, "member", role=Role.RESEARCHER, community_id=w.communities[0]
        )
        _, archivist = create_user_with_token(
            session, "archivist", role=Role.ARCHIVIST, community_id=w.communities[0]
        )
        session.commit()
    engine.dispose()
    return {
        "anonymous": {},
        "member": {"Authorization": f"Bearer {member}"},
        "archivist": {"Authorization": f"Bearer {archivist}"},
    }


def measure(
    base: str,
    callers: dict[str, dict[str, str]],
    qs: list[Query],
    *,
    requests: int,
    concurrency: tuple[int, ...],
) -> dict[tuple[str, int, str], list[float]]:
    """(caller, clients, kind) -> latencies in ms. Each client thread keeps one connection
    (`http.client`: the client's own work, which shares the cores and the interpreter with
    the other threads, stays under half a millisecond a request)."""
    results: dict[tuple[str, int, str], list[float]] = {}
    failures = 0
    address = urllib.parse.urlsplit(base)
    for caller, headers in callers.items():
        for clients in concurrency:
            plan = [qs[i % len(qs)] for i in range(requests)]
            random.Random(clients).shuffle(plan)
            for kind, ms, status in run_clients(address, headers, plan, clients=clients):
                if status != 200:
                    failures += 1
                results.setdefault((caller, clients, kind), []).append(ms)
    if failures:
        print(f"!! {failures} requests did not answer 200", file=sys.stderr)
    return results


def run_clients(
    address: urllib.parse.SplitResult,
    headers: dict[str, str],
    plan: list[Query],
    *,
    clients: int,
) -> list[tuple[str, float, int]]:
    """(kind, ms, status) of each query of `plan`, in order, from `clients` threads."""
    local = threading.local()
    opened: list[http.client.HTTPConnection] = []

    def one(query: Query) -> tuple[str, float, int]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(
                address.hostname or "127.0.0.1", address.port, timeout=60
            )
            opened.append(conn)
        path = "/api/v1/search?" + urllib.parse.urlencode(query.params)
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return query.kind, (time.perf_counter() - started) * 1000, response.status

    try:
        with ThreadPoolExecutor(clients) as pool:
            return list(pool.map(one, plan))
    finally:
        for conn in opened:
            conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Served:
    processes: int
    search_processes: int
    resident: int
    private: int
    cpu_ms_per_search: float
    """The server's CPU time per search (all its processes), over all the measured requests."""
    latencies: dict[tuple[str, int, str], list[float]]


@dataclass(frozen=True)
class Measured:
    rate: float
    seconds: float
    cpu_rate: float
    """Segments per second of this process's CPU time: what the rate would be on an idle core."""
    size: int
    served: list[Served]
    generated: float
    """Seconds the generator took to make the documents, before the rebuild's clock started."""


def serve_and_measure(
    base_env: dict[str, str],
    callers: dict[str, dict[str, str]],
    qs: list[Query],
    *,
    processes: int,
    search_processes: int,
    args: argparse.Namespace,
) -> Served:
    """`archive serve` with `processes` HTTP processes, each answering searches in
    `search_processes` processes of its own (0: in its threads), and no transcription worker,
    measured."""
    port = free_port()
    env = {
        **base_env,
        "ARCHIVE_HTTP_PROCESSES": str(processes),
        "ARCHIVE_SEARCH_PROCESSES": str(search_processes),
        "ARCHIVE_WORKERS": "0",
        "ARCHIVE_FIXITY_INTERVAL_HOURS": "0",
        "ARCHIVE_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "archive", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("archive serve did not start")
            time.sleep(0.2)
        # One pass per process to warm the page cache, as a running archive has it.
        measure(base, {"anonymous": {}}, qs, requests=len(qs) * processes, concurrency=(1,))
        server_cpu = group_cpu_seconds(server.pid)
        latencies = measure(
            base, callers, qs, requests=args.requests, concurrency=tuple(args.clients)
        )
        served = sum(len(values) for values in latencies.values())
        per_search = (group_cpu_seconds(server.pid) - server_cpu) / served * 1000
        resident, private = memory_kib(server.pid)
        return Served(processes, search_processes, resident, private, per_search, latencies)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def run_backend(backend: Backend, args: argparse.Namespace, w: World, qs: list[Query]) -> Measured:
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-search-{backend.name}-"))
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), **backend.env}
    try:
        callers = prepare_accounts(data_dir, w, env)
        from archive.search.factory import open_search_index
        from archive.settings import Settings

        settings = Settings(
            data_dir=data_dir,
            search_url=backend.env["ARCHIVE_SEARCH_URL"],
            search_index_prefix=backend.env.get("ARCHIVE_SEARCH_INDEX_PREFIX", "archive"),
        )
        index = open_search_index(settings)
        # Made before the clock starts: the rate is the index's, not the generator's.
        generating = time.perf_counter()
        made = list(documents(w, args.segments, args.seed))
        generated = time.perf_counter() - generating
        started, cpu = time.perf_counter(), time.process_time()
        index.rebuild(made)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        del made
        index.close()
        size = sum(p.stat().st_size for p in data_dir.glob("search.sqlite3*"))
        served = [
            serve_and_measure(env, callers, qs, processes=n, search_processes=searching, args=args)
            for n in args.processes
            for searching in args.search_processes
        ]
        return Measured(
            args.segments / seconds, seconds, args.segments / cpu, size, served, generated
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument(
        "--requests",
        type=int,
        default=400,
        help="per caller and concurrency (a p99 needs a few hundred)",
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        default=[1],
        help="ARCHIVE_HTTP_PROCESSES values to serve with, one after the other",
    )
    parser.add_argument(
        "--search-processes",
        type=int,
        nargs="+",
        default=[0, os.cpu_count() or 1],
        help="ARCHIVE_SEARCH_PROCESSES values to serve with, for each of --processes "
        "(0, searches in the HTTP threads, is the baseline; one per core the default)",
    )
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--elasticsearch",
        default=os.environ.get("ARCHIVE_TEST_ELASTICSEARCH_URL"),
        help="an Elasticsearch node to measure beside FTS5 "
        "(default: $ARCHIVE_TEST_ELASTICSEARCH_URL)",
    )
    args = parser.parse_args()
    w = world(args.seed)
    qs = queries(w, args.seed)
    backends = [Backend("fts5", {"ARCHIVE_SEARCH_URL": "sqlite"})]
    if args.elasticsearch:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        backends.append(
            Backend(
                "elasticsearch",
                {"ARCHIVE_SEARCH_URL": args.elasticsearch, "ARCHIVE_SEARCH_INDEX_PREFIX": prefix},
            )
        )
    print(f"{args.segments:,} segments, {len(qs)} queries, {args.requests} requests per cell")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    measured = {backend.name: run_backend(backend, args, w, qs) for backend in backends}
    print()
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    print(
        "| backend | documents generated (not timed) | indexing | segments/s | per CPU second "
        "| index on disk |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, m in measured.items():
        size = f"{m.size / 2**20:,.0f} MiB" if m.size else "(in the node)"
        print(
            f"| {name} | {m.generated:.1f} s | {m.seconds:.1f} s | {m.rate:,.0f} "
            f"| {m.cpu_rate:,.0f} | {size} |"
        )
    print()
    print(
        "| backend | HTTP processes | search processes | server memory: resident (private) "
        "| CPU per search |"
    )
    print("| --- | --- | --- | --- | --- |")
    for name, m in measured.items():
        for s in m.served:
            print(
                f"| {name} | {s.processes} | {s.search_processes} | {s.resident / 1024:,.0f} MiB "
                f"({s.private / 1024:,.0f} MiB) | {s.cpu_ms_per_search:.1f} ms |"
            )
    print()
    print(
        "| backend | HTTP processes | search processes | caller | clients "
        "| typical p50 / p95 / p99 ms | common p50 / p95 / p99 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, m in measured.items():
        for s in m.served:
            for caller in ("anonymous", "member", "archivist"):
                for clients in args.clients:
                    cells = []
                    for kind in ("typical", "common"):
                        values = s.latencies.get((caller, clients, kind), [])
                        cells.append(
                            " / ".join(f"{percentile(values, p):,.0f}" for p in (50, 95, 99))
                            if values
                            else "-"
                        )
                    print(
                        f"| {name} | {s.processes} | {s.search_processes} | {caller} "
                        f"| {clients} | {cells[0]} | {cells[1]} |"
                    )


if __name__ == "__main__":
    main()
