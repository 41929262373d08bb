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
