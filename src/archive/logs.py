"""Structured logs: one event name and key=value fields per line, on stderr."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s level=%(levelname)s logger=%(name)s pid=%(process)d event=%(message)s",
        force=True,
    )
