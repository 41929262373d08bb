"""The QR code printed with an upload link reads back, by a real decoder, as the link."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from archive.upload_links.qr import qr_svg

SVG = "{http://www.w3.org/2000/svg}"


def _raster(svg: str) -> np.ndarray:
    """The SVG's dark modules as a grey image, one pixel per module, read from its path."""
    root = ET.fromstring(svg)
    size = int(root.attrib["viewBox"].split()[2]) // 4
    image = np.full((size, size), 255, dtype=np.uint8)
    [dark] = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#000"]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", dark.attrib["d"]):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            image[int(y), int(x) : int(x + float(a))] = 0
            x += float(a)
    return np.kron(image, np.ones((4, 4), dtype=np.uint8))


def test_the_code_reads_back_as_the_link() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    url = "https://archive.example.org/contribute#link_" + "Ab9_-" * 9
    svg = qr_svg(url, title="Upload link")
    [found] = zxingcpp.read_barcodes(_raster(svg))
    assert found.text == url


def test_the_title_is_text_not_markup() -> None:
    svg = qr_svg("https://a.example/contribute#link_x", title="Voices <of> & the valley")
    assert ET.fromstring(svg).find(f"{SVG}title").text == "Voices <of> & the valley"  # type: ignore[union-attr]
    assert "<?xml" not in svg
