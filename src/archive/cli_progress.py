"""The progress bar of `archive import-folder`: files, bytes and the time left, on stderr
(the report goes to stdout)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class ImportBar:
    """An `ImportProgress` drawn with rich from the first file on; a context manager that
    leaves the terminal as it found it."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.fields[files]}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: TaskID | None = None
        self._files = 0
        self._done = 0

    def __enter__(self) -> ImportBar:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._progress.stop()

    def _label(self) -> str:
        return f"{self._done}/{self._files} files"

    def begin(self, *, files: int, total_bytes: int) -> None:
        self._files = files
        self._progress.start()
        self._task = self._progress.add_task(
            "import", total=total_bytes, files=self._label(), current=""
        )

    def advance(self, *, done_bytes: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, done_bytes)

    def file_done(self, file: str) -> None:
        self._done += 1
        if self._task is not None:
            self._progress.update(self._task, files=self._label(), current=file[-40:])
