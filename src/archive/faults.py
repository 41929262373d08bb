"""A test hook: end the process at a named step, as a crash or `kill -9` would.

Set `ARCHIVE_FAULT_POINT=<name>` in the environment of `archive serve` (or of another
`archive` command) and the process exits at once (`os._exit`, no clean-up, no answer to the
client) the first time it reaches that step. Tests use it to prove that each step can be
resumed after a crash; nothing else sets it.
Points: `upload.offset-committed`, `upload.object-stored`, `upload.recording-committed`;
in `archive import-folder`: `import.object-stored`, `import.recording-committed`, and with
`--url` `import.remote-story-created`, `import.remote-recording-made`.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "ARCHIVE_FAULT_POINT"
EXIT_STATUS = 70


def reached(point: str) -> None:
    """Ends the process here when the test hook names `point`; otherwise does nothing."""
    if os.environ.get(ENVIRONMENT_VARIABLE) == point:
        log.warning("fault.exit point=%s", point)
        os._exit(EXIT_STATUS)
