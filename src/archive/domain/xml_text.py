"""XML documents the archive writes (OAI-PMH, OHMS), free of I/O: text from people and
machines may hold characters no XML 1.0 document may (control characters pasted from old word
processors, U+FFFE, lone surrogates); they are left out as the document is written, so a
harvester or viewer always gets well-formed XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# Everything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] |
# [#xE000-#xFFFD] | [#x10000-#x10FFFF].
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def serialize(root: ET.Element) -> bytes:
    """`root` as a UTF-8 document with its declaration, every text, tail and attribute value
    holding only characters XML 1.0 allows."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
        for name, value in element.attrib.items():
            element.attrib[name] = xml_text(value)
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialized
