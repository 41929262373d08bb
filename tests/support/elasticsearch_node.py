"""A real single-node Elasticsearch for tests, built from Maven Central by `tests/elasticsearch`.

`build()` runs Maven once (offline when the jars are already in the local Maven cache) and
`ElasticsearchNode` starts the node on a free loopback port, waits for its shards, and can stop and
start it again on the same port and data (for the fault tests). The node also stops by itself
when the process that started it goes away: it exits when its standard input closes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1] / "elasticsearch"
TARGET = PROJECT / "target"
NODE_HOME = TARGET / "node-home"
LAUNCHER_JAR = TARGET / "test-elasticsearch-node-1.jar"
HEAP = ("-Xms256m", "-Xmx512m")
_START_TIMEOUT_S = 90.0
_STOP_TIMEOUT_S = 20.0


class NodeUnavailable(RuntimeError):
    """Java or Maven is missing, or the build or the node failed; the message says what to do."""


def java_binary() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise NodeUnavailable(
            "The Elasticsearch tests need Java 17 or later and Maven: `apt-get install "
            "default-jdk-headless maven` (`.ci/run` does), or set JAVA_HOME."
        )
    return found


def _built() -> bool:
    if not LAUNCHER_JAR.is_file() or not any(NODE_HOME.glob("modules/*/*.jar")):
        return False
    sources = [PROJECT / "pom.xml", *PROJECT.glob("src/**/*")]
    newest = max(path.stat().st_mtime for path in sources if path.is_file())
    return LAUNCHER_JAR.stat().st_mtime >= newest


def build() -> None:
    """`mvn package` in tests/elasticsearch, unless its output is newer than its sources.
    Offline first: the Maven cache (~/.m2) keeps the jars after the first build."""
    if _built():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise NodeUnavailable(
            "The Elasticsearch tests build their node with Maven: `apt-get install maven` "
            "(`.ci/run` does)."
        )
    base = [mvn, "-q", "-B", "-f", str(PROJECT / "pom.xml"), "package", "-DskipTests"]
    env = {**os.environ, "JAVA_HOME": str(Path(java_binary()).resolve().parents[1])}
    for command in ([*base, "-o"], base):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode == 0:
            return
    raise NodeUnavailable(
        f"Building the test Elasticsearch node failed ({' '.join(base)}):\n"
        f"{(done.stdout + done.stderr)[-4000:]}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str, timeout: float = 2.0) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: dict[str, object] = json.loads(response.read())
            return body
    except (urllib.error.URLError, OSError, ValueError):
        return None


@dataclass
class ElasticsearchNode:
    """One node; `url` stays the same across `stop()` and `start()`."""

    workdir: Path
    port: int = field(default_factory=free_port)
    started_in_s: float = 0.0
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "node.log"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def start(self) -> None:
        """Starts the node and waits until every primary shard is active: green when it is
        empty, yellow once it holds an archive's index, whose replica has nowhere to go on one
        node (as on any single-node Elasticsearch). Raises `NodeUnavailable`."""
        if self._process is not None and self._process.poll() is None:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "started").unlink(missing_ok=True)
        began = time.monotonic()
        command = [
            java_binary(),
            *HEAP,
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            "--module-path",
            str(TARGET / "lib"),
            "--add-modules",
            "ALL-MODULE-PATH",
            "-cp",
            str(LAUNCHER_JAR),
            "archive.testnode.TestNode",
            str(NODE_HOME),
            str(self.workdir),
            str(self.port),
        ]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise NodeUnavailable(
                    f"The test Elasticsearch node exited ({self._process.returncode}):\n"
                    f"{self.log_tail()}"
                )
            health = _get(
                f"{self.url}/_cluster/health?wait_for_status=yellow"
                "&wait_for_no_initializing_shards=true&timeout=1s"
            )
            if health is not None and health.get("status") in ("green", "yellow"):
                self.started_in_s = time.monotonic() - began
                return
            time.sleep(0.2)
        self.stop()
        raise NodeUnavailable(
            f"The test Elasticsearch node was not green after {_START_TIMEOUT_S:.0f} s:\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        """Closes its standard input (it shuts down cleanly), then SIGTERM, then SIGKILL."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        assert process.stdin is not None
        process.stdin.close()
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                process.send_signal(sig)
            try:
                process.wait(timeout=_STOP_TIMEOUT_S)
                return
            except subprocess.TimeoutExpired:
                continue
