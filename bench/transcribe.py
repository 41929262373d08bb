"""How much the service adds to transcribing one recording, against faster-whisper run directly.

In one run, interleaved `--repeat` times:

- direct: this process decodes the file with `archive.ingest.media.decode_for_whisper` and runs
  faster-whisper on it with the model, threads, compute type and decoding options the worker
  uses, consuming every segment. The model is loaded before timing, as the worker keeps it warm.
- service: an `archive serve` subprocess (temporary data dir, free loopback port, one worker)
  receives the file as an upload; the time runs from the start of the upload request until a
  `GET /api/v1/recordings/{id}` polled every 50 ms says `ready`.

Prints the median of each, their real-time factors (audio seconds / wall seconds) and the
ratio service/direct against the target. Exits 1 on errors only, never for a missed target.

    .venv/bin/python bench/transcribe.py [--file F] [--repeat N] [--beam-size B]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

from archive.ingest.media import WHISPER_SAMPLE_RATE, decode_for_whisper
from archive.ingest.whisper import decoding_options, resolve_model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "tests" / "fixtures" / "long_en.flac"
MODEL = "tiny.en"
DEVICE = "cpu"
COMPUTE_TYPE = "int8"
# What `WhisperTranscriber` passes; both sides must use the same number of threads.
CPU_THREADS = os.cpu_count() or 0
TARGET_RATIO = 1.10
POLL_SECONDS = 0.05
STARTUP_TIMEOUT_SECONDS = 180.0
RECORDING_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 30.0
LOG_TAIL_LINES = 30


class BenchError(Exception):
    """The benchmark could not measure; the message says what went wrong."""


@dataclass(frozen=True, slots=True)
class DirectRun:
    seconds: float
    decode_seconds: float
    segments: int


@dataclass(frozen=True, slots=True)
class ServiceRun:
    seconds: float
    upload_seconds: float
    """Until the upload request answered: receiving, storing, probing, registering."""
    queued_seconds: float
    """From the upload's answer until a poll first saw `transcribing` (±50 ms)."""
    transcribing_seconds: float
    """The server's own measure, started_at to finished_at: decode, Whisper, commit."""
    segments: int


# --- direct -------------------------------------------------------------------------------


def load_model() -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(
        resolve_model(MODEL), device=DEVICE, compute_type=COMPUTE_TYPE, cpu_threads=CPU_THREADS
    )


def run_direct(model: Any, path: Path, beam_size: int) -> DirectRun:
    """Decode and transcribe `path` once, consuming every segment (they are lazy)."""
    started = time.perf_counter()
    # decode_for_whisper rather than passing the path to faster-whisper: it is the decoder the
    # worker runs, so both sides do the same decoding work and feed Whisper the same samples.
    with path.open("rb") as source:
        audio = decode_for_whisper(source)
    decoded = time.perf_counter()
    # The worker forces "en" for English-only models; so do we.
    segments, _info = model.transcribe(audio, language="en", **decoding_options(beam_size))
    count = sum(1 for _ in segments)
    return DirectRun(time.perf_counter() - started, decoded - started, count)


# --- service ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "\n".join(lines[-LOG_TAIL_LINES:])


