"""How fast a story leaves as a BagIt bag, against copying the same bytes, and how much memory
it takes: a story whose original is `--size-mib` (1 GiB by default) on the local store.

In one run, interleaved `--repeat` times, each with the original in the page cache:

- copy: `shutil.copyfile` of the original to a new file, then fsync (what a bag's writer does
  for each stored file).
- bag: `archive export`'s path (`bags.service.plan_story_bag` then `bags.writer.
  write_directory`): the original streamed from the store, hashed, written and fsynced, and
  the tag files.
- tar: the API's path (`bags.writer.stream_tar`), its bytes written to a file.

Prints the median of each in MiB/s, the ratio bag/copy (target at least 0.5) and the growth
of the process's peak memory over the bag and tar runs (target under 64 MiB; Linux resets
the peak with /proc/self/clear_refs). Exits 1 on errors only, never for a missed target.

    .venv/bin/python bench/export.py [--size-mib N] [--repeat N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from archive.bags import service, writer
from archive.db import migrate
from archive.db.session import create_db_engine, create_session_factory, transaction
from archive.domain.access import Role, Viewer
from archive.domain.keys import original_key
from archive.events.actor import SYSTEM
from archive.models import Community, Recording, Story
from archive.settings import Settings
from archive.storage.factory import open_object_store

MIB = 1024 * 1024
TARGET_RATIO = 0.5
TARGET_GROWTH_MIB = 64


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def make_story(settings: Settings, *, size_mib: int) -> uuid.UUID:
    store = open_object_store(settings)
    story_id, recording_id = uuid.uuid4(), uuid.uuid4()
    key = original_key(story_id, recording_id)
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    out = store.writer(key)
    for n in range(size_mib):
        chunk = block[n % 251 :] + block[: n % 251]
        digest.update(chunk)
        out.write(chunk)
    out.commit()
    engine = create_db_engine(settings)
    try:
        with transaction(create_session_factory(engine)) as session:
            community = Community(name="Bench")
            session.add(community)
            session.flush()
            session.add(Story(id=story_id, title="A long story", community_id=community.id))
            session.flush()
            session.add(
                Recording(
                    id=recording_id,
                    story_id=story_id,
                    object_key=key,
                    original_filename="long.wav",
                    content_type="audio/wav",
                    container="wav",
                    size=size_mib * MIB,
                    sha256=digest.hexdigest(),
                    status="ready",
                )
            )
    finally:
        engine.dispose()
    return story_id


def timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        root = Path(scratch)
        settings = Settings(data_dir=root / "data")
        migrate.upgrade(settings)
        story_id = make_story(settings, size_mib=args.size_mib)
        store = open_object_store(settings)
        engine = create_db_engine(settings)
        sessions = create_session_factory(engine)
        operator = Viewer(user_id=None, role=Role.ADMIN)
        original = next((root / "data" / "objects" / "originals").rglob("*"))
        while original.is_dir():
            original = next(original.iterdir())

        def plan() -> service.BagPlan:
            with transaction(sessions) as session:
                return service.plan_story_bag(
                    session, operator, story_id=story_id, masked=False, actor=SYSTEM
                )

        def copy(n: int) -> Callable[[], None]:
            def run() -> None:
                target = root / f"copy-{n}"
                shutil.copyfile(original, target)
                with target.open("rb+") as f:
                    os.fsync(f.fileno())
                target.unlink()

            return run

        def bag(n: int) -> Callable[[], None]:
            def run() -> None:
                out = root / f"bags-{n}"
                out.mkdir()
                writer.write_directory(plan(), store, out=out)
                shutil.rmtree(out)

            return run

        def tar(n: int) -> Callable[[], None]:
            def run() -> None:
                with (root / f"bag-{n}.tar").open("wb") as f:
                    for chunk in writer.stream_tar(plan(), store):
                        f.write(chunk)
                (root / f"bag-{n}.tar").unlink()

            return run

        times: dict[str, list[float]] = {"copy": [], "bag": [], "tar": []}
        growth = 0
        copy(-1)()  # the original into the page cache
        for n in range(args.repeat):
            times["copy"].append(timed(copy(n)))
            for name, make in (("bag", bag), ("tar", tar)):
                before = rss_kib("VmRSS")
                reset_peak()
                times[name].append(timed(make(n)))
                growth = max(growth, rss_kib("VmHWM") - before)
        engine.dispose()
    size = args.size_mib
    rates = {name: size / statistics.median(values) for name, values in times.items()}
    print(f"original: {size} MiB, {args.repeat} interleaved runs (median)")
    for name, rate in rates.items():
        print(f"  {name:5} {rate:8.0f} MiB/s")
    ratio = rates["bag"] / rates["copy"]
    tar_ratio = rates["tar"] / rates["copy"]
    print(f"bag/copy ratio {ratio:.2f} (tar {tar_ratio:.2f}); target at least {TARGET_RATIO}")
    print(f"peak memory growth {growth / 1024:.1f} MiB; target under {TARGET_GROWTH_MIB} MiB")


if __name__ == "__main__":
    main()
