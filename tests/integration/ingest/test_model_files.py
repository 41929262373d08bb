"""The multilingual model is joined from its two packages once, checked, and reused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from archive.ingest import model_files
from archive.ingest.model_files import ModelUnavailable, base_model_dir, resolve_model


def test_the_base_model_is_joined_once_and_checked(tmp_path: Path) -> None:
    joined = base_model_dir(tmp_path)
    assert joined == tmp_path / "base"
    assert sorted(p.name for p in joined.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    digest = hashlib.sha256((joined / "model.bin").read_bytes()).hexdigest()
    assert digest == model_files.BASE_SHA256
    made = (joined / "model.bin").stat().st_mtime_ns
    assert resolve_model("base", cache_dir=tmp_path) == str(joined)
    assert (joined / "model.bin").stat().st_mtime_ns == made  # not joined again
    # No half-made directory is left; the lock file that made others wait stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".base.lock", "base"]


def test_a_damaged_join_is_refused_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_files, "BASE_SHA256", "0" * 64)
    with pytest.raises(ModelUnavailable, match=r"damaged.*force-reinstall"):
        base_model_dir(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".base.lock"]


def test_a_model_directory_is_used_as_it_is(tmp_path: Path) -> None:
    assert resolve_model(str(tmp_path), cache_dir=tmp_path / "cache") == str(tmp_path)
    assert resolve_model("small", cache_dir=tmp_path) == "small"  # faster-whisper downloads it


def test_a_forced_model_that_cannot_be_had_says_what_to_install(tmp_path: Path) -> None:
    from archive.ingest.whisper import WhisperTranscriber
    from archive.settings import Settings

    settings = Settings(data_dir=tmp_path, whisper_model="no-such-model")
    transcriber = WhisperTranscriber(settings)
    assert transcriber.model_name == "no-such-model"
    with pytest.raises(ModelUnavailable, match="ARCHIVE_WHISPER_MODEL to that directory"):
        transcriber.model("no-such-model")
