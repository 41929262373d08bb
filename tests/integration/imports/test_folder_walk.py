"""What `archive import-folder` takes from a folder: a link to a file outside it is not
taken (a folder handed over by someone else may link to private files of the importer)."""

from __future__ import annotations

from pathlib import Path

from archive.imports.folder import walk
from support.paths import STORY_EN


def test_a_link_out_of_the_folder_is_skipped_and_said_so(tmp_path: Path) -> None:
    folder = tmp_path / "collection"
    (folder / "tapes").mkdir(parents=True)
    (folder / "tapes" / "harbour.flac").write_bytes(STORY_EN.read_bytes())
    (folder / "tapes" / "again.flac").symlink_to(folder / "tapes" / "harbour.flac")
    private = tmp_path / "home" / "diary.flac"
    private.parent.mkdir()
    private.write_bytes(STORY_EN.read_bytes())
    (folder / "tapes" / "diary.flac").symlink_to(private)
    (folder / "elsewhere").symlink_to(private.parent, target_is_directory=True)

    media, others = walk(folder, leave_out=None)

    assert [f.name for f in media] == ["tapes/again.flac", "tapes/harbour.flac"]
    assert [(s.file, "outside" in s.reason) for s in others] == [("tapes/diary.flac", True)]
