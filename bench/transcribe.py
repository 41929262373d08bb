"""How much the service adds to transcribing one recording, against faster-whisper run directly.

For each case (by default an English story, which the archive routes to `tiny.en`, and a
Spanish one, which it routes to the multilingual `base`), interleaved `--repeat` times:

- direct: this process decodes the file with `archive.ingest.media.decode_for_whisper` and runs
  faster-whisper on it with the model the archive routes the case to, and the threads, compute
  type, language and decoding options the worker uses, consuming every segment. The model is
  loaded before timing, as the worker keeps it warm.
- service: an `archive serve` subprocess (temporary data dir, free loopback port, one worker,
  models routed by language) receives the file as an upload to a story in the case's language;
  the time runs from the start of the upload request until the recording's `ready_at`, as the
  server recorded it (polled every second).

Prints the median of each, their real-time factors (audio seconds / wall seconds), the ratio
service/direct against the target, and the word error rate of the service's transcript against
the script the fixture was spoken from. Exits 1 on errors only, never for a missed target.

    .venv/bin/python bench/transcribe.py [--case english|spanish] [--repeat N] [--beam-size B]
    .venv/bin/python bench/transcribe.py --file F --language es   # any recording
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
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
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from archive.domain.languages import Route, plan_for
from archive.ingest.media import WHISPER_SAMPLE_RATE, decode_for_whisper
from archive.ingest.model_files import ENGLISH_MODEL, MULTILINGUAL_MODEL
from archive.ingest.whisper import decoding_options, resolve_model

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DEVICE = "cpu"
COMPUTE_TYPE = "int8"
# What `WhisperTranscriber` passes; both sides must use the same number of threads.
CPU_THREADS = os.cpu_count() or 0
TARGET_RATIO = 1.10
POLL_SECONDS = 1.0
"""Polling is not the clock: the time comes from the recording's `ready_at`, so polling
rarely keeps the API from taking CPU away from the worker being measured."""
STARTUP_TIMEOUT_SECONDS = 180.0
RECORDING_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 30.0
LOG_TAIL_LINES = 30


class BenchError(Exception):
    """The benchmark could not measure; the message says what went wrong."""


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    path: Path
    language: str
    """The story's language: the service routes by it, the direct side decodes in it."""
    script: str | None
    """The text the fixture was spoken from, for the word error rate; None when unknown."""

    @property
    def model(self) -> str:
        """The model the archive routes this case to."""
        return (
            ENGLISH_MODEL
            if plan_for([self.language]).route is Route.ENGLISH
            else MULTILINGUAL_MODEL
        )


def fixture_case(name: str, stem: str, language: str) -> Case:
    facts = json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))
    return Case(name, FIXTURES / facts["audio"], language, facts["text"])


CASES = {
    "english": lambda: fixture_case("English", "long_en", "en"),
    "spanish": lambda: fixture_case("Spanish", "long_es", "es"),
}


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation (accents kept: they are part of the word)."""
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower().replace("\u2019", "'"))


def word_error_rate(reference: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance on words."""
    ref, hyp = words_of(reference), words_of(heard)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i]
        for j, other in enumerate(hyp, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1] / max(1, len(ref))


@dataclass(frozen=True, slots=True)
class Load:
    """CPU seconds spent during one measurement; None where /proc cannot tell (not Linux)."""

    ours: float | None
    """By the side being measured: this process (direct), or the server and its worker."""
    api: float | None
    """Of `ours`, what the API process spent (answering the uploads and the polls)."""
    others: float | None
    """By every other process on the machine: the noise in this measurement."""

    def describe(self) -> str:
        def show(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1f}"

        api = f" (api {show(self.api)})" if self.api is not None else ""
        return f"cpu {show(self.ours)} s{api}, others {show(self.others)} cpu-s"


@dataclass(frozen=True, slots=True)
class DirectRun:
    seconds: float
    decode_seconds: float
    segments: int
    load: Load


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
    load: Load
    model: str
    """The model the service routed the recording to."""
    text: str


# --- CPU accounting (Linux /proc; elsewhere the columns say n/a) ---------------------------


def _clock_ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 100


CLOCK_TICKS = _clock_ticks()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process; 0 when it is gone or /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (the server and the workers it started)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(parents.get(pid, []))
    return found


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent not idle since boot, or None without /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS  # minus idle and iowait


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True, slots=True)
class CpuSnapshot:
    own: float
    server: float
    api: float
    machine: float | None

    @classmethod
    def take(cls, server_pids: list[int]) -> CpuSnapshot:
        """`server_pids` from `process_tree`: the API process first, then its workers."""
        cpu = [process_cpu_seconds(pid) for pid in server_pids]
        return cls(
            own=own_cpu_seconds(),
            server=sum(cpu),
            api=cpu[0] if cpu else 0.0,
            machine=machine_busy_seconds(),
        )

    def load_since(self, before: CpuSnapshot, *, measured: str) -> Load:
        own, server = self.own - before.own, self.server - before.server
        if self.machine is None or before.machine is None:  # no /proc: only our own times
            return Load(ours=own if measured == "direct" else None, api=None, others=None)
        others = max(0.0, self.machine - before.machine - own - server)
        if measured == "direct":
            return Load(ours=own, api=None, others=others)
        return Load(ours=server, api=self.api - before.api, others=others)


