"""What a bulk import did, file by file: for the person who ran it (text) and for a script
(JSON, `--report FILE`). Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Imported:
    file: str
    row: int | None
    """The metadata row that described it; None for a file no row names."""
    story_id: str
    recording_id: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Skipped:
    file: str
    reason: str
    row: int | None = None
    recording_id: str | None = None
    """The recording that already holds these bytes, if that is why."""


@dataclass(frozen=True, slots=True)
class Refused:
    row: int | None
    """The metadata row; None when the file itself was refused (not audio, too large)."""
    file: str | None
    reason: str


@dataclass
class ImportReport:
    import_id: str
    folder: str
    target: str
    """The community (local) or the archive's address (remote) imported into."""
    imported: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)
    """Files imported with no metadata row: their title is their file name."""

    def summary(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "imported": len(self.imported),
            "skipped": len(self.skipped),
            "refused": len(self.refused),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "folder": self.folder,
            "target": self.target,
            "imported": [asdict(item) for item in self.imported],
            "skipped": [asdict(item) for item in self.skipped],
            "refused": [asdict(item) for item in self.refused],
            "without_metadata": list(self.unnamed),
        }

    def lines(self) -> list[str]:
        """The report as a person reads it at the end of the run."""
        out = [
            f"{len(self.imported)} imported, {len(self.skipped)} skipped, "
            f"{len(self.refused)} refused (import {self.import_id} into {self.target})"
        ]
        if self.imported:
            out.append("Came in:")
            for item in self.imported:
                row = f" (row {item.row})" if item.row is not None else ""
                out.append(f"  {item.file}{row}: story {item.story_id}")
        if self.unnamed:
            out.append("No metadata row, titled from the file name:")
            out.extend(f"  {name}" for name in self.unnamed)
        if self.skipped:
            out.append("Skipped:")
            out.extend(f"  {item.file}: {item.reason}" for item in self.skipped)
        if self.refused:
            out.append("Refused (fix these and run the import again; what came in is skipped):")
            for refusal in self.refused:
                where = f"row {refusal.row}" if refusal.row is not None else "file"
                name = f" {refusal.file}" if refusal.file else ""
                out.append(f"  {where}{name}: {refusal.reason}")
        return out
