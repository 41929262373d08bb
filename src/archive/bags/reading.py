"""Opening a bag to import: a folder, or a tar as `GET /stories/{id}/export` gives it
(unpacked into a temporary folder with tarfile's `data` filter: no links out, no absolute
paths). Validated with the Library of Congress `bagit` library: every payload file present
and with its manifest's SHA-256, nothing unlisted."""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit

from archive.domain.bagit import BAG_FORMAT


class BagRefused(Exception):
    """The bag cannot come in; `problems` names each bad file or field."""

    def __init__(self, bag: Path, problems: list[str]) -> None:
        super().__init__(f"{bag}: " + "; ".join(problems))
        self.bag = bag
        self.problems = problems


@dataclass(frozen=True, slots=True)
class OpenedBag:
    path: Path
    archive: dict[str, Any]
    info: dict[str, str]


@contextmanager
def opened(source: Path) -> Iterator[OpenedBag]:
    """The valid bag at `source` (a folder or a .tar); raises `BagRefused` otherwise."""
    if source.is_file():
        with tempfile.TemporaryDirectory(prefix="archive-import-") as scratch:
            try:
                with tarfile.open(source) as tar:
                    tar.extractall(scratch, filter="data")
            except (tarfile.TarError, OSError) as exc:
                raise BagRefused(source, [f"not a bag folder or a readable tar ({exc})"]) from None
            folders = [p for p in Path(scratch).iterdir() if p.is_dir()]
            if len(folders) != 1:
                raise BagRefused(source, ["the tar must hold exactly one bag folder"])
            yield _validated(folders[0], shown_as=source)
        return
    yield _validated(source, shown_as=source)


def _each_file(path: Path) -> list[str]:
    """Every payload file that is missing, changed or unlisted (the `bagit` library stops at
    the first failed check, Payload-Oxum; a person mending a bag needs the whole list)."""
    manifest = path / "manifest-sha256.txt"
    if not manifest.is_file():
        return ["manifest-sha256.txt is missing"]
    listed: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            listed[name.strip().replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")] = (
                digest
            )
    problems = []
    for name, digest in sorted(listed.items()):
        file = path / name
        if not file.is_file():
            problems.append(f"{name} is missing")
            continue
        with file.open("rb") as f:
            if hashlib.file_digest(f, "sha256").hexdigest() != digest.lower():
                problems.append(f"{name} has changed (its SHA-256 is not the manifest's)")
    present = {p.relative_to(path).as_posix() for p in (path / "data").rglob("*") if p.is_file()}
    problems += [f"{name} is not in the manifest" for name in sorted(present - set(listed))]
    return problems


def _validated(path: Path, *, shown_as: Path) -> OpenedBag:
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except bagit.BagValidationError as exc:
        problems = [str(detail) for detail in exc.details] or [exc.message, *_each_file(path)]
        raise BagRefused(shown_as, problems) from None
    except bagit.BagError as exc:
        raise BagRefused(shown_as, [str(exc)]) from None
    metadata = path / "data" / "metadata" / "archive.json"
    try:
        archive = json.loads(metadata.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BagRefused(shown_as, [f"data/metadata/archive.json cannot be read ({exc})"]) from None
    if archive.get("format") != BAG_FORMAT:
        raise BagRefused(
            shown_as,
            [f"data/metadata/archive.json is {archive.get('format')!r}, not {BAG_FORMAT}"],
        )
    if archive.get("masked"):
        raise BagRefused(
            shown_as,
            [
                "this bag was made for someone without the right to hear restricted parts "
                "(masked); it cannot restore the story. Import a bag exported without --masked."
            ],
        )
    info = {str(k): str(v) for k, v in bag.info.items()}
    return OpenedBag(path, archive, info)
