"""The OHMS export: a record the OHMS viewer reads (checked against the OHMS record's element
order, types and required parts), with a sync point every minute, index points with titles,
keywords and subjects, and the restricted parts the caller may not hear masked."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from archive.db.session import transaction
from archive.domain.access import Role
from archive.models import Segment, Transcript
from support.accounts import MakeUser
from support.stories import story_with_recording

SCHEMA = Path(__file__).parents[2] / "fixtures" / "ohms" / "ohms-record.xsd"
NS = {"o": "https://www.weareavp.com/nunncenter/ohms"}
SENTENCES = [
    "My grandmother carried the seeds across the river.",
    "The harbour was full of boats from the islands.",
    "We planted maize behind the chapel every spring.",
    "These words stay within the family.",
    "The festival lasted three days with music and dancing.",
    "Later the factory closed and people moved to the city.",
]


def test_a_story_becomes_an_ohms_record_the_viewer_reads(
    client: TestClient, make_user: MakeUser, sessions: sessionmaker[Session]
) -> None:
    archivist = make_user("ana", Role.ARCHIVIST)
    narrator = client.post("/api/v1/people", headers=archivist, json={"name": "Rosa Quispe"})
    interviewer = client.post("/api/v1/people", headers=archivist, json={"name": "Tomas Rios"})
    story_id, recording_id = story_with_recording(
        client,
        archivist,
        title="Seeds across the river",
        access="public",
        subjects=["Migration", "Agriculture"],
        people=[
            {"person_id": narrator.json()["id"], "role": "narrator"},
            {"person_id": interviewer.json()["id"], "role": "interviewer"},
        ],
    )
    with transaction(sessions) as session:
        transcript = Transcript(
            recording_id=uuid.UUID(recording_id), version=1, source="machine", language="en"
        )
        transcript.segments = [
            Segment(
                position=n,
                start=n * 40.0,
                end=n * 40.0 + 38.0,
                text=text,
                speaker="Rosa" if n % 2 == 0 else None,
                words=[
                    {"word": w, "start": n * 40.0 + i * 4.0, "end": n * 40.0 + i * 4.0 + 3.5}
                    for i, w in enumerate(text.split())
                ],
            )
            for n, text in enumerate(SENTENCES)
        ]
        session.add(transcript)
        from archive.models import Recording

        recording = session.get(Recording, uuid.UUID(recording_id))
        assert recording is not None
        recording.duration = 240.0
    restricted = client.post(
        f"/api/v1/recordings/{recording_id}/restrictions",
        headers=archivist,
        json={"start": 120.0, "end": 158.0, "reason": "Family words"},
    )
    assert restricted.status_code == 201, restricted.text
    spoken = client.post(
        f"/api/v1/recordings/{recording_id}/restrictions",
        headers=archivist,
        json={"start": 80.0, "end": 118.0, "reason": "A name said in passing"},
    )
    assert spoken.status_code == 201, spoken.text

    answer = client.get(f"/api/v1/stories/{story_id}/ohms", headers=archivist)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    document = etree.fromstring(answer.content)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(document), schema.error_log
    record = document.find("o:record", NS)
    assert record is not None
    assert record.findtext("o:title", namespaces=NS) == "Seeds across the river"
    assert record.findtext("o:interviewee", namespaces=NS) == "Rosa Quispe"
    assert record.findtext("o:interviewer", namespaces=NS) == "Tomas Rios"
    assert record.findtext("o:duration", namespaces=NS) == "0:04:00"
    lines = (record.findtext("o:transcript", namespaces=NS) or "").split("\n")
    assert lines[0] == "ROSA: My grandmother carried the seeds across the river."
    assert lines[3] == "These words stay within the family."
    # minute 1 falls in line 2 (40-78 s), word 6 (its words start every 4 s from 40 s);
    # minute 2 at the start of line 4; minute 3 in line 5 (160-198 s), word 6; at minute 4
    # nothing more is said
    assert record.findtext("o:sync", namespaces=NS) == "1:|2(6)|4(1)|5(6)"
    points = record.findall("o:index/o:point", NS)
    assert [p.findtext("o:time", namespaces=NS) for p in points] == ["0", "120"]
    assert points[0].findtext("o:subjects", namespaces=NS) == "Migration;Agriculture"
    assert "grandmother" in (points[0].findtext("o:keywords", namespaces=NS) or "")
    assert record.findtext("o:media_url", namespaces=NS).endswith(
        f"/api/v1/recordings/{recording_id}/audio"
    )

    anonymous = etree.fromstring(client.get(f"/api/v1/stories/{story_id}/ohms").content)
    text = anonymous.findtext("o:record/o:transcript", namespaces=NS) or ""
    assert "These words stay within the family." not in text
    assert text.split("\n")[2] == "[restricted]"  # not even who spoke it
    assert "stay within" not in etree.tostring(anonymous).decode()
