"""Streaming percentiles: an all-time sketch (≤ 1 % relative error) and an exact rolling window."""

from __future__ import annotations

from collections import deque
from operator import itemgetter

import numpy as np
from ddsketch import DDSketch

QUANTILES = (0.5, 0.9, 0.99)
_second = itemgetter(1)


class AllTime:
    """All-time quantiles in bounded memory; count and max are exact."""

    __slots__ = ("_sketch", "count", "max", "_exact")

    # Below this many values we keep them and answer exactly (cheap, and exact for tests
    # and small runs); above it the sketch answers with its 1 % relative-error guarantee.
    EXACT_LIMIT = 2048

    def __init__(self) -> None:
        self._sketch = DDSketch(relative_accuracy=0.01)
        self.count = 0
        self.max: float | None = None
        self._exact: list[float] | None = []

    def add(self, value: float) -> None:
        self._sketch.add(max(value, 0.0))
        self.count += 1
        if self.max is None or value > self.max:
            self.max = value
        if self._exact is not None:
            self._exact.append(value)
            if len(self._exact) > self.EXACT_LIMIT:
                self._exact = None

    def quantiles(self, qs: tuple[float, ...] = QUANTILES) -> list[float | None]:
        if self.count == 0:
            return [None] * len(qs)
        if self._exact is not None:
            arr = np.asarray(self._exact)
            return [float(v) for v in np.quantile(arr, qs)]
        return [float(self._sketch.get_quantile_value(q)) for q in qs]


class Window:
    """Exact quantiles over the values of the last ``span_s`` seconds (at most ``cap`` values)."""

    __slots__ = ("span_s", "_items")

    def __init__(self, span_s: float = 60.0, cap: int = 20_000) -> None:
        self.span_s = span_s
        self._items: deque[tuple[float, float]] = deque(maxlen=cap)

    def add(self, ts: float, value: float) -> None:
        self._items.append((ts, value))

    def values(self, now: float) -> np.ndarray:
        cutoff = now - self.span_s
        items = self._items
        while items and items[0][0] < cutoff:
            items.popleft()
        if items and items[-1][0] <= now:  # the usual case: no value from after `now`
            return np.fromiter(map(_second, items), dtype=float, count=len(items))
        return np.fromiter((v for t, v in items if t <= now), dtype=float)

    def quantiles(self, now: float, qs: tuple[float, ...] = QUANTILES) -> list[float | None]:
        vals = self.values(now)
        if vals.size == 0:
            return [None] * len(qs)
        return [float(v) for v in np.quantile(vals, qs)]


class RateWindow:
    """Sum of amounts over the last ``span_s`` seconds, in one-second buckets (bounded)."""

    __slots__ = ("span_s", "_buckets")

    def __init__(self, span_s: float = 60.0) -> None:
        self.span_s = span_s
        self._buckets: deque[list[float]] = deque(maxlen=int(span_s) + 2)

    def add(self, ts: float, amount: float) -> None:
        sec = float(int(ts))
        b = self._buckets
        if b and b[-1][0] == sec:
            b[-1][1] += amount
        elif not b or sec > b[-1][0]:
            b.append([sec, amount])
        else:  # out-of-order event: find its bucket if it is still in the window
            for bucket in b:
                if bucket[0] == sec:
                    bucket[1] += amount
                    return
            if sec >= b[0][0]:
                b.append([sec, amount])
                ordered = sorted(b, key=lambda x: x[0])
                b.clear()
                b.extend(ordered)

    def total(self, now: float) -> float:
        cutoff = now - self.span_s
        return sum(a for s, a in self._buckets if cutoff < s + 1 and s <= now)

    def per_minute(self, now: float, since: float | None = None) -> float:
        """Rate per minute over the window (or since ``since`` if the run is younger)."""
        span = self.span_s
        if since is not None:
            span = max(1.0, min(span, now - since))
        return self.total(now) * 60.0 / span