class Server:
    """An `archive serve` subprocess in its own process group, with its log in a file."""

    def __init__(self, data_dir: Path, beam_size: int) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(24)
        self.log_path = data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
        env |= {
            "ARCHIVE_DATA_DIR": str(data_dir),
            "ARCHIVE_ADMIN_TOKEN": self.token,
            "ARCHIVE_WORKERS": "1",
            "ARCHIVE_WHISPER_MODEL": MODEL,
            "ARCHIVE_WHISPER_DEVICE": DEVICE,
            "ARCHIVE_WHISPER_COMPUTE_TYPE": COMPUTE_TYPE,
            "ARCHIVE_WHISPER_BEAM_SIZE": str(beam_size),
        }
        self._log: TextIO = self.log_path.open("w")
        command = [sys.executable, "-m", "archive", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own group: a terminal's Ctrl-C reaches only us, and if it hangs on the way
            # out, killing the group also ends the worker it started.
            start_new_session=True,
        )
        self.client = httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60.0,
        )

    def fail(self, message: str) -> BenchError:
        tail = log_tail(self.log_path)
        return BenchError(f"{message}\n--- last lines of {self.log_path} ---\n{tail}")

    def wait_ready(self) -> float:
        """Waits until a worker reports alive (it loads its model first); returns seconds."""
        started = time.perf_counter()
        deadline = started + STARTUP_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise self.fail(f"archive serve exited with code {self.proc.returncode}")
            with contextlib.suppress(httpx.TransportError):
                response = self.client.get("/health")
                if response.status_code == 200 and response.json()["workers"]["alive"] >= 1:
                    return time.perf_counter() - started
            time.sleep(0.2)
        raise self.fail(f"no worker alive after {STARTUP_TIMEOUT_SECONDS:.0f} s")

    def create_story(self) -> str:
        response = self.client.post(
            "/stories",
            json={"title": "Transcription benchmark", "access": "public", "languages": ["en"]},
        )
        if response.status_code != 201:
            raise self.fail(f"creating a story: HTTP {response.status_code} {response.text}")
        story_id: str = response.json()["id"]
        return story_id

    def run_once(self, story_id: str, path: Path) -> ServiceRun:
        """Uploads `path` and polls until it is ready; times the whole way."""
        with path.open("rb") as source:
            started = time.perf_counter()
            response = self.client.post(
                f"/stories/{story_id}/recordings",
                files={"file": (path.name, source, "application/octet-stream")},
            )
        uploaded = time.perf_counter()
        if response.status_code != 201:
            raise self.fail(f"upload: HTTP {response.status_code} {response.text}")
        recording_id = response.json()["id"]
        seen_transcribing: float | None = None
        deadline = started + RECORDING_TIMEOUT_SECONDS
        while True:
            response = self.client.get(f"/recordings/{recording_id}")
            now = time.perf_counter()
            if response.status_code != 200:
                raise self.fail(f"polling: HTTP {response.status_code} {response.text}")
            body = response.json()
            status = body["status"]
            if status != "queued" and seen_transcribing is None:
                seen_transcribing = now
            if status == "ready":
                break
            if status == "failed":
                raise self.fail(f"recording {recording_id} failed: {body['error']}")
            if now > deadline:
                raise self.fail(
                    f"recording {recording_id} not ready after {RECORDING_TIMEOUT_SECONDS:.0f} s "
                    f"(status {status}, progress {body['progress']})"
                )
            time.sleep(POLL_SECONDS)
        transcription = body.get("transcription") or {}
        return ServiceRun(
            seconds=now - started,
            upload_seconds=uploaded - started,
            queued_seconds=(seen_transcribing or now) - uploaded,
            transcribing_seconds=float(transcription.get("seconds") or 0.0),
            segments=self._segment_count(recording_id),
        )

    def _segment_count(self, recording_id: str) -> int:
        response = self.client.get(f"/recordings/{recording_id}/transcript")
        if response.status_code != 200:
            raise self.fail(f"transcript: HTTP {response.status_code} {response.text}")
        return len(response.json()["segments"])

    def stop(self) -> None:
        """SIGINT, then wait; kill the whole group if it does not stop in time."""
        self.client.close()
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    print(f"archive serve did not stop in {STOP_TIMEOUT_SECONDS:.0f} s; killing it")
            # Also reaps a worker left behind by a server that exited without stopping it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        finally:
            self._log.close()


@contextlib.contextmanager
def running_server(beam_size: int) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        server = Server(Path(tmp), beam_size)
        try:
            yield server
        finally:
            server.stop()


# --- report -------------------------------------------------------------------------------


def rtf(audio_seconds: float, wall_seconds: float) -> float:
    return audio_seconds / wall_seconds if wall_seconds > 0 else float("inf")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="recording to transcribe")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each (>= 1)")
    parser.add_argument("--beam-size", type=int, default=1, help="Whisper beam size (1-10)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not 1 <= args.beam_size <= 10:
        parser.error("--beam-size must be between 1 and 10")
    if not args.file.is_file():
        parser.error(f"--file {args.file} does not exist")
    return args


def bench(path: Path, repeat: int, beam_size: int) -> None:
    with path.open("rb") as source:
        audio_seconds = len(decode_for_whisper(source)) / WHISPER_SAMPLE_RATE
    print(
        f"{path.name}: {audio_seconds:.1f} s of audio; {MODEL} {COMPUTE_TYPE} on {DEVICE}, "
        f"{CPU_THREADS} threads, beam {beam_size}; {repeat} interleaved runs"
    )
    started = time.perf_counter()
    model = load_model()
    print(f"direct: model loaded in {time.perf_counter() - started:.1f} s")
    direct: list[DirectRun] = []
    service: list[ServiceRun] = []
    with running_server(beam_size) as server:
        print(f"service: worker alive after {server.wait_ready():.1f} s on {server.base_url}")
        story_id = server.create_story()
        for n in range(1, repeat + 1):
            d = run_direct(model, path, beam_size)
            direct.append(d)
            print(
                f"run {n}/{repeat} direct  {d.seconds:6.2f} s  "
                f"RTF {rtf(audio_seconds, d.seconds):5.2f}"
                f"  (decode {d.decode_seconds:.2f} s, {d.segments} segments)"
            )
            s = server.run_once(story_id, path)
            service.append(s)
            rest = s.seconds - s.upload_seconds - s.queued_seconds - s.transcribing_seconds
            print(
                f"run {n}/{repeat} service {s.seconds:6.2f} s  "
                f"RTF {rtf(audio_seconds, s.seconds):5.2f}"
                f"  (upload {s.upload_seconds:.2f}, queued {s.queued_seconds:.2f}, "
                f"transcribing {s.transcribing_seconds:.2f}, index+poll {rest:.2f} s; "
                f"{s.segments} segments)"
            )
    direct_median = statistics.median(d.seconds for d in direct)
    service_median = statistics.median(s.seconds for s in service)
    print(f"direct  median {direct_median:6.2f} s  RTF {rtf(audio_seconds, direct_median):5.2f}")
    print(f"service median {service_median:6.2f} s  RTF {rtf(audio_seconds, service_median):5.2f}")
    ratio = service_median / direct_median
    print(f"service/direct ratio: {ratio:.2f} (target <= {TARGET_RATIO:.2f})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        bench(args.file, args.repeat, args.beam_size)
    except (BenchError, httpx.HTTPError, OSError) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
