"""OAI-PMH 2.0, free of I/O: the verbs and their arguments, datestamps, resumption tokens, and
the Dublin Core record of a story. `domain.oai_xml` writes the answers.

Every error the protocol names is an `OaiError` with its code; the endpoint answers it as the
protocol says (HTTP 200, an `<error>` element), never as problem+json.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

PAGE_SIZE = 100
"""Records or identifiers per answer; a resumption token asks for the next ones."""

METADATA_PREFIX = "oai_dc"


class OaiErrorCode(StrEnum):
    BAD_ARGUMENT = "badArgument"
    BAD_RESUMPTION_TOKEN = "badResumptionToken"
    BAD_VERB = "badVerb"
    CANNOT_DISSEMINATE_FORMAT = "cannotDisseminateFormat"
    ID_DOES_NOT_EXIST = "idDoesNotExist"
    NO_RECORDS_MATCH = "noRecordsMatch"
    NO_METADATA_FORMATS = "noMetadataFormats"
    NO_SET_HIERARCHY = "noSetHierarchy"


class OaiError(Exception):
    def __init__(self, code: OaiErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Verb(StrEnum):
    IDENTIFY = "Identify"
    LIST_METADATA_FORMATS = "ListMetadataFormats"
    LIST_SETS = "ListSets"
    LIST_IDENTIFIERS = "ListIdentifiers"
    LIST_RECORDS = "ListRecords"
    GET_RECORD = "GetRecord"


_ALLOWED: dict[Verb, tuple[frozenset[str], frozenset[str]]] = {
    # verb: (required, optional); resumptionToken is exclusive where allowed
    Verb.IDENTIFY: (frozenset(), frozenset()),
    Verb.LIST_METADATA_FORMATS: (frozenset(), frozenset({"identifier"})),
    Verb.LIST_SETS: (frozenset(), frozenset({"resumptionToken"})),
    Verb.LIST_IDENTIFIERS: (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    Verb.LIST_RECORDS: (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    Verb.GET_RECORD: (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}


@dataclass(frozen=True, slots=True)
class Harvest:
    """What a list request selects, and where its next page starts."""

    verb: Verb
    from_: datetime | None = None
    until: datetime | None = None
    set_spec: str | None = None
    after: tuple[datetime, uuid.UUID] | None = None
    """The (datestamp, story id) of the last record already given."""
    given: int = 0
    """How many records the earlier pages gave (the token's `cursor`)."""


@dataclass(frozen=True, slots=True)
class Request:
    verb: Verb
    arguments: dict[str, str] = field(default_factory=dict)
    token: str | None = None


def parse_request(pairs: list[tuple[str, str]]) -> Request:
    """The request's verb and arguments, or the protocol's error for them."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise OaiError(OaiErrorCode.BAD_ARGUMENT, f"The argument {name} is given twice.")
        values[name] = value
    raw_verb = values.pop("verb", None)
    if raw_verb is None:
        raise OaiError(OaiErrorCode.BAD_VERB, "The request has no verb.")
    try:
        verb = Verb(raw_verb)
    except ValueError:
        raise OaiError(OaiErrorCode.BAD_VERB, f"{raw_verb!r} is not an OAI-PMH verb.") from None
    required, optional = _ALLOWED[verb]
    unknown = set(values) - required - optional
    if unknown:
        raise OaiError(
            OaiErrorCode.BAD_ARGUMENT,
            f"{verb} does not take {', '.join(sorted(unknown))}.",
        )
    token = values.pop("resumptionToken", None)
    if token is not None:
        if values:
            raise OaiError(
                OaiErrorCode.BAD_ARGUMENT,
                "resumptionToken is an exclusive argument: send it alone with the verb.",
            )
        return Request(verb, {}, token)
    missing = required - set(values)
    if missing:
        raise OaiError(OaiErrorCode.BAD_ARGUMENT, f"{verb} needs {', '.join(sorted(missing))}.")
    return Request(verb, values, None)


def parse_datestamp(value: str, *, end_of_day: bool) -> tuple[datetime, str]:
    """A `from` or `until` argument and its granularity (`day` or `second`)."""
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            if end_of_day:
                day = day.replace(hour=23, minute=59, second=59)
            return day, "day"
        if len(value) == 20 and value.endswith("Z"):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "second"
    except ValueError:
        pass
    raise OaiError(
        OaiErrorCode.BAD_ARGUMENT,
        f"{value!r} is not a datestamp: write YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.",
    )


def harvest_of(request: Request) -> Harvest:
    """A first list request's selection (a resumed one comes from its token)."""
    arguments = request.arguments
    if request.verb in (Verb.LIST_IDENTIFIERS, Verb.LIST_RECORDS):
        require_format(arguments["metadataPrefix"])
    from_ = until = None
    granularities = set()
    if "from" in arguments:
        from_, granularity = parse_datestamp(arguments["from"], end_of_day=False)
        granularities.add(granularity)
    if "until" in arguments:
        until, granularity = parse_datestamp(arguments["until"], end_of_day=True)
        granularities.add(granularity)
    if len(granularities) > 1:
        raise OaiError(OaiErrorCode.BAD_ARGUMENT, "from and until must have the same granularity.")
    if from_ is not None and until is not None and from_ > until:
        raise OaiError(OaiErrorCode.BAD_ARGUMENT, "from is later than until.")
    return Harvest(request.verb, from_, until, arguments.get("set"))


def require_format(prefix: str) -> None:
    if prefix != METADATA_PREFIX:
        raise OaiError(
            OaiErrorCode.CANNOT_DISSEMINATE_FORMAT,
            f"This archive gives {METADATA_PREFIX} records only, not {prefix!r}.",
        )


def encode_token(harvest: Harvest) -> str:
    state: dict[str, object] = {
        "v": harvest.verb.value,
        "f": None if harvest.from_ is None else harvest.from_.isoformat(),
        "u": None if harvest.until is None else harvest.until.isoformat(),
        "s": harvest.set_spec,
        "a": None
        if harvest.after is None
        else [harvest.after[0].isoformat(), str(harvest.after[1])],
        "c": harvest.given,
    }
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    check = hashlib.sha256(raw).hexdigest()[:8]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + check


def decode_token(token: str, *, verb: Verb) -> Harvest:
    bad = OaiError(
        OaiErrorCode.BAD_RESUMPTION_TOKEN,
        "This resumption token is not one this archive gave, or is for another verb: start "
        "the harvest again without it.",
    )
    try:
        body, check = token.rsplit(".", 1)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if hashlib.sha256(raw).hexdigest()[:8] != check:
            raise bad
        state = json.loads(raw)
        if state["v"] != verb.value:
            raise bad
        after = state["a"]
        return Harvest(
            verb,
            None if state["f"] is None else datetime.fromisoformat(state["f"]),
            None if state["u"] is None else datetime.fromisoformat(state["u"]),
            state["s"],
            None if after is None else (datetime.fromisoformat(after[0]), uuid.UUID(after[1])),
            int(state["c"]),
        )
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise bad from None


def datestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class DublinCore:
    """A story's catalogue record: what a library or a partner harvests."""

    title: str
    description: str
    creators: tuple[str, ...]
    contributors: tuple[str, ...]
    date: str | None
    coverage: str | None
    languages: tuple[str, ...]
    subjects: tuple[str, ...]
    rights: str | None
    formats: tuple[str, ...]
    publisher: str | None
    identifier: str

    def fingerprint(self) -> str:
        """Changes whenever the record does, so its datestamp can."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


def set_spec(kind: str, thing_id: uuid.UUID) -> str:
    return f"{kind}:{thing_id}"


def parse_set_spec(spec: str) -> tuple[str, uuid.UUID]:
    try:
        kind, raw = spec.split(":", 1)
        if kind in ("community", "collection"):
            return kind, uuid.UUID(raw)
    except ValueError:
        pass
    raise OaiError(
        OaiErrorCode.BAD_ARGUMENT,
        f"{spec!r} is not a set of this archive; ListSets names them "
        "(community:<id> or collection:<id>).",
    )
