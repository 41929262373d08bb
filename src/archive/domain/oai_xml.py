"""The XML of OAI-PMH 2.0 answers and of `oai_dc` records, free of I/O."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from archive.domain.oai import METADATA_PREFIX, DublinCore, OaiError, Verb, datestamp

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

for prefix, uri in (("", OAI), ("oai_dc", OAI_DC), ("dc", DC), ("xsi", XSI)):
    ET.register_namespace(prefix, uri)


@dataclass(frozen=True, slots=True)
class Header:
    identifier: str
    datestamp: datetime
    set_specs: tuple[str, ...]
    deleted: bool


@dataclass(frozen=True, slots=True)
class Record:
    header: Header
    metadata: DublinCore | None
    """None for a deleted record."""


@dataclass(frozen=True, slots=True)
class Page:
    """A list answer: its items, and the token of the rest (None: there is no rest; "" on
    the last page of a list that was paged)."""

    token: str | None
    cursor: int
    complete_size: int | None


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    base_url: str
    admin_email: str
    earliest: datetime


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _sub(parent: ET.Element, tag: str, *, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _q(OAI, tag), attributes)
    if text is not None:
        element.text = text
    return element


def _envelope(*, now: datetime, base_url: str, arguments: dict[str, str] | None) -> ET.Element:
    root = ET.Element(_q(OAI, "OAI-PMH"))
    root.set(_q(XSI, "schemaLocation"), f"{OAI} {OAI_SCHEMA}")
    _sub(root, "responseDate", text=datestamp(now))
    _sub(root, "request", text=base_url, **(arguments or {}))
    return root


def _serialize(root: ET.Element) -> bytes:
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialized


def error(exc: OaiError, *, now: datetime, base_url: str, arguments: dict[str, str]) -> bytes:
    """The protocol's error answer; the request's arguments are echoed only when they were
    valid (not for badVerb and badArgument), as the protocol says."""
    echo = None if exc.code in ("badVerb", "badArgument") else arguments
    root = _envelope(now=now, base_url=base_url, arguments=echo)
    _sub(root, "error", text=exc.message, code=exc.code.value)
    return _serialize(root)


def identify(identity: Identity, *, now: datetime, arguments: dict[str, str]) -> bytes:
    root = _envelope(now=now, base_url=identity.base_url, arguments=arguments)
    body = _sub(root, Verb.IDENTIFY.value)
    _sub(body, "repositoryName", text=identity.name)
    _sub(body, "baseURL", text=identity.base_url)
    _sub(body, "protocolVersion", text="2.0")
    _sub(body, "adminEmail", text=identity.admin_email)
    _sub(body, "earliestDatestamp", text=datestamp(identity.earliest))
    _sub(body, "deletedRecord", text="persistent")
    _sub(body, "granularity", text="YYYY-MM-DDThh:mm:ssZ")
    return _serialize(root)


def metadata_formats(*, now: datetime, base_url: str, arguments: dict[str, str]) -> bytes:
    root = _envelope(now=now, base_url=base_url, arguments=arguments)
    body = _sub(root, Verb.LIST_METADATA_FORMATS.value)
    fmt = _sub(body, "metadataFormat")
    _sub(fmt, "metadataPrefix", text=METADATA_PREFIX)
    _sub(fmt, "schema", text=OAI_DC_SCHEMA)
    _sub(fmt, "metadataNamespace", text=OAI_DC)
    return _serialize(root)


def sets(
    named: Sequence[tuple[str, str]], *, now: datetime, base_url: str, arguments: dict[str, str]
) -> bytes:
    root = _envelope(now=now, base_url=base_url, arguments=arguments)
    body = _sub(root, Verb.LIST_SETS.value)
    for spec, name in named:
        item = _sub(body, "set")
        _sub(item, "setSpec", text=spec)
        _sub(item, "setName", text=name)
    return _serialize(root)


def _header(parent: ET.Element, header: Header) -> None:
    attributes = {"status": "deleted"} if header.deleted else {}
    element = _sub(parent, "header", **attributes)
    _sub(element, "identifier", text=header.identifier)
    _sub(element, "datestamp", text=datestamp(header.datestamp))
    for spec in header.set_specs:
        _sub(element, "setSpec", text=spec)


def _dublin_core(parent: ET.Element, dc: DublinCore, *, wrap: bool = True) -> None:
    metadata = _sub(parent, "metadata") if wrap else parent
    root = ET.SubElement(metadata, _q(OAI_DC, "dc"))
    root.set(_q(XSI, "schemaLocation"), f"{OAI_DC} {OAI_DC_SCHEMA}")
    fields: list[tuple[str, Sequence[str]]] = [
        ("title", [dc.title]),
        ("creator", dc.creators),
        ("subject", dc.subjects),
        ("description", [dc.description] if dc.description else []),
        ("publisher", [dc.publisher] if dc.publisher else []),
        ("contributor", dc.contributors),
        ("date", [dc.date] if dc.date else []),
        ("type", ["Sound"]),
        ("format", dc.formats),
        ("identifier", [dc.identifier]),
        ("language", dc.languages),
        ("coverage", [dc.coverage] if dc.coverage else []),
        ("rights", [dc.rights] if dc.rights else []),
    ]
    for name, values in fields:
        for value in values:
            ET.SubElement(root, _q(DC, name)).text = value


def records(
    items: Sequence[Record],
    page: Page,
    *,
    verb: Verb,
    now: datetime,
    base_url: str,
    arguments: dict[str, str],
) -> bytes:
    """ListRecords, ListIdentifiers (headers only) and GetRecord (one record, no page)."""
    root = _envelope(now=now, base_url=base_url, arguments=arguments)
    body = _sub(root, verb.value)
    for item in items:
        if verb is Verb.LIST_IDENTIFIERS:
            _header(body, item.header)
            continue
        record = _sub(body, "record")
        _header(record, item.header)
        if item.metadata is not None:
            _dublin_core(record, item.metadata)
    if page.token is not None:
        attributes = {"cursor": str(page.cursor)}
        if page.complete_size is not None:
            attributes["completeListSize"] = str(page.complete_size)
        _sub(body, "resumptionToken", text=page.token, **attributes)
    return _serialize(root)


def dublin_core_record(dc: DublinCore) -> bytes:
    """A story's Dublin Core as a standalone `oai_dc:dc` document (for a bag)."""
    holder = ET.Element("holder")
    _dublin_core(holder, dc, wrap=False)
    return _serialize(holder[0])
