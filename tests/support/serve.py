"""`archive serve` as a real subprocess, the way a person starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from support.live import free_port


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def archive_serve(
    data_dir: Path, admin_token: str, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[Served]:
    port = free_port()
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(data_dir),
        "ARCHIVE_ADMIN_TOKEN": admin_token,
        "ARCHIVE_WORKERS": str(workers),
        "ARCHIVE_JOB_POLL_SECONDS": "0.1",
        # No scheduled fixity audit, whose jobs the tests counting jobs would count.
        "ARCHIVE_FIXITY_INTERVAL_HOURS": "0",
        **(extra_env or {}),
    }
    log = data_dir.parent / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "archive", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"archive serve did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{served.url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_workers(url: str, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/api/v1/health").json()["workers"]["alive"] >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{count} worker(s) did not report in {timeout} s")


def wait_until_ready(url: str, recording_id: str, timeout: float = 180) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recording: dict[str, object] = httpx.get(f"{url}/api/v1/recordings/{recording_id}").json()
        if recording["status"] in ("ready", "failed"):
            return recording
        time.sleep(0.2)
    raise TimeoutError(f"recording {recording_id} not ready after {timeout} s")
