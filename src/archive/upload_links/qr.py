"""The QR code printed with an upload link: the only module that imports `segno`.

The code holds the link's whole URL, token included (in its fragment), so it is made only at
the moment the link is created: the archive keeps no copy of the token to make it again.
"""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, *, title: str) -> str:
    """`url` as an inline SVG element (no XML declaration; a `viewBox` and no fixed size, so
    the page's style sizes it), black on white with the quiet
    zone a phone's camera needs, error correction level M (15 %: a creased or smudged paper
    still reads). `title` names it for screen readers."""
    code = segno.make(url, error="m", boost_error=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=4,
        border=4,
        xmldecl=False,
        omitsize=True,
        svgns=True,
        title=title,
        svgclass="qr-code",
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    return out.getvalue().decode("utf-8")
