"""The metadata sheet of a bulk import, read without any I/O."""

from __future__ import annotations

from datetime import date

import pytest

from archive.domain.access import Access
from archive.imports.report import ImportReport, Refused
from archive.imports.rows import (
    SheetError,
    looks_like_media,
    normalise_path,
    parse_sheet,
    title_from_filename,
)

TODAY = date(2026, 12, 2)


def test_every_column_is_read_and_several_values_split_on_semicolons() -> None:
    sheet = parse_sheet(
        "file,title,description,narrators,interviewers,recorded date,place,languages,"
        "subjects,access\n"
        'tapes/a.flac,The flood,"Told at the mill, 1952",Ana Lima; Ben ;ana lima,Cora,'
        "1952-06,Valley,en;es,rivers;floods,Public\n",
        today=TODAY,
    )
    assert sheet.refused == []
    row = sheet.rows["tapes/a.flac"]
    assert row.number == 2
    assert row.title == "The flood"
    assert row.description == "Told at the mill, 1952"
    assert row.narrators == ("Ana Lima", "Ben")  # a repeat in another case counts once
    assert row.interviewers == ("Cora",)
    assert row.recorded_date == "1952-06"
    assert row.place == "Valley"
    assert row.languages == ("en", "es")
    assert row.subjects == ("rivers", "floods")
    assert row.access is Access.PUBLIC


def test_dublin_core_names_fill_the_same_fields() -> None:
    sheet = parse_sheet(
        "\ufeffFile,dc:title,dc:description,dc:creator,dc:contributor,dc:date,dcterms:spatial,"
        "dc:language,dc:subject,dcterms:accessRights,Notes\n"
        "a.wav,T,D,Ana,Cora,1990,Coast,quz,weaving,community,our own column\n",
        today=TODAY,
    )
    row = sheet.rows["a.wav"]
    assert (row.title, row.description, row.narrators, row.interviewers) == (
        "T",
        "D",
        ("Ana",),
        ("Cora",),
    )
    assert (row.recorded_date, row.place, row.languages, row.subjects, row.access) == (
        "1990",
        "Coast",
        ("quz",),
        ("weaving",),
        Access.COMMUNITY,
    )


def test_bad_rows_are_refused_with_their_number_and_every_reason() -> None:
    sheet = parse_sheet(
        "file,title,date,access\n"
        "good.flac,Good,1952,public\n"
        "\n"  # a blank line is no row, but still counts as a spreadsheet row
        "bad.flac,Bad,1952-13,secret\n"
        "future.flac,Later,2999,\n"
        ",No file,,\n"
        "../outside.flac,Out,,\n"
        "good.flac,Again,,\n",
        today=TODAY,
    )
    assert list(sheet.rows) == ["good.flac"]
    refused = {r.number: (r.file, r.reason) for r in sheet.refused}
    assert refused[4][0] == "bad.flac"
    assert "no month 13" in refused[4][1]
    assert "'secret' is not one of public, community, restricted, private" in refused[4][1]
    assert "in the future" in refused[5][1]
    assert refused[6] == (None, "the `file` cell is empty; name the recording's file")
    assert "inside the folder" in refused[7][1]
    assert refused[8] == ("good.flac", "row 2 already describes this file")


def test_a_sheet_without_a_file_column_is_refused_whole() -> None:
    with pytest.raises(SheetError, match="no `file` column"):
        parse_sheet("title,access\nA,public\n", today=TODAY)
    with pytest.raises(SheetError, match="two columns for title"):
        parse_sheet("file,title,dc:title\n", today=TODAY)
    with pytest.raises(SheetError, match="empty"):
        parse_sheet("", today=TODAY)


def test_a_name_too_long_to_keep_refuses_the_row() -> None:
    sheet = parse_sheet(f"file,narrators\na.flac,{'x' * 301}\n", today=TODAY)
    assert sheet.rows == {}
    assert "longer than 300 characters" in sheet.refused[0].reason


def test_paths_and_names() -> None:
    assert normalise_path(r".\tapes\a.flac") == "tapes/a.flac"
    assert normalise_path("./tapes//a.flac ") == "tapes/a.flac"
    assert title_from_filename("tapes/river_flood-1952.flac") == "river flood 1952"
    assert looks_like_media("A.FLAC")
    assert looks_like_media("v.mp4")
    assert not looks_like_media("notes.txt")


def test_the_report_names_each_refused_row_by_its_number() -> None:
    report = ImportReport("id", "/tapes", "Coast")
    report.refused.append(Refused(4, "bad.flac", "access 'secret' is not one of ..."))
    text = "\n".join(report.lines())
    assert "0 imported, 0 skipped, 1 refused" in text
    assert "row 4 bad.flac: access 'secret'" in text
    assert report.as_json()["refused"] == [
        {"row": 4, "file": "bad.flac", "reason": "access 'secret' is not one of ..."}
    ]


def test_a_row_the_api_would_refuse_is_refused_with_the_fields_named() -> None:
    from archive.errors import Unprocessable
    from archive.imports.service import story_data

    sheet = parse_sheet("file,title,languages,subjects\na.flac,T,e;en,ok\n", today=TODAY)
    with pytest.raises(Unprocessable, match=r"languages: .*'e' is not a language tag"):
        story_data(sheet.rows["a.flac"], file="a.flac", community_id=None, collection_id=None)
    untitled = story_data(None, file="tapes/side_b.flac", community_id=None, collection_id=None)
    assert untitled.title == "side b"
    assert untitled.model_fields_set == {"title"}