# --- direct -------------------------------------------------------------------------------


def load_model(name: str, cache_dir: Path) -> Any:
    from faster_whisper import WhisperModel

    path = resolve_model(name, cache_dir=cache_dir)
    return WhisperModel(path, device=DEVICE, compute_type=COMPUTE_TYPE, cpu_threads=CPU_THREADS)


def run_direct(
    model: Any, case: Case, beam_size: int, server_pids: list[int]
) -> tuple[DirectRun, str]:
    """Decode and transcribe `path` once, consuming every segment (they are lazy)."""
    cpu_before = CpuSnapshot.take(server_pids)
    started = time.perf_counter()
    # decode_for_whisper rather than passing the path to faster-whisper: it is the decoder the
    # worker runs, so both sides do the same decoding work and feed Whisper the same samples.
    with case.path.open("rb") as source:
        audio = decode_for_whisper(source)
    decoded = time.perf_counter()
    # The worker decodes in the story's language when it names one; so do we.
    segments, _info = model.transcribe(audio, language=case.language, **decoding_options(beam_size))
    texts = [segment.text for segment in segments]
    seconds = time.perf_counter() - started
    load = CpuSnapshot.take(server_pids).load_since(cpu_before, measured="direct")
    return DirectRun(seconds, decoded - started, len(texts), load), " ".join(texts)


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
            "ARCHIVE_WHISPER_MODEL": "",  # routed by language, as installed
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
        """Waits until a transcription worker reports alive (it loads its model first; the
        fast lane's worker, which loads none, reports at once); returns seconds."""
        started = time.perf_counter()
        deadline = started + STARTUP_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise self.fail(f"archive serve exited with code {self.proc.returncode}")
            with contextlib.suppress(httpx.TransportError):
                response = self.client.get("/health")
                if response.status_code == 200 and any(
                    ":transcribe:" in worker["name"]
                    for worker in response.json()["workers"]["workers"]
                ):
                    return time.perf_counter() - started
            time.sleep(0.2)
        raise self.fail(f"no worker alive after {STARTUP_TIMEOUT_SECONDS:.0f} s")

    def create_story(self, language: str) -> str:
        response = self.client.post(
            "/stories",
            json={
                "title": "Transcription benchmark",
                "access": "public",
                "languages": [language],
            },
        )
        if response.status_code != 201:
            raise self.fail(f"creating a story: HTTP {response.status_code} {response.text}")
        story_id: str = response.json()["id"]
        return story_id

    def run_once(self, story_id: str, path: Path) -> ServiceRun:
        """Uploads `path` and polls until it is ready; times the whole way."""
        pids = self.pids()
        cpu_before = CpuSnapshot.take(pids)
        with path.open("rb") as source:
            started = time.perf_counter()
            started_wall = time.time()
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
        load = CpuSnapshot.take(pids).load_since(cpu_before, measured="service")
        transcription = body.get("transcription") or {}
        ready_at = datetime.fromisoformat(body["ready_at"]).timestamp()
        return ServiceRun(
            seconds=ready_at - started_wall,
            upload_seconds=uploaded - started,
            queued_seconds=(seen_transcribing or now) - uploaded,
            transcribing_seconds=float(transcription.get("seconds") or 0.0),
            segments=len(self.transcript(recording_id)),
            load=load,
            model=str(transcription.get("model")),
            text=" ".join(s["text"] for s in self.transcript(recording_id)),
        )

    def pids(self) -> list[int]:
        return process_tree(self.proc.pid)

    def transcript(self, recording_id: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/recordings/{recording_id}/transcript")
        if response.status_code != 200:
            raise self.fail(f"transcript: HTTP {response.status_code} {response.text}")
        segments: list[dict[str, Any]] = response.json()["segments"]
        return segments

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
    parser.add_argument(
        "--case", choices=sorted(CASES), action="append", help="a built-in case (default: all)"
    )
    parser.add_argument("--file", type=Path, help="another recording to transcribe instead")
    parser.add_argument("--language", default="en", help="the language of --file (default en)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each (>= 1)")
    parser.add_argument("--beam-size", type=int, default=1, help="Whisper beam size (1-10)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not 1 <= args.beam_size <= 10:
        parser.error("--beam-size must be between 1 and 10")
    if args.file is not None and not args.file.is_file():
        parser.error(f"--file {args.file} does not exist")
    return args


def cases_of(args: argparse.Namespace) -> list[Case]:
    if args.file is not None:
        return [Case(args.file.name, args.file, args.language, None)]
    return [CASES[name]() for name in args.case or sorted(CASES)]


def busy_share(load: Load, seconds: float) -> float | None:
    """Cores' worth of CPU other processes used during a measurement (0 quiet, 2 = 2 cores)."""
    return None if load.others is None or seconds <= 0 else load.others / seconds


def median_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    audio_seconds: float
    direct_median: float
    service_median: float
    wer: float | None

    @property
    def ratio(self) -> float:
        return self.service_median / self.direct_median


def bench_case(case: Case, server: Server, repeat: int, beam_size: int) -> Outcome:
    with case.path.open("rb") as source:
        audio_seconds = len(decode_for_whisper(source)) / WHISPER_SAMPLE_RATE
    print(
        f"\n== {case.name}: {case.path.name}, {audio_seconds:.1f} s of audio in {case.language!r}; "
        f"{case.model} {COMPUTE_TYPE} on {DEVICE}, {CPU_THREADS} threads, beam {beam_size}; "
        f"{repeat} interleaved runs"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="archive-bench-models-") as cache:
        model = load_model(case.model, Path(cache))
        print(f"direct: model loaded in {time.perf_counter() - started:.1f} s")
        story_id = server.create_story(case.language)
        direct: list[DirectRun] = []
        service: list[ServiceRun] = []
        for n in range(1, repeat + 1):
            d, _ = run_direct(model, case, beam_size, server.pids())
            direct.append(d)
            print(
                f"run {n}/{repeat} direct  {d.seconds:6.2f} s  "
                f"RTF {rtf(audio_seconds, d.seconds):5.2f}  (decode {d.decode_seconds:.2f} s; "
                f"{d.segments} segments; {d.load.describe()})"
            )
            s = server.run_once(story_id, case.path)
            service.append(s)
            if s.model != case.model:
                raise BenchError(f"the service routed {case.name} to {s.model}, not {case.model}")
            # The stages overlap by up to one poll interval, so the rest can dip below zero.
            rest = max(
                0.0, s.seconds - s.upload_seconds - s.queued_seconds - s.transcribing_seconds
            )
            print(
                f"run {n}/{repeat} service {s.seconds:6.2f} s  "
                f"RTF {rtf(audio_seconds, s.seconds):5.2f}  (upload {s.upload_seconds:.2f}, "
                f"queued {s.queued_seconds:.2f}, transcribing {s.transcribing_seconds:.2f}, "
                f"index+poll {rest:.2f} s; {s.segments} segments; {s.load.describe()})"
            )
    direct_median = statistics.median(d.seconds for d in direct)
    service_median = statistics.median(s.seconds for s in service)
    print(f"direct  median {direct_median:6.2f} s  RTF {rtf(audio_seconds, direct_median):5.2f}")
    print(f"service median {service_median:6.2f} s  RTF {rtf(audio_seconds, service_median):5.2f}")
    noise = median_or_none(
        [busy_share(r.load, r.seconds) for r in direct]
        + [busy_share(r.load, r.seconds) for r in service]
    )
    if noise is not None:
        print(
            f"noise: other processes kept a median {noise:.2f} of {CPU_THREADS} cores busy "
            "while we measured; above ~0.2 the times above are not comparable, run it again"
        )
    wer = None if case.script is None else word_error_rate(case.script, service[-1].text)
    if wer is not None:
        print(f"word error rate against the script: {wer:.1%}")
    outcome = Outcome(case, audio_seconds, direct_median, service_median, wer)
    print(f"service/direct ratio: {outcome.ratio:.2f} (target <= {TARGET_RATIO:.2f})")
    return outcome


def bench(cases: list[Case], repeat: int, beam_size: int) -> None:
    outcomes: list[Outcome] = []
    with running_server(beam_size) as server:
        print(f"service: worker alive after {server.wait_ready():.1f} s on {server.base_url}")
        outcomes.extend(bench_case(case, server, repeat, beam_size) for case in cases)
    print("\ncase      model    audio s  direct RTF  service RTF  ratio  WER")
    for o in outcomes:
        wer = "n/a" if o.wer is None else f"{o.wer:.1%}"
        print(
            f"{o.case.name:<9} {o.case.model:<8} {o.audio_seconds:7.1f}  "
            f"{rtf(o.audio_seconds, o.direct_median):10.2f}  "
            f"{rtf(o.audio_seconds, o.service_median):11.2f}  {o.ratio:5.2f}  {wer}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        bench(cases_of(args), args.repeat, args.beam_size)
    except (BenchError, httpx.HTTPError, OSError) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; the server was stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
