"""Times as people read them on the pages."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """12:05 or 1:02:03: whole seconds, hours only when there are some."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
