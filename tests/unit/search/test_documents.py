from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from typing import Any

import pytest

from archive.domain.access import Access
from archive.search.documents import (
    FINGERPRINT_VERSION,
    SegmentDocument,
    _shared_fields,
    _shared_json,
    decade_of,
    fingerprints,
)

DOC = SegmentDocument(
    segment_id=uuid.UUID(int=1),
    recording_id=uuid.UUID(int=2),
    story_id=uuid.UUID(int=3),
    transcript_id=uuid.UUID(int=4),
    start=1.5,
    end=4.25,
    text="the river flooded",
    language="en",
    story_title="The flood",
    access="public",
    owner_id=uuid.UUID(int=5),
    collection_id=uuid.UUID(int=6),
    community_id=uuid.UUID(int=7),
    protocol_ids=(uuid.UUID(int=8), uuid.UUID(int=9)),
    protocol_mode="all",
    available=True,
    narrators=(uuid.UUID(int=10), uuid.UUID(int=11)),
    subjects=("Floods", "Rivers"),
    decade=1950,
    year=1952,
    speaker="Ana",
)

CHANGED: dict[str, Any] = {
    "segment_id": uuid.UUID(int=11),
    "recording_id": uuid.UUID(int=12),
    "story_id": uuid.UUID(int=13),
    "transcript_id": uuid.UUID(int=14),
    "start": 1.501,
    "end": 4.0,
    "text": "the river flooded.",
    "language": "es",
    "story_title": "The Flood",
    "access": "community",
    "owner_id": None,
    "collection_id": None,
    "community_id": uuid.UUID(int=17),
    "protocol_ids": (uuid.UUID(int=8),),
    "protocol_mode": "any",
    "available": False,
    "narrators": (uuid.UUID(int=10),),
    "subjects": ("Floods", "rivers"),
    "decade": 1960,
    "year": 1953,
    "speaker": "Ben",
    "track": "translation",
}


def test_the_fingerprint_is_a_stable_sha256() -> None:
    fingerprint = DOC.fingerprint()
    assert len(fingerprint) == 64
    assert int(fingerprint, 16) >= 0
    assert fingerprint == dataclasses.replace(DOC).fingerprint()
    # Pinned: a change to how fingerprints are made must also raise FINGERPRINT_VERSION,
    # since every index in use holds fingerprints made the old way.
    assert fingerprint == "7d2bf0b4c67b553f4205b2abb93274ed219f287957c05a3b7278c9213749a02b"


def test_every_field_is_part_of_the_fingerprint() -> None:
    assert set(CHANGED) == {field.name for field in dataclasses.fields(SegmentDocument)}
    fingerprints = {DOC.fingerprint()}
    for name, value in CHANGED.items():
        fingerprints.add(dataclasses.replace(DOC, **{name: value}).fingerprint())
    assert len(fingerprints) == len(CHANGED) + 1


def test_a_reader_needs_every_protocol_or_any_one_of_them() -> None:
    assert DOC.protocols_required == 2
    assert dataclasses.replace(DOC, protocol_mode="any").protocols_required == 1
    assert dataclasses.replace(DOC, protocol_ids=()).protocols_required == 0
    assert dataclasses.replace(DOC, protocol_ids=(), protocol_mode="any").protocols_required == 0


def test_fields_do_not_run_into_each_other() -> None:
    a = dataclasses.replace(DOC, text="a b", story_title="c")
    b = dataclasses.replace(DOC, text="a", story_title="b c")
    assert a.fingerprint() != b.fingerprint()


def test_equal_values_of_other_types_give_the_same_fingerprint() -> None:
    assert dataclasses.replace(DOC, access=Access.PUBLIC).fingerprint() == DOC.fingerprint()
    whole = dataclasses.replace(DOC, start=3.0)
    assert dataclasses.replace(DOC, start=3).fingerprint() == whole.fingerprint()


def test_a_field_that_cannot_be_fingerprinted_is_refused() -> None:
    odd = dataclasses.replace(DOC, text=b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes"):
        odd.fingerprint()


def test_earlier_constructors_get_no_narrators_subjects_or_decade() -> None:
    plain = SegmentDocument(
        **{
            name: getattr(DOC, name)
            for name in (
                "segment_id",
                "recording_id",
                "story_id",
                "transcript_id",
                "start",
                "end",
                "text",
                "language",
                "story_title",
                "access",
                "owner_id",
                "collection_id",
            )
        }
    )
    assert (plain.narrators, plain.subjects, plain.decade) == ((), (), None)


def test_a_missing_decade_is_not_decade_zero() -> None:
    unknown = dataclasses.replace(DOC, decade=None).fingerprint()
    assert unknown != dataclasses.replace(DOC, decade=0).fingerprint()


@pytest.mark.parametrize(
    ("recorded_date", "decade"),
    [
        ("1952", 1950),
        ("1952-06", 1950),
        ("1952-06-14", 1950),
        ("1960", 1960),
        ("2009-12-31", 2000),
        (None, None),
        ("", None),
        ("52", None),
        ("19520", None),
        ("June 1952", None),
    ],
)
def test_the_decade_of_a_partial_date(recorded_date: str | None, decade: int | None) -> None:
    assert decade_of(recorded_date) == decade


def test_fingerprints_of_runs_are_each_documents_own() -> None:
    texts = ['say "hi"\\', "año \u2028 \x00\t\n 😀", "plain"]
    docs = [
        dataclasses.replace(DOC, segment_id=uuid.UUID(int=100 + n), text=text, speaker=speaker)
        for n, (text, speaker) in enumerate(zip(texts, ("Ana", None, 'B"en'), strict=True))
    ]
    # Runs that share every field, a field changing mid-run, a value of another type.
    docs += [dataclasses.replace(docs[0], story_title="Other"), docs[1], docs[2]]
    docs += [dataclasses.replace(docs[2], access=Access.PUBLIC, start=3)]
    assert fingerprints(docs) == [doc.fingerprint() for doc in docs]
    assert len(set(fingerprints(docs))) == len(docs) - 2


def test_the_fingerprint_encodes_the_text_as_json() -> None:
    doc = dataclasses.replace(DOC, text='a "quote", a \\ and año\n', speaker=None)
    own = [FINGERPRINT_VERSION, str(doc.segment_id), repr(doc.start), repr(doc.end), doc.text, None]
    encoded = json.dumps(own, ensure_ascii=False, separators=(",", ":"))
    assert (
        doc.fingerprint()
        == hashlib.sha256((encoded + _shared_json(_shared_fields(doc))).encode("utf-8")).hexdigest()
    )
