"""ORM models, one module per aggregate. Importing this package registers them all."""

from archive.models.accounts import ApiToken, User
from archive.models.collections import Collection
from archive.models.communities import AccessGrant, Community, Membership, Protocol
from archive.models.events import Event
from archive.models.fixity import FixityAudit
from archive.models.jobs import Job, WorkerHeartbeat
from archive.models.oai import OaiRecord
from archive.models.people import Person, StoryPerson
from archive.models.recordings import Recording
from archive.models.restrictions import ListeningCopy, Restriction
from archive.models.stories import Story
from archive.models.transcripts import Segment, Transcript
from archive.models.uploads import Consent, Upload, UploadLink

__all__ = [
    "AccessGrant",
    "ApiToken",
    "Collection",
    "Community",
    "Consent",
    "Event",
    "FixityAudit",
    "Job",
    "ListeningCopy",
    "Membership",
    "OaiRecord",
    "Person",
    "Protocol",
    "Recording",
    "Restriction",
    "Segment",
    "Story",
    "StoryPerson",
    "Transcript",
    "Upload",
    "UploadLink",
    "User",
    "WorkerHeartbeat",
]
