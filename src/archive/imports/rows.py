"""The metadata sheet of a bulk import: a CSV whose rows describe the files of a folder.

Pure: the sheet's text is given, and `today` too, so the rules are tested without I/O. A row
is numbered as a spreadsheet numbers it (the header is row 1). Each row is either read
whole or refused with its number and the reason; a refused row's file is not imported.
Columns and their Dublin Core aliases are in `COLUMNS`; several values in one cell are
separated by `;`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

from archive.domain.access import Access
from archive.stories.dates import parse_partial_date

COLUMNS: dict[str, tuple[str, ...]] = {
    "file": ("file", "filename", "path"),
    "title": ("title", "dc:title", "dcterms:title"),
    "description": ("description", "dc:description", "dcterms:description"),
    "narrators": ("narrators", "narrator", "dc:creator", "dcterms:creator"),
    "interviewers": ("interviewers", "interviewer", "dc:contributor", "dcterms:contributor"),
    "recorded_date": (
        "recorded date",
        "recorded_date",
        "date",
        "dc:date",
        "dcterms:date",
        "dcterms:created",
    ),
    "place": ("place", "dc:coverage", "dcterms:coverage", "dcterms:spatial"),
    "languages": ("languages", "language", "dc:language", "dcterms:language"),
    "subjects": ("subjects", "subject", "dc:subject", "dcterms:subject"),
    "access": ("access", "dc:rights", "dcterms:rights", "dcterms:accessrights"),
}
"""Each field and the header names (any case) that fill it."""

SEPARATOR = ";"
MAX_NAME = 300
ACCESS_VALUES = ", ".join(a.value for a in Access)


@dataclass(frozen=True, slots=True)
class ImportRow:
    number: int
    """The row's number in the sheet, the header being row 1."""
    file: str
    """The file it describes: a path relative to the folder, with `/` between parts."""
    title: str | None = None
    description: str = ""
    narrators: tuple[str, ...] = ()
    interviewers: tuple[str, ...] = ()
    recorded_date: str | None = None
    place: str | None = None
    languages: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    access: Access | None = None


@dataclass(frozen=True, slots=True)
class RowRefusal:
    number: int
    file: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class MetadataSheet:
    rows: dict[str, ImportRow] = field(default_factory=dict)
    """The rows read whole, by the file they describe (as `normalise_path` writes it)."""
    refused: list[RowRefusal] = field(default_factory=list)


class SheetError(ValueError):
    """The sheet as a whole cannot be read (no header we know, no `file` column)."""


def normalise_path(value: str) -> str:
    """A relative path as the sheet and the folder both spell it: `/` between parts, no `./`."""
    text = value.strip().replace("\\", "/")
    return str(PurePosixPath(*[p for p in text.split("/") if p not in ("", ".")]))


def split_values(cell: str) -> tuple[str, ...]:
    """The values of a cell separated by `;`, stripped, blanks left out, repeats once."""
    values: list[str] = []
    for part in cell.split(SEPARATOR):
        value = " ".join(part.split())
        if value and value.casefold() not in {v.casefold() for v in values}:
            values.append(value)
    return tuple(values)


def _header_map(header: list[str]) -> dict[str, int]:
    """Field -> column index; `SheetError` for a column named twice or no `file` column."""
    wanted = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = wanted.get(" ".join(raw.strip().lstrip("\ufeff").lower().split()))
        if name is None:
            continue
        if name in found:
            raise SheetError(
                f"The metadata has two columns for {name} ({header[found[name]]!r} and "
                f"{raw!r}); keep one."
            )
        found[name] = index
    if "file" not in found:
        raise SheetError(
            "The metadata has no `file` column naming each recording's file (its path under "
            f"the folder). Its columns are: {', '.join(repr(h) for h in header) or 'none'}."
        )
    return found


def parse_sheet(text: str, *, today: date) -> MetadataSheet:
    """Reads every row of the sheet; `SheetError` when the header cannot be used. Columns
    it does not know are left alone (a spreadsheet often has notes of its own)."""
    records = list(csv.reader(io.StringIO(text)))
    if not records:
        raise SheetError("The metadata file is empty; its first row names the columns.")
    columns = _header_map(records[0])
    sheet = MetadataSheet()
    for offset, record in enumerate(records[1:]):
        number = offset + 2
        if not any(cell.strip() for cell in record):
            continue
        cells = {name: (record[i] if i < len(record) else "") for name, i in columns.items()}
        result = parse_row(cells, number=number, today=today)
        if isinstance(result, RowRefusal):
            sheet.refused.append(result)
        elif result.file in sheet.rows:
            first = sheet.rows[result.file].number
            sheet.refused.append(
                RowRefusal(number, result.file, f"row {first} already describes this file")
            )
        else:
            sheet.rows[result.file] = result
    return sheet


def parse_row(cells: dict[str, str], *, number: int, today: date) -> ImportRow | RowRefusal:
    """One row by field name (as `COLUMNS` names them); every problem of the row in one reason."""
    file = normalise_path(cells.get("file", ""))
    if file in ("", "."):
        return RowRefusal(number, None, "the `file` cell is empty; name the recording's file")
    if file.startswith("../") or file == "..":
        return RowRefusal(number, file, "the file must be inside the folder being imported")
    problems: list[str] = []
    recorded = cells.get("recorded_date", "").strip() or None
    if recorded is not None:
        try:
            recorded = parse_partial_date(recorded, today).text
        except ValueError as exc:
            problems.append(f"recorded date: {exc}")
    access: Access | None = None
    access_text = cells.get("access", "").strip().lower()
    if access_text:
        try:
            access = Access(access_text)
        except ValueError:
            problems.append(f"access {access_text!r} is not one of {ACCESS_VALUES}")
    for role in ("narrators", "interviewers"):
        for name in split_values(cells.get(role, "")):
            if len(name) > MAX_NAME:
                problems.append(f"{role}: {name[:30]!r}... is longer than {MAX_NAME} characters")
    if problems:
        return RowRefusal(number, file, "; ".join(problems))
    return ImportRow(
        number=number,
        file=file,
        title=" ".join(cells.get("title", "").split()) or None,
        description=cells.get("description", "").strip(),
        narrators=split_values(cells.get("narrators", "")),
        interviewers=split_values(cells.get("interviewers", "")),
        recorded_date=recorded,
        place=" ".join(cells.get("place", "").split()) or None,
        languages=split_values(cells.get("languages", "")),
        subjects=split_values(cells.get("subjects", "")),
        access=access,
    )


def title_from_filename(path: str) -> str:
    """A readable title for a file that no row names: its name without the extension."""
    stem = PurePosixPath(path).stem
    return " ".join(stem.replace("_", " ").replace("-", " ").split()) or path


MEDIA_SUFFIXES = frozenset(
    {
        ".wav", ".wave", ".flac", ".mp3", ".m4a", ".mp4", ".m4v", ".mov", ".aac", ".ogg",
        ".oga", ".opus", ".webm", ".mkv", ".mka",
    }
)  # fmt: skip
"""Names taken for audio or video when walking a folder; each is still probed by its bytes."""


def looks_like_media(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in MEDIA_SUFFIXES
