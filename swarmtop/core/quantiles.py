"""Streaming percentiles: an all-time sketch (≤ 1 % relative error) and an exact rolling window."""

from __future__ import annotations

import math
from collections import deque
from operator import itemgetter

import numpy as np

QUANTILES = (0.5, 0.9, 0.99)
_second = itemgetter(1)


class AllTime:
    """All-time quantiles in bounded memory; count and max are exact.

    Up to ``EXACT_LIMIT`` values are kept and answered exactly. Beyond that, values go to a
    log-bucket sketch (the DDSketch mapping: bucket k holds (γ^(k-1), γ^k], γ = (1+α)/(1-α)),
    which answers every quantile within α = 1 % relative error in bounded memory (a few
    thousand buckets span 1e-9 to 1e12). Values are buffered and bucketed in bulk with numpy,
    so adding one costs a list append.
    """

    __slots__ = ("count", "max", "_pending", "_sketching", "_store", "_zeros")

    EXACT_LIMIT = 2048
    FLUSH_AT = 4096
    ALPHA = 0.01
    GAMMA = (1 + ALPHA) / (1 - ALPHA)
    _LOG_GAMMA = math.log(GAMMA)
    _MIN = 1e-9  # values at or below this count in the zero bucket

    def __init__(self) -> None:
        self.count = 0
        self.max: float | None = None
        self._pending: list[float] = []
        self._sketching = False
        self._store: dict[int, int] = {}
        self._zeros = 0

    def add(self, value: float) -> None:
        self.count += 1
        if self.max is None or value > self.max:
            self.max = value
        pending = self._pending
        pending.append(value)
        if len(pending) >= (self.FLUSH_AT if self._sketching else self.EXACT_LIMIT + 1):
            self._flush()

    def _flush(self) -> None:
        self._sketching = True
        if not self._pending:
            return
        arr = np.asarray(self._pending, dtype=float)
        self._pending = []
        pos = arr[arr > self._MIN]
        self._zeros += int(arr.size - pos.size)
        keys = np.ceil(np.log(pos) / self._LOG_GAMMA).astype(np.int64)
        uniq, counts = np.unique(keys, return_counts=True)
        store = self._store
        for k, c in zip(uniq.tolist(), counts.tolist(), strict=True):
            store[k] = store.get(k, 0) + c

    def quantiles(self, qs: tuple[float, ...] = QUANTILES) -> list[float | None]:
        if self.count == 0:
            return [None] * len(qs)
        if not self._sketching:
            return [float(v) for v in np.quantile(np.asarray(self._pending), qs)]
        self._flush()
        keys = sorted(self._store)
        cum = np.cumsum([self._store[k] for k in keys]) + self._zeros
        out: list[float | None] = []
        for q in qs:
            rank = q * (self.count - 1)
            if rank < self._zeros:
                out.append(0.0)
                continue
            i = int(np.searchsorted(cum, rank, side="right"))
            k = keys[min(i, len(keys) - 1)]
            out.append(2.0 * self.GAMMA**k / (self.GAMMA + 1.0))
        return out


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
