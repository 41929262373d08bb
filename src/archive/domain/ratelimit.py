"""A token bucket per key: `capacity` requests at once, refilled at `rate` per second. Pure:
the caller passes the time, so tests need no clock."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class TokenBuckets:
    capacity: float
    rate: float
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)
    """key -> (tokens left, when last updated)."""

    def take(self, key: str, now: float) -> float:
        """0 when the request may go ahead; otherwise the seconds to wait before retrying."""
        tokens, then = self._state.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if tokens >= 1:
            self._state[key] = (tokens - 1, now)
            return 0.0
        self._state[key] = (tokens, now)
        return math.ceil((1 - tokens) / self.rate * 1000) / 1000


def share_of(capacity: int, rate: float, *, processes: int) -> TokenBuckets:
    """One process's part of a limit that `processes` processes keep, each with buckets of
    its own: whichever processes the requests reach, together they allow no more than the
    limit (each burst rounded up to a whole request per process)."""
    return TokenBuckets(capacity=math.ceil(capacity / processes), rate=rate / processes)
