"""A folder as an archivist brings it: recordings in sub-folders, a spreadsheet of their
metadata with a bad row or two, a copy of one recording, and a file that is not audio."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np

from support.paths import STORY_EN, STORY_EN_OPUS

RATE = 16_000

HEADER = (
    "file,dc:title,dc:description,dc:creator,dc:contributor,dc:date,dcterms:spatial,"
    "dc:language,dc:subject,dcterms:accessRights"
)
SHEET = f"""\
{HEADER}
tapes/flood.flac,When the river flooded,Told at the mill,Ana Lima;Ben Ortiz,Cora Diaz,\
1952-06,Valley,en,rivers;floods,public
tapes/bridge.opus,The stone bridge,,Ana Lima,,2001,,en;es,,community
tone1.flac,A bad access,,,,,,,,secret
tone2.flac,A bad date,,,,1952-13,,,,public
tone3.flac,A good tone,,,,1990,,,,private
broken.flac,Not audio at all,,,,,,,,public
"""
"""Rows 2, 3 and 6 are good; row 4 has an unknown access, row 5 a month 13, and row 7's
file is text. tone4.flac, tapes/flood_copy.flac and notes.txt have no row."""

GOOD_FILES = {"tapes/flood.flac", "tapes/bridge.opus", "tone3.flac", "tone4.flac"}


def tone(path: Path, *, hz: float, seconds: float) -> None:
    """A short mono FLAC of one tone: distinct bytes for each frequency and length."""
    samples = (np.sin(2 * np.pi * hz * np.arange(int(RATE * seconds)) / RATE) * 9000).astype(
        np.int16
    )
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def make_collection(root: Path) -> tuple[Path, Path]:
    """(the folder, the metadata file beside it)."""
    folder = root / "collection"
    (folder / "tapes").mkdir(parents=True)
    shutil.copyfile(STORY_EN, folder / "tapes" / "flood.flac")
    shutil.copyfile(STORY_EN, folder / "tapes" / "flood_copy.flac")
    shutil.copyfile(STORY_EN_OPUS, folder / "tapes" / "bridge.opus")
    for number, hz in enumerate((440.0, 550.0, 660.0, 770.0), start=1):
        tone(folder / f"tone{number}.flac", hz=hz, seconds=0.5 + number / 10)
    (folder / "broken.flac").write_text("These are my notes, not a recording.\n" * 20)
    (folder / "notes.txt").write_text("Tapes digitised in 2019.\n")
    (folder / ".DS_Store").write_bytes(b"\0\1")
    metadata = root / "metadata.csv"
    metadata.write_text(SHEET, encoding="utf-8")
    return folder, metadata
