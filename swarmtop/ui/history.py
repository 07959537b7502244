"""A bounded series of one figure per time step, for the sparklines the snapshot does not
carry (health score, $/min, tokens/min). One point per `step_s` so the line moves at a pace
a person follows, and so the terminal is not repainted at every tick."""

from __future__ import annotations

from collections import deque


class History:
    def __init__(self, maxlen: int = 240, step_s: float = 2.0) -> None:
        self.values: deque[float] = deque(maxlen=maxlen)
        self.step_s = step_s
        self._last_t: float | None = None

    def add(self, t: float, value: float) -> bool:
        """Record `value` at time `t` (seconds) if a step has passed since the last point;
        returns True if a point was appended (values in between are dropped: no churn)."""
        if self._last_t is not None and t - self._last_t < self.step_s:
            return False
        self.values.append(value)
        self._last_t = t
        return True
