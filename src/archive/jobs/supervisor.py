"""Worker processes that `archive serve` starts and watches.

Each worker is a separate `archive worker` process, so a crash inside the speech model cannot
take the API down with it; one that exits is started again after a short, growing pause.
`count` workers take transcription jobs, and one more, always, takes the fast lane (index
updates, listening copies, expiry, fixity), so those never wait behind a long recording.
`stop` ends them all: SIGTERM, then SIGKILL for any still running after `STOP_GRACE_SECONDS`
(a worker hands its running job back within its own grace, 15 s by default); no worker is
started once `stop` has begun.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

RESTART_BACKOFF_MAX_SECONDS = 30.0
STOP_GRACE_SECONDS = 20.0


class WorkerSupervisor:
    def __init__(self, count: int, env: dict[str, str] | None = None) -> None:
        self.count = count
        self.env = env if env is not None else dict(os.environ)
        # Slot 0 is the fast lane's; slots 1..count transcribe.
        self.lanes = ["fast", *(["transcribe"] * count)]
        self._procs: list[subprocess.Popen[bytes] | None] = [None] * len(self.lanes)
        self._failures = [0] * len(self.lanes)
        self._stopping = threading.Event()
        self._spawning = threading.Lock()
        """Held while a worker is started, so `stop` never misses one started beside it."""
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def _spawn(self, slot: int) -> None:
        lane = self.lanes[slot]
        command = [
            *(sys.executable, "-m", "archive", "worker"),
            *("--slot", str(slot), "--lane", lane, "--parent-pid", str(os.getpid())),
        ]
        with self._spawning:
            if self._stopping.is_set():
                return
            proc = subprocess.Popen(command, env=self.env)
            self._procs[slot] = proc
        log.info("supervisor.started slot=%d lane=%s pid=%d", slot, lane, proc.pid)

    def pids(self) -> list[int]:
        """The process ids of the workers running now."""
        return [p.pid for p in self._procs if p is not None and p.poll() is None]

    def start(self) -> None:
        for slot in range(len(self.lanes)):
            self._spawn(slot)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            for slot, proc in enumerate(self._procs):
                if proc is None or proc.poll() is None:
                    continue
                self._failures[slot] += 1
                pause = min(2.0 ** self._failures[slot], RESTART_BACKOFF_MAX_SECONDS)
                log.warning(
                    "supervisor.worker_exited slot=%d code=%s restart_in=%.0fs",
                    slot,
                    proc.returncode,
                    pause,
                )
                if self._stopping.wait(pause):
                    return
                self._spawn(slot)

    def alive(self) -> int:
        return sum(1 for p in self._procs if p is not None and p.poll() is None)

    def stop(self) -> None:
        """Returns when every worker has exited; at most `STOP_GRACE_SECONDS` and a kill."""
        with self._spawning:
            self._stopping.set()
            procs = [p for p in self._procs if p is not None and p.poll() is None]
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("supervisor.killing pid=%d", proc.pid)
                proc.kill()
                proc.wait()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
