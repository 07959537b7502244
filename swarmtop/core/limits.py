"""Plan and rate limits the logs state (Codex ``rate_limits``): the latest reading of each
window, for snapshot ``limits``. Bounded: a handful of windows per tool and limit."""

from __future__ import annotations

from swarmtop.events import RateLimit
from swarmtop.snapshot import Limit
from swarmtop.timeparse import iso

MAX_LIMITS = 64


class LimitBook:
    def __init__(self) -> None:
        self._latest: dict[tuple[str, str, str], RateLimit] = {}

    def add(self, ev: RateLimit) -> None:
        key = (ev.tool, ev.limit, ev.window)
        seen = self._latest.get(key)
        if seen is None and len(self._latest) >= MAX_LIMITS:
            return
        if seen is None or ev.ts >= seen.ts:  # files read one after another: newest wins
            self._latest[key] = ev

    def section(self) -> list[Limit]:
        """The windows, by tool, limit and window name (primary before secondary)."""
        return [Limit(source=ev.tool, agent=ev.agent, limit=ev.limit, window=ev.window,
                      window_minutes=ev.window_minutes,
                      used_percent=round(ev.used_percent, 1),
                      resets_at=iso(ev.resets_at) if ev.resets_at is not None else None,
                      observed_at=iso(ev.ts), plan=ev.plan)
                for _, ev in sorted(self._latest.items())]
