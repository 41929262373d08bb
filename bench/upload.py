"""Uploading a 1 GiB recording: resumable (tus, 8 MiB chunks) and in one request, against one
`archive serve`, with a plain local copy of the same bytes as the baseline, in one run.

The three are measured in turn, `--repeat` times, each after `os.sync()` so that none pays
for the disk writing back the one before; the comparison uses the medians. Prints each run,
each path's throughput, the ratios to the local copy, and the server's peak memory growth
(resident set size sampled every 20 ms) over its size before the uploads. Targets: memory
growth under 64 MiB on both paths; tus at least 0.5x the local copy.

    .venv/bin/python bench/upload.py [--size-mib 1024] [--chunk-mib 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

MIB = 1024 * 1024
MEMORY_TARGET_MIB = 64
TUS_TARGET_RATIO = 0.5


def make_wav(path: Path, size: int) -> None:
    """A valid WAV of about `size` bytes (48 kHz stereo 16-bit noise), written in blocks."""
    frames_per_block = MIB // 4
    block = os.urandom(frames_per_block * 4)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48_000)
        for _ in range(size // len(block)):
            out.writeframesraw(block)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """Samples a process's resident set size in the background."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> PeakMemory:
        self.peak = rss_bytes(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def archive_serve(data_dir: Path, token: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(data_dir),
        "ARCHIVE_ADMIN_TOKEN": token,
        "ARCHIVE_WORKERS": "0",
        "ARCHIVE_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive", "serve", "--port", str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("archive serve did not start")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def local_copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return time.perf_counter() - started


class RawClient:
    """HTTP/1.1 over one kept-alive socket, sending bodies with `sendfile` (zero copy).

    On a 2-core machine a Python HTTP client uploading 1 GiB takes most of a core away from
    the server it is measuring; the kernel sending the file does not.
    """

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        # As HTTP clients do (urllib3, browsers): without it Nagle's algorithm holds a small
        # body back until the server's delayed ACK, up to 40 ms a request.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        source: Path | None = None,
        offset: int = 0,
        length: int = 0,
        prefix: bytes = b"",
        suffix: bytes = b"",
    ) -> tuple[int, dict[str, str]]:
        total = len(prefix) + length + len(suffix)
        lines = [
            f"{method} {path} HTTP/1.1",
            "Host: 127.0.0.1",
            f"Content-Length: {total}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + prefix)
        if length and source is not None:
            with source.open("rb") as f:
                self.sock.sendfile(f, offset, length)
        if suffix:
            self.sock.sendall(suffix)
        status = int(self.reader.readline().split()[1])
        answer: dict[str, str] = {}
        while line := self.reader.readline().decode().strip():
            name, _, value = line.partition(":")
            answer[name.strip().lower()] = value.strip()
        self.reader.read(int(answer.get("content-length", "0")))
        return status, answer

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def tus_upload(url: str, auth: dict[str, str], story_id: str, source: Path, chunk: int) -> float:
    size = source.stat().st_size
    meta = f"story_id {base64.b64encode(story_id.encode()).decode()}"
    headers = {**auth, "Tus-Resumable": "1.0.0"}
    client = RawClient(url)
    started = time.perf_counter()
    try:
        status, created = client.request(
            "POST",
            "/api/v1/uploads",
            {**headers, "Upload-Length": str(size), "Upload-Metadata": meta},
        )
        if status != 201:
            raise RuntimeError(f"creating the upload answered {status}")
        path = "/" + created["location"].split("/", 3)[3]
        offset = 0
        while offset < size:
            length = min(chunk, size - offset)
            status, answer = client.request(
                "PATCH",
                path,
                {
                    **headers,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
                source,
                offset,
                length,
            )
            if status != 204:
                raise RuntimeError(f"PATCH at {offset} answered {status}")
            offset = int(answer["upload-offset"])
    finally:
        client.close()
    return time.perf_counter() - started


def one_request_upload(url: str, auth: dict[str, str], story_id: str, source: Path) -> float:
    boundary = "archive-bench-boundary"
    prefix = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{source.name}"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()
    suffix = f"\r\n--{boundary}--\r\n".encode()
    client = RawClient(url)
    started = time.perf_counter()
    try:
        status, _ = client.request(
            "POST",
            f"/api/v1/stories/{story_id}/recordings",
            {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            source,
            0,
            source.stat().st_size,
            prefix,
            suffix,
        )
        if status != 201:
            raise RuntimeError(f"the one-request upload answered {status}")
    finally:
        client.close()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MIB
    token = secrets.token_urlsafe(24)
    auth = {"Authorization": f"Bearer {token}"}
    copies: list[float] = []
    tus: list[float] = []
    one: list[float] = []
    tus_peak = one_peak = 0
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        work = Path(tmp)
        source = work / "recording.wav"
        make_wav(source, size)
        size = source.stat().st_size
        with archive_serve(work / "data", token) as (url, pid):
            story_id = httpx.post(
                f"{url}/api/v1/stories", headers=auth, json={"title": "Benchmark"}
            ).json()["id"]
            before = rss_bytes(pid)
            for run in range(args.repeat):
                # Each measurement starts with nothing left to write back from the one before.
                os.sync()
                copies.append(local_copy(source, work / "copy.wav"))
                (work / "copy.wav").unlink()
                os.sync()
                with PeakMemory(pid) as tus_memory:
                    tus.append(tus_upload(url, auth, story_id, source, args.chunk_mib * MIB))
                os.sync()
                with PeakMemory(pid) as one_memory:
                    one.append(one_request_upload(url, auth, story_id, source))
                tus_peak = max(tus_peak, tus_memory.peak)
                one_peak = max(one_peak, one_memory.peak)
                print(
                    f"run {run + 1}: local copy {copies[-1]:.2f} s, tus {tus[-1]:.2f} s, "
                    f"one request {one[-1]:.2f} s"
                )

    def rate(seconds: float) -> float:
        return size / MIB / seconds

    copy_seconds = median(copies)
    print(f"file: {size / MIB:.0f} MiB WAV; medians of {args.repeat} interleaved runs")
    print(f"local copy (with fsync): {copy_seconds:.2f} s, {rate(copy_seconds):.0f} MiB/s")
    for name, seconds, peak in (
        (f"tus, {args.chunk_mib} MiB chunks", median(tus), tus_peak),
        ("one request", median(one), one_peak),
    ):
        growth = (peak - before) / MIB
        print(
            f"{name}: {seconds:.2f} s, {rate(seconds):.0f} MiB/s, "
            f"{copy_seconds / seconds:.2f}x the local copy; server memory growth "
            f"{growth:.1f} MiB (target < {MEMORY_TARGET_MIB})"
        )
    ratio = copy_seconds / median(tus)
    verdict = "meets" if ratio >= TUS_TARGET_RATIO else "misses"
    print(f"tus/local-copy throughput ratio: {ratio:.2f} ({verdict} the {TUS_TARGET_RATIO} target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
